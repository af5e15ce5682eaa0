# Pester 5 specs for the module surface. They run where pwsh and Pester exist (./build.ps1 -Task Test);
# no PowerShell runtime can be installed on the development machines, where the xunit contract tests
# cover the same surface from the built assembly.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest
}

AfterAll {
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'AutoGlm module' {
    It 'exports exactly the cmdlets in the manifest' {
        $manifest = Import-PowerShellDataFile $autoGlmManifest
        $exported = (Get-Command -Module AutoGlm).Name | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $autoGlmManifest -ErrorAction Stop } | Should -Not -Throw
    }

    It 'loads the engine and YamlDotNet from bin/Dependencies, privately on PowerShell 7' {
        $null = Get-AutoGlmMatrix -Section profiles
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AutoGlm.Engine' }
        $engine.Location | Should -BeLike '*Dependencies*'
        if ($PSVersionTable.PSEdition -eq 'Core') {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine[0]).Name | Should -Be 'AutoGlm'
        }
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

Describe 'Export-AutoGlmReport' {
    BeforeAll {
        $results = Test-AutoGlmEnvironment -Category os
    }

    It 'changes nothing under -WhatIf' {
        $target = Join-Path ([System.IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString() + '.json')
        $results | Export-AutoGlmReport -Path $target -WhatIf
        Test-Path $target | Should -BeFalse
    }

    It 'writes a JSON report with a schemaVersion and returns the file with -PassThru' {
        $target = Join-Path ([System.IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString() + '.json')
        try {
            $file = $results | Export-AutoGlmReport -Path $target -PassThru -Confirm:$false
            $file | Should -BeOfType [System.IO.FileInfo]
            $report = Get-Content -LiteralPath $target -Raw | ConvertFrom-Json
            $report.schemaVersion | Should -Be 1
            @($report.checks).Count | Should -Be @($results).Count
        }
        finally {
            Remove-Item -LiteralPath $target -Force -ErrorAction SilentlyContinue
        }
    }

    It 'writes JUnit XML and a Prometheus textfile' {
        $dir = Join-Path ([System.IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString())
        New-Item -ItemType Directory -Path $dir | Out-Null
        try {
            $results | Export-AutoGlmReport -Format JUnit -Path (Join-Path $dir 'autoglm.xml') -Confirm:$false
            ([xml](Get-Content -LiteralPath (Join-Path $dir 'autoglm.xml') -Raw)).testsuites.testsuite.name | Should -Contain 'autoglm.os'
            $results | Export-AutoGlmReport -Format Prometheus -Path (Join-Path $dir 'autoglm.prom') -Confirm:$false
            Get-Content -LiteralPath (Join-Path $dir 'autoglm.prom') | Should -Contain '# TYPE autoglm_check_status gauge'
            (Get-ChildItem -LiteralPath $dir -Force).Name | Sort-Object | Should -Be @('autoglm.prom', 'autoglm.xml')
        }
        finally {
            Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'stops with ReportPathExists under -NoClobber' {
        $target = Join-Path ([System.IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString() + '.json')
        Set-Content -LiteralPath $target -Value '{}'
        try {
            { $results | Export-AutoGlmReport -Path $target -NoClobber -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'ReportPathExists,AutoGlm.Commands.ExportAutoGlmReportCommand'
        }
        finally {
            Remove-Item -LiteralPath $target -Force -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Resolve-AutoGlmStack' {
    BeforeAll {
        $hosts = Join-Path $PSScriptRoot '../fixtures/hosts'
    }

    It 'resolves a stack from a facts file' {
        $stack = Resolve-AutoGlmStack -Profile vllm-server -FactsPath (Join-Path $hosts 'rtx5090-ubuntu2404-nodriver.json')
        $stack.Resolved | Should -BeTrue
        $stack.Driver.Flavor | Should -Be 'open'
        $stack.Packages.Name | Should -Contain 'vllm'
    }

    It 'keeps its nested objects through remoting serialization (types file depth)' {
        $stack = Resolve-AutoGlmStack -Profile vllm-server -FactsPath (Join-Path $hosts 'rtx5090-ubuntu2404-nodriver.json')
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($stack))
        $copy.Driver.Flavor | Should -Be 'open'
        $copy.Packages.Name | Should -Contain 'vllm'
    }

    It 'returns the conflicts when nothing fits' {
        $stack = Resolve-AutoGlmStack -FactsPath (Join-Path $hosts 'h100x8-ubuntu2204-535-held.json')
        $stack.Resolved | Should -BeFalse
        ($stack.Conflicts -join "`n") | Should -Match 'held \(apt-hold\)'
    }

    It 'stops on a missing facts file with a stable error id' {
        $err = { Resolve-AutoGlmStack -FactsPath ./no-such.json -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'FactsFileNotFound,*'
    }
}

Describe 'Get-AutoGlmMatrix' {
    It 'returns entries of one section with their sources' {
        $gpus = Get-AutoGlmMatrix -Section gpus
        $gpus.Count | Should -BeGreaterThan 0
        $gpus | ForEach-Object { $_.Source | Should -Not -BeNullOrEmpty }
    }

    It 'rejects an unknown section' {
        { Get-AutoGlmMatrix -Section nonsense -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownMatrixSection,*'
    }
}

Describe 'The public type surface' {
    It 'lets a script name every output type a cmdlet declares, though the engine loads privately' {
        $declared = Get-Command -Module AutoGlm | ForEach-Object { $_.OutputType } | Where-Object { $_.Name -like 'AutoGlm.*' }
        $declared | Should -Not -BeNullOrEmpty
        foreach ($type in $declared) {
            ($type.Name -as [type]) | Should -Not -BeNullOrEmpty -Because "$($type.Name) is an output type"
        }
    }

    It 'names the nested types and enums scripts compare with' {
        [AutoGlm.Engine.Checks.CheckStatus]::Fail.ToString() | Should -Be 'Fail'
        [AutoGlm.Engine.Plan.StepOutcome] | Should -Not -BeNullOrEmpty
        $result = Test-AutoGlmEnvironment -Category os | Select-Object -First 1
        $result -is [AutoGlm.Engine.Checks.CheckResult] | Should -BeTrue
    }
}
