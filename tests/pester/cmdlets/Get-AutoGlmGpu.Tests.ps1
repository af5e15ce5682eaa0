# Get-AutoGlmGpu run for real: an H100 on the PCI bus of a fixture root, and a snapshot of it.
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
    $snapshot = Export-AutoGlmHostSnapshot -Path (Join-Path $TestDrive 'snap') -Root $root -Confirm:$false
    $PSDefaultParameterValues['Get-AutoGlmGpu:WarningAction'] = 'SilentlyContinue'   # the driver-did-not-answer warning of a PCI-only root
}

AfterAll {
    $env:PATH = $savedPath
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Get-AutoGlmGpu' {
    It 'returns a GpuInfo per NVIDIA GPU of a root, from PCI when no driver answers' {
        $before = Get-TreeFingerprint $root
        $gpus = @(Get-AutoGlmGpu -Root $root)
        $gpus.Count | Should -Be 1
        $gpus[0] | Should -BeOfType ([AutoGlm.Engine.Facts.GpuInfo])
        $gpus[0].Source | Should -Be 'pci'
        $gpus[0].Name | Should -Match 'H100'
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'reads a snapshot by -Snapshot, and piped by property name (Path of SnapshotInfo)' {
        $fromSnapshot = Get-AutoGlmGpu -Snapshot $snapshot.Path
        $piped = $snapshot | Get-AutoGlmGpu
        $fromSnapshot.Name | Should -Match 'H100'
        ($piped | ConvertTo-Json) | Should -Be ($fromSnapshot | ConvertTo-Json)
    }

    It 'writes no error with -Verbose and -Debug' {
        $run = Invoke-InRunspace -Script 'param($r) Get-AutoGlmGpu -Root $r' -Arguments @{ r = $root } -VerboseOn -DebugOn
        $run.Thrown | Should -BeNullOrEmpty
        $run.Error | Should -BeNullOrEmpty
        $run.Output.Count | Should -Be 1
    }

    Context 'documented errors' {
        It '<ErrorId> (<Category>)' -ForEach @(
            ErrorCase RootAndSnapshot InvalidArgument -Skip '-Root and -Snapshot are in different parameter sets, so PowerShell refuses both together first (AmbiguousParameterSet); the engine raises it for the CLI'
            ErrorCase SnapshotNotFound ObjectNotFound { Get-AutoGlmGpu -Snapshot (Join-Path $TestDrive 'nowhere') -ErrorAction Stop }
            ErrorCase SnapshotInvalid InvalidData { $s = New-Item -ItemType Directory (Join-Path $TestDrive 'not-a-snapshot'); Set-Content (Join-Path $s 'snapshot.json') '{broken'; Get-AutoGlmGpu -Snapshot $s -ErrorAction Stop }
            ErrorCase RootNotFound ObjectNotFound { Get-AutoGlmGpu -Root (Join-Path $TestDrive 'nowhere') -ErrorAction Stop }
            ErrorCase RootInvalid InvalidArgument { Get-AutoGlmGpu -Root '' -ErrorAction Stop }
            ErrorCase RootUnreadable PermissionDenied -AsRoot { $r = New-Item -ItemType Directory (Join-Path $TestDrive 'locked'); chmod 000 $r; Get-AutoGlmGpu -Root $r -ErrorAction Stop }
            ErrorCase MatrixInvalid InvalidData { Get-AutoGlmGpu -Root $root -MatrixPath (New-BadMatrix (Join-Path $TestDrive 'bad.yaml')) -ErrorAction Stop }
            ErrorCase MatrixOverrideNotFound ObjectNotFound { Get-AutoGlmGpu -Root $root -MatrixPath (Join-Path $TestDrive 'missing.yaml') -ErrorAction Stop }
        ) {
            Test-DocumentedError $_ 'GetAutoGlmGpuCommand'
        }

        It 'a blank -Root is RootInvalid too, not the current folder taken for /' {
            Push-Location $TestDrive
            try { Assert-AutoGlmError (Get-StopError { Get-AutoGlmGpu -Root '  ' -ErrorAction Stop }) -ErrorId RootInvalid -Class GetAutoGlmGpuCommand -Category InvalidArgument }
            finally { Pop-Location }
        }

        It 'a bad piped snapshot is non-terminating: an error for it, GPUs for the next' {
            $out = @((Join-Path $TestDrive 'nowhere'), $snapshot.Path) | ForEach-Object { [pscustomobject]@{ Path = $_ } } | Get-AutoGlmGpu -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -Be 'SnapshotNotFound,AutoGlm.Commands.GetAutoGlmGpuCommand'
            @($out).Count | Should -Be 1
        }
    }
}
