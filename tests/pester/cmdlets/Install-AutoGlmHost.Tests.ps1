# Install-AutoGlmHost run for real against fixture roots (an H100 on PCI, Ubuntu 22.04) with failing fake
# system tools first on PATH. The whole plan needs every pinned wheel, which no offline source here holds, so
# the specs reach each documented refusal and prove nothing was written.
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
    $script:n = 0
    function New-HostRoot { New-FixtureRoot -Path (Join-Path $TestDrive ('root' + ++$script:n)) -Gpu }
    $wheelhouse = New-Item -ItemType Directory (Join-Path $TestDrive 'wheels')
    $PSDefaultParameterValues['Install-AutoGlmHost:WarningAction'] = 'SilentlyContinue'
    $PSDefaultParameterValues['Install-AutoGlmHost:DriverRepositoryUrl'] = $aptMirrorUrl
    $manifest = Join-Path $TestDrive 'model.json'
    Set-Content $manifest (@{ files = @(@{ path = 'config.json'; size = 2; sha256 = ('0' * 64) }) } | ConvertTo-Json -Depth 4)
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Install-AutoGlmHost' {
    It 'changes nothing under -WhatIf when a phase cannot be planned offline' {
        $root = New-HostRoot
        $before = Get-TreeFingerprint $root
        $err = Get-StopError { Install-AutoGlmHost -Root $root -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike '*,AutoGlm.Commands.InstallAutoGlmHostCommand'
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'masks the credentials of a repository URL' {
        $run = Invoke-InRunspace -Script 'param($r, $w, $u) Install-AutoGlmHost -Root $r -Wheelhouse $w -DriverRepositoryUrl $u -RepositoryUrl "https://user:t0ken-pester@github.com/zai-org/Open-AutoGLM" -WhatIf -WarningAction SilentlyContinue' -Arguments @{ r = (New-HostRoot); w = "$wheelhouse"; u = $aptMirrorUrl } -VerboseOn -DebugOn
        ($run.Error + $run.Verbose + $run.Debug + $run.Warning + $run.Information | Out-String) | Should -Not -Match 't0ken-pester'
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase PreflightFailed InvalidOperation { Install-AutoGlmHost -Root (New-FixtureRoot (Join-Path $TestDrive 'nogpu')) -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase ServicePathInvalid InvalidArgument { Install-AutoGlmHost -Root (New-HostRoot) -InstallPath 'relative' -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase ServicePortInvalid InvalidArgument { Install-AutoGlmHost -Root (New-HostRoot) -Port 70000 -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase ServicePortInUse ResourceBusy -Skip "checked by the phases planned after the Python lock: $needsFullWheelhouse"
            ErrorCase ServiceNameInvalid InvalidArgument { Install-AutoGlmHost -Root (New-HostRoot) -ServiceName 'a/b' -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase InstallTimeoutInvalid InvalidArgument -Skip '[ValidateRange(1, 86400)] on -HealthTimeoutSec makes PowerShell refuse the timeout first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase RepositoryUrlMissing InvalidArgument -Skip 'every shipped profile names its repository; only a site matrix profile without one raises it'
            ErrorCase RepositoryUrlUnsafe SecurityError { Install-AutoGlmHost -Root (New-HostRoot) -RepositoryUrl 'ext::sh -c id' -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUrlInvalid InvalidArgument { Install-AutoGlmHost -Root (New-HostRoot) -RepositoryUrl 'https://' -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryUrlLocalNotAllowed InvalidArgument { Install-AutoGlmHost -Root (New-HostRoot) -RepositoryUrl ('file://' + $TestDrive) -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryRefInvalid InvalidArgument { Install-AutoGlmHost -Root (New-HostRoot) -Ref 'bad..ref' -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase RepositoryPathOccupied ResourceExists -Skip "checked by the phases planned after the Python lock: $needsFullWheelhouse"
            ErrorCase SourceConflict InvalidArgument { Install-AutoGlmHost -Root (New-HostRoot) -Wheelhouse $wheelhouse -IndexUrl 'file:///x' -WhatIf -ErrorAction Stop }
            ErrorCase WheelhouseNotFound ObjectNotFound { Install-AutoGlmHost -Root (New-HostRoot) -Wheelhouse (Join-Path $TestDrive 'nowheels') -WhatIf -ErrorAction Stop }
            ErrorCase ModelOptionsIncomplete InvalidArgument { Install-AutoGlmHost -Root (New-HostRoot) -ModelUrl 'https://mirror.example/m/' -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase ModelManifestNotFound ObjectNotFound { Install-AutoGlmHost -Root (New-HostRoot) -ModelPath /srv/models/m -ModelManifest (Join-Path $TestDrive 'none.json') -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase ModelManifestInvalid InvalidData { $m = Join-Path $TestDrive 'bad-model.json'; Set-Content $m '{x'; Install-AutoGlmHost -Root (New-HostRoot) -ModelPath /srv/models/m -ModelManifest $m -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase ModelUrlInvalid InvalidArgument { Install-AutoGlmHost -Root (New-HostRoot) -ModelPath /srv/models/m -ModelManifest $manifest -ModelUrl 'ftp://mirror.example/m/' -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase ModelWeightsMissing ObjectNotFound { Install-AutoGlmHost -Root (New-HostRoot) -ModelPath /srv/models/m -ModelManifest $manifest -Wheelhouse $wheelhouse -WhatIf -ErrorAction Stop }
            ErrorCase ModelPathNotTraversable PermissionDenied -Skip "checked by the phases planned after the Python lock: $needsFullWheelhouse"
            ErrorCase NotAdministrator PermissionDenied -Skip $neverApplyToSlash
            ErrorCase HostLockTimeout ResourceBusy -Skip "the plan builds only once the stack is locked: $needsFullWheelhouse; the executor raises it alike for every plan (see the Unregister-AutoGlmService spec)"
            ErrorCase RunInterrupted InvalidOperation -Skip "the plan builds only once the stack is locked: $needsFullWheelhouse; the executor raises it alike for every plan (see the Unregister-AutoGlmService spec)"
            ErrorCase RebootPending InvalidOperation -Skip "the plan builds only once the stack is locked: $needsFullWheelhouse; the executor raises it alike for every plan (see the Unregister-AutoGlmService spec)"
            ErrorCase PlanStepFailed InvalidResult -Skip "the plan builds only once the stack is locked: $needsFullWheelhouse"
        ) {
            Test-DocumentedError $_ 'InstallAutoGlmHostCommand'
        }
    }
}
