<#
.SYNOPSIS
    Checks a fleet of GPU servers over PowerShell remoting (SSH): Test-AutoGlmEnvironment and
    Install-AutoGlmHost -WhatIf on each host, with one result per host and one fleet summary.
.DESCRIPTION
    Opens an SSH session to each host (New-PSSession: a host that cannot be reached is named here), then runs
    one Invoke-Command -Session -AsJob on them, -ThrottleLimit at a time. On each host it
    imports AutoGlm, refuses a module whose version is not the caller's, runs Test-AutoGlmEnvironment,
    Repair-AutoGlmDriver -WhatIf (a host whose driver the repair can fix is 'needs-repair') and
    Install-AutoGlmHost -WhatIf (which changes nothing) and returns the checks (deserialized
    AutoGlm.Engine.Checks.CheckResult objects: their format view applies, PSComputerName says which host)
    and one AutoGlm.FleetHost row.

    A host that cannot be reached, lacks the module, runs another version or fails the install's preflight
    gets a row with Status 'unreachable' or 'failed' (a fixable driver: 'needs-repair'), the Step, the Error and
    the Fix; the other hosts complete.
    Nothing here changes a host.

    The result is one AutoGlm.Fleet object: Hosts (a row per host, in the order given), Checks (every host's
    CheckResult objects), Summary (counts by status), ConnectSeconds (opening the sessions, one after the
    other) and RunSeconds (the work on the hosts, -ThrottleLimit at a time).
.PARAMETER HostName
    The hosts, as Invoke-Command -HostName takes them ([user@]host[:port]).
.PARAMETER SSHConnection
    The hosts as Invoke-Command -SSHConnection hashtables (HostName, Port, UserName, KeyFilePath, Options),
    when they differ in more than the name. The row's Host is the hashtable's HostName.
.PARAMETER InstallParameters
    Extra parameters for Install-AutoGlmHost on every host (e.g. @{ Wheelhouse = '/srv/wheels' }).
.EXAMPLE
    ./Invoke-AutoGlmFleet.ps1 -HostName (Get-Content ./gpu-servers.txt) -UserName root -KeyFilePath ~/.ssh/id_ed25519 -ThrottleLimit 16
.EXAMPLE
    $fleet = ./Invoke-AutoGlmFleet.ps1 -HostName gpu01, gpu02 -Profile vllm-server
    $fleet.Hosts | Format-Table Host, Status, Step, Fail, Error
    $fleet.Checks | Where-Object Status -eq Fail | Format-Table PSComputerName, Id, Message
