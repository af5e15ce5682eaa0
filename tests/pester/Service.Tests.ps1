# Pester 5 specs for Register-, Unregister- and Get-AutoGlmService. They run where pwsh and Pester exist
# (./build.ps1 -Task Test) on Linux; the xunit tests in tests/AutoGlm.Tests/Services cover the engine.
# Every state change goes to an isolated root with fake tools first on PATH, never to the machine itself.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest

    $script:testRoot = Join-Path $TestDrive 'root'
    $script:fakeBin = Join-Path $TestDrive 'bin'
    New-Item -ItemType Directory -Force -Path $testRoot, $fakeBin | Out-Null
    New-Item -ItemType Directory -Force -Path (Join-Path $testRoot 'opt/autoglm/venv/bin') | Out-Null
    Set-Content -Path (Join-Path $testRoot 'opt/autoglm/venv/bin/python3') -Value '#!/bin/sh'
    New-Item -ItemType Directory -Force -Path (Join-Path $testRoot 'proc/self') | Out-Null
    Set-Content -Path (Join-Path $testRoot 'proc/self/status') -Value "Name:`tautoglm`nUid:`t0`t0`t0`t0"
    foreach ($tool in 'getent', 'groupadd', 'useradd', 'install', 'stat', 'systemctl', 'journalctl') {
        $path = Join-Path $fakeBin $tool
        Set-Content -Path $path -Value "#!/bin/sh`necho `"$tool `$*`" >> '$TestDrive/calls.log'`nexit 1"
        chmod +x $path
    }
    $script:savedPath = $env:PATH
    $env:PATH = "$fakeBin$([IO.Path]::PathSeparator)$env:PATH"
}

AfterAll {
    $env:PATH = $script:savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Register-AutoGlmService' {
    It 'declares ShouldProcess and returns ApplyResult' {
        $command = Get-Command Register-AutoGlmService
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Environment'
        $command.OutputType.Name | Should -Contain 'AutoGlm.Engine.Plan.ApplyResult'
    }

    It 'changes nothing under -WhatIf' {
        $before = Get-ChildItem -Recurse -File $testRoot | Select-Object -ExpandProperty FullName
        Register-AutoGlmService -Profile vllm-server -Root $testRoot -Environment @{ HF_TOKEN = 'hf_pester_secret' } -WhatIf
        $after = Get-ChildItem -Recurse -File $testRoot | Select-Object -ExpandProperty FullName
        $after | Should -Be $before
    }

    It 'rejects a service name with a path separator' {
        { Register-AutoGlmService -Root $testRoot -Name 'a/b' -WhatIf } |
            Should -Throw -ErrorId 'ServiceNameInvalid,AutoGlm.Commands.RegisterAutoGlmServiceCommand'
    }

    It 'rejects a port outside 1-65535' {
        { Register-AutoGlmService -Root $testRoot -Port 70000 -WhatIf } |
            Should -Throw -ErrorId 'ServicePortInvalid,AutoGlm.Commands.RegisterAutoGlmServiceCommand'
    }

    It 'rejects a missing venv' {
        { Register-AutoGlmService -Root $testRoot -VenvPath /nowhere -WhatIf } |
            Should -Throw -ErrorId 'ServiceVenvNotFound,AutoGlm.Commands.RegisterAutoGlmServiceCommand'
    }

    It 'completes profile ids' {
        $completions = TabExpansion2 -inputScript ($line = 'Register-AutoGlmService -Profile vllm') -cursorColumn $line.Length
        $completions.CompletionMatches.CompletionText | Should -Contain 'vllm-server'
    }
}

Describe 'Unregister-AutoGlmService' {
    It 'has ConfirmImpact High' {
        $attribute = (Get-Command Unregister-AutoGlmService).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)
        $attribute.ConfirmImpact | Should -Be 'High'
    }
}

Describe 'Get-AutoGlmService' {
    It 'reports an absent unit under an empty root' {
        $status = Get-AutoGlmService -Name autoglm-none -Root $testRoot
        $status.UnitFilePresent | Should -BeFalse
        $status.Healthy | Should -BeFalse
    }
}
