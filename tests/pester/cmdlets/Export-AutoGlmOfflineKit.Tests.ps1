# Export-AutoGlmOfflineKit, Test-AutoGlmOfflineKit and Install-AutoGlmHost -OfflineKit against hand-made kits and
# fixture inputs. The whole export and the offline install are proved end to end by xunit (OfflineKitTests: a
# signed apt repository, real apt, git, pip, with the network closed); here PowerShell's side: -WhatIf, objects,
# pipeline input, non-terminating errors per kit, and each documented refusal with nothing written.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
    Import-AutoGlmUnderTest
    $savedPath = $env:PATH
    Add-PathFirst (New-SafeToolBin -Bin (Join-Path $TestDrive 'bin'))
    $facts = Join-Path $hostsFixtures 'h100-ubuntu2204-nodriver.json'
    # A lock of one package and the wheel it names (any bytes: the kit checks the sha256, pip is not run here).
    $wheels = New-Item -ItemType Directory (Join-Path $TestDrive 'wheels')
    $wheel = Join-Path $wheels 'requests-2.32.0-py3-none-any.whl'
    Set-Content $wheel 'a wheel'
    $lock = Join-Path $TestDrive 'requirements.lock'
    Set-Content $lock ("requests==2.32.0 --hash=sha256:" + (Get-FileHash -Algorithm SHA256 $wheel).Hash.ToLowerInvariant())

    # A kit made by hand: a manifest and the one file it lists.
    function New-Kit([string] $Name, [string] $Shipped = 'not-this-matrix') {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive $Name)
        $null = New-Item -ItemType Directory (Join-Path $dir 'git')
        $bundle = Join-Path $dir 'git/Open-AutoGLM.bundle'
        Set-Content $bundle 'a bundle'
        $manifest = [ordered]@{
            format = 'autoglm-offline-kit/1'; createdBy = 'AutoGlm test'; created = '2026-12-07T00:00:00Z'
            target = @{ profile = 'vllm-server'; os = 'ubuntu-22.04'; architecture = 'x86_64'; driverBranch = 595; driverFlavor = 'open' }
            repository = @{ url = 'https://github.com/zai-org/Open-AutoGLM'; ref = 'main'; commit = ('a' * 40); bundle = 'git/Open-AutoGLM.bundle' }
            matrix = @{ shipped = $Shipped; site = @() }
            files = @(@{ path = 'git/Open-AutoGLM.bundle'; size = (Get-Item $bundle).Length; sha256 = (Get-FileHash -Algorithm SHA256 $bundle).Hash.ToLowerInvariant() })
        }
        Set-Content (Join-Path $dir 'manifest.json') ($manifest | ConvertTo-Json -Depth 5)
        $dir.FullName
    }
    $good = New-Kit 'good'
    $PSDefaultParameterValues['Install-AutoGlmHost:WarningAction'] = 'SilentlyContinue'
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Test-AutoGlmOfflineKit' {
    It 'returns the kit with its id, target and files' {
        $kit = Test-AutoGlmOfflineKit $good
        $kit | Should -BeOfType ([AutoGlm.Engine.Kit.OfflineKit])
        $kit.Id | Should -Be (Get-FileHash -Algorithm SHA256 (Join-Path $good 'manifest.json')).Hash.ToLowerInvariant()
        $kit.Os, $kit.Architecture, $kit.Profile, $kit.DriverBranch | Should -Be 'ubuntu-22.04', 'x86_64', 'vllm-server', 595
        $kit.Files.Path | Should -Be 'git/Open-AutoGLM.bundle'
        ($kit | Format-List | Out-String) | Should -Match 'Target\s*:\s*ubuntu-22.04 x86_64, profile vllm-server'
    }

    It 'checks each piped kit and reports a changed one as an error without stopping the others' {
        $bad = New-Kit 'changed'
        Add-Content (Join-Path $bad 'git/Open-AutoGLM.bundle') 'x'
        $kits = @($bad, $good) | Test-AutoGlmOfflineKit -ErrorVariable failures -ErrorAction SilentlyContinue
        @($kits).Count | Should -Be 1
        $kits.Directory | Should -Be $good
        Assert-AutoGlmError $failures[0] -ErrorId KitFileTampered -Class TestAutoGlmOfflineKitCommand -Category SecurityError
        $failures[0].Exception.Message | Should -Match 'git/Open-AutoGLM.bundle changed'
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase KitNotFound ObjectNotFound { Test-AutoGlmOfflineKit (Join-Path $TestDrive 'no-kit') -ErrorAction Stop }
            ErrorCase KitManifestInvalid InvalidData { $k = New-Kit 'hostile'; $m = Join-Path $k 'manifest.json'; (Get-Content -Raw $m) -replace 'git/Open-AutoGLM.bundle', '../outside' | Set-Content $m; Test-AutoGlmOfflineKit $k -ErrorAction Stop }
            ErrorCase KitFileMissing ObjectNotFound { $k = New-Kit 'missing'; Remove-Item (Join-Path $k 'git/Open-AutoGLM.bundle'); Test-AutoGlmOfflineKit $k -ErrorAction Stop }
            ErrorCase KitFileTampered SecurityError { $k = New-Kit 'tampered'; Add-Content (Join-Path $k 'git/Open-AutoGLM.bundle') 'x'; Test-AutoGlmOfflineKit $k -ErrorAction Stop }
            ErrorCase KitFileUnlisted SecurityError { $k = New-Kit 'unlisted'; Set-Content (Join-Path $k 'extra.deb') 'x'; Test-AutoGlmOfflineKit $k -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'TestAutoGlmOfflineKitCommand'
        }
    }
}

