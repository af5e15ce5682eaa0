# Update-AutoGlmRepository run for real: real git, local bare remotes, checkouts under a fixture root.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
    Import-AutoGlmUnderTest
    $savedPath = $env:PATH
    $savedGit = $env:GIT_CONFIG_GLOBAL, $env:GIT_CONFIG_NOSYSTEM
    $env:GIT_CONFIG_GLOBAL = Join-Path $TestDrive 'gitconfig'
    $env:GIT_CONFIG_NOSYSTEM = '1'
    Set-Content -Path $env:GIT_CONFIG_GLOBAL -Value "[user]`n  name = Pester`n  email = pester@example.invalid`n"
    $bin = New-SafeToolBin -Bin (Join-Path $TestDrive 'bin')
    Add-PathFirst $bin
    $work = Join-Path $TestDrive 'work'
    git init -q -b main $work
    Set-Content -Path (Join-Path $work 'requirements.txt') -Value 'openai==2.9.0'
    git -C $work add requirements.txt
    git -C $work commit -q -m one
    git clone -q --bare $work (Join-Path $TestDrive 'remotes/THUDM/app.git')
    git clone -q --bare $work (Join-Path $TestDrive 'remotes/zai-org/app.git')
    $other = Join-Path $TestDrive 'other'
    git init -q -b main $other
    Set-Content -Path (Join-Path $other 'x') -Value 'unrelated'
    git -C $other add x
    git -C $other commit -q -m unrelated
    $oldUrl = 'file://' + (Join-Path $TestDrive 'remotes/THUDM/app.git')
    $newUrl = 'file://' + (Join-Path $TestDrive 'remotes/zai-org/app.git')
    $script:n = 0
    # A fixture root with a checkout of the old remote at /srv/app.
    function New-CheckoutRoot {
        $root = New-FixtureRoot -Path (Join-Path $TestDrive ('root' + ++$script:n))
        $null = New-Item -ItemType Directory -Force (Join-Path $root 'srv')
        git clone -q $oldUrl (Join-Path $root 'srv/app')
        $root
    }
}

