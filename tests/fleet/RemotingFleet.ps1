# The assertions of tests/fleet/pwsh-e2e.sh (which starts the sshd hosts): examples/fleet/Invoke-AutoGlmFleet.ps1
# over real SSH remoting. Prints "fleet-pwsh: N passed, N failed"; exits 1 when any failed.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Work
)
$ErrorActionPreference = 'Stop'
Import-Module (Resolve-Path $ModulePath) -Force
$fleetScript = Join-Path $PSScriptRoot '../../examples/fleet/Invoke-AutoGlmFleet.ps1'
$script:passed = 0; $script:failed = 0
function Check([string] $What, [scriptblock] $Condition) {
    $ok = try { [bool] (& $Condition) } catch { Write-Host "    $_"; $false }
    if ($ok) { $script:passed++; Write-Host "  ok   $What" } else { $script:failed++; Write-Host "  FAIL $What" }
}
function Connections([string] $File) {
    Get-Content $File | ForEach-Object {
        $name, $port = $_ -split "`t"
        @{
            HostName = $name; Port = [int] $port; UserName = 'root'; KeyFilePath = "$Work/ssh/id_ed25519"
            Options = @{ HostName = '127.0.0.1'; UserKnownHostsFile = "$Work/ssh/known_hosts"; StrictHostKeyChecking = 'yes'
                         IdentitiesOnly = 'yes'; BatchMode = 'yes'; PasswordAuthentication = 'no'; ConnectTimeout = '10' }
        }
    }
}
$install = @{ Wheelhouse = "$Work/wheels" }

$all = @(Connections "$Work/hosts.tsv" | Where-Object { $_.HostName -notlike 'perf*' })
$fleet = & $fleetScript -SSHConnection $all -ThrottleLimit 4 -InstallParameters $install -TimeoutSeconds 400
$row = @{}; foreach ($h in $fleet.Hosts) { $row[$h.Host] = $h }
$fleet.Hosts | Format-Table Host, Status, Step, Pass, Fail, Error -AutoSize | Out-String -Width 200 | Write-Host

Check 'one row per host, in the order given' { ($fleet.Hosts.Host -join ',') -eq (($all | ForEach-Object HostName) -join ',') }
Check 'gpu-healthy: ok, Install-AutoGlmHost -WhatIf planned' { $row['gpu-healthy'].Status -eq 'ok' -and $row['gpu-healthy'].Fail -eq 0 -and $row['gpu-healthy'].Pass -gt 20 }
Check 'gpu-repair: needs-repair (Repair-AutoGlmDriver -WhatIf recognises the mismatch), gpu.nvml named' {
    $r = $row['gpu-repair']; $r.Status -eq 'needs-repair' -and $r.Step -eq 'repair' -and $r.Failing -contains 'gpu.nvml' -and $r.Error -like 'gpu-repair: ?*' -and $r.Fix -like 'Repair-AutoGlmDriver*'
}
Check 'gpu-preflight: failed at install (PreflightFailed), gpu.present, fix from its remediation' {
    $r = $row['gpu-preflight']; $r.Status -eq 'failed' -and $r.Step -eq 'install' -and $r.Error -like 'gpu-preflight: *PreflightFailed*' -and $r.Failing -contains 'gpu.present' -and $r.Fix -like '*GPU*'
}
Check 'gpu-nomodule: failed at module, host and fix named' {
    $r = $row['gpu-nomodule']; $r.Status -eq 'failed' -and $r.Step -eq 'module' -and $r.Error -like 'gpu-nomodule: *not installed*' -and $r.Fix -like '*AutoGlm*on gpu-nomodule*'
}
Check 'gpu-oldmodule: failed at version, both versions named' {
    $r = $row['gpu-oldmodule']; $r.Status -eq 'failed' -and $r.Step -eq 'version' -and $r.Error -like 'gpu-oldmodule: *0.0.9*' -and $r.Error -like "*$((Get-Module AutoGlm).Version)*"
}
Check 'gpu-unreachable: unreachable, host named, fix given' {
    $r = $row['gpu-unreachable']; $r.Status -eq 'unreachable' -and $r.Error -like 'gpu-unreachable:*' -and $r.Fix -like '*sshd*'
}
Check 'fleet summary' { "$($fleet.Summary)" -eq '@{Hosts=6; ok=1; checks-failed=0; needs-repair=1; failed=3; unreachable=1}' }
$checks = @($fleet.Checks)
Check 'checks came back deserialized with their type name' { $checks.Count -gt 60 -and @($checks | Where-Object { $_.PSObject.TypeNames[0] -ne 'Deserialized.AutoGlm.Engine.Checks.CheckResult' }).Count -eq 0 }
Check 'each check says which host (PSComputerName)' { (@($checks.PSComputerName | Sort-Object -Unique) -join ',') -eq 'gpu-healthy,gpu-preflight,gpu-repair' }
Check 'the module''s format view applies to them' { ($checks | Where-Object PSComputerName -eq 'gpu-repair' | Format-Table | Out-String) -match 'Target / Category:' }
Check 'the world each host saw is its own root' { @($checks | Where-Object PSComputerName -eq 'gpu-preflight' | Where-Object Id -eq 'gpu.present').Status -eq 'Fail' -and
                                                     @($checks | Where-Object PSComputerName -eq 'gpu-healthy' | Where-Object Id -eq 'gpu.present').Status -eq 'Pass' }
Check '-WhatIf changed nothing on gpu-repair (no module reloaded)' { -not (Test-Path "$Work/hosts/gpu-repair/tools.log") -or -not (Select-String -Path "$Work/hosts/gpu-repair/tools.log" -Pattern '^(rmmod|modprobe)' -Quiet) }

if ($env:AUTOGLM_FLEET_PERF -eq '--perf') {
    Write-Host '== wall time of a fleet check (ThrottleLimit 4), healthy hosts'
    foreach ($n in 1, 3, 12) {
        $conns = @(Connections "$Work/perf-$n.tsv")
        $null = & $fleetScript -SSHConnection $conns -ThrottleLimit 4 -InstallParameters $install -TimeoutSeconds 500   # warm
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $f = & $fleetScript -SSHConnection $conns -ThrottleLimit 4 -InstallParameters $install -TimeoutSeconds 500
        $sw.Stop()
        Write-Host ("fleet-perf pwsh hosts={0} throttle=4 ok={1} seconds={2:0.0} (sessions opened in {3:0.0} s, work {4:0.0} s)" -f $n, $f.Summary.ok, $sw.Elapsed.TotalSeconds, $f.ConnectSeconds, $f.RunSeconds)
    }
}

Write-Host "fleet-pwsh: $script:passed passed, $script:failed failed"
exit $(if ($script:failed -eq 0) { 0 } else { 1 })
