# Pester 5 specs for how the module feels in PowerShell: help, format views, completion, the about topic,
# and bad piped snapshots as non-terminating errors. They run where pwsh and Pester exist
# (./build.ps1 -Task Test); on the development machines the xunit contract tests (HelpTests,
# HelpRenderTests, ErgonomicsContractTests) cover the same surface from the built assembly and the help.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest

    $work = Join-Path ([IO.Path]::GetTempPath()) ('autoglm-ergonomics-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $snapshot = Join-Path $work 'node-a'
    $null = Export-AutoGlmHostSnapshot -Path $snapshot -Confirm:$false
    $results = Test-AutoGlmEnvironment -Snapshot $snapshot
}

AfterAll {
    if ($work) { Remove-Item -Path $work -Recurse -Force -ErrorAction SilentlyContinue }
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Help' {
    BeforeDiscovery {
        . (Join-Path $PSScriptRoot 'Common.ps1')
        $cmdlets = (Import-PowerShellDataFile $autoGlmManifest).CmdletsToExport | ForEach-Object { @{ Name = $_ } }
    }

    It '<Name> has a synopsis and at least two examples' -ForEach $cmdlets {
        $help = Get-Help -Name $Name -Examples
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *" # the syntax line Get-Help shows when it finds no MAML
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
    }

    It 'finds about_AutoGlm and about_AutoGlm_Matrix' {
        $about = Get-Help -Name about_AutoGlm | Out-String
        $about | Should -Match 'about_AutoGlm'
        $about | Should -Match 'Test-AutoGlmEnvironment'
        (Get-Help -Name about_AutoGlm_Matrix | Out-String) | Should -Match 'defaultProfile'
    }
}

Describe 'Format views' {
    It 'shows check results as a table grouped by target and category with the status first' {
        $text = $results | Format-Table | Out-String
        $first = $results[0]
        $text | Should -Match ("(?m)^\s*Target / Category: {0} / {1}\s*$" -f [regex]::Escape($first.Target), $first.Category)
        $header = ($text -split "`r?`n") | Where-Object { $_ -match '^\s*Status\s' } | Select-Object -First 1
        $header | Should -Not -BeNullOrEmpty
        $header.TrimStart() | Should -BeLike 'Status*Id*Message*'
    }

    It 'keeps the whole message at <_> columns (it wraps, not cuts)' -ForEach 80, 120 {
        $long = $results | Sort-Object { $_.Message.Length } -Descending | Select-Object -First 1
        $text = $long | Format-Table | Out-String -Width $_
        foreach ($line in $text -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual $_ }
        # Put the Message column back together from its wrapped lines: it holds the whole message.
        $lines = $text -split "`r?`n"
        $header = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match '^\s*Status\s+Id\s+Message' })
        $column = $lines[$header].IndexOf('Message')
        $shown = -join ($lines[($header + 2)..($lines.Count - 1)] | Where-Object { $_.Length -gt $column } | ForEach-Object { $_.Substring($column) })
        ($shown -replace '\s', '') | Should -Be ($long.Message -replace '\s', '')
        $text | Should -Not -Match '…'
    }

    It 'shows the remediation in full with Format-List' {
        $withFix = $results | Where-Object { $_.Remediation } | Select-Object -First 1
        if (-not $withFix) { Set-ItResult -Skipped -Because 'no check on this host has a remediation' }
        $text = $withFix | Format-List | Out-String -Width 4096
        $text | Should -Match '(?m)^Remediation\s*:'
        foreach ($line in ($withFix.Remediation -split "`r?`n" | Where-Object { $_.Trim() })) {
            $text | Should -Match ([regex]::Escape($line.Trim()))
        }
    }
}

Describe 'Completion' {
    It 'completes check ids for -Id' {
        $line = 'Test-AutoGlmEnvironment -Id memory.'
        $completions = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completions.CompletionMatches.CompletionText | Should -Contain 'memory.total'
    }

    It 'completes categories for -Category' {
        $line = 'Test-AutoGlmEnvironment -Category dr'
        $completions = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        @($completions.CompletionMatches).Count | Should -Be 1
        $completions.CompletionMatches[0].CompletionText | Should -Be 'driver'
    }

    It 'completes profiles for -Profile' {
        $line = 'Test-AutoGlmEnvironment -Profile vllm'
        $completions = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completions.CompletionMatches.CompletionText | Should -Contain 'vllm-server'
    }
}

Describe 'Bad piped snapshots' {
    It 'writes a non-terminating error for a bad snapshot and goes on with the next' {
        $missing = Join-Path $work 'no-such-snapshot'
        $out = @($missing, $snapshot) | Test-AutoGlmEnvironment -ErrorVariable failures -ErrorAction SilentlyContinue
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        @($out).Count | Should -Be @($results).Count
    }

    It 'stops at the bad snapshot with -ErrorAction Stop' {
        $missing = Join-Path $work 'no-such-snapshot'
        $err = { @($missing, $snapshot) | Test-AutoGlmEnvironment -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
    }

    It 'still stops the command for a bad parameter' {
        $err = { $snapshot | Test-AutoGlmEnvironment -Profile 'no-such-profile' -ErrorAction SilentlyContinue } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ProfileNotFound,*'
    }

    It 'gives the fix on its own in ErrorDetails.RecommendedAction, in PowerShell words' {
        $err = { $snapshot | Test-AutoGlmEnvironment -Profile 'no-such-profile' -ErrorAction Stop } | Should -Throw -PassThru
        $err.ErrorDetails.RecommendedAction | Should -Be 'Pass one of them with -Profile, or add it in a -MatrixPath override file.'
        $err.Exception.Message | Should -BeLike "Unknown profile 'no-such-profile'.*"
    }
}
