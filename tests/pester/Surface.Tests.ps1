# Pester 5 specs for what a PowerShell user meets on the module's surface: results that say which machine they
# are about, -Quiet as one answer, the matrix view, enums in JSON, and a second copy of the module side by side.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest

    # Two snapshots of this machine under different host names, as two fleet members would send them.
    $work = Join-Path ([IO.Path]::GetTempPath()) ('autoglm-surface-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $nodeA = Join-Path $work 'node-a'
    $null = Export-AutoGlmHostSnapshot -Path $nodeA -Confirm:$false
    $nodeB = Join-Path $work 'node-b'
    Copy-Item -LiteralPath $nodeA -Destination $nodeB -Recurse
    foreach ($pair in @(@($nodeA, 'gpu-a.example'), @($nodeB, 'gpu-b.example'))) {
        $meta = Get-Content -LiteralPath (Join-Path $pair[0] 'snapshot.json') -Raw | ConvertFrom-Json -AsHashtable
        $meta['hostname'] = $pair[1]
        $meta | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath (Join-Path $pair[0] 'snapshot.json')
    }
}

AfterAll {
    if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Results from several piped snapshots' {
    It 'say which host each came from' {
        $results = $nodeA, $nodeB | Test-AutoGlmEnvironment -Category os
        ($results | Select-Object -ExpandProperty Target -Unique | Sort-Object) | Should -Be @('gpu-a.example', 'gpu-b.example')
        @($results | Where-Object Target -eq 'gpu-a.example').Count | Should -Be (@($results).Count / 2)
        ($results | Format-Table | Out-String) | Should -Match 'Target / Category: gpu-b\.example / os'
    }

    It 'answer -Quiet with one bool for the whole pipeline' {
        $answer = $nodeA, $nodeB | Test-AutoGlmEnvironment -Quiet -Category os
        @($answer).Count | Should -Be 1
        $answer | Should -BeOfType [bool]
        $answer | Should -Be (-not ($nodeA, $nodeB | Test-AutoGlmEnvironment -Category os | Where-Object Status -eq 'Fail'))
    }

    It 'answer -Quiet with $false when one snapshot cannot be read' {
        $answer = $nodeA, (Join-Path $work 'missing') | Test-AutoGlmEnvironment -Quiet -Category os -ErrorAction SilentlyContinue
        $answer | Should -BeExactly $false
    }
}

Describe 'Get-AutoGlmMatrix' {
    It 'fills the Section column of its table' {
        $text = Get-AutoGlmMatrix -Section gpus, profiles | Format-Table | Out-String -Width 120
        $text | Should -Match '(?m)^gpus\s+\S'
        $text | Should -Match '(?m)^profiles\s+vllm-server'
        (Get-AutoGlmMatrix -Section gpus | Select-Object -First 1).Section | Should -Be 'gpus'
    }
}

Describe 'Statuses in JSON' {
    # Decision, documented in Test-AutoGlmEnvironment's help: Status and Severity stay enums (scripts compare
    # and sort them); -EnumsAsStrings or Export-AutoGlmReport -Format Json give the strings.
    It 'are strings with ConvertTo-Json -EnumsAsStrings and in Export-AutoGlmReport -Format Json' {
        $result = Test-AutoGlmEnvironment -Snapshot $nodeA -Category os | Select-Object -First 1
        ($result | ConvertTo-Json -EnumsAsStrings | ConvertFrom-Json).Status | Should -Be $result.Status.ToString()
        $path = Join-Path $work 'report.json'
        $null = Test-AutoGlmEnvironment -Snapshot $nodeA -Category os | Export-AutoGlmReport -Format Json -Path $path
        (Get-Content -LiteralPath $path -Raw | ConvertFrom-Json).checks[0].status | Should -BeIn 'pass', 'warn', 'fail', 'skip', 'unknown'
    }
}

Describe 'A second copy of the module' {
    It 'imports side by side from another path, and with -Force, in a fresh session' {
        $copy = Join-Path $work 'copy/AutoGlm'
        $null = New-Item -ItemType Directory -Path (Split-Path -Parent $copy)
        Copy-Item -LiteralPath $autoGlmModuleBase -Destination $copy -Recurse
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$autoGlmManifest'
Import-Module '$(Join-Path $copy 'AutoGlm.psd1')' -Force
Import-Module '$autoGlmManifest' -Force
(Get-TypeData AutoGlm.Engine.Checks.CheckResult).Members.ContainsKey('CheckId')
(Get-TypeData AutoGlm.Engine.Plan.ApplyResult).SerializationDepth
"@
        $out = & (Get-PwshPath) -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out | Out-String)
        $out[0] | Should -Be 'True'
        $out[1] | Should -Be '2'
    }
}

Describe 'Argument completion through TabExpansion2' {
    BeforeDiscovery {
        . (Join-Path $PSScriptRoot 'Common.ps1')
        Import-AutoGlmUnderTest
        # Every parameter of every exported cmdlet that declares an argument completer.
        $completed = foreach ($command in Get-Command -Module AutoGlm) {
            foreach ($parameter in $command.Parameters.Values) {
                $completer = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }
                if ($completer) { @{ Command = $command.Name; Parameter = $parameter.Name; Completer = $completer.Type.Name } }
            }
        }
    }

    It 'offers <Completer> values for <Command> -<Parameter>, replacing the word at the cursor' -ForEach $completed {
        $line = "$Command -$Parameter "
        $all = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        @($all.CompletionMatches).Count | Should -BeGreaterThan 0
        $all.ReplacementIndex | Should -Be $line.Length
        # A prefix of the first value narrows the list to values with that prefix, replacing only the prefix.
        $first = $all.CompletionMatches[0].CompletionText.Trim("'")
        $prefix = $first.Substring(0, [Math]::Min(3, $first.Length))
        $narrowed = TabExpansion2 -inputScript ($line + $prefix) -cursorColumn ($line.Length + $prefix.Length)
        $narrowed.ReplacementIndex | Should -Be $line.Length
        $narrowed.ReplacementLength | Should -Be $prefix.Length
        $narrowed.CompletionMatches.CompletionText | ForEach-Object { $_.Trim("'") | Should -BeLike "$prefix*" }
        $narrowed.CompletionMatches.CompletionText | Should -Contain $all.CompletionMatches[0].CompletionText
    }

    It 'found the completers to test' -ForEach @{ Count = @($completed).Count } {
        $Count | Should -BeGreaterOrEqual 18
    }
}

Describe 'Messages in PowerShell syntax' {
    It 'names parameters, not CLI options, in an error' {
        $err = { Test-AutoGlmEnvironment -Profile 'no-such-profile' -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'Pass one of them with -Profile, or add it in a -MatrixPath override file\.'
        $err.Exception.Message | Should -Not -Match '(?<![\w-])--[a-z]'
    }

    It 'names cmdlets and parameters in check remediations' {
        # This machine has no NVIDIA GPU: gpu.present fails and its fix names the phone-agent profile.
        $gpu = Test-AutoGlmEnvironment -Snapshot $nodeA -Id gpu.present
        $gpu.Remediation | Should -Match '-Profile phone-agent'
        $gpu.Remediation | Should -Not -Match '--profile'
        $stack = Test-AutoGlmEnvironment -Snapshot $nodeA -Id stack.resolved
        if ($stack.Remediation) { $stack.Remediation | Should -Not -Match 'autoglm resolve' }
    }
}
