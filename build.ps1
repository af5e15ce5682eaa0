<#
.SYNOPSIS
    Builds, tests and lays out the AutoGlm module.
.DESCRIPTION
    -Task Build    compiles the engine, the cmdlets and the autoglm CLI (Release) and publishes the
                   cmdlet assembly to ./bin so the checkout's AutoGlm.psd1 imports.
    -Task Test     runs the xunit suite (always), the PowerShell syntax check (when node is present)
                   and the Pester specs under tests/pester (when Pester is installed).
    -Task Package  lays out a publishable module folder at ./out/AutoGlm with the version taken from
                   Directory.Build.props, the one place it is kept.
    -Task All      Build, Test, Package.
.EXAMPLE
    ./build.ps1 -Task All
.EXAMPLE
    ./build.ps1 -Task Package -Configuration Debug
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'All')]
    [string] $Task = 'All',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot

function Invoke-Native {
    param([string] $FilePath, [string[]] $ArgumentList)
    Write-Verbose ("{0} {1}" -f $FilePath, ($ArgumentList -join ' '))
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    [xml] $props = Get-Content -LiteralPath (Join-Path $root 'Directory.Build.props') -Raw
    return ($props.Project.PropertyGroup | Where-Object { $_['Version'] } | Select-Object -First 1).Version
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'AutoGlm.slnx'), '-c', $Configuration)
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/AutoGlm/AutoGlm.csproj'), '-c', $Configuration, '-o', (Join-Path $root 'bin'))
}

function Invoke-Test {
    Invoke-Native dotnet @('test', (Join-Path $root 'AutoGlm.slnx'), '-c', $Configuration)
    if (Get-Command node -ErrorAction SilentlyContinue) {
        $syntax = Join-Path $root 'tests/pwsh-syntax'
        if (Test-Path (Join-Path $syntax 'package.json')) {
            Invoke-Native npm @('ci', '--prefix', $syntax, '--no-audit', '--no-fund')
            Invoke-Native node @((Join-Path $syntax 'check.mjs'), $root)
        }
    }
    else {
        Write-Warning 'node is not installed: skipping the tree-sitter PowerShell syntax check.'
    }
    if (Get-Command Invoke-Pester -ErrorAction SilentlyContinue) {
        $result = Invoke-Pester -Path (Join-Path $root 'tests/pester') -PassThru
        if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed." }
    }
    else {
        Write-Warning 'Pester is not installed: skipping tests/pester (Install-Module Pester -MinimumVersion 5.0).'
    }
}

function Invoke-Package {
    $version = Get-ModuleVersion
    $out = Join-Path $root 'out/AutoGlm'
    if (Test-Path $out) { Remove-Item -LiteralPath $out -Recurse -Force }
    $null = New-Item -ItemType Directory -Path (Join-Path $out 'bin')
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/AutoGlm/AutoGlm.csproj'), '-c', $Configuration, '-o', (Join-Path $out 'bin'))
    # The matrix lives beside the module, not inside bin, so users can read and diff it.
    Remove-Item -LiteralPath (Join-Path $out 'bin/matrices') -Recurse -Force -ErrorAction SilentlyContinue
    Copy-Item -LiteralPath (Join-Path $root 'matrices') -Destination $out -Recurse
    foreach ($file in 'AutoGlm.psm1', 'AutoGlm.format.ps1xml', 'README.md') {
        Copy-Item -LiteralPath (Join-Path $root $file) -Destination $out
    }
    if (Test-Path (Join-Path $root 'en-US')) { Copy-Item -LiteralPath (Join-Path $root 'en-US') -Destination $out -Recurse }
    $manifest = Get-Content -LiteralPath (Join-Path $root 'AutoGlm.psd1') -Raw
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$version'"
    Set-Content -LiteralPath (Join-Path $out 'AutoGlm.psd1') -Value $manifest -Encoding UTF8
    Write-Verbose "Module $version laid out at $out"
    Get-Item -LiteralPath $out
}

switch ($Task) {
    'Build'   { Invoke-Build }
    'Test'    { Invoke-Build; Invoke-Test }
    'Package' { Invoke-Package }
    'All'     { Invoke-Build; Invoke-Test; Invoke-Package }
}
