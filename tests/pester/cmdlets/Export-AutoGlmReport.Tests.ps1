# Export-AutoGlmReport run for real: check results of a recorded fixture host written as JSON, JUnit and Prometheus.
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
    $results = Test-AutoGlmEnvironment -Root $root -Category os, memory
    $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'reports')
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Export-AutoGlmReport' {
    It 'writes nothing and returns nothing by default; -PassThru returns the FileInfo' {
        $results | Export-AutoGlmReport -Path (Join-Path $dir 'a.json') -Confirm:$false | Should -BeNullOrEmpty
        $file = $results | Export-AutoGlmReport -Path (Join-Path $dir 'b.json') -PassThru -Confirm:$false
        $file | Should -BeOfType ([System.IO.FileInfo])
        (Get-Content $file.FullName -Raw | ConvertFrom-Json).schemaVersion | Should -Be 1
    }

    It 'changes nothing under -WhatIf' {
        $before = Get-TreeFingerprint $dir
        $results | Export-AutoGlmReport -Path (Join-Path $dir 'w.json') -WhatIf
        Get-TreeFingerprint $dir | Should -Be $before
    }

    It 'takes check results from the pipeline by value and with -InputObject alike' {
        $results | Export-AutoGlmReport -Path (Join-Path $dir 'p.json') -Confirm:$false
        Export-AutoGlmReport -InputObject $results -Path (Join-Path $dir 'i.json') -Confirm:$false
        (Get-Content (Join-Path $dir 'i.json') -Raw | ConvertFrom-Json).checks.Count | Should -Be (Get-Content (Join-Path $dir 'p.json') -Raw | ConvertFrom-Json).checks.Count
    }

    It 'writes JUnit and Prometheus, and says what it wrote on the verbose stream' {
        $run = Invoke-InRunspace -Script 'param($d, $root) $r = Test-AutoGlmEnvironment -Root $root -Category os; $r | Export-AutoGlmReport -Format JUnit -Path "$d/j.xml" -Confirm:$false; $r | Export-AutoGlmReport -Format Prometheus -Path "$d/m.prom" -Confirm:$false' -Arguments @{ d = "$dir"; root = $root } -VerboseOn
        $run.Error | Should -BeNullOrEmpty
        ($run.Verbose | Out-String) | Should -Match 'j\.xml'
        [xml](Get-Content (Join-Path $dir 'j.xml') -Raw) | Should -Not -BeNullOrEmpty
        Get-Content (Join-Path $dir 'm.prom') | Should -Contain '# TYPE autoglm_check_status gauge'
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase ReportParentNotFound ObjectNotFound { $results | Export-AutoGlmReport -Path (Join-Path $TestDrive 'no/such/r.json') -Confirm:$false -ErrorAction Stop }
            ErrorCase ReportPathIsDirectory InvalidArgument { $results | Export-AutoGlmReport -Path $dir -Confirm:$false -ErrorAction Stop }
            ErrorCase ReportPathExists ResourceExists { Set-Content (Join-Path $dir 'exists.json') '{}'; $results | Export-AutoGlmReport -Path (Join-Path $dir 'exists.json') -NoClobber -Confirm:$false -ErrorAction Stop }
            ErrorCase ReportPathMissing InvalidArgument -Skip '[ValidateNotNullOrEmpty] on the mandatory -Path makes PowerShell refuse an empty name first (ParameterArgumentValidationError); the id is the CLI''s (autoglm test --out "")'
            ErrorCase ReportWriteFailed WriteError -AsRoot { $d = New-Item -ItemType Directory (Join-Path $TestDrive 'readonly'); chmod 555 $d; $results | Export-AutoGlmReport -Path (Join-Path $d 'r.json') -Confirm:$false -ErrorAction Stop }
            ErrorCase ReportDuplicateCheck InvalidData { @($results) + @($results) | Export-AutoGlmReport -Format Prometheus -Path (Join-Path $dir 'dup.prom') -Confirm:$false -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'ExportAutoGlmReportCommand'
        }
    }
}