AfterAll {
    $env:PATH = $savedPath
    $env:GIT_CONFIG_GLOBAL, $env:GIT_CONFIG_NOSYSTEM = $savedGit
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Update-AutoGlmRepository' {
    It 'changes nothing under -WhatIf' {
        $root = New-CheckoutRoot
        $before = Get-TreeFingerprint $root
        Update-AutoGlmRepository -Path /srv/app -Root $root -To $newUrl -AllowLocal -WhatIf | Should -BeNullOrEmpty
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'moves origin with -Force, keeps the old URL as autoglm-previous, and returns an ApplyResult' {
        $root = New-CheckoutRoot
        $result = Update-AutoGlmRepository -Path /srv/app -Root $root -To $newUrl -AllowLocal -Force
        $result | Should -BeOfType ([AutoGlm.Engine.Plan.ApplyResult])
        $result.Status | Should -Be 'changed'
        git -C (Join-Path $root 'srv/app') remote get-url origin | Should -Be $newUrl
        git -C (Join-Path $root 'srv/app') remote get-url autoglm-previous | Should -Be $oldUrl
        (Update-AutoGlmRepository -Path /srv/app -Root $root -To $newUrl -AllowLocal -Confirm:$false).Status | Should -Be 'converged'
    }

    It 'takes the checkout path from the pipeline by property name (Path)' {
        $root = New-CheckoutRoot
        $result = [pscustomobject]@{ Path = '/srv/app' } | Update-AutoGlmRepository -Root $root -To $newUrl -AllowLocal -Force
        $result.Status | Should -Be 'changed'
    }

    It 'migrates every checkout piped in, each with its own result, and a bad one does not stop the others' {
        $root = New-CheckoutRoot
        git clone -q $oldUrl (Join-Path $root 'srv/second')
        $paths = '/srv/app', '/srv/missing', '/srv/second' | ForEach-Object { [pscustomobject]@{ Path = $_ } }
        $results = $paths | Update-AutoGlmRepository -Root $root -To $newUrl -AllowLocal -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 2
        @($results | Where-Object Status -EQ 'changed').Count | Should -Be 2
        foreach ($checkout in 'srv/app', 'srv/second') { git -C (Join-Path $root $checkout) remote get-url origin | Should -Be $newUrl }
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'RepositoryNotFound,AutoGlm.Commands.UpdateAutoGlmRepositoryCommand'
    }

    It 'stops at a bad parameter even for piped checkouts: no checkout can succeed with it' {
        $root = New-CheckoutRoot
        $paths = '/srv/app', '/srv/app' | ForEach-Object { [pscustomobject]@{ Path = $_ } }
        $err = { $paths | Update-AutoGlmRepository -Root $root -To 'ext::sh -c id' -Force -ErrorAction SilentlyContinue } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'RepositoryUrlUnsafe,AutoGlm.Commands.UpdateAutoGlmRepositoryCommand'
        git -C (Join-Path $root 'srv/app') remote get-url origin | Should -Be $oldUrl
    }

    It 'reports progress and masks credentials of a URL in the verbose and debug streams' {
        $root = New-CheckoutRoot
        $run = Invoke-InRunspace -Script 'param($r) Update-AutoGlmRepository -Path /srv/app -Root $r -To "https://pester:tok3n-secret@github.com/zai-org/Open-AutoGLM" -WhatIf' -Arguments @{ r = $root } -VerboseOn -DebugOn
        ($run.Verbose + $run.Debug + $run.Information + $run.Warning + $run.Error | Out-String) | Should -Not -Match 'tok3n-secret'
        $run.Progress | Should -Not -BeNullOrEmpty
    }

    It 'fails with PlanStepFailed (InvalidResult) when the new URL is another project, and rolls back' {
        $root = New-CheckoutRoot
        $err = Get-StopError { Update-AutoGlmRepository -Path /srv/app -Root $root -To ('file://' + $other) -AllowLocal -Force -ErrorAction Stop }
        Assert-AutoGlmError $err -ErrorId PlanStepFailed -Class UpdateAutoGlmRepositoryCommand -Category InvalidResult
        $err.Exception.Message | Should -Match 'RepositoryNotSameProject|not the same project|history'
        git -C (Join-Path $root 'srv/app') remote get-url origin | Should -Be $oldUrl
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase RepositoryUrlUnsafe SecurityError { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -To 'ext::sh -c id' -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUrlInvalid InvalidArgument { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -To 'https://' -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUrlLocalNotAllowed InvalidArgument { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -To $newUrl -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUrlNotARepository ObjectNotFound { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -To ('file://' + $TestDrive) -AllowLocal -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryPathMissing InvalidArgument -Skip '[ValidateNotNullOrEmpty] on the mandatory -Path makes PowerShell refuse an empty path first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase RepositoryNotFound ObjectNotFound { Update-AutoGlmRepository -Path /srv/nothing -Root (New-CheckoutRoot) -To $newUrl -AllowLocal -WhatIf -ErrorAction Stop }
            ErrorCase GitNotInstalled NotInstalled { $r = New-CheckoutRoot; $saved = $env:PATH; try { $env:PATH = $bin; Update-AutoGlmRepository -Path /srv/app -Root $r -To $newUrl -AllowLocal -WhatIf -ErrorAction Stop } finally { $env:PATH = $saved } }
            ErrorCase RepositoryHasNoCommits InvalidOperation { $r = New-FixtureRoot (Join-Path $TestDrive 'empty-repo'); git init -q (Join-Path $r 'srv/app'); Update-AutoGlmRepository -Path /srv/app -Root $r -To $newUrl -AllowLocal -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryBusy InvalidOperation { $r = New-CheckoutRoot; Set-Content (Join-Path $r 'srv/app/.git/MERGE_HEAD') (git -C (Join-Path $r 'srv/app') rev-parse HEAD); Update-AutoGlmRepository -Path /srv/app -Root $r -To $newUrl -AllowLocal -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryRefInvalid InvalidArgument { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -To $newUrl -AllowLocal -Ref 'bad..ref' -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryRemoteNotFound ObjectNotFound { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -To $newUrl -AllowLocal -Remote nosuch -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryTargetUnknown InvalidArgument { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryPreviousRemoteExists ResourceUnavailable { $r = New-CheckoutRoot; git -C (Join-Path $r 'srv/app') remote add autoglm-previous $oldUrl; Update-AutoGlmRepository -Path /srv/app -Root $r -To $newUrl -AllowLocal -WhatIf -ErrorAction Stop }
            ErrorCase ProfileNotFound ObjectNotFound { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -Profile no-such-profile -WhatIf -ErrorAction Stop }
            ErrorCase MatrixNotFound ObjectNotFound -Child "Update-AutoGlmRepository -Path /srv/app -Root '$([IO.Path]::GetTempPath())' -WhatIf"
            ErrorCase MatrixOverrideNotFound ObjectNotFound { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -MatrixPath (Join-Path $TestDrive 'missing.yaml') -WhatIf -ErrorAction Stop }
            ErrorCase MatrixUnreadable ReadError -AsRoot { $f = Join-Path $TestDrive 'locked.yaml'; Set-Content $f 'schemaVersion: 1'; chmod 000 $f; Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -MatrixPath $f -WhatIf -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Update-AutoGlmRepository -Path /srv/app -Root (New-CheckoutRoot) -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'bad.yaml')) -WhatIf -ErrorAction Stop }
            ErrorCase RootNotFound ObjectNotFound { Update-AutoGlmRepository -Path /srv/app -Root (Join-Path $TestDrive 'nowhere') -To $newUrl -AllowLocal -WhatIf -ErrorAction Stop }
            ErrorCase RootInvalid InvalidArgument -Skip 'RootInvalid is an empty -Root, and [ValidateNotNullOrEmpty] on -Root makes PowerShell refuse it first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase RootUnreadable PermissionDenied -AsRoot { $r = New-Item -ItemType Directory (Join-Path $TestDrive 'locked'); chmod 000 $r; Update-AutoGlmRepository -Path /srv/app -Root $r -To $newUrl -AllowLocal -WhatIf -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'UpdateAutoGlmRepositoryCommand'
        }

        It '<Fault> (<Category>) from the plan executor' -ForEach $executorFaults {
            $err = Invoke-ExecutorFault -Fault $Fault -Root (New-CheckoutRoot) -Plan 'repo-migrate' -Invoke { param($Root, [switch] $Resume) Update-AutoGlmRepository -Path /srv/app -Root $Root -To $newUrl -AllowLocal -Force -Resume:$Resume -LockTimeoutSec 0 -ErrorAction Stop }
            Assert-AutoGlmError $err -ErrorId $Fault -Class UpdateAutoGlmRepositoryCommand -Category $Category
        }
    }
}
