# Dot-sourced by the per-cmdlet specs in tests/pester/cmdlets (after ../Common.ps1): fixture roots that stand
# for '/', fake tools first on PATH, stream capture in a separate runspace (progress is not redirectable), and
# the error assertion every spec shares. Nothing here touches this machine's /etc, packages, services or
# kernel modules: every state change goes to a root under $TestDrive or a temporary folder.

$script:specRepoRoot = Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))
$script:hostsFixtures = Join-Path $specRepoRoot 'tests/fixtures/hosts'
$script:aptMirrorUrl = 'file://' + (Join-Path $specRepoRoot 'tests/fixtures/apt-mirror') + '/'

# A file under a root, its folders created.
function Set-RootFile {
    param([string] $Root, [string] $HostPath, [string] $Content = '')
    $real = Join-Path $Root $HostPath.TrimStart('/')
    $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $real)
    [IO.File]::WriteAllText($real, $Content)
    $real
}

# A root that stands for an Ubuntu 22.04 server run as root: os-release, kernel, CPU, memory, a boot id (so a
# journal can say "this boot"), and with -Gpu one H100 on PCI (no driver, no nvidia-smi).
function New-FixtureRoot {
    param([Parameter(Mandatory)] [string] $Path, [switch] $Gpu, [switch] $Venv)
    $null = New-Item -ItemType Directory -Force -Path $Path
    $null = Set-RootFile $Path '/etc/os-release' "PRETTY_NAME=`"Ubuntu 22.04.4 LTS`"`nNAME=`"Ubuntu`"`nVERSION_ID=`"22.04`"`nID=ubuntu`nID_LIKE=debian`n"
    $null = Set-RootFile $Path '/proc/sys/kernel/osrelease' "5.15.0-119-generic`n"
    $null = Set-RootFile $Path '/proc/sys/kernel/arch' "x86_64`n"
    $null = Set-RootFile $Path '/proc/sys/kernel/random/boot_id' "5f0c1c38-0000-4000-8000-autoglmpester`n"
    $null = Set-RootFile $Path '/proc/cpuinfo' ((0..15 | ForEach-Object { "processor`t: $_`nvendor_id`t: GenuineIntel`nflags`t`t: fpu sse sse2 vmx avx2`n`n" }) -join '')
    $null = Set-RootFile $Path '/proc/meminfo' "MemTotal:       65842356 kB`nMemFree:        1000000 kB`nMemAvailable:   60000000 kB`n"
    $null = Set-RootFile $Path '/proc/self/status' "Name:`tautoglm`nUid:`t0`t0`t0`t0`nGid:`t0`t0`t0`t0`n"
    if ($Gpu) {
        $pci = '/sys/bus/pci/devices/0000:17:00.0'
        $null = Set-RootFile $Path "$pci/vendor" "0x10de`n"
        $null = Set-RootFile $Path "$pci/device" "0x2330`n"
        $null = Set-RootFile $Path "$pci/class" "0x030200`n"
    }
    if ($Venv) { $null = Set-RootFile $Path '/opt/autoglm/venv/bin/python3' "#!/bin/sh`n" }
    $Path
}

# A fake tool: a /bin/sh script that logs its argv to $Log and runs $Body (default: exit 1, so a step that
# reaches a fake never changes anything).
function New-FakeTool {
    param([Parameter(Mandatory)] [string] $Bin, [Parameter(Mandatory)] [string] $Name, [string] $Body = 'exit 1', [string] $Log)
    $null = New-Item -ItemType Directory -Force -Path $Bin
    $path = Join-Path $Bin $Name
    $logLine = if ($Log) { "echo `"$Name `$*`" >> '$Log'`n" } else { '' }
    [IO.File]::WriteAllText($path, "#!/bin/sh`n$logLine$Body`n")
    chmod +x $path
    $path
}

