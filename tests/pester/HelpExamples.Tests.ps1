# Runs every EXAMPLE of the packaged module's help (Get-Help <cmdlet> -Examples, from the generated MAML) in a
# sandbox: a fresh temporary folder as the current directory (with the snapshots, facts files, site matrices
# and checkout the examples name), a fixture root standing for '/' ($PSDefaultParameterValues '*:Root'), fake
# system tools first on PATH, and -WhatIf for every state-changing command. An example passes when it completes
# without a terminating error. An example that cannot run here says why in its own text, in a paragraph that
# starts 'Windows only.' or 'Requires ...'; the spec skips it with that sentence. Nothing else is skipped.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest
    $examples = foreach ($name in (Import-PowerShellDataFile $autoGlmManifest).CmdletsToExport) {
        $number = 0
        foreach ($example in (Get-Help -Name $name -Examples).examples.example) {
            $number++
            $remarks = @($example.remarks | ForEach-Object { $_.Text } | Where-Object { $_ } | ForEach-Object { $_.Trim() })
            $reason = $remarks | Where-Object { $_ -match '^(Windows only\.|Requires [^\r\n]*)' } | Select-Object -First 1
            @{
                Cmdlet = $name
                Number = $number
                Title  = ($example.title -replace '^-+\s*', '' -replace '\s*-+$', '')
                Code   = [string]$example.code
                Skip   = if ($reason) { [string]$reason } else { '' }
            }
        }
    }
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'cmdlets/CmdletSpec.ps1')
    Import-AutoGlmUnderTest
    $savedPath = $env:PATH
    $savedGit = $env:GIT_CONFIG_GLOBAL, $env:GIT_CONFIG_NOSYSTEM
    $env:GIT_CONFIG_GLOBAL = Join-Path $TestDrive 'gitconfig'
    $env:GIT_CONFIG_NOSYSTEM = '1'
    Set-Content -Path $env:GIT_CONFIG_GLOBAL -Value "[user]`n  name = Pester`n  email = pester@example.invalid`n"
    $bin = New-SafeToolBin -Bin (Join-Path $TestDrive 'bin')
    # systemctl answers for a registered, running unit; Restart-Computer never reaches a real reboot (-WhatIf).
    $null = New-FakeTool -Bin $bin -Name systemctl -Body 'case "$1" in is-enabled) echo enabled;; is-active) echo active;; show) echo LoadState=loaded; echo NeedDaemonReload=no;; *) exit 0;; esac'
    Add-PathFirst $bin

    # The host the examples run on: an Ubuntu 22.04 root with an H100, a venv, a registered unit and a checkout.
    $fixtureRoot = New-FixtureRoot -Path (Join-Path $TestDrive 'root') -Gpu -Venv
    $null = Set-RootFile $fixtureRoot '/etc/systemd/system/autoglm-vllm-server.service' "[Service]`nExecStart=/opt/autoglm/venv/bin/python3 -m vllm.entrypoints.openai.api_server --port 8000`n"
    $null = Set-RootFile $fixtureRoot '/etc/systemd/system/autoglm-sglang.service' "[Service]`nExecStart=/opt/autoglm/venv/bin/python3 -m sglang.launch_server --port 30000`n"
    $null = Set-RootFile $fixtureRoot '/opt/autoglm/Open-AutoGLM/main.py' "print('agent')`n"
    $null = Set-RootFile $fixtureRoot '/opt/autoglm/sglang-venv/bin/python3' "#!/bin/sh`n"
    $origin = Join-Path $TestDrive 'remotes/THUDM/Open-AutoGLM.git'
    $seed = Join-Path $TestDrive 'seed'
    git init -q -b main $seed
    Set-Content (Join-Path $seed 'main.py') "print('agent')"
    git -C $seed add main.py
    git -C $seed commit -q -m seed
    git clone -q --bare $seed $origin
    Remove-Item -Recurse -Force (Join-Path $fixtureRoot 'opt/autoglm/Open-AutoGLM')
    git clone -q ('file://' + $origin) (Join-Path $fixtureRoot 'opt/autoglm/Open-AutoGLM')
    # The checkout still points at the project's former home, as on a host installed before the move.
    git -C (Join-Path $fixtureRoot 'opt/autoglm/Open-AutoGLM') remote set-url origin https://github.com/THUDM/Open-AutoGLM
    # With -Root, a relative -Path names a folder under the root.
    git clone -q ('file://' + $origin) (Join-Path $fixtureRoot 'Open-AutoGLM')

    # The current folder every example starts in: what the examples name with ./
    $template = Join-Path $TestDrive 'template'
    $null = New-Item -ItemType Directory $template
    $null = Export-AutoGlmHostSnapshot -Path (Join-Path $template 'gpu-node-07') -Root $fixtureRoot -Confirm:$false
    $null = New-Item -ItemType Directory (Join-Path $template 'snapshots')
    Copy-Item -Recurse (Join-Path $template 'gpu-node-07') (Join-Path $template 'snapshots/gpu-node-07')
    Copy-Item -Recurse (Join-Path $template 'gpu-node-07') (Join-Path $template 'snapshots/gpu-node-08')
    $site = "schemaVersion: 1`nprofiles:`n  - id: site-vllm`n    extends: vllm-server`n    description: the site's vLLM server`n    source: site`n"
    Set-Content (Join-Path $template 'site.yaml') $site
    Set-Content (Join-Path $template 'site-matrix.yaml') $site
    Copy-Item (Join-Path $hostsFixtures 'h100-ubuntu2204-nodriver.json') (Join-Path $template 'h100-node.json')
    Copy-Item (Join-Path $hostsFixtures 'h100-ubuntu2204-nodriver.json') (Join-Path $template 'h100.json')
    Set-Content (Join-Path $template 'autoglm-phone-9b.json') (@{ files = @(@{ path = 'config.json'; size = 2; sha256 = ('0' * 64) }) } | ConvertTo-Json -Depth 4)
    git clone -q ('file://' + $origin) (Join-Path $template 'Open-AutoGLM')

    $stateChanging = 'Install-AutoGlmCuda', 'Install-AutoGlmDriver', 'Install-AutoGlmHost', 'New-AutoGlmLockFile', 'Register-AutoGlmService',
        'Repair-AutoGlmDriver', 'Sync-AutoGlmPythonEnvironment', 'Unregister-AutoGlmService', 'Update-AutoGlmRepository', 'Export-AutoGlmReport', 'Restart-Computer'
}

