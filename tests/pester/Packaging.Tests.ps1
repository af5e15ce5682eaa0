# Pester 5 specs for shipping: the folder `./build.ps1 -Task Package` lays out installs from a local
# PSResourceGet repository and imports cleanly. They run where pwsh, Pester and
# Microsoft.PowerShell.PSResourceGet exist (./build.ps1 -Task Test); the layout itself is checked by
# the xunit test DependencyIsolationTests on every CI run.
Describe 'The packaged module' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Common.ps1')
        # The package under test when the runner names one (CI), else the checkout's out/AutoGlm.
        $package = if ($env:AUTOGLM_TEST_MODULE) { $autoGlmModuleBase } else { Join-Path $repoRoot 'out/AutoGlm' }
        if (-not (Test-Path -LiteralPath (Join-Path $package 'AutoGlm.psd1'))) {
            & (Join-Path $repoRoot 'build.ps1') -Task Package | Out-Null
        }
        $feed = Join-Path ([System.IO.Path]::GetTempPath()) ('autoglm-feed-' + [guid]::NewGuid())
        $installRoot = Join-Path ([System.IO.Path]::GetTempPath()) ('autoglm-modules-' + [guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $feed, $installRoot
        $repositoryName = 'AutoGlmLocal' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $hasPSResourceGet = [bool](Get-Module -ListAvailable -Name Microsoft.PowerShell.PSResourceGet)
        if ($hasPSResourceGet) { Register-PSResourceRepository -Name $repositoryName -Uri $feed -Trusted }
    }

    AfterAll {
        if ($hasPSResourceGet) { Unregister-PSResourceRepository -Name $repositoryName -ErrorAction SilentlyContinue }
        Remove-Item -LiteralPath $feed, $installRoot -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'passes Test-ModuleManifest as laid out' {
        $info = Test-ModuleManifest -Path (Join-Path $package 'AutoGlm.psd1') -ErrorAction Stop
        $info.Name | Should -Be 'AutoGlm'
    }

    It 'keeps the engine and YamlDotNet in bin/Dependencies and ships no System.Management.Automation' {
        Test-Path -LiteralPath (Join-Path $package 'bin/Dependencies/AutoGlm.Engine.dll') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $package 'bin/Dependencies/YamlDotNet.dll') | Should -BeTrue
        Get-ChildItem -LiteralPath $package -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }

    It 'publishes to a local repository, saves from it and imports in a clean session' {
        if (-not $hasPSResourceGet) { Set-ItResult -Skipped -Because 'Microsoft.PowerShell.PSResourceGet is not installed (it ships with PowerShell 7.4 and later)' }
        Publish-PSResource -Path $package -Repository $repositoryName -ErrorAction Stop
        Save-PSResource -Name AutoGlm -Repository $repositoryName -Path $installRoot -TrustRepository -ErrorAction Stop
        $exe = Get-PwshPath
        $names = & $exe -NoProfile -NonInteractive -Command "`$env:PSModulePath = '$installRoot'; Import-Module AutoGlm -ErrorAction Stop; (Get-Command -Module AutoGlm).Name"
        $LASTEXITCODE | Should -Be 0
        $names | Should -Contain 'Test-AutoGlmEnvironment'
    }
}