#>
[CmdletBinding(DefaultParameterSetName = 'HostName')]
param(
    [Parameter(Mandatory, ParameterSetName = 'HostName')] [string[]] $HostName,
    [Parameter(ParameterSetName = 'HostName')] [string] $UserName,
    [Parameter(ParameterSetName = 'HostName')] [string] $KeyFilePath,
    [Parameter(Mandatory, ParameterSetName = 'SSHConnection')] [hashtable[]] $SSHConnection,
    [string] $Profile = 'vllm-server',
    [hashtable] $InstallParameters = @{},
    [ValidateRange(1, 256)] [int] $ThrottleLimit = 32,
    [ValidateRange(1, 86400)] [int] $TimeoutSeconds = 600
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# The version every host must run: the caller's (imported, else the newest installed).
$control = @(Get-Module AutoGlm) + @(Get-Module AutoGlm -ListAvailable | Sort-Object Version -Descending) | Select-Object -First 1
if (-not $control) { throw 'AutoGlm is not installed on this computer: the fleet runs the version the caller has.' }
$controlVersion = $control.Version

$onHost = {
    param([string] $ProfileName, [string] $ControlVersion, [hashtable] $InstallParameters)
    $ErrorActionPreference = 'Stop'
    # The fleet tests give each fake host its world (a fixture root) in AUTOGLM_FLEET_ROOT; a real host has '/'.
    $root = if ($env:AUTOGLM_FLEET_ROOT) { $env:AUTOGLM_FLEET_ROOT } else { '/' }
    $hostName = 'this host'   # the caller puts the name it connected to in front of the error and the fix
    function Row([string] $Status, [string] $Step, [string] $Err, [string] $Fix, $Checks, $Version) {
        $fail = @($Checks | Where-Object { "$($_.Status)" -eq 'Fail' })
        [pscustomobject]@{
            PSTypeName = 'AutoGlm.FleetHost'; Status = $Status; Step = $Step; Error = $Err; Fix = $Fix
            ModuleVersion = "$Version"; Pass = @($Checks | Where-Object { "$($_.Status)" -eq 'Pass' }).Count; Fail = $fail.Count
            Failing = [string[]] @($fail | ForEach-Object Id)
        }
    }
    $module = Import-Module AutoGlm -PassThru -ErrorAction SilentlyContinue
    if (-not $module) {
        return Row failed module "The AutoGlm module is not installed (no AutoGlm in `$env:PSModulePath)." `
            "Install the control node's AutoGlm $ControlVersion on $hostName (copy the module folder into a PSModulePath folder, or Install-Module AutoGlm -RequiredVersion $ControlVersion)." @() ''
    }
    if ("$($module.Version)" -ne $ControlVersion) {
        return Row failed version "The host has AutoGlm $($module.Version); the control node has $ControlVersion." `
            "Install AutoGlm $ControlVersion on $hostName (the same release for the whole fleet), or run the fleet from a computer with $($module.Version)." @() $module.Version
    }
    $checks = @(Test-AutoGlmEnvironment -Profile $ProfileName -Root $root)
    $checks   # to the caller, deserialized with their type names
    # A driver the repair recognises comes first: the install would plan around the broken driver.
    $diagnosis = Repair-AutoGlmDriver -Profile $ProfileName -Root $root -WhatIf -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($diagnosis -and -not $diagnosis.Healthy -and $diagnosis.AnyFixable) {
        return Row needs-repair repair "$($diagnosis.Summary)" `
            "Repair-AutoGlmDriver -Profile $ProfileName -Force on $hostName (-WhatIf shows the plan), then check again." $checks $module.Version
    }
    try {
        Install-AutoGlmHost -Profile $ProfileName -Root $root -WhatIf @InstallParameters -ErrorAction Stop
    }
    catch {
        $fix = @($checks | Where-Object { "$($_.Status)" -eq 'Fail' -and $_.Remediation } | ForEach-Object Remediation) -join ' '
        if (-not $fix) { $fix = "Run Install-AutoGlmHost -Profile $ProfileName -WhatIf on $hostName and see the error's remediation." }
        return Row failed install "$($_.Exception.Message) [$($_.FullyQualifiedErrorId -replace ',.*$', '')]" $fix $checks $module.Version
    }
    Row $(if (@($checks | Where-Object { "$($_.Status)" -eq 'Fail' }).Count) { 'checks-failed' } else { 'ok' }) '' '' '' $checks $module.Version
}

# Invoke-Command's SSH parameter sets take no -ThrottleLimit: open a session per host (a host that cannot be
# reached fails here, named by its connection), then run on the sessions, -ThrottleLimit at a time, as a job.
if ($PSCmdlet.ParameterSetName -eq 'HostName') {
    $SSHConnection = @($HostName | ForEach-Object {
        $c = @{ HostName = $_ }
        if ($UserName) { $c.UserName = $UserName }
        if ($KeyFilePath) { $c.KeyFilePath = $KeyFilePath }
        $c
    })
}
$names = @($SSHConnection | ForEach-Object { $_.HostName })
$clock = [Diagnostics.Stopwatch]::StartNew()
$sessions = @{}
$connectErrors = @{}
foreach ($connection in $SSHConnection) {
    # New-PSSession -HostName with the hashtable's keys (PowerShell 7.6's -SSHConnection dropped Port next to Options).
    $open = @{}
    foreach ($key in 'HostName', 'Port', 'UserName', 'KeyFilePath', 'Options', 'Subsystem', 'ConnectingTimeout') {
        if ($connection.ContainsKey($key)) { $open[$key] = $connection[$key] }
    }
    $session = New-PSSession @open -ErrorAction SilentlyContinue -ErrorVariable failure
    if ($session) { $sessions[$connection.HostName] = $session } else { $connectErrors[$connection.HostName] = "$($failure | Select-Object -First 1)" }
}

$connectSeconds = $clock.Elapsed.TotalSeconds
$job = if ($sessions.Count) {
    Invoke-Command -Session @($sessions.Values) -ScriptBlock $onHost -ArgumentList $Profile, "$controlVersion", $InstallParameters -ThrottleLimit $ThrottleLimit -AsJob
}
try {
    if ($job) { $null = $job | Wait-Job -Timeout $TimeoutSeconds }
    $runSeconds = $clock.Elapsed.TotalSeconds - $connectSeconds
    $rows = [System.Collections.Generic.List[object]]::new()
    $checks = [System.Collections.Generic.List[object]]::new()
    # One child job per session; its Location is the session's ComputerName, the connection's HostName.
    $byHost = @{}
    if ($job) { foreach ($child in $job.ChildJobs) { $byHost[$child.Location] = $child } }
    foreach ($name in $names) {
        $child = $byHost[$name]
        $row = $null
        $hostErrors = @()
        if ($child) {
            $out = @($child | Receive-Job -ErrorAction SilentlyContinue -ErrorVariable hostErrors)
            $row = $out | Where-Object { $_.PSObject.TypeNames -contains 'Deserialized.AutoGlm.FleetHost' } | Select-Object -Last 1
            foreach ($o in $out) { if ($o.PSObject.TypeNames -contains 'Deserialized.AutoGlm.Engine.Checks.CheckResult') { $checks.Add($o) } }
        }
        if (-not $row) {
            $unreachable = -not $child -or $child.JobStateInfo.Reason -is [System.Management.Automation.Remoting.PSRemotingTransportException]
            $reason = if (-not $child) { $connectErrors[$name] } elseif ($child.JobStateInfo.Reason) { $child.JobStateInfo.Reason.Message }
                      elseif ($hostErrors) { "$($hostErrors[0])" } elseif ($child.State -eq 'Running') { "no answer in $TimeoutSeconds s" } else { 'no result' }
            $row = [pscustomobject]@{
                PSTypeName = 'AutoGlm.FleetHost'; Status = $(if ($unreachable) { 'unreachable' } else { 'failed' }); Step = 'connect'
                Error = "${name}: $reason"
                Fix = "Check that sshd runs on $name with the PowerShell subsystem (Subsystem powershell /usr/bin/pwsh -sshs -NoLogo) and that 'ssh $name' logs in with the key, without a prompt."
                ModuleVersion = ''; Pass = 0; Fail = 0; Failing = [string[]] @()
            }
        }
        $rows.Add([pscustomobject]@{
            PSTypeName = 'AutoGlm.FleetHost'; Host = $name; Status = $row.Status; Step = $row.Step
            Error = $(if (-not $row.Error -or $row.Error.StartsWith("${name}:")) { $row.Error } else { "${name}: $($row.Error)" })
            Fix = "$($row.Fix)".Replace('this host', $name)
            ModuleVersion = $row.ModuleVersion; Pass = $row.Pass; Fail = $row.Fail; Failing = @($row.Failing)
        })
    }
    $summary = [ordered]@{ Hosts = $rows.Count }
    foreach ($s in 'ok', 'checks-failed', 'needs-repair', 'failed', 'unreachable') { $summary[$s] = @($rows | Where-Object Status -eq $s).Count }
    [pscustomobject]@{
        PSTypeName = 'AutoGlm.Fleet'; Hosts = $rows.ToArray(); Checks = $checks.ToArray(); Summary = [pscustomobject]$summary
        ConnectSeconds = [math]::Round($connectSeconds, 1); RunSeconds = [math]::Round($runSeconds, 1)
    }
}
finally {
    if ($job) { $job | Stop-Job -ErrorAction SilentlyContinue; $job | Remove-Job -Force -ErrorAction SilentlyContinue }
    if ($sessions.Count) { $sessions.Values | Remove-PSSession -ErrorAction SilentlyContinue }
}
