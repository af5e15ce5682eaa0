# Dot-sourced by every spec (in BeforeAll, and in BeforeDiscovery where discovery needs it): which module
# the specs test and how to start another PowerShell. tests/pester/run.ps1 (CI) points AUTOGLM_TEST_MODULE
# at the packaged module (./build.ps1 -Task Package); without it the checkout's own AutoGlm.psd1 is used.
$repoRoot = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
$autoGlmManifest = if ($env:AUTOGLM_TEST_MODULE) { $env:AUTOGLM_TEST_MODULE } else { Join-Path $repoRoot 'AutoGlm.psd1' }
$autoGlmModuleBase = Split-Path -Parent $autoGlmManifest

function Import-AutoGlmUnderTest {
    Import-Module $autoGlmManifest -Force -ErrorAction Stop -Global
}

# The pwsh to start for a clean session. Under the .NET tool, (Get-Process -Id $PID).Path is dotnet itself,
# so the runner names its pwsh in AUTOGLM_PWSH; otherwise the pwsh beside $PSHOME or on PATH.
function Get-PwshPath {
    if ($env:AUTOGLM_PWSH -and (Test-Path -LiteralPath $env:AUTOGLM_PWSH)) { return $env:AUTOGLM_PWSH }
    foreach ($name in 'pwsh', 'pwsh.exe') {
        $candidate = Join-Path $PSHOME $name
        if (Test-Path -LiteralPath $candidate) { return $candidate }
    }
    return (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
}

# A fingerprint of every file and folder under a root (path, size, content hash, link target), to prove a
# -WhatIf or a refused call changed nothing.
function Get-TreeFingerprint {
    param([Parameter(Mandatory)] [string] $Path)
    Get-ChildItem -LiteralPath $Path -Recurse -Force | Sort-Object FullName | ForEach-Object {
        $relative = $_.FullName.Substring($Path.Length)
        if ($_.LinkType) { "$relative -> $($_.Target)" }
        elseif ($_.PSIsContainer) { "$relative/" }
        else { "$relative $($_.Length) $((Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash)" }
    }
}