Describe 'Install-AutoGlmHost -OfflineKit' {
    It 'refuses a kit and changes nothing: <ErrorId>' -ForEach @(
        @{ ErrorId = 'KitMatrixMismatch'; Category = 'InvalidOperation'; Extra = @{} }
        @{ ErrorId = 'KitOptionConflict'; Category = 'InvalidArgument'; Extra = @{ Wheelhouse = 'WHEELS' } }
        @{ ErrorId = 'KitMismatch'; Category = 'InvalidOperation'; Extra = @{ Profile = 'sglang-server' } }
        @{ ErrorId = 'KitNotFound'; Category = 'ObjectNotFound'; Extra = @{ OfflineKit = 'NOWHERE' } }
    ) {
        $root = New-FixtureRoot -Path (Join-Path $TestDrive "root-$ErrorId") -Gpu
        $before = Get-TreeFingerprint $root
        $arguments = @{ Root = $root; OfflineKit = $good; WhatIf = $true; ErrorAction = 'Stop' }
        foreach ($k in $Extra.Keys) { $arguments[$k] = $Extra[$k] -replace '^WHEELS$', $wheels.FullName -replace '^NOWHERE$', (Join-Path $TestDrive 'no-kit') }
        $record = Get-StopError { Install-AutoGlmHost @arguments }
        Assert-AutoGlmError $record -ErrorId $ErrorId -Class InstallAutoGlmHostCommand -Category $Category
        Get-TreeFingerprint $root | Should -Be $before
    }
}

Describe 'Export-AutoGlmOfflineKit' {
    It 'changes nothing under -WhatIf' {
        $before = Get-TreeFingerprint $TestDrive
        Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'kit-whatif') -FactsPath $facts -LockPath $lock -Wheelhouse $wheels -WhatIf | Should -BeNullOrEmpty
        Get-TreeFingerprint $TestDrive | Should -Be $before
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase KitOutputExists ResourceExists { Export-AutoGlmOfflineKit -Path $good -FactsPath $facts -LockPath $lock -Wheelhouse $wheels -Confirm:$false -ErrorAction Stop }
            ErrorCase KitOptionMissing InvalidArgument -Skip 'the four inputs are Mandatory with [ValidateNotNullOrEmpty], so PowerShell asks for or refuses a missing one first; the engine raises it for the CLI'
            ErrorCase FactsFileNotFound ObjectNotFound { Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'k1') -FactsPath (Join-Path $TestDrive 'none.json') -LockPath $lock -Wheelhouse $wheels -Confirm:$false -ErrorAction Stop }
            ErrorCase FactsFileInvalid InvalidData { $f = Join-Path $TestDrive 'bad-facts.json'; Set-Content $f '{x'; Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'k2') -FactsPath $f -LockPath $lock -Wheelhouse $wheels -Confirm:$false -ErrorAction Stop }
            ErrorCase KernelReleaseInvalid InvalidArgument { Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'k3') -FactsPath $facts -LockPath $lock -Wheelhouse $wheels -Kernel '5.15; rm -rf /' -Confirm:$false -ErrorAction Stop }
            ErrorCase UnsupportedOperatingSystem NotImplemented { $f = Join-Path $TestDrive 'plan9.json'; Set-Content $f '{"os": {"distro": "plan9", "version": "4", "architecture": "x86_64"}}'; Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'k4') -FactsPath $f -LockPath $lock -Wheelhouse $wheels -Confirm:$false -ErrorAction Stop }
            ErrorCase KitNotSupported NotImplemented { Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'k5') -FactsPath (Join-Path $hostsFixtures 'l4x2-rhel9-550-versionlock.json') -LockPath $lock -Wheelhouse $wheels -Confirm:$false -ErrorAction Stop }
            ErrorCase WheelhouseIncomplete ObjectNotFound { $w = New-Item -ItemType Directory (Join-Path $TestDrive 'no-wheels'); Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'k6') -FactsPath $facts -LockPath $lock -Wheelhouse $w -Confirm:$false -ErrorAction Stop }
            ErrorCase WheelhouseHashMismatch InvalidData { $w = New-Item -ItemType Directory (Join-Path $TestDrive 'other-wheels'); Set-Content (Join-Path $w 'requests-2.32.0-py3-none-any.whl') 'another wheel'; Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'k7') -FactsPath $facts -LockPath $lock -Wheelhouse $w -Confirm:$false -ErrorAction Stop }
            ErrorCase KitRepositoryUnsigned SecurityError { Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'k8') -FactsPath $facts -LockPath $lock -Wheelhouse $wheels -DriverRepositoryUrl $aptMirrorUrl -Confirm:$false -ErrorAction Stop }
            ErrorCase KitPackageHashMismatch SecurityError -Skip 'needs a signed repository whose index and package differ; OfflineKitTests (xunit) builds signed repositories'
            ErrorCase RepositoryUnreachable ResourceUnavailable { Export-AutoGlmOfflineKit -Path (Join-Path $TestDrive 'k9') -FactsPath $facts -LockPath $lock -Wheelhouse $wheels -DriverRepositoryUrl 'http://127.0.0.1:9/cuda/' -Confirm:$false -ErrorAction Stop }
            ErrorCase RepositoryRefNotFound ObjectNotFound -Skip 'reached after the driver packages are downloaded from a signed repository; OfflineKitTests (xunit) covers the bundle'
            ErrorCase ModelWeightsMissing InvalidData -Skip 'reached after the driver packages and the bundle; OfflineKitTests (xunit) covers the model'
        ) {
            Test-DocumentedError $_ 'ExportAutoGlmOfflineKitCommand'
        }
        It 'writes nothing when refused' {
            Test-Path (Join-Path $TestDrive 'k8') | Should -BeFalse
            @(Get-ChildItem -Force $TestDrive -Filter '.k*.autoglm-kit-*').Count | Should -Be 0
        }
    }
}
