# Get-AutoGlmMatrix run for real: the shipped matrix, a site override, and each documented error.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot '../Common.ps1')
    . (Join-Path $PSScriptRoot 'CmdletSpec.ps1')
    Import-AutoGlmUnderTest
}

AfterAll { Remove-Module AutoGlm -ErrorAction SilentlyContinue }

Describe 'Get-AutoGlmMatrix' {
    It 'returns MatrixEntry objects with their sources by default' {
        $entries = Get-AutoGlmMatrix
        $entries | Should -Not -BeNullOrEmpty
        $entries | ForEach-Object { $_ -is [AutoGlm.Engine.Matrix.MatrixEntry] | Should -BeTrue }
        ($entries.Section | Sort-Object -Unique) | Should -Contain 'profiles'
        ($entries | Where-Object Section -eq gpus | Select-Object -First 1).Source | Should -Not -BeNullOrEmpty
    }

    It 'filters by -Section and wildcard -Id' {
        $gpus = Get-AutoGlmMatrix -Section gpus -Id '*5090*'
        $gpus | Should -Not -BeNullOrEmpty
        $gpus | ForEach-Object { $_.Section | Should -Be 'gpus'; $_.Id | Should -BeLike '*5090*' }
    }

    It 'merges a site override given with -MatrixPath' {
        $site = Join-Path $TestDrive 'site.yaml'
        Set-Content -LiteralPath $site -Value "schemaVersion: 1`nprofiles:`n  - id: pester-site`n    extends: vllm-server`n    description: a site profile`n    source: pester`n"
        (Get-AutoGlmMatrix -Section profiles -MatrixPath $site).Id | Should -Contain 'pester-site'
    }

    It 'writes nothing to the error, warning or progress streams on a plain query' {
        $run = Invoke-InRunspace -Script 'Get-AutoGlmMatrix -Section profiles' -VerboseOn -DebugOn
        $run.Thrown | Should -BeNullOrEmpty
        $run.Error | Should -BeNullOrEmpty
        $run.Output | Should -Not -BeNullOrEmpty
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase UnknownMatrixSection InvalidArgument { Get-AutoGlmMatrix -Section nonsense -ErrorAction Stop }
            ErrorCase MatrixOverrideNotFound ObjectNotFound { Get-AutoGlmMatrix -MatrixPath (Join-Path $TestDrive 'missing.yaml') -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Get-AutoGlmMatrix -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'bad.yaml')) -ErrorAction Stop }
            ErrorCase MatrixUnreadable ReadError -AsRoot { $f = Join-Path $TestDrive 'locked.yaml'; Set-Content $f 'schemaVersion: 1'; chmod 000 $f; Get-AutoGlmMatrix -MatrixPath $f -ErrorAction Stop }
            ErrorCase MatrixNotFound ObjectNotFound -Child 'Get-AutoGlmMatrix'
        ) {
            Test-DocumentedError $_ 'GetAutoGlmMatrixCommand'
        }
    }
}
