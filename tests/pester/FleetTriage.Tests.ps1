# Pester 5 specs for the fleet triage (Test-AutoGlmEnvironment -Snapshot FOLDER -Triage). They run where pwsh
# and Pester exist (./build.ps1 -Task Test); on the development machines the xunit tests
# (FleetTriageTests, FleetTriageCliTests) cover the engine and the CLI.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest

    # Three snapshots of this machine (the same verdicts each), and a fourth whose index is broken.
    $fleet = Join-Path ([IO.Path]::GetTempPath()) ("autoglm-fleet-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $fleet
    $null = Export-AutoGlmHostSnapshot -Path (Join-Path $fleet 'node-a') -Confirm:$false
    foreach ($name in 'node-b', 'node-c', 'node-d') {
        Copy-Item -Path (Join-Path $fleet 'node-a') -Destination (Join-Path $fleet $name) -Recurse
    }
    Set-Content -Path (Join-Path $fleet 'node-d/index.jsonl') -Value '{broken'
    $single = Test-AutoGlmEnvironment -Snapshot (Join-Path $fleet 'node-a')
}

AfterAll {
    if ($fleet) { Remove-Item -Path $fleet -Recurse -Force -ErrorAction SilentlyContinue }
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Test-AutoGlmEnvironment -Triage' {
    It 'returns one FleetTriage for a folder of snapshots' {
        $triage = Test-AutoGlmEnvironment -Snapshot $fleet -Triage
        @($triage).Count | Should -Be 1
        $triage | Should -BeOfType ([AutoGlm.Engine.Reports.FleetTriage])
        $triage.Hosts.Name | Should -Be @('node-a', 'node-b', 'node-c', 'node-d')
    }

    It 'gives each host the counts its snapshot gives alone' {
        $triage = Test-AutoGlmEnvironment -Snapshot $fleet -Triage
        $a = $triage.Hosts | Where-Object Name -eq 'node-a'
        $a.Fail | Should -Be @($single | Where-Object Status -eq Fail).Count
        $a.Pass | Should -Be @($single | Where-Object Status -eq Pass).Count
    }

    It 'groups every failing check with the hosts that fail it' {
        $triage = Test-AutoGlmEnvironment -Snapshot $fleet -Triage
        $failing = @($single | Where-Object Status -eq Fail).Id
        @($triage.Groups | Where-Object Status -eq fail).Id | Sort-Object | Should -Be ($failing | Sort-Object)
        foreach ($group in $triage.Groups | Where-Object Status -eq fail) {
            $group.Hosts | Should -Be @('node-a', 'node-b', 'node-c')
        }
    }

    It 'lists the malformed snapshot as an error host instead of stopping' {
        $triage = Test-AutoGlmEnvironment -Snapshot $fleet -Triage
        $bad = $triage.Hosts | Where-Object Name -eq 'node-d'
        $bad.Status | Should -Be 'error'
        $bad.ErrorId | Should -Be 'SnapshotInvalid'
        $bad.Error | Should -BeLike '*index.jsonl line 1*'
        $triage.Error | Should -Be 1
    }

    It 'collects piped snapshot folders into one triage' {
        $triage = Get-ChildItem -Path $fleet -Directory | Where-Object Name -ne 'node-d' | Test-AutoGlmEnvironment -Triage
        @($triage).Count | Should -Be 1
        $triage.Hosts.Name | Should -Be @('node-a', 'node-b', 'node-c')
        $triage.Error | Should -Be 0
    }

    It 'answers with one bool under -Quiet' {
        $answer = Test-AutoGlmEnvironment -Snapshot $fleet -Triage -Quiet
        $answer | Should -BeOfType [bool]
        $answer | Should -BeFalse   # node-d could not be read
    }

    It 'survives the remoting serializer with its groups and hosts intact' {
        $triage = Test-AutoGlmEnvironment -Snapshot $fleet -Triage
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($triage))
        $copy.Hosts[0].Name | Should -Be 'node-a'
        @($copy.Groups).Count | Should -Be @($triage.Groups).Count
        if ($triage.Groups) { $copy.Groups[0].Hosts | Should -Be $triage.Groups[0].Hosts }
    }

    It 'points a folder of snapshots without -Triage to -Triage' {
        $err = { Test-AutoGlmEnvironment -Snapshot $fleet -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SnapshotIsFleetFolder*'
    }

    It 'stops on a folder without snapshots' {
        $empty = Join-Path $fleet '.empty'
        $null = New-Item -ItemType Directory -Path $empty
        $err = { Test-AutoGlmEnvironment -Snapshot $empty -Triage -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SnapshotFolderEmpty*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
