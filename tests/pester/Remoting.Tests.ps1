# Pester 5 specs for output that survives remoting. Start-Job runs the cmdlets in another pwsh process and
# brings the objects back through PowerShell's serializer, exactly as Invoke-Command does: the results must keep
# their type names (as Deserialized.*, which the format views still apply to), their properties and their
# nested data (AutoGlm.types.ps1xml's serialization depths).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest
    $work = Join-Path ([IO.Path]::GetTempPath()) ('autoglm-remoting-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $snapshot = Join-Path $work 'node-a'
    $null = Export-AutoGlmHostSnapshot -Path $snapshot -Confirm:$false

    # Runs $Script in a job (another process) with the module under test imported; returns what came back.
    function Invoke-InJob {
        param([scriptblock] $Script, [object[]] $ArgumentList = @())
        $job = Start-Job -ScriptBlock {
            param($manifest, $body, $arguments)
            Import-Module $manifest -ErrorAction Stop
            & ([scriptblock]::Create($body)) @arguments
        } -ArgumentList $autoGlmManifest, $Script.ToString(), $ArgumentList
        try { $job | Wait-Job -Timeout 120 | Receive-Job -ErrorAction Stop }
        finally { $job | Remove-Job -Force }
    }
}

AfterAll {
    if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Output through another process' {
    It 'keeps CheckResult''s type name, properties and format view' {
        $back = Invoke-InJob { param($s) Test-AutoGlmEnvironment -Snapshot $s -Category os } -ArgumentList $snapshot
        $local = Test-AutoGlmEnvironment -Snapshot $snapshot -Category os
        @($back).Count | Should -Be @($local).Count
        $back[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.AutoGlm.Engine.Checks.CheckResult'
        $back[0].Id | Should -Be $local[0].Id
        $back[0].Target | Should -Be $local[0].Target
        "$($back[0].Status)" | Should -Be "$($local[0].Status)"
        ($back | Format-Table | Out-String) | Should -Match 'Target / Category:'
    }

    It 'keeps a FleetTriage''s nested hosts and groups' {
        $fleet = Join-Path $work 'fleet'
        $null = New-Item -ItemType Directory -Path $fleet
        Copy-Item -LiteralPath $snapshot -Destination (Join-Path $fleet 'a') -Recurse
        Copy-Item -LiteralPath $snapshot -Destination (Join-Path $fleet 'b') -Recurse
        $back = Invoke-InJob { param($f) Test-AutoGlmEnvironment -Snapshot $f -Triage } -ArgumentList $fleet
        $back.PSObject.TypeNames[0] | Should -Be 'Deserialized.AutoGlm.Engine.Reports.FleetTriage'
        @($back.Hosts).Count | Should -Be 2
        $back.Hosts[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.AutoGlm.Engine.Reports.FleetHost'
        $back.Hosts[0].Name | Should -BeIn 'a', 'b'
        ($back | Format-List | Out-String) | Should -Match 'Hosts\s*:\s*2 hosts'
    }

    It 'keeps an ApplyResult''s steps (a real repository migration in the job)' {
        $env:GIT_CONFIG_GLOBAL = Join-Path $work 'gitconfig'
        $env:GIT_CONFIG_NOSYSTEM = '1'
        Set-Content -LiteralPath $env:GIT_CONFIG_GLOBAL -Value ''
        $seed = Join-Path $work 'seed'
        git init -q -b main $seed
        Set-Content -LiteralPath (Join-Path $seed 'README') -Value 'one'
        git -C $seed add README
        git -C $seed -c user.name=Test -c user.email=test@example.invalid commit -q -m one
        git clone -q --bare $seed (Join-Path $work 'old.git')
        git clone -q --bare $seed (Join-Path $work 'new.git')
        $root = Join-Path $work 'root'
        $null = New-Item -ItemType Directory -Path (Join-Path $root 'srv')
        git clone -q ('file://' + (Join-Path $work 'old.git')) (Join-Path $root 'srv/app')
        $back = Invoke-InJob {
            param($r, $url, $config)
            $env:GIT_CONFIG_GLOBAL = $config; $env:GIT_CONFIG_NOSYSTEM = '1'
            Update-AutoGlmRepository -Path /srv/app -Root $r -To $url -AllowLocal -Force
        } -ArgumentList $root, ('file://' + (Join-Path $work 'new.git')), $env:GIT_CONFIG_GLOBAL
        $back.PSObject.TypeNames[0] | Should -Be 'Deserialized.AutoGlm.Engine.Plan.ApplyResult'
        $back.Status | Should -Be 'changed'
        @($back.Steps).Count | Should -BeGreaterThan 1
        $back.Steps[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.AutoGlm.Engine.Plan.StepOutcome'
        $back.Steps[0].Id | Should -Not -BeNullOrEmpty
        ($back | Format-List | Out-String) | Should -Match 'changed'
    }

    It 'keeps the matrix entries'' Section and a GpuInfo''s computed MemoryGiB' {
        $back = Invoke-InJob { Get-AutoGlmMatrix -Section gpus | Select-Object -First 1 }
        $back.PSObject.TypeNames[0] | Should -Be 'Deserialized.AutoGlm.Engine.Matrix.GpuEntry'
        $back.Section | Should -Be 'gpus'
    }
}
