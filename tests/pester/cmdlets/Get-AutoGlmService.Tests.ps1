# Get-AutoGlmService run for real against a fixture root (the unit file) with a fake systemctl first on PATH.
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
    # systemctl answers like systemd for a unit that is enabled and running.
    $null = New-FakeTool -Bin $bin -Name systemctl -Log (Join-Path $TestDrive 'calls.log') -Body 'case "$1" in is-enabled) echo enabled;; is-active) echo active;; *) exit 0;; esac'
    Add-PathFirst $bin
    $root = New-FixtureRoot -Path (Join-Path $TestDrive 'root')
    $null = Set-RootFile $root '/etc/systemd/system/autoglm-a.service' "[Service]`nExecStart=/opt/autoglm/venv/bin/python3 -m vllm.entrypoints.openai.api_server --port 1`n"
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Get-AutoGlmService' {
    It 'returns a ServiceStatus with the unit, systemd states and port' {
        $status = Get-AutoGlmService -Name autoglm-a -Root $root
        $status | Should -BeOfType ([AutoGlm.Engine.Services.ServiceStatus])
        $status.Name | Should -Be 'autoglm-a'
        $status.UnitFilePresent | Should -BeTrue
        $status.Enabled | Should -Be 'enabled'
        $status.Active | Should -Be 'active'
        $status.Port | Should -Be 1
        $status.Healthy | Should -BeFalse   # nothing answers on port 1
    }

    It 'names the default profile''s service without -Name' {
        (Get-AutoGlmService -Root $root).Name | Should -Be 'autoglm-vllm-server'
        (Get-AutoGlmService -Profile sglang-server -Root $root).Name | Should -Be 'autoglm-sglang-server'
    }

    It 'finds a profile defined only in a site matrix (-MatrixPath)' {
        $site = Join-Path $TestDrive 'site.yaml'
        Set-Content $site "schemaVersion: 1`nprofiles:`n  - id: site-server`n    extends: vllm-server`n    source: test`n"
        (Get-AutoGlmService -Profile site-server -MatrixPath $site -Root $root).Name | Should -Be 'autoglm-site-server'
        $err = Get-StopError { Get-AutoGlmService -Profile site-server -Root $root -ErrorAction Stop }
        Assert-AutoGlmError $err -ErrorId ProfileNotFound -Class GetAutoGlmServiceCommand -Category ObjectNotFound
    }

    It 'takes names from the pipeline by property name' {
        $statuses = [pscustomobject]@{ Name = 'autoglm-a' }, [pscustomobject]@{ Name = 'autoglm-b' } | Get-AutoGlmService -Root $root
        $statuses.Name | Should -Be @('autoglm-a', 'autoglm-b')
        $statuses.UnitFilePresent | Should -Be @($true, $false)
    }

    It 'changes nothing under the root (a read-only cmdlet)' {
        $before = Get-TreeFingerprint $root
        $null = Get-AutoGlmService -Name autoglm-a -Root $root
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'writes no error or warning, and its -Debug stream carries no secret' {
        $run = Invoke-InRunspace -Script 'param($r) Get-AutoGlmService -Name autoglm-a -Root $r' -Arguments @{ r = $root } -VerboseOn -DebugOn
        $run.Thrown | Should -BeNullOrEmpty
        $run.Error | Should -BeNullOrEmpty
        $run.Output.Count | Should -Be 1
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase ServiceNameInvalid InvalidArgument { Get-AutoGlmService -Name 'a/b' -Root $root -ErrorAction Stop }
            ErrorCase ProfileNotFound ObjectNotFound { Get-AutoGlmService -Profile no-such-profile -Root $root -ErrorAction Stop }
            ErrorCase RootNotFound ObjectNotFound { Get-AutoGlmService -Name autoglm-a -Root (Join-Path $TestDrive 'nowhere') -ErrorAction Stop }
            ErrorCase RootInvalid InvalidArgument -Skip 'RootInvalid is an empty -Root, and [ValidateNotNullOrEmpty] on -Root makes PowerShell refuse it first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase RootUnreadable PermissionDenied -AsRoot { $r = New-Item -ItemType Directory (Join-Path $TestDrive 'locked'); chmod 000 $r; Get-AutoGlmService -Name x -Root $r -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'GetAutoGlmServiceCommand'
        }
    }
}
