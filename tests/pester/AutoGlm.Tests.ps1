# Pester 5 specs for the module surface. They run where pwsh and Pester exist (./build.ps1 -Task Test);
# no PowerShell runtime can be installed on the development machines, where the xunit contract tests
# cover the same surface from the built assembly.
BeforeAll {
    $repoRoot = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    Import-Module (Join-Path $repoRoot 'AutoGlm.psd1') -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'AutoGlm module' {
    It 'exports exactly the cmdlets in the manifest' {
        $manifest = Import-PowerShellDataFile (Join-Path $repoRoot 'AutoGlm.psd1')
        $exported = (Get-Command -Module AutoGlm).Name | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path (Join-Path $repoRoot 'AutoGlm.psd1') -ErrorAction Stop } | Should -Not -Throw
    }
}

Describe 'Test-AutoGlmEnvironment' {
    It 'returns check objects with the contract properties' {
        $results = Test-AutoGlmEnvironment -Category os
        $results | Should -Not -BeNullOrEmpty
        $results[0].PSObject.Properties.Name | Should -Contain 'Remediation'
        $results.Id | Should -Contain 'os.supported'
    }

    It 'returns a single bool with -Quiet' {
        $answer = Test-AutoGlmEnvironment -Quiet -Category os
        $answer | Should -BeOfType [bool]
        @($answer).Count | Should -Be 1
    }

    It 'lists checks with -ListChecks' {
        (Test-AutoGlmEnvironment -ListChecks).Id | Should -Contain 'python.venv.available'
    }

    It 'stops with a categorised error for an unknown profile' {
        $err = { Test-AutoGlmEnvironment -Profile 'no-such-profile' -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ProfileNotFound*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Export-AutoGlmHostSnapshot' {
    It 'changes nothing under -WhatIf' {
        $target = Join-Path ([System.IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString())
        Export-AutoGlmHostSnapshot -Path $target -WhatIf
        Test-Path $target | Should -BeFalse
    }

    It 'writes a snapshot that evaluates like the host' {
        $target = Join-Path ([System.IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString())
        try {
            $info = Export-AutoGlmHostSnapshot -Path $target -Confirm:$false
            $replay = Test-AutoGlmEnvironment -Snapshot $target
            ($replay | ConvertTo-Json) | Should -Be ($info.Results | ConvertTo-Json)
        }
        finally {
            Remove-Item -LiteralPath $target -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}
