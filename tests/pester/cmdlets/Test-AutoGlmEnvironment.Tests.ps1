# Test-AutoGlmEnvironment run for real against a fixture root and snapshots of it.
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
    $snapshot = (Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'snap-a') -Root $root -Confirm:$false).Path
    $fleet = Join-Path $TestDrive 'fleet'
    $null = New-Item -ItemType Directory $fleet
    Copy-Item -Recurse $snapshot (Join-Path $fleet 'node-a')
    Copy-Item -Recurse $snapshot (Join-Path $fleet 'node-b')
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Test-AutoGlmEnvironment' {
    It 'returns CheckResult objects for a root with progress and verbose records, and changes nothing there' {
        # One full run against the root (live probes take a while); the other tests read the snapshot of it.
        $before = Get-TreeFingerprint $root
        $run = Invoke-InRunspace -Script 'param($r) Test-AutoGlmEnvironment -Root $r' -Arguments @{ r = $root } -VerboseOn -DebugOn
        $run.Thrown | Should -BeNullOrEmpty
        $run.Error | Should -BeNullOrEmpty
        $run.Output | ForEach-Object { $_ | Should -BeOfType ([AutoGlm.Engine.Checks.CheckResult]) }
        $run.Output.Id | Should -Contain 'os.supported'
        ($run.Output | Where-Object Id -eq 'os.supported').Status | Should -Be 'Pass'
        $run.Progress | Should -Not -BeNullOrEmpty
        $run.Verbose | Should -Not -BeNullOrEmpty
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'answers one bool with -Quiet' {
        $answer = Test-AutoGlmEnvironment -Snapshot $snapshot -Category os -Quiet
        @($answer).Count | Should -Be 1
        $answer | Should -BeOfType [bool]
    }

    It 'takes snapshot folders from the pipeline by value and by property name (FullName)' {
        $byValue = $snapshot | Test-AutoGlmEnvironment -Category os
        $byProperty = Get-Item $snapshot | Test-AutoGlmEnvironment -Category os
        ($byProperty | ConvertTo-Json) | Should -Be ($byValue | ConvertTo-Json)
        @(Get-ChildItem $fleet -Directory | Test-AutoGlmEnvironment -Category os).Count | Should -Be (2 * @($byValue).Count)
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase ProfileNotFound ObjectNotFound { Test-AutoGlmEnvironment -Root $root -Profile no-such-profile -ErrorAction Stop }
            ErrorCase UnknownCategory InvalidArgument { Test-AutoGlmEnvironment -Root $root -Category nonsense -ErrorAction Stop }
            ErrorCase UnknownCheckId InvalidArgument { Test-AutoGlmEnvironment -Root $root -Id no.such.check -ErrorAction Stop }
            ErrorCase RootNotFound ObjectNotFound { Test-AutoGlmEnvironment -Root (Join-Path $TestDrive 'nowhere') -ErrorAction Stop }
            ErrorCase RootInvalid InvalidArgument -Skip 'RootInvalid is an empty -Root, and [ValidateNotNullOrEmpty] on -Root makes PowerShell refuse it first (ParameterArgumentValidationError), as the help says'
            ErrorCase RootUnreadable PermissionDenied -AsRoot { $r = New-Item -ItemType Directory (Join-Path $TestDrive 'locked'); chmod 000 $r; Test-AutoGlmEnvironment -Root $r -ErrorAction Stop }
            ErrorCase RootAndSnapshot InvalidArgument -Skip '-Root and -Snapshot are in different parameter sets, so PowerShell refuses both together first (AmbiguousParameterSet); the engine raises it for the CLI'
            ErrorCase SnapshotNotFound ObjectNotFound { Test-AutoGlmEnvironment -Snapshot (Join-Path $TestDrive 'no-snapshot') -ErrorAction Stop }
            ErrorCase SnapshotInvalid InvalidData { $s = Join-Path $TestDrive 'bad-snap'; Copy-Item -Recurse $snapshot $s; Set-Content (Join-Path $s 'index.jsonl') '{broken'; Test-AutoGlmEnvironment -Snapshot $s -ErrorAction Stop }
            ErrorCase SnapshotFolderEmpty ObjectNotFound { $e = New-Item -ItemType Directory (Join-Path $TestDrive 'empty-fleet'); Test-AutoGlmEnvironment -Snapshot $e -Triage -ErrorAction Stop }
            ErrorCase SnapshotIsFleetFolder InvalidArgument { Test-AutoGlmEnvironment -Snapshot $fleet -ErrorAction Stop }
            ErrorCase PortOutOfRange InvalidArgument -Skip '[ValidateRange(1, 65535)] on -Port makes PowerShell refuse the port first (ParameterArgumentValidationError), as the help says; the engine raises it for the CLI'
            ErrorCase MatrixNotFound ObjectNotFound -Child "Test-AutoGlmEnvironment -Root '$([IO.Path]::GetTempPath())' -Category os"
            ErrorCase MatrixOverrideNotFound ObjectNotFound { Test-AutoGlmEnvironment -Root $root -MatrixPath (Join-Path $TestDrive 'missing.yaml') -ErrorAction Stop }
            ErrorCase MatrixUnreadable ReadError -AsRoot { $f = Join-Path $TestDrive 'locked.yaml'; Set-Content $f 'schemaVersion: 1'; chmod 000 $f; Test-AutoGlmEnvironment -Root $root -MatrixPath $f -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Test-AutoGlmEnvironment -Root $root -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'bad.yaml')) -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'TestAutoGlmEnvironmentCommand'
        }

        It 'a bad piped snapshot is non-terminating: an error for it, results for the next' {
            $out = @((Join-Path $TestDrive 'no-snapshot'), $snapshot) | Test-AutoGlmEnvironment -Category os -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -Be 'SnapshotNotFound,AutoGlm.Commands.TestAutoGlmEnvironmentCommand'
            $out | Should -Not -BeNullOrEmpty
        }
    }
}
