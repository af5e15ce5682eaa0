# Pester 5 specs for Install-AutoGlmDriver and Install-AutoGlmCuda. They run where pwsh and Pester
# exist; the xunit tests (tests/AutoGlm.Tests/Install) drive the same engine with real apt and dpkg.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest
}

AfterAll {
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Install-AutoGlmDriver' {
    It 'asks before it changes anything (ConfirmImpact High)' {
        $command = Get-Command Install-AutoGlmDriver
        $command.ImplementingType.GetCustomAttributes($true) |
            Where-Object { $_ -is [System.Management.Automation.CmdletAttribute] } |
            ForEach-Object { $_.ConfirmImpact } | Should -Be 'High'
    }

    It 'refuses an unknown driver branch with a stable error id and changes nothing' {
        $root = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
        $pci = Join-Path $root 'sys/bus/pci/devices/0000:17:00.0'
        New-Item -ItemType Directory -Path (Join-Path $root 'etc'), $pci | Out-Null
        Set-Content -Path (Join-Path $root 'etc/os-release') -Value 'ID=ubuntu', 'VERSION_ID="22.04"'
        Set-Content -Path (Join-Path $pci 'vendor') -Value '0x10de'
        Set-Content -Path (Join-Path $pci 'device') -Value '0x2330'
        Set-Content -Path (Join-Path $pci 'class') -Value '0x030200'
        $before = Get-ChildItem -Path $root -Recurse -File | Get-FileHash
        try {
            { Install-AutoGlmDriver -Root $root -DriverBranch 123 -WhatIf -ErrorAction Stop } |
                Should -Throw -ErrorId 'UnknownDriverBranch,AutoGlm.Commands.InstallAutoGlmDriverCommand'
            (Get-ChildItem -Path $root -Recurse -File | Get-FileHash).Hash | Should -Be $before.Hash
        }
        finally {
            Remove-Item -Path $root -Recurse -Force
        }
    }

    It 'refuses a repository keyring that is not an OpenPGP public key, also with -WhatIf, and changes nothing' {
        $root = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
        $pci = Join-Path $root 'sys/bus/pci/devices/0000:17:00.0'
        New-Item -ItemType Directory -Path (Join-Path $root 'etc'), $pci | Out-Null
        Set-Content -Path (Join-Path $root 'etc/os-release') -Value 'ID=ubuntu', 'VERSION_ID="22.04"'
        Set-Content -Path (Join-Path $pci 'vendor') -Value '0x10de'
        Set-Content -Path (Join-Path $pci 'device') -Value '0x2330'
        Set-Content -Path (Join-Path $pci 'class') -Value '0x030200'
        $key = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString() + '.asc')
        Set-Content -Path $key -Value 'not a key'
        $before = Get-ChildItem -Path $root -Recurse -File | Get-FileHash
        try {
            { Install-AutoGlmDriver -Root $root -RepositoryUrl 'http://127.0.0.1:9/mirror/' -RepositoryKeyring $key -WhatIf -ErrorAction Stop } |
                Should -Throw -ErrorId 'RepositoryKeyringInvalid,AutoGlm.Commands.InstallAutoGlmDriverCommand'
            { Install-AutoGlmCuda -Root $root -RepositoryKeyring (Join-Path $root 'missing.gpg') -WhatIf -ErrorAction Stop } |
                Should -Throw -ErrorId 'RepositoryKeyringUnreadable,AutoGlm.Commands.InstallAutoGlmCudaCommand'
            (Get-ChildItem -Path $root -Recurse -File | Get-FileHash).Hash | Should -Be $before.Hash
        }
        finally {
            Remove-Item -Path $root -Recurse -Force
            Remove-Item -Path $key -Force
        }
    }

    It 'completes driver branches from the matrix' {
        $completions = TabExpansion2 -inputScript ($line = 'Install-AutoGlmDriver -DriverBranch 5') -cursorColumn $line.Length
        $completions.CompletionMatches.CompletionText | Should -Contain '580'
    }
}

Describe 'Install-AutoGlmCuda' {
    It 'completes CUDA versions from the matrix' {
        $completions = TabExpansion2 -inputScript ($line = 'Install-AutoGlmCuda -CudaVersion 12.') -cursorColumn $line.Length
        $completions.CompletionMatches.CompletionText | Should -Contain '12.8'
    }
}
