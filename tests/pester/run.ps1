<#
.SYNOPSIS
    Runs the Pester specs against the packaged module, as CI does (tests/run.sh).
.DESCRIPTION
    Imports Pester from -PesterPath, points the specs at -ModulePath (the folder ./build.ps1 -Task Package
    lays out, imported in this fresh session, not the build folder) and runs every *.Tests.ps1 under -Path.
    Prints Pester's own totals, then each skipped test with its reason, then one closing line
    'pester: N passed, N failed, N skipped'. Exit code 1 when a test failed, a container failed to run,
    nothing ran, or a test was skipped without a reason (Set-ItResult -Skipped -Because '...').
.EXAMPLE
    pwsh -NoProfile -File tests/pester/run.ps1 -PesterPath .tools/nuget/pester/5.7.1/tools/Pester.psd1
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $PesterPath,

    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/AutoGlm/AutoGlm.psd1'),

    # Spec files or folders; from a shell, pass several with -Command (-File passes 'a,b' as one string).
    [string[]] $Path = @($PSScriptRoot),

    # Optional NUnit XML report for CI systems that read one.
    [string] $ResultPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
if (Get-Variable -Name PSStyle -ErrorAction SilentlyContinue) { $PSStyle.OutputRendering = 'PlainText' }

if (-not (Test-Path -LiteralPath $ModulePath)) {
    throw "No packaged module at '$ModulePath': lay it out first with ./build.ps1 -Task Package."
}
$env:AUTOGLM_TEST_MODULE = (Resolve-Path -LiteralPath $ModulePath).Path
# The specs start other sessions (packaging, jobs); under the .NET tool the process is dotnet, not pwsh.
if (-not $env:AUTOGLM_PWSH) {
    $here = Join-Path $PSHOME 'pwsh'
    $env:AUTOGLM_PWSH = if (Test-Path -LiteralPath $here) { $here } else { (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source }
}

Import-Module (Resolve-Path -LiteralPath $PesterPath).Path -Force
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Normal'
if ($ResultPath) {
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputFormat = 'NUnitXml'
    $configuration.TestResult.OutputPath = $ResultPath
}
$result = Invoke-Pester -Configuration $configuration
if (-not $result) {
    Write-Output 'pester: 0 passed, 1 failed, 0 skipped (Invoke-Pester returned no result)'
    exit 1
}

$unexplained = 0
foreach ($test in $result.Skipped) {
    $reason = @($test.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join ' '
    if (-not $reason) { $unexplained++; $reason = 'NO REASON GIVEN' }
    Write-Output ("skipped: {0} ({1})" -f $test.ExpandedPath, $reason)
}
$failedContainers = $result.FailedContainersCount + $result.FailedBlocksCount
Write-Output ("pester: {0} passed, {1} failed, {2} skipped" -f $result.PassedCount, $result.FailedCount, $result.SkippedCount)
if ($result.FailedCount -gt 0 -or $failedContainers -gt 0 -or $result.PassedCount -eq 0 -or $unexplained -gt 0) {
    if ($unexplained -gt 0) { Write-Output "pester: $unexplained test(s) skipped without a reason; skip with Set-ItResult -Skipped -Because '...'" }
    if ($failedContainers -gt 0) { Write-Output "pester: $failedContainers spec file(s) failed outside a test (discovery or BeforeAll)" }
    exit 1
}
exit 0
