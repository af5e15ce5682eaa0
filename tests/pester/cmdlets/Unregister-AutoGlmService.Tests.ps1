# Unregister-AutoGlmService run for real: a unit under a fixture root, fake systemctl first on PATH.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
    Import-AutoGlmUnderTest
    $savedPath = $env:PATH
    $calls = Join-Path $TestDrive 'calls.log'
    $bin = New-SafeToolBin -Bin (Join-Path $TestDrive 'bin') -Log $calls
    Add-PathFirst $bin
    $script:n = 0
    function New-ServiceRoot {
        $r = New-FixtureRoot -Path (Join-Path $TestDrive ('root' + ++$script:n))
        $null = Set-RootFile $r '/etc/systemd/system/autoglm-x.service' "[Service]`nExecStart=/bin/true`n"
        $null = Set-RootFile $r '/etc/autoglm/autoglm-x.env' "HF_TOKEN=hf_secret`n"
        $r
    }
    # systemctl that succeeds, for the run that really removes the unit.
    $okBin = Join-Path $TestDrive 'okbin'
    $null = New-FakeTool -Bin $okBin -Name systemctl -Log $calls -Body 'case "$1" in is-enabled) echo disabled; exit 1;; is-active) echo inactive; exit 3;; show) echo LoadState=not-found; echo NeedDaemonReload=no;; *) exit 0;; esac'
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Unregister-AutoGlmService' {
    It 'changes nothing under -WhatIf' {
        $root = New-ServiceRoot
        $before = Get-TreeFingerprint $root
        $out = Unregister-AutoGlmService -Name autoglm-x -Root $root -WhatIf
        $out | Should -BeNullOrEmpty
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'removes the unit with -Force and returns an ApplyResult' {
        $root = New-ServiceRoot
        $saved = $env:PATH
        try {
            Add-PathFirst $okBin
            $result = Unregister-AutoGlmService -Name autoglm-x -Root $root -Force
        }
        finally { $env:PATH = $saved }
        $result | Should -BeOfType ([AutoGlm.Engine.Plan.ApplyResult])
        $result.Status | Should -Be 'changed'
        Test-Path (Join-Path $root 'etc/systemd/system/autoglm-x.service') | Should -BeFalse
    }

    It 'applies with -Confirm:$false as with -Force' {
        $root = New-ServiceRoot
        $saved = $env:PATH
        try { Add-PathFirst $okBin; $result = Unregister-AutoGlmService -Name autoglm-x -Root $root -Confirm:$false }
        finally { $env:PATH = $saved }
        $result.Status | Should -Be 'changed'
    }

    It 'reports progress and verbose notes, and never shows the secrets file''s content' {
        $root = New-ServiceRoot
        $run = Invoke-InRunspace -Script 'param($r, $b) $env:PATH = $b + [IO.Path]::PathSeparator + $env:PATH; Unregister-AutoGlmService -Name autoglm-x -Root $r -Force' -Arguments @{ r = $root; b = $okBin } -VerboseOn -DebugOn
        $run.Thrown | Should -BeNullOrEmpty
        $run.Error | Should -BeNullOrEmpty
        $run.Output[0].Status | Should -Be 'changed'
        $run.Progress | Should -Not -BeNullOrEmpty
        ($run.Verbose + $run.Debug + $run.Information | Out-String) | Should -Not -Match 'hf_secret'
    }

    It 'fails with PlanStepFailed (InvalidResult) when systemctl fails, after the ApplyResult' {
        $root = New-ServiceRoot
        $result = $null
        $err = Get-StopError { $script:result = Unregister-AutoGlmService -Name autoglm-x -Root $root -Force -ErrorAction Stop }
        Assert-AutoGlmError $err -ErrorId PlanStepFailed -Class UnregisterAutoGlmServiceCommand -Category InvalidResult
        Test-Path (Join-Path $root 'etc/systemd/system/autoglm-x.service') | Should -BeTrue   # rolled back
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase ServiceNameInvalid InvalidArgument { Unregister-AutoGlmService -Name 'a b' -Root (New-ServiceRoot) -WhatIf -ErrorAction Stop }
            ErrorCase ServiceNotAdministrator PermissionDenied { $r = New-ServiceRoot; $null = Set-RootFile $r '/proc/self/status' "Uid:`t1000`t1000`t1000`t1000`n"; Unregister-AutoGlmService -Name autoglm-x -Root $r -Force -ErrorAction Stop }
            ErrorCase ProfileNotFound ObjectNotFound { Unregister-AutoGlmService -Profile no-such-profile -Root (New-ServiceRoot) -WhatIf -ErrorAction Stop }
            ErrorCase RootNotFound ObjectNotFound { Unregister-AutoGlmService -Name autoglm-x -Root (Join-Path $TestDrive 'nowhere') -WhatIf -ErrorAction Stop }
            ErrorCase RootInvalid InvalidArgument -Skip 'RootInvalid is an empty -Root, and [ValidateNotNullOrEmpty] on -Root makes PowerShell refuse it first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase RootUnreadable PermissionDenied -AsRoot { $r = New-Item -ItemType Directory (Join-Path $TestDrive 'locked'); chmod 000 $r; Unregister-AutoGlmService -Name x -Root $r -WhatIf -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'UnregisterAutoGlmServiceCommand'
        }

        It '<Fault> (<Category>) from the plan executor' -ForEach ($executorFaults | Where-Object { $_.Fault -ne 'FileWriteFailed' }) {
            $root = New-ServiceRoot
            $err = Invoke-ExecutorFault -Fault $Fault -Root $root -Plan 'service-autoglm-x' -Invoke { param($Root, [switch] $Resume) Unregister-AutoGlmService -Name autoglm-x -Root $Root -Force -Resume:$Resume -LockTimeoutSec 0 -ErrorAction Stop }
            Assert-AutoGlmError $err -ErrorId $Fault -Class UnregisterAutoGlmServiceCommand -Category $Category
        }
    }
}
