# Register-AutoGlmService run for real: a fixture root with a venv, fake systemd tools first on PATH.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
    Import-AutoGlmUnderTest
    $savedPath = $env:PATH
    $bin = New-SafeToolBin -Bin (Join-Path $TestDrive 'bin') -Log (Join-Path $TestDrive 'calls.log')
    Add-PathFirst $bin
    $script:n = 0
    function New-ServiceRoot { New-FixtureRoot -Path (Join-Path $TestDrive ('root' + ++$script:n)) -Gpu -Venv }
    $secret = 'hf_pester_secret_0123456789'
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Register-AutoGlmService' {
    It 'changes nothing under -WhatIf and returns nothing' {
        $root = New-ServiceRoot
        $before = Get-TreeFingerprint $root
        Register-AutoGlmService -Profile vllm-server -Root $root -Environment @{ HF_TOKEN = $secret } -WhatIf | Should -BeNullOrEmpty
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'masks an -Environment secret in the -WhatIf preview' {
        $root = New-ServiceRoot
        $script = "Import-Module '$autoGlmManifest'; `$env:PATH = '$bin' + [IO.Path]::PathSeparator + `$env:PATH; Register-AutoGlmService -Profile vllm-server -Root '$root' -Environment @{ HF_TOKEN = '$secret' } -WhatIf -Verbose *>&1 | Out-String -Width 500"
        $text = (& (Get-PwshPath) -NoProfile -NonInteractive -Command $script) -join "`n"
        $text | Should -Match 'What if'
        $text | Should -Match 'shown masked'
        $text | Should -Not -Match $secret
    }

    It 'with -Force, a failing health check is PlanStepFailed with the ApplyResult first, rolled back, the secret nowhere in the streams' {
        $root = New-ServiceRoot
        $run = Invoke-InRunspace -Script 'param($r, $s) Register-AutoGlmService -Profile vllm-server -Root $r -Environment @{ HF_TOKEN = $s } -HealthTimeoutSec 1 -Force' -Arguments @{ r = $root; s = $secret } -VerboseOn -DebugOn
        $failure = Get-RunFailure $run
        $failure.FullyQualifiedErrorId | Should -Be 'PlanStepFailed,AutoGlm.Commands.RegisterAutoGlmServiceCommand'
        $failure.CategoryInfo.Category | Should -Be 'InvalidResult'
        $run.Output[0] | Should -BeOfType ([AutoGlm.Engine.Plan.ApplyResult])
        $run.Output[0].Status | Should -BeIn 'failed', 'rolled-back'
        $run.Progress | Should -Not -BeNullOrEmpty
        ($run.Output + $run.Error + $run.Verbose + $run.Debug + $run.Warning + $run.Information | Out-String) | Should -Not -Match $secret
        Test-Path (Join-Path $root 'etc/systemd/system/autoglm-vllm-server.service') | Should -BeFalse
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase ServiceNameInvalid InvalidArgument { Register-AutoGlmService -Root (New-ServiceRoot) -Name 'a/b' -WhatIf -ErrorAction Stop }
            ErrorCase ServicePortInvalid InvalidArgument { Register-AutoGlmService -Root (New-ServiceRoot) -Port 70000 -WhatIf -ErrorAction Stop }
            ErrorCase ServicePortInUse ResourceBusy {
                $r = New-ServiceRoot
                $header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
                $null = Set-RootFile $r '/proc/net/tcp' "$header`n   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0`n"
                $null = Set-RootFile $r '/proc/net/tcp6' "$header`n"
                Register-AutoGlmService -Root $r -Port 8000 -WhatIf -ErrorAction Stop }
            ErrorCase ServiceVenvNotFound ObjectNotFound { Register-AutoGlmService -Root (New-ServiceRoot) -VenvPath /nowhere -WhatIf -ErrorAction Stop }
            ErrorCase ServicePathInvalid InvalidArgument { Register-AutoGlmService -Root (New-ServiceRoot) -InstallPath 'relative/path' -WhatIf -ErrorAction Stop }
            ErrorCase ServiceUserInvalid InvalidArgument { Register-AutoGlmService -Root (New-ServiceRoot) -User root -WhatIf -ErrorAction Stop }
            ErrorCase ServiceEnvironmentInvalid InvalidArgument { Register-AutoGlmService -Root (New-ServiceRoot) -Environment @{ 'NOT A NAME' = 'x' } -WhatIf -ErrorAction Stop }
            ErrorCase ServiceProfileNotServable InvalidArgument { Register-AutoGlmService -Profile phone-agent -Root (New-ServiceRoot) -WhatIf -ErrorAction Stop }
            ErrorCase ServiceTimeoutInvalid InvalidArgument -Skip '[ValidateRange(1, 86400)] on -HealthTimeoutSec makes PowerShell refuse a non-positive timeout before the cmdlet runs (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase ServiceNotAdministrator PermissionDenied { $r = New-ServiceRoot; $null = Set-RootFile $r '/proc/self/status' "Uid:`t1000`t1000`t1000`t1000`n"; Register-AutoGlmService -Root $r -Force -ErrorAction Stop }
            ErrorCase ServiceHostMissing ObjectNotFound -Skip 'Windows only: AutoGlm.ServiceHost.exe is looked for when the service is a Windows service; on Linux the unit runs python directly'
            ErrorCase ServiceRoleInvalid InvalidArgument -Skip '[ValidateSet(Server, Agent)] on -Role refuses other roles first, and the other cause (-Role Agent on Windows) needs Windows'
            ErrorCase ServiceAgentTaskInvalid InvalidArgument { $r = New-ServiceRoot; $null = Set-RootFile $r '/opt/autoglm/Open-AutoGLM/main.py' 'print(1)'; Register-AutoGlmService -Role Agent -Root $r -WhatIf -ErrorAction Stop }
            ErrorCase ServiceAgentNotFound ObjectNotFound { Register-AutoGlmService -Role Agent -Task 'open the weather app' -Root (New-ServiceRoot) -WhatIf -ErrorAction Stop }
            ErrorCase ProfileNotFound ObjectNotFound { Register-AutoGlmService -Profile no-such-profile -Root (New-ServiceRoot) -WhatIf -ErrorAction Stop }
            ErrorCase RootNotFound ObjectNotFound { Register-AutoGlmService -Root (Join-Path $TestDrive 'nowhere') -WhatIf -ErrorAction Stop }
            ErrorCase RootInvalid InvalidArgument -Skip 'RootInvalid is an empty -Root, and [ValidateNotNullOrEmpty] on -Root makes PowerShell refuse it first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase RootUnreadable PermissionDenied -AsRoot { $r = New-Item -ItemType Directory (Join-Path $TestDrive 'locked'); chmod 000 $r; Register-AutoGlmService -Root $r -WhatIf -ErrorAction Stop }
            ErrorCase MatrixOverrideNotFound ObjectNotFound { Register-AutoGlmService -Root (New-ServiceRoot) -MatrixPath (Join-Path $TestDrive 'missing.yaml') -WhatIf -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Register-AutoGlmService -Root (New-ServiceRoot) -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'bad.yaml')) -WhatIf -ErrorAction Stop }
            ErrorCase MatrixUnreadable ReadError -AsRoot { $f = Join-Path $TestDrive 'locked.yaml'; Set-Content $f 'schemaVersion: 1'; chmod 000 $f; Register-AutoGlmService -Root (New-ServiceRoot) -MatrixPath $f -WhatIf -ErrorAction Stop }
            ErrorCase MatrixNotFound ObjectNotFound -Child "Register-AutoGlmService -Root '$([IO.Path]::GetTempPath())' -WhatIf"
        ) {
            Test-DocumentedError $_ 'RegisterAutoGlmServiceCommand'
        }

        It '<Fault> (<Category>) from the plan executor' -ForEach $executorFaults {
            $root = New-ServiceRoot
            $err = Invoke-ExecutorFault -Fault $Fault -Root $root -Plan 'service-autoglm-vllm-server' -Invoke { param($Root, [switch] $Resume) Register-AutoGlmService -Root $Root -Force -Resume:$Resume -LockTimeoutSec 0 -HealthTimeoutSec 1 -ErrorAction Stop }
            Assert-AutoGlmError $err -ErrorId $Fault -Class RegisterAutoGlmServiceCommand -Category $Category
        }
    }
}