AfterAll {
    $env:PATH = $savedPath
    $env:GIT_CONFIG_GLOBAL, $env:GIT_CONFIG_NOSYSTEM = $savedGit
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Help examples' {
    It '<Cmdlet> example <Number>: <Title>' -ForEach $examples {
        if ($Skip) { Set-ItResult -Skipped -Because "the example says: $Skip"; return }
        $sandbox = Join-Path $TestDrive ("run-$Cmdlet-$Number")
        Copy-Item -Recurse $template $sandbox
        # An example that exports ./gpu-node-07 starts where none exists yet.
        if ($Cmdlet -eq 'Export-AutoGlmHostSnapshot') { Remove-Item -Recurse -Force (Join-Path $sandbox 'gpu-node-07') }
        $defaults = @{
            '*-AutoGlm*:Root'                   = $fixtureRoot
            'Install-AutoGlmDriver:RepositoryUrl' = $aptMirrorUrl
            'Install-AutoGlmCuda:RepositoryUrl'   = $aptMirrorUrl
            'Install-AutoGlmHost:DriverRepositoryUrl' = $aptMirrorUrl
            'Update-AutoGlmRepository:AllowLocal' = $true
            '*:WarningAction'                   = 'SilentlyContinue'
        }
        foreach ($command in $stateChanging) { $defaults["${command}:WhatIf"] = $true }
        # Snapshots piped in are the host; a default -Root would take the other parameter set.
        if ($Code -match '\|\s*(Test-AutoGlmEnvironment|Get-AutoGlmGpu|Resolve-AutoGlmStack)\b') { $defaults.Remove('*-AutoGlm*:Root') }
        $savedEnvironment = [Environment]::GetEnvironmentVariables()
        $savedDefaults = $global:PSDefaultParameterValues
        Push-Location $sandbox
        try {
            $global:PSDefaultParameterValues = $defaults
            $block = [scriptblock]::Create($Code)
            # As in an interactive session: no strict mode, and non-terminating errors do not stop the example.
            { & { Set-StrictMode -Off; $ErrorActionPreference = 'Continue'; $null = & $block 6>$null 2>$null } } | Should -Not -Throw
        }
        finally {
            Pop-Location
            $global:PSDefaultParameterValues = $savedDefaults
            foreach ($name in [Environment]::GetEnvironmentVariables().Keys) { if (-not $savedEnvironment.Contains($name)) { [Environment]::SetEnvironmentVariable($name, $null) } }
            foreach ($name in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
        }
    }
}
