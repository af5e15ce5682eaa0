# Install-AutoGlmCuda run for real against fixture roots (an H100 on PCI, Ubuntu 22.04) and the fixture apt
# mirror (tests/fixtures/apt-mirror). Package tools are fakes that fail first on PATH: a plan may start, but
# no package manager, module loader or reboot of this machine is ever reached.
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
    Add-PathFirst (New-SafeToolBin -Bin (Join-Path $TestDrive 'bin') -Log $calls)
    $script:n = 0
    function New-HostRoot { New-FixtureRoot -Path (Join-Path $TestDrive ('root' + ++$script:n)) -Gpu }
    $PSDefaultParameterValues['Install-AutoGlmCuda:WarningAction'] = 'SilentlyContinue'
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Install-AutoGlmCuda' {
    Add-InstallPlanSpec -Cmdlet Install-AutoGlmCuda

    It 'refuses to apply a plan for the host a facts file describes (-FactsPath without -WhatIf)' {
        $facts = Join-Path $repoRoot 'tests/fixtures/hosts/h100-ubuntu2204-535.json'
        $root = New-HostRoot
        $before = Get-TreeFingerprint $root
        $err = Get-StopError { Install-AutoGlmCuda -Root $root -FactsPath $facts -RepositoryUrl $aptMirrorUrl -Force -ErrorAction Stop }
        Assert-AutoGlmError $err -ErrorId FactsFileNeedsWhatIf -Class InstallAutoGlmCudaCommand -Category InvalidArgument
        Get-TreeFingerprint $root | Should -Be $before
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase UnknownCudaVersion InvalidArgument { Install-AutoGlmCuda -Root (New-HostRoot) -RepositoryUrl $aptMirrorUrl -CudaVersion 9.9 -WhatIf -ErrorAction Stop }
            ErrorCase CudaNeedsNewerDriver InvalidArgument { $r = New-HostRoot; $null = Set-RootFile $r '/proc/driver/nvidia/version' "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  535.161.07  Release Build`n"; Install-AutoGlmCuda -Root $r -RepositoryUrl $aptMirrorUrl -CudaVersion 13.0 -WhatIf -ErrorAction Stop }
            ErrorCase CudaVersionUnknown InvalidArgument -Skip 'every GPU profile of the shipped matrix names its CUDA version; only a site profile without one raises it'
            ErrorCase RepositoryUrlInvalid InvalidArgument { Install-AutoGlmCuda -Root (New-HostRoot) -RepositoryUrl 'not a url' -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUrlHasCredentials InvalidArgument { Install-AutoGlmCuda -Root (New-HostRoot) -RepositoryUrl 'https://u:p@mirror.example/' -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUnreachable ResourceUnavailable { Install-AutoGlmCuda -Root (New-HostRoot) -RepositoryUrl 'file:///nonexistent/autoglm-mirror/' -Force -ErrorAction Stop }
            ErrorCase PackageNotInRepository ObjectNotFound { $m = New-Item -ItemType Directory (Join-Path $TestDrive 'emptymirror'); Set-Content (Join-Path $m 'Packages') ''; Install-AutoGlmCuda -Root (New-HostRoot) -RepositoryUrl "file://$m/" -WhatIf -ErrorAction Stop }
            ErrorCase InstallerRequired InvalidArgument -Skip $windowsOnly
            ErrorCase UnsupportedOperatingSystem NotImplemented { $r = New-HostRoot; Set-Content (Join-Path $r 'etc/os-release') "ID=debian`nVERSION_ID=`"11`""; Install-AutoGlmCuda -Root $r -WhatIf -ErrorAction Stop }
            ErrorCase NoNvidiaGpu ObjectNotFound { Install-AutoGlmCuda -Root (New-FixtureRoot (Join-Path $TestDrive 'nogpu')) -RepositoryUrl $aptMirrorUrl -WhatIf -ErrorAction Stop }
            ErrorCase NotAdministrator PermissionDenied -Skip $neverApplyToSlash
        ) {
            Test-DocumentedError $_ 'InstallAutoGlmCudaCommand'
        }

        It '<Fault> (<Category>) from the plan executor' -ForEach $executorFaults {
            $err = Invoke-ExecutorFault -Fault $Fault -Root (New-HostRoot) -Plan 'install-cuda' -Invoke { param($Root, [switch] $Resume) Install-AutoGlmCuda -Root $Root -RepositoryUrl $aptMirrorUrl -Force -Resume:$Resume -LockTimeoutSec 0 -ErrorAction Stop }
            Assert-AutoGlmError $err -ErrorId $Fault -Class InstallAutoGlmCudaCommand -Category $Category
        }
    }
}
