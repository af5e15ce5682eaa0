# Repair-AutoGlmDriver run for real: a fixture root whose nouveau module is loaded (a cause the repair fixes by
# blacklisting it) and a root with no GPU (a cause it cannot fix). update-initramfs and friends are failing fakes.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
    Import-AutoGlmUnderTest
    $savedPath = $env:PATH
    Add-PathFirst (New-SafeToolBin -Bin (Join-Path $TestDrive 'bin') -Log (Join-Path $TestDrive 'calls.log'))
    $script:n = 0
    function New-NouveauRoot {
        $r = New-FixtureRoot -Path (Join-Path $TestDrive ('root' + ++$script:n)) -Gpu
        $null = Set-RootFile $r '/proc/modules' "nouveau 2416640 3 - Live 0x0000000000000000`ndrm 622592 5 nouveau, Live 0x0000000000000000`n"
        $r
    }
    $PSDefaultParameterValues['Repair-AutoGlmDriver:WarningAction'] = 'SilentlyContinue'
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Repair-AutoGlmDriver' {
    It 'returns the RepairDiagnosis under -WhatIf and changes nothing' {
        $root = New-NouveauRoot
        $before = Get-TreeFingerprint $root
        $diagnosis = Repair-AutoGlmDriver -Root $root -WhatIf
        @($diagnosis).Count | Should -Be 1
        $diagnosis | Should -BeOfType ([AutoGlm.Engine.Repair.RepairDiagnosis])
        $diagnosis.AnyFixable | Should -BeTrue
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'binds check results from the pipeline by property name (Id)' {
        $root = New-NouveauRoot
        $diagnosis = [pscustomobject]@{ Id = 'driver.nouveau' } | Repair-AutoGlmDriver -Root $root -WhatIf
        $diagnosis | Should -BeOfType ([AutoGlm.Engine.Repair.RepairDiagnosis])
    }

    It 'with -Force, writes the diagnosis, then the failing initramfs rebuild is PlanStepFailed after the ApplyResult; progress is reported' {
        $root = New-NouveauRoot
        $run = Invoke-InRunspace -Script 'param($r) Repair-AutoGlmDriver -Root $r -Force -WarningAction SilentlyContinue' -Arguments @{ r = $root } -VerboseOn -DebugOn
        $failure = Get-RunFailure $run
        Assert-AutoGlmError $failure -ErrorId PlanStepFailed -Class RepairAutoGlmDriverCommand -Category InvalidResult
        $run.Output[0] | Should -BeOfType ([AutoGlm.Engine.Repair.RepairDiagnosis])
        $run.Output[1] | Should -BeOfType ([AutoGlm.Engine.Plan.ApplyResult])
        $run.Progress | Should -Not -BeNullOrEmpty
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase RepairNotPossible InvalidOperation { Repair-AutoGlmDriver -Root (New-FixtureRoot (Join-Path $TestDrive 'nogpu')) -WhatIf -ErrorAction Stop }
            ErrorCase RepairIncomplete InvalidData -Skip 'raised when a repair applied and the checks still show a cause; every fixable repair here reaches a failing fake tool (update-initramfs, modprobe) first, and the real ones would change this machine. The repair xunit tests (tests/AutoGlm.Tests/Repair) cover it'
            ErrorCase BundlePathInvalid InvalidArgument { Repair-AutoGlmDriver -Root (New-NouveauRoot) -CollectBundle 'bundle.rar' -Force -ErrorAction Stop }
            ErrorCase UnknownCheckId InvalidArgument { Repair-AutoGlmDriver -Root (New-NouveauRoot) -CheckId no.such.check -WhatIf -ErrorAction Stop }
            ErrorCase KernelUnknown ObjectNotFound -Skip 'raised when a planned step rebuilds the module for the running kernel and the kernel cannot be read; the nouveau repair needs no kernel, and a missing-module repair needs dkms and headers of this machine'
            ErrorCase InstallerRequired InvalidArgument -Skip $windowsOnly
            ErrorCase ProfileNotFound ObjectNotFound { Repair-AutoGlmDriver no-such-profile -Root (New-NouveauRoot) -WhatIf -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Repair-AutoGlmDriver -Root (New-NouveauRoot) -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'bad.yaml')) -WhatIf -ErrorAction Stop }
            ErrorCase NotAdministrator PermissionDenied -Skip $neverApplyToSlash
        ) {
            Test-DocumentedError $_ 'RepairAutoGlmDriverCommand'
        }

        It '<Fault> (<Category>) from the plan executor' -ForEach $executorFaults {
            $err = Invoke-ExecutorFault -Fault $Fault -Root (New-NouveauRoot) -Plan 'repair-driver' -Invoke { param($Root, [switch] $Resume) Repair-AutoGlmDriver -Root $Root -Force -Resume:$Resume -LockTimeoutSec 0 -ErrorAction Stop }
            Assert-AutoGlmError $err -ErrorId $Fault -Class RepairAutoGlmDriverCommand -Category $Category
        }
    }
}
