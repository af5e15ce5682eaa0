# Resolve-AutoGlmStack run for real: facts files from tests/fixtures/hosts, a fixture root, and a snapshot.
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
    $facts = Join-Path $hostsFixtures 'rtx5090-ubuntu2404-nodriver.json'
    $snapshot = Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'snap') -Root $root -Confirm:$false
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Resolve-AutoGlmStack' {
    It 'returns a ResolvedStack for a facts file' {
        $stack = Resolve-AutoGlmStack -Profile vllm-server -FactsPath $facts
        $stack | Should -BeOfType ([AutoGlm.Engine.Resolve.ResolvedStack])
        $stack.Resolved | Should -BeTrue
        $stack.Packages.Name | Should -Contain 'vllm'
    }

    It 'resolves for a fixture root without changing it' {
        $before = Get-TreeFingerprint $root
        $stack = Resolve-AutoGlmStack -Root $root
        $stack | Should -BeOfType ([AutoGlm.Engine.Resolve.ResolvedStack])
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'takes snapshots from the pipeline by property name (Snapshot)' {
        $direct = Resolve-AutoGlmStack -Snapshot $snapshot.Path
        $piped = [pscustomobject]@{ Snapshot = $snapshot.Path } | Resolve-AutoGlmStack
        ($piped | ConvertTo-Json -Depth 5) | Should -Be ($direct | ConvertTo-Json -Depth 5)
    }

    It 'writes its reasons to the verbose stream, and to the information stream with -Explain' {
        $run = Invoke-InRunspace -Script 'param($f) Resolve-AutoGlmStack -FactsPath $f -Explain' -Arguments @{ f = $facts } -VerboseOn -DebugOn
        $run.Error | Should -BeNullOrEmpty
        $run.Verbose | Should -Not -BeNullOrEmpty
        $run.Information | Should -Not -BeNullOrEmpty
        $run.Output.Count | Should -Be 1
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase HostSourceConflict InvalidArgument -Skip '-Root, -Snapshot and -FactsPath are in different parameter sets, so PowerShell refuses two together first (AmbiguousParameterSet); the engine raises it for the CLI'
            ErrorCase FactsFileNotFound ObjectNotFound { Resolve-AutoGlmStack -FactsPath (Join-Path $TestDrive 'no.json') -ErrorAction Stop }
            ErrorCase FactsFileInvalid InvalidData { $f = Join-Path $TestDrive 'bad.json'; Set-Content $f '{broken'; Resolve-AutoGlmStack -FactsPath $f -ErrorAction Stop }
            ErrorCase ProfileNotFound ObjectNotFound { Resolve-AutoGlmStack -Profile no-such-profile -FactsPath $facts -ErrorAction Stop }
            ErrorCase SnapshotNotFound ObjectNotFound { Resolve-AutoGlmStack -Snapshot (Join-Path $TestDrive 'nowhere') -ErrorAction Stop }
            ErrorCase SnapshotInvalid InvalidData { $s = New-Item -ItemType Directory (Join-Path $TestDrive 'not-a-snapshot'); Set-Content (Join-Path $s 'snapshot.json') '{broken'; Resolve-AutoGlmStack -Snapshot $s -ErrorAction Stop }
            ErrorCase RootNotFound ObjectNotFound { Resolve-AutoGlmStack -Root (Join-Path $TestDrive 'nowhere') -ErrorAction Stop }
            ErrorCase RootInvalid InvalidArgument -Skip 'RootInvalid is an empty -Root, and [ValidateNotNullOrEmpty] on -Root makes PowerShell refuse it first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase RootUnreadable PermissionDenied -AsRoot { $r = New-Item -ItemType Directory (Join-Path $TestDrive 'locked'); chmod 000 $r; Resolve-AutoGlmStack -Root $r -ErrorAction Stop }
            ErrorCase MatrixNotFound ObjectNotFound -Child "Resolve-AutoGlmStack -FactsPath '$(Join-Path $hostsFixtures 'rtx5090-ubuntu2404-nodriver.json')'"
            ErrorCase MatrixOverrideNotFound ObjectNotFound { Resolve-AutoGlmStack -FactsPath $facts -MatrixPath (Join-Path $TestDrive 'missing.yaml') -ErrorAction Stop }
            ErrorCase MatrixUnreadable ReadError -AsRoot { $f = Join-Path $TestDrive 'locked.yaml'; Set-Content $f 'schemaVersion: 1'; chmod 000 $f; Resolve-AutoGlmStack -FactsPath $facts -MatrixPath $f -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Resolve-AutoGlmStack -FactsPath $facts -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'badm.yaml')) -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'ResolveAutoGlmStackCommand'
        }
    }
}
