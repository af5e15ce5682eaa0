# Export-AutoGlmHostSnapshot run for real: a fixture root recorded into folders under $TestDrive.
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
    $out = Join-Path $TestDrive 'out'
    $null = New-Item -ItemType Directory $out
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Export-AutoGlmHostSnapshot' {
    It 'changes nothing under -WhatIf' {
        $before = Get-TreeFingerprint $TestDrive
        Export-AutoGlmHostSnapshot -Path (Join-Path $out 'whatif') -Root $root -WhatIf | Should -BeNullOrEmpty
        Get-TreeFingerprint $TestDrive | Should -Be $before
    }

    It 'writes a snapshot and returns SnapshotInfo, with progress and without touching the root' {
        $before = Get-TreeFingerprint $root
        $run = Invoke-InRunspace -Script 'param($p, $r) Export-AutoGlmHostSnapshot -Path $p -Root $r -Confirm:$false' -Arguments @{ p = (Join-Path $out 'node-a'); r = $root } -VerboseOn
        $run.Thrown | Should -BeNullOrEmpty
        $run.Error | Should -BeNullOrEmpty
        $info = $run.Output[0]
        $info | Should -BeOfType ([AutoGlm.Engine.SnapshotInfo])
        $info.Path | Should -Be (Join-Path $out 'node-a')
        $info.FilesRead | Should -BeGreaterThan 0
        Test-Path (Join-Path $out 'node-a/snapshot.json') | Should -BeTrue
        $run.Progress | Should -Not -BeNullOrEmpty
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'replaces a non-empty folder with -Force' {
        $info = Export-AutoGlmHostSnapshot -Path (Join-Path $out 'node-a') -Root $root -Force -Confirm:$false
        $info.Path | Should -Be (Join-Path $out 'node-a')
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase SnapshotPathExists ResourceUnavailable { $p = New-Item -ItemType Directory (Join-Path $TestDrive 'full'); Set-Content (Join-Path $p 'x') 1; Export-AutoGlmHostSnapshot -Path $p -Root $root -Confirm:$false -ErrorAction Stop }
            ErrorCase SnapshotPathIsFile InvalidArgument { $p = Join-Path $TestDrive 'a-file'; Set-Content $p 1; Export-AutoGlmHostSnapshot -Path $p -Root $root -Confirm:$false -ErrorAction Stop }
            ErrorCase SnapshotParentNotFound ObjectNotFound { Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'no/such/parent') -Root $root -Confirm:$false -ErrorAction Stop }
            ErrorCase SnapshotPathMissing InvalidArgument -Skip '[ValidateNotNullOrEmpty] on the mandatory -Path makes PowerShell refuse an empty path first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase SnapshotOfSnapshot InvalidArgument -Skip 'the cmdlet has no -Snapshot parameter, so no snapshot can be given as its source; the engine raises it for the CLI (autoglm snapshot export with a snapshot)'
            ErrorCase ProfileNotFound ObjectNotFound { Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'p1') -Root $root -Profile no-such-profile -Confirm:$false -ErrorAction Stop }
            ErrorCase RootNotFound ObjectNotFound { Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'p2') -Root (Join-Path $TestDrive 'nowhere') -Confirm:$false -ErrorAction Stop }
            ErrorCase RootInvalid InvalidArgument -Skip 'RootInvalid is an empty -Root, and [ValidateNotNullOrEmpty] on -Root makes PowerShell refuse it first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase RootUnreadable PermissionDenied -AsRoot { $r = New-Item -ItemType Directory (Join-Path $TestDrive 'locked'); chmod 000 $r; Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'p3') -Root $r -Confirm:$false -ErrorAction Stop }
            ErrorCase PortOutOfRange InvalidArgument -Skip '[ValidateRange(1, 65535)] on -Port makes PowerShell refuse the port first (ParameterArgumentValidationError); the engine raises it for the CLI'
            ErrorCase MatrixNotFound ObjectNotFound -Child "Export-AutoGlmHostSnapshot -Path '$([IO.Path]::GetTempPath())autoglm-nomatrix-snap-$([guid]::NewGuid())' -Root '$([IO.Path]::GetTempPath())' -Confirm:`$false"
            ErrorCase MatrixOverrideNotFound ObjectNotFound { Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'p4') -Root $root -MatrixPath (Join-Path $TestDrive 'missing.yaml') -Confirm:$false -ErrorAction Stop }
            ErrorCase MatrixUnreadable ReadError -AsRoot { $f = Join-Path $TestDrive 'locked.yaml'; Set-Content $f 'schemaVersion: 1'; chmod 000 $f; Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'p5') -Root $root -MatrixPath $f -Confirm:$false -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'p6') -Root $root -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'bad.yaml')) -Confirm:$false -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'ExportAutoGlmHostSnapshotCommand'
        }
    }
}
