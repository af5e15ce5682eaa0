# Install-AutoGlmDriver run for real against fixture roots (an H100 on PCI, Ubuntu 22.04) and the fixture apt
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
    $PSDefaultParameterValues['Install-AutoGlmDriver:WarningAction'] = 'SilentlyContinue'
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Install-AutoGlmDriver' {
    Add-InstallPlanSpec -Cmdlet Install-AutoGlmDriver

    It 'plans for the host a facts file describes under -WhatIf (-FactsPath), and refuses to apply it' {
        $facts = Join-Path $repoRoot 'tests/fixtures/hosts/h100-ubuntu2204-nodriver.json'
        $root = New-HostRoot
        $before = Get-TreeFingerprint $root
        $null = Install-AutoGlmDriver -Root $root -FactsPath $facts -RepositoryUrl $aptMirrorUrl -WhatIf
        Get-TreeFingerprint $root | Should -Be $before
        $err = Get-StopError { Install-AutoGlmDriver -Root $root -FactsPath $facts -RepositoryUrl $aptMirrorUrl -Force -ErrorAction Stop }
        Assert-AutoGlmError $err -ErrorId FactsFileNeedsWhatIf -Class InstallAutoGlmDriverCommand -Category InvalidArgument
        Get-TreeFingerprint $root | Should -Be $before
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase UnknownDriverBranch InvalidArgument { Install-AutoGlmDriver -Root (New-HostRoot) -RepositoryUrl $aptMirrorUrl -DriverBranch 123 -WhatIf -ErrorAction Stop }
            ErrorCase DriverBranchTooOld InvalidArgument { Install-AutoGlmDriver -Root (New-HostRoot) -RepositoryUrl $aptMirrorUrl -DriverBranch 535 -WhatIf -ErrorAction Stop }
            ErrorCase DriverVersionInvalid InvalidArgument { Install-AutoGlmDriver -Root (New-HostRoot) -RepositoryUrl $aptMirrorUrl -DriverBranch 580 -DriverVersion 570.1.1 -WhatIf -ErrorAction Stop }
            ErrorCase DriverVersionNotFound ObjectNotFound { Install-AutoGlmDriver -Root (New-HostRoot) -RepositoryUrl $aptMirrorUrl -DriverVersion 595.1.1 -WhatIf -ErrorAction Stop }
            ErrorCase DriverFlavorUnsupported InvalidArgument { Install-AutoGlmDriver -Root (New-GpuRoot (Join-Path $TestDrive 'rtx5090') 0x2b85) -RepositoryUrl $aptMirrorUrl -Flavor proprietary -WhatIf -ErrorAction Stop }
            ErrorCase DriverFlavorInvalid InvalidArgument -Skip '[ValidateSet(open, proprietary)] on -Flavor refuses another flavour first, and every branch the profiles accept has open modules; the engine raises it for the CLI and site matrices'
            ErrorCase NoNvidiaGpu ObjectNotFound { Install-AutoGlmDriver -Root (New-FixtureRoot (Join-Path $TestDrive 'nogpu')) -RepositoryUrl $aptMirrorUrl -WhatIf -ErrorAction Stop }
            ErrorCase NoStackFits InvalidOperation { Install-AutoGlmDriver -Root (New-GpuRoot (Join-Path $TestDrive 'v100') 0x1db4) -RepositoryUrl $aptMirrorUrl -WhatIf -ErrorAction Stop }
            ErrorCase UnsupportedOperatingSystem NotImplemented { $r = New-HostRoot; Set-Content (Join-Path $r 'etc/os-release') "ID=debian`nVERSION_ID=`"11`""; Install-AutoGlmDriver -Root $r -WhatIf -ErrorAction Stop }
            ErrorCase OperatingSystemUnknown ObjectNotFound { $r = New-HostRoot; Remove-Item (Join-Path $r 'etc/os-release'); Install-AutoGlmDriver -Root $r -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUrlInvalid InvalidArgument { Install-AutoGlmDriver -Root (New-HostRoot) -RepositoryUrl 'not a url' -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUrlHasCredentials InvalidArgument { Install-AutoGlmDriver -Root (New-HostRoot) -RepositoryUrl 'https://u:p@mirror.example/' -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUnreachable ResourceUnavailable { Install-AutoGlmDriver -Root (New-HostRoot) -RepositoryUrl 'file:///nonexistent/autoglm-mirror/' -Force -ErrorAction Stop }
            ErrorCase PackageNotInRepository ObjectNotFound -Skip 'raised for the repository''s keyring or companion packages; a mirror without them is refused earlier with DriverVersionNotFound here, and the apt xunit tests (tests/AutoGlm.Tests/Install) cover it'
            ErrorCase InstallerRequired InvalidArgument -Skip $windowsOnly
            ErrorCase RepositoryUnknown InvalidArgument -Skip 'every supported operating system in the shipped matrix names an NVIDIA repository; only a site matrix without one raises it'
            ErrorCase DriverPackagingUnknown NotImplemented -Skip 'every branch the shipped matrix offers has packaging on each supported OS family; only a site matrix without it raises it'
            ErrorCase ProfileNotFound ObjectNotFound { Install-AutoGlmDriver no-such-profile -Root (New-HostRoot) -WhatIf -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Install-AutoGlmDriver -Root (New-HostRoot) -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'bad.yaml')) -WhatIf -ErrorAction Stop }
            ErrorCase NotAdministrator PermissionDenied -Skip $neverApplyToSlash
        ) {
            Test-DocumentedError $_ 'InstallAutoGlmDriverCommand'
        }

        It '<Fault> (<Category>) from the plan executor' -ForEach $executorFaults {
            $err = Invoke-ExecutorFault -Fault $Fault -Root (New-HostRoot) -Plan 'install-driver' -Invoke { param($Root, [switch] $Resume) Install-AutoGlmDriver -Root $Root -RepositoryUrl $aptMirrorUrl -Force -Resume:$Resume -LockTimeoutSec 0 -ErrorAction Stop }
            Assert-AutoGlmError $err -ErrorId $Fault -Class InstallAutoGlmDriverCommand -Category $Category
        }
    }
}