# The system tools a plan might reach (package managers, service managers, module loaders, reboot), all faked
# to log and fail: put first on PATH so nothing a spec starts can reach this machine's services or packages.
function New-SafeToolBin {
    param([Parameter(Mandatory)] [string] $Bin, [string] $Log)
    foreach ($tool in 'apt-get', 'apt-mark', 'apt-cache', 'dpkg', 'dpkg-query', 'dnf', 'yum', 'rpm', 'systemctl', 'journalctl',
        'modprobe', 'rmmod', 'dkms', 'update-initramfs', 'dracut', 'reboot', 'shutdown', 'useradd', 'groupadd', 'getent',
        'install', 'stat', 'nvidia-smi', 'mokutil', 'gpg', 'curl', 'wget', 'git-lfs', 'update-grub', 'grub2-mkconfig', 'uv', 'pip', 'pip3',
        # interpreters too: the python probe then answers at once instead of asking each real one
        'python', 'python3', 'python3.8', 'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14') {
        $null = New-FakeTool -Bin $Bin -Name $tool -Log $Log
    }
    $Bin
}

function Add-PathFirst { param([string] $Bin) $env:PATH = "$Bin$([IO.Path]::PathSeparator)$env:PATH" }

# Runs a script in a fresh runspace with the module under test imported and returns every stream:
# Output, Error, Warning, Verbose, Debug, Information and Progress (which no redirection can capture).
function Invoke-InRunspace {
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Arguments = @{}, [switch] $VerboseOn, [switch] $DebugOn)
    # A runspace shares this process's environment: whatever the script sets in $env: is undone after.
    $savedEnvironment = [Environment]::GetEnvironmentVariables()
    $ps = [powershell]::Create()
    try {
        $prefix = "`$ProgressPreference = 'Continue'; Import-Module '$autoGlmManifest' -ErrorAction Stop; "
        if ($VerboseOn) { $prefix += "`$VerbosePreference = 'Continue'; " }
        if ($DebugOn) { $prefix += "`$DebugPreference = 'Continue'; " }
        $null = $ps.AddScript('param($SpecArguments) ' + $prefix + "`$env:PATH = '$($env:PATH -replace "'", "''")'; & {" + $Script + "`n} @SpecArguments")
        $null = $ps.AddParameter('SpecArguments', $Arguments)
        $output = $null; $thrown = $null
        try { $output = $ps.Invoke() } catch { $thrown = $_.Exception }
        [pscustomobject]@{
            Output      = @($output)
            Thrown      = $thrown
            Error       = @($ps.Streams.Error)
            Warning     = @($ps.Streams.Warning)
            Verbose     = @($ps.Streams.Verbose)
            Debug       = @($ps.Streams.Debug)
            Information = @($ps.Streams.Information)
            Progress    = @($ps.Streams.Progress)
        }
    }
    finally {
        $ps.Dispose()
        foreach ($name in [Environment]::GetEnvironmentVariables().Keys) { if (-not $savedEnvironment.Contains($name)) { [Environment]::SetEnvironmentVariable($name, $null) } }
        foreach ($name in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
    }
}

# Runs $Action with -ErrorAction Stop semantics and returns the ErrorRecord it stopped with (or $null).
function Get-StopError {
    param([Parameter(Mandatory)] [scriptblock] $Action)
    try { $null = & $Action; $null } catch { $_ }
}

# The documented error: FullyQualifiedErrorId '<Id>,AutoGlm.Commands.<Class>' and its ErrorCategory.
function Assert-AutoGlmError {
    param($ErrorRecord, [string] $ErrorId, [string] $Class, [string] $Category)
    $ErrorRecord | Should -Not -BeNullOrEmpty -Because "$ErrorId should stop the command"
    $ErrorRecord.FullyQualifiedErrorId | Should -Be "$ErrorId,AutoGlm.Commands.$Class"
    $ErrorRecord.CategoryInfo.Category | Should -Be $Category
    # Where the message names a fix, ErrorDetails carries it on its own, and it is the message's last part.
    $details = $ErrorRecord.PSObject.Properties['ErrorDetails']
    if ($details -and $details.Value) {
        $details.Value.RecommendedAction | Should -Not -BeNullOrEmpty
        $ErrorRecord.Exception.Message.ToLowerInvariant() |
            Should -BeLike ('*' + [WildcardPattern]::Escape($details.Value.RecommendedAction.TrimEnd('.').ToLowerInvariant()) + '*')
    }
}

# The errors every plan cmdlet raises from the shared executor before its first step: a held host lock, an
# interrupted or reboot-waiting journal, a damaged journal, and a state directory or journal that cannot be
# written. $Invoke is { param($Root) ... } applying the cmdlet (-Force) to a fixture root whose plan builds;
# $Plan is the plan's name (its journal is <state>/journal/<plan>.json). Each case returns the ErrorRecord.
function Invoke-ExecutorFault {
    param([Parameter(Mandatory)] [string] $Fault, [Parameter(Mandatory)] [string] $Root, [Parameter(Mandatory)] [string] $Plan, [Parameter(Mandatory)] [scriptblock] $Invoke)
    $state = Join-Path $Root 'var/lib/autoglm'
    $journal = Join-Path $state "journal/$Plan.json"
    $bootId = (Get-Content -Raw (Join-Path $Root 'proc/sys/kernel/random/boot_id')).Trim()
    $stamp = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")
    function Write-Journal([string] $Status) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $journal)
        @{ plan = $Plan; title = 'pester'; status = $Status; started = $stamp; updated = $stamp; bootId = $bootId; continuation = @()
           steps = @(@{ id = 'first'; state = 'started'; at = $stamp; detail = ''; captured = @{} }) } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $journal
    }
    switch ($Fault) {
        'HostLockTimeout' {
            $null = New-Item -ItemType Directory -Force -Path $state
            $held = [IO.File]::Open((Join-Path $state 'autoglm.lock'), 'OpenOrCreate', 'ReadWrite', 'None')
            try { Get-StopError { & $Invoke $Root } } finally { $held.Dispose() }
        }
        'RunInterrupted' { Write-Journal 'running'; Get-StopError { & $Invoke $Root } }
        'RebootPending' { Write-Journal 'reboot-pending'; Get-StopError { & $Invoke $Root -Resume } }
        'JournalUnreadable' { $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $journal); Set-Content -LiteralPath $journal -Value '{broken'; Get-StopError { & $Invoke $Root } }
        'StateDirectoryUnwritable' { $null = New-Item -ItemType Directory -Force -Path (Join-Path $Root 'var/lib'); Set-Content -LiteralPath $state -Value 'a file, not a folder'; Get-StopError { & $Invoke $Root } }
        'FileWriteFailed' { $null = New-Item -ItemType Directory -Force -Path $state; Set-Content -LiteralPath (Join-Path $state 'journal') -Value 'a file, not a folder'; Get-StopError { & $Invoke $Root } }
        default { throw "unknown fault $Fault" }
    }
}

$script:executorFaults = @(
    @{ Fault = 'HostLockTimeout'; Category = 'ResourceBusy' }
    @{ Fault = 'RunInterrupted'; Category = 'InvalidOperation' }
    @{ Fault = 'RebootPending'; Category = 'InvalidOperation' }
    @{ Fault = 'JournalUnreadable'; Category = 'InvalidData' }
    @{ Fault = 'StateDirectoryUnwritable'; Category = 'PermissionDenied' }
    @{ Fault = 'FileWriteFailed'; Category = 'WriteError' }
)

$script:runningAsRoot = (& id -u) -eq '0'

# MatrixNotFound: the shipped matrices folder missing beside the module's assemblies. The engine is loaded once
# per process, so a copy of the module without matrices runs in a child pwsh; returns a stand-in with the
# error's FullyQualifiedErrorId and CategoryInfo.Category (or $null when the command did not stop).
function Invoke-WithoutShippedMatrix {
    param([Parameter(Mandatory)] [string] $Command)
    $copy = Join-Path ([IO.Path]::GetTempPath()) ('autoglm-nomatrix-' + [guid]::NewGuid().ToString('N'))
    try {
        $null = New-Item -ItemType Directory -Path $copy
        Copy-Item -LiteralPath $autoGlmModuleBase -Destination (Join-Path $copy 'AutoGlm') -Recurse
        Remove-Item -LiteralPath (Join-Path $copy 'AutoGlm/matrices') -Recurse -Force
        $manifest = Join-Path $copy "AutoGlm/$(Split-Path -Leaf $autoGlmManifest)"
        $script = "Import-Module '$manifest' -ErrorAction Stop; try { $Command -ErrorAction Stop | Out-Null; 'completed' } catch { `$_.FullyQualifiedErrorId + '|' + `$_.CategoryInfo.Category }"
        $answer = @(& (Get-PwshPath) -NoProfile -NonInteractive -Command $script) | Select-Object -Last 1
        if ($answer -notlike '*|*') { return $null }
        $id, $category = $answer -split '\|'
        [pscustomobject]@{ FullyQualifiedErrorId = $id; CategoryInfo = [pscustomobject]@{ Category = $category } }
    }
    finally { Remove-Item -LiteralPath $copy -Recurse -Force -ErrorAction SilentlyContinue }
}

# A site matrix override that breaks the format (an unknown key), for MatrixInvalid.
function New-BadMatrix {
    param([Parameter(Mandatory)] [string] $Path)
    Set-Content -LiteralPath $Path -Value "schemaVersion: 1`nprofiles:`n  - id: broken`n    nonsenseKey: 1`n"
    $Path
}

# Why the read-permission errors cannot be provoked here when the specs run as root.
$script:rootReadsEverything = 'the specs run as root here, and root reads a mode-000 file or folder, so no read can be refused; provoked with chmod 000 when not root'

# One row of a documented-error table: every key present (the specs run under StrictMode).
# -Skip gives the reason it cannot be provoked here; -AsRoot skips only when running as root; -Child runs
# the command in a module copy without its shipped matrices.
function ErrorCase {
    param([string] $ErrorId, [string] $Category, [scriptblock] $Provoke, [string] $Skip = '', [switch] $AsRoot, [string] $Child = '')
    @{ ErrorId = $ErrorId; Category = $Category; Provoke = $Provoke; Skip = $Skip; AsRootSkip = [bool]$AsRoot; Child = $Child }
}

# The body of every documented-error test.
function Test-DocumentedError {
    param([hashtable] $Case, [string] $Class)
    if ($Case.Skip) { Set-ItResult -Skipped -Because $Case.Skip; return }
    if ($Case.AsRootSkip -and $runningAsRoot) { Set-ItResult -Skipped -Because $rootReadsEverything; return }
    $record = if ($Case.Child) { Invoke-WithoutShippedMatrix $Case.Child } else { Get-StopError $Case.Provoke }
    Assert-AutoGlmError $record -ErrorId $Case.ErrorId -Class $Class -Category $Case.Category
}

# The error a runspace run stopped with: its first error record, or the ErrorRecord of what Invoke threw.
function Get-RunFailure {
    param($Run)
    if ($Run.Error.Count -gt 0) { return $Run.Error[0] }
    if ($Run.Thrown -and $Run.Thrown -is [System.Management.Automation.IContainsErrorRecord]) { return $Run.Thrown.ErrorRecord }
    $null
}

# A root with one GPU of the given PCI device id (0x2b85: RTX 5090, 0x1db4: V100) and no driver.
function New-GpuRoot {
    param([string] $Path, [string] $Device)
    $r = New-FixtureRoot -Path $Path
    $pci = '/sys/bus/pci/devices/0000:17:00.0'
    $null = Set-RootFile $r "$pci/vendor" "0x10de`n"
    $null = Set-RootFile $r "$pci/device" "$Device`n"
    $null = Set-RootFile $r "$pci/class" "0x030200`n"
    $r
}

$script:neverApplyToSlash = 'raised only when applying to this machine (-Root /) without root rights; the specs run as root and never apply to this machine''s /'
$script:windowsOnly = 'Windows only: the Windows installer path is not used on Linux'

$script:needsFullWheelhouse = 'raised only after the stack is locked, which needs a wheelhouse or index holding every pinned distribution (torch, vllm and their dependencies); no such source exists offline here, and the venv xunit tests (tests/AutoGlm.Tests/Python) build one from generated wheels'
# An index that refuses connections at once (nothing listens on port 1).
$script:deadIndexUrl = 'http://127.0.0.1:1/simple'

# What Install-AutoGlmDriver and Install-AutoGlmCuda both promise, declared once: call it inside the cmdlet's
# Describe (its BeforeAll defines New-HostRoot and $aptMirrorUrl comes from Common.ps1).
function Add-InstallPlanSpec {
    param([Parameter(Mandatory)] [string] $Cmdlet)
    $case = @{ Cmdlet = $Cmdlet; Class = ($Cmdlet -replace '-', '') + 'Command' }

    It 'changes nothing under -WhatIf, returns nothing, and reports planning progress' -ForEach $case {
        $root = New-HostRoot
        $before = Get-TreeFingerprint $root
        $run = Invoke-InRunspace -Script "param(`$r, `$u) $Cmdlet -Root `$r -RepositoryUrl `$u -WhatIf" -Arguments @{ r = $root; u = $aptMirrorUrl } -VerboseOn -DebugOn
        $run.Thrown | Should -BeNullOrEmpty
        $run.Error | Should -BeNullOrEmpty
        $run.Output | Should -BeNullOrEmpty
        $run.Progress | Should -Not -BeNullOrEmpty
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'previews under -WhatIf without the network: an unreachable repository defers the versions instead of stopping' -ForEach $case {
        $root = New-HostRoot
        $before = Get-TreeFingerprint $root
        $run = Invoke-InRunspace -Script "param(`$r) $Cmdlet -Root `$r -RepositoryUrl 'http://127.0.0.1:9/cuda/' -WhatIf" -Arguments @{ r = $root }
        $run.Thrown | Should -BeNullOrEmpty
        $run.Error | Should -BeNullOrEmpty
        Get-TreeFingerprint $root | Should -Be $before
        # Applying still reads the repository, and stops before any change.
        $err = Get-StopError { & $Cmdlet -Root $root -RepositoryUrl 'http://127.0.0.1:9/cuda/' -Force -ErrorAction Stop }
        Assert-AutoGlmError $err -ErrorId RepositoryUnreachable -Class $Class -Category ResourceUnavailable
        Get-TreeFingerprint $root | Should -Be $before
    }

    It 'with -Force, a failing package tool is PlanStepFailed (InvalidResult) after the ApplyResult' -ForEach $case {
        $root = New-HostRoot
        $err = $null
        try { $null = & $Cmdlet -Root $root -RepositoryUrl $aptMirrorUrl -Force -OutVariable result -ErrorAction Stop } catch { $err = $_ }
        Assert-AutoGlmError $err -ErrorId PlanStepFailed -Class $Class -Category InvalidResult
        $result | Should -BeOfType ([AutoGlm.Engine.Plan.ApplyResult])
        $result.Status | Should -BeIn 'failed', 'rolled-back'
    }

    It 'masks credentials of a repository URL in the error' -ForEach $case {
        $err = Get-StopError { & $Cmdlet -Root (New-HostRoot) -RepositoryUrl 'https://user:s3cr3t-pester@mirror.example/' -WhatIf -ErrorAction Stop }
        $err.Exception.Message | Should -Not -Match 's3cr3t-pester'
    }
}
