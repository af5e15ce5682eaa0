# Pester 5 specs for Install-AutoGlmHost. They run where pwsh and Pester exist; the xunit tests
# (tests/AutoGlm.Tests/Deploy) drive the same engine end to end on an isolated root.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest
}

AfterAll {
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Install-AutoGlmHost' {
    It 'asks before it changes anything (ConfirmImpact High) and returns an InstallSummary' {
        $command = Get-Command Install-AutoGlmHost
        $command.ImplementingType.GetCustomAttributes($true) |
            Where-Object { $_ -is [System.Management.Automation.CmdletAttribute] } |
            ForEach-Object { $_.ConfirmImpact } | Should -Be 'High'
        $command.OutputType.Name | Should -Contain 'AutoGlm.Engine.Deploy.InstallSummary'
    }

    It 'refuses a bad port with a stable error id and changes nothing' {
        $root = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
        New-Item -ItemType Directory -Path (Join-Path $root 'etc') | Out-Null
        Set-Content -Path (Join-Path $root 'etc/os-release') -Value 'ID=ubuntu', 'VERSION_ID="22.04"'
        $before = Get-ChildItem -Path $root -Recurse -File | Get-FileHash
        try {
            { Install-AutoGlmHost -Root $root -Port 70000 -WhatIf -ErrorAction Stop } |
                Should -Throw -ErrorId 'ServicePortInvalid,AutoGlm.Commands.InstallAutoGlmHostCommand'
            (Get-ChildItem -Path $root -Recurse -File | Get-FileHash).Hash | Should -Be $before.Hash
        }
        finally {
            Remove-Item -Path $root -Recurse -Force
        }
    }

    It 'stops in preflight on a server profile without an NVIDIA GPU' {
        $root = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
        $pci = Join-Path $root 'sys/bus/pci/devices/0000:00:03.0'
        New-Item -ItemType Directory -Path (Join-Path $root 'etc'), $pci | Out-Null
        Set-Content -Path (Join-Path $root 'etc/os-release') -Value 'ID=ubuntu', 'VERSION_ID="22.04"'
        Set-Content -Path (Join-Path $pci 'vendor') -Value '0x8086'
        Set-Content -Path (Join-Path $pci 'device') -Value '0x100e'
        Set-Content -Path (Join-Path $pci 'class') -Value '0x020000'
        try {
            { Install-AutoGlmHost -Root $root -Profile vllm-server -WhatIf -ErrorAction Stop } |
                Should -Throw -ErrorId 'PreflightFailed,AutoGlm.Commands.InstallAutoGlmHostCommand'
        }
        finally {
            Remove-Item -Path $root -Recurse -Force
        }
    }

    It 'returns plain data that survives serialization (as remoting does it)' {
        $summary = [AutoGlm.Engine.Deploy.InstallSummary]::new()
        $summary.Status = 'converged'
        $summary.Changed.Add('config/config.env: written')
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($summary, 3))
        $copy.Status | Should -Be 'converged'
        $copy.Changed | Should -Be @('config/config.env: written')
    }
}
