# Pester 5 specs for Sync-AutoGlmPythonEnvironment and New-AutoGlmLockFile. They run where pwsh and Pester
# exist (./build.ps1 -Task Test); the xunit tests in tests/AutoGlm.Tests/Python cover the engine with real pip.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest
    $facts = Join-Path $repoRoot 'tests/fixtures/hosts/rtx5090-ubuntu2404-570-proprietary.json'
}

AfterAll {
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Sync-AutoGlmPythonEnvironment' {
    It 'declares ShouldProcess with a high impact and returns ApplyResult' {
        $command = Get-Command Sync-AutoGlmPythonEnvironment
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Wheelhouse'
        $command.OutputType.Name | Should -Contain 'AutoGlm.Engine.Plan.ApplyResult'
    }

    It 'refuses a Python outside the profile range and changes nothing' {
        $root = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $root | Out-Null
        try {
            { Sync-AutoGlmPythonEnvironment -Profile sglang-server -PythonVersion 3.9 -FactsPath $facts -Root $root -Force -ErrorAction Stop } |
                Should -Throw -ErrorId 'PythonOutsideProfile,AutoGlm.Commands.SyncAutoGlmPythonEnvironmentCommand'
            Get-ChildItem -Path $root -Recurse | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item -Path $root -Recurse -Force
        }
    }

    It 'refuses an index URL with credentials without echoing them' {
        $err = $null
        try { Sync-AutoGlmPythonEnvironment -Profile sglang-server -IndexUrl 'https://u:secret@mirror.example/simple' -FactsPath $facts -WhatIf -ErrorAction Stop }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'IndexUrlHasCredentials,*'
        $err.Exception.Message | Should -Not -Match 'secret'
    }

    It 'completes Python versions from the matrix' {
        $result = TabExpansion2 -inputScript ($line = 'Sync-AutoGlmPythonEnvironment -PythonVersion 3.1') -cursorColumn $line.Length
        $result.CompletionMatches.CompletionText | Should -Contain '3.12'
    }
}

Describe 'New-AutoGlmLockFile' {
    It 'writes nothing under -WhatIf' {
        $root = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $root | Out-Null
        try {
            { New-AutoGlmLockFile -Profile sglang-server -Wheelhouse $root -FactsPath $facts -Root $root -WhatIf } | Should -Throw -ErrorId 'LockPackageNotFound,*'
            Get-ChildItem -Path $root -Recurse | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item -Path $root -Recurse -Force
        }
    }
}
