# Pester 5 specs for the Windows service host (AutoGlm.ServiceHost.exe) and the agent role of
# Register-AutoGlmService. The host's logic is tested by xunit on Linux (tests/AutoGlm.Tests/ServiceHost);
# these run the built exe itself where Windows is, and the agent preview where systemd is the target.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest
    $script:hostExe = Join-Path (Split-Path -Parent (Get-Module AutoGlm).Path) 'bin/AutoGlm.ServiceHost.exe'
    $script:onWindows = [System.Environment]::OSVersion.Platform -eq 'Win32NT'
}

AfterAll {
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'AutoGlm.ServiceHost.exe' {
    It 'ships beside the module assemblies' {
        Test-Path -LiteralPath $script:hostExe | Should -BeTrue
    }

    It 'accepts a valid definition with --check and names a bad one' {
        if (-not $script:onWindows) { Set-ItResult -Skipped -Because 'AutoGlm.ServiceHost.exe is a .NET Framework 4.7.2 program that runs on Windows only; its logic is tested by xunit (ServiceHost.Core)' }
        $definition = Join-Path $TestDrive 'svc.json'
        $logs = Join-Path $TestDrive 'logs'
        @{ name = 'svc'; executable = "$env:SystemRoot\System32\cmd.exe"; arguments = @('/c', 'echo', 'ready')
           log = @{ directory = $logs; file = 'svc.log'; maxSizeMB = 1; keepFiles = 2 } } |
            ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $definition -Encoding UTF8
        & $script:hostExe --config $definition --check | Should -Match 'svc runs'
        $LASTEXITCODE | Should -Be 0

        Set-Content -LiteralPath $definition -Value '{ "name": "svc" '
        & $script:hostExe --config $definition --check 2>&1 | Out-String | Should -Match 'not valid JSON'
        $LASTEXITCODE | Should -Be 1
    }
}

Describe 'Register-AutoGlmService -Role Agent' {
    It 'refuses the agent without a task, naming the fix' {
        if ($script:onWindows) { Set-ItResult -Skipped -Because 'the agent role is previewed here as a systemd unit; on Windows it is a service of AutoGlm.ServiceHost.exe' }
        $root = Join-Path $TestDrive 'root'
        New-Item -ItemType Directory -Force -Path (Join-Path $root 'opt/autoglm/venv/bin'), (Join-Path $root 'opt/autoglm/Open-AutoGLM') | Out-Null
        Set-Content -Path (Join-Path $root 'opt/autoglm/venv/bin/python3') -Value '#!/bin/sh'
        Set-Content -Path (Join-Path $root 'opt/autoglm/Open-AutoGLM/main.py') -Value 'print(1)'
        { Register-AutoGlmService -Role Agent -Root $root -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'ServiceAgentTaskInvalid,AutoGlm.Commands.RegisterAutoGlmServiceCommand'
    }
}
