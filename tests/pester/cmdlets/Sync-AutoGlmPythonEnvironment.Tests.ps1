# Sync-AutoGlmPythonEnvironment run for real against fixture roots and host facts files. The lock needs every
# pinned wheel; offline, the specs reach each refusal the sources allow and prove nothing was written.
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
    $root = New-FixtureRoot -Path (Join-Path $TestDrive 'root') -Gpu
    $facts = Join-Path $hostsFixtures 'h100-ubuntu2204-nodriver.json'
    $wheelhouse = New-Item -ItemType Directory (Join-Path $TestDrive 'wheels')
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Sync-AutoGlmPythonEnvironment' {
    It 'changes nothing under -WhatIf, even when the source cannot serve the lock' {
        $before = Get-TreeFingerprint $TestDrive
        $err = Get-StopError { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
        Assert-AutoGlmError $err -ErrorId LockPackageNotFound -Class SyncAutoGlmPythonEnvironmentCommand -Category ObjectNotFound
        Get-TreeFingerprint $TestDrive | Should -Be $before
    }

    It 'masks index credentials in its error, verbose and debug output' {
        $run = Invoke-InRunspace -Script 'param($r, $f) Sync-AutoGlmPythonEnvironment -Root $r -FactsPath $f -IndexUrl "https://user:pa55-pester@mirror.example/simple" -WhatIf' -Arguments @{ r = $root; f = $facts } -VerboseOn -DebugOn
        $failure = Get-RunFailure $run
        $failure.FullyQualifiedErrorId | Should -Be 'IndexUrlHasCredentials,AutoGlm.Commands.SyncAutoGlmPythonEnvironmentCommand'
        ($run.Error + $run.Verbose + $run.Debug + $run.Warning | Out-String) | Should -Not -Match 'pa55-pester'
    }

    It 'a file:// index that does not exist is IndexUnavailable when applying, not a missing package; -WhatIf previews without it' {
        $before = Get-TreeFingerprint $root
        $err = Get-StopError { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -IndexUrl 'file:///nonexistent/autoglm-index/simple' -Force -ErrorAction Stop }
        Assert-AutoGlmError $err -ErrorId IndexUnavailable -Class SyncAutoGlmPythonEnvironmentCommand -Category ResourceUnavailable
        $run = Invoke-InRunspace -Script 'param($r, $f) Sync-AutoGlmPythonEnvironment -Root $r -FactsPath $f -IndexUrl "file:///nonexistent/autoglm-index/simple" -WhatIf' -Arguments @{ r = $root; f = $facts }
        $run.Thrown | Should -BeNullOrEmpty
        $run.Error | Should -BeNullOrEmpty
        Get-TreeFingerprint $root | Should -Be $before
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase WheelhouseNotFound ObjectNotFound { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -Wheelhouse (Join-Path $TestDrive 'nowheels') -WhatIf -ErrorAction Stop }
            ErrorCase IndexUrlInvalid InvalidArgument { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -IndexUrl 'ftp://mirror.example/simple' -WhatIf -ErrorAction Stop }
            ErrorCase IndexUrlHasCredentials SecurityError { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -IndexUrl 'https://u:secret@mirror.example/simple' -WhatIf -ErrorAction Stop }
            ErrorCase IndexUnavailable ResourceUnavailable { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -IndexUrl $deadIndexUrl -Force -ErrorAction Stop }
            ErrorCase IndexHashMissing InvalidData -Skip $needsFullWheelhouse
            ErrorCase IndexMetadataMissing InvalidData -Skip $needsFullWheelhouse
            ErrorCase IndexMetadataMismatch InvalidData -Skip $needsFullWheelhouse
            ErrorCase SourceConflict InvalidArgument { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -IndexUrl 'file:///x' -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase StackNotResolved InvalidOperation { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath (Join-Path $hostsFixtures 'h100x8-ubuntu2204-535-held.json') -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase LockPackageInvalid InvalidData -Skip 'raised for a malformed pin in a site matrix profile; the shipped profiles pin well-formed versions'
            ErrorCase LockPackageNotFound ObjectNotFound { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase LockDependencyMissing ObjectNotFound -Skip $needsFullWheelhouse
            ErrorCase LockConflict InvalidData -Skip $needsFullWheelhouse
            ErrorCase WheelInvalid InvalidData { $w = New-Item -ItemType Directory (Join-Path $TestDrive 'badwheels'); Set-Content (Join-Path $w 'torch-2.13.0-cp312-cp312-linux_x86_64.whl') 'not a zip'; Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -Wheelhouse $w -WhatIf -ErrorAction Stop }
            ErrorCase LockFileNotFound ObjectNotFound { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -LockPath (Join-Path $TestDrive 'no.lock') -WhatIf -ErrorAction Stop }
            ErrorCase LockNotPinned InvalidData { $l = Join-Path $TestDrive 'loose.lock'; Set-Content $l 'torch>=2'; Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -LockPath $l -WhatIf -ErrorAction Stop }
            ErrorCase LockMissingHash InvalidData { $l = Join-Path $TestDrive 'nohash.lock'; Set-Content $l 'torch==2.13.0'; Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -LockPath $l -WhatIf -ErrorAction Stop }
            ErrorCase PythonVersionInvalid InvalidArgument { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -PythonVersion abc -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase PythonOutsideProfile InvalidArgument { Sync-AutoGlmPythonEnvironment sglang-server -Root $root -FactsPath $facts -PythonVersion 3.9 -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase PythonNotFound NotInstalled -Skip $needsFullWheelhouse
            ErrorCase PythonVenvUnavailable NotInstalled -Skip $needsFullWheelhouse
            ErrorCase PythonInstallerUnknown InvalidArgument -Skip $needsFullWheelhouse
            ErrorCase PythonInstallUnsupported NotImplemented -Skip $needsFullWheelhouse
            ErrorCase VenvInstallerInvalid InvalidArgument -Skip $needsFullWheelhouse
            ErrorCase VenvInstallerNotFound NotInstalled -Skip $needsFullWheelhouse
            ErrorCase VenvPathInvalid InvalidArgument { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -VenvPath 'rel/venv' -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase ProfileNotFound ObjectNotFound { Sync-AutoGlmPythonEnvironment no-such-profile -Root $root -FactsPath $facts -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase FactsFileNotFound ObjectNotFound { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath (Join-Path $TestDrive 'no.json') -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase FactsFileInvalid InvalidData { $f = Join-Path $TestDrive 'bad.json'; Set-Content $f '{x'; Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $f -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Sync-AutoGlmPythonEnvironment -Root $root -FactsPath $facts -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'badm.yaml')) -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'SyncAutoGlmPythonEnvironmentCommand'
        }

        It '<Fault> from the plan executor' -ForEach @(@{ Fault = 'HostLockTimeout' }, @{ Fault = 'RunInterrupted' }, @{ Fault = 'RebootPending' }, @{ Fault = 'StateDirectoryUnwritable' }, @{ Fault = 'JournalUnreadable' }, @{ Fault = 'FileWriteFailed' }, @{ Fault = 'PlanStepFailed' }) {
            Set-ItResult -Skipped -Because "the plan builds only once the stack is locked: $needsFullWheelhouse. The executor raises $Fault the same way for every plan (see the Unregister-AutoGlmService and Update-AutoGlmRepository specs)"
        }
    }
}
