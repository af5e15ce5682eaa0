# Every PowerShell file of the repository through PowerShell's own parser
# ([System.Management.Automation.Language.Parser]): scripts, module files and data files whole, the script
# blocks of the .ps1xml files, and the ```powershell blocks of the Markdown (the help examples in docs/help
# become Get-Help -Examples). fixtures-syntax holds a good and a broken file of each kind, to prove the check
# passes and fails where it should.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $skipFolders = @('bin', 'obj', 'node_modules', '.git', '.tools', 'out', 'fixtures-syntax', 'TestResults')
    $files = Get-ChildItem -LiteralPath $repoRoot -Recurse -File -Include '*.ps1', '*.psm1', '*.psd1', '*.ps1xml', '*.md' |
        Where-Object {
            $parts = $_.FullName.Substring($repoRoot.Length).Split([IO.Path]::DirectorySeparatorChar)
            -not ($parts | Where-Object { $skipFolders -contains $_ })
        } |
        Sort-Object FullName |
        ForEach-Object { @{ Path = $_.FullName; Relative = $_.FullName.Substring($repoRoot.Length + 1) } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $fixtures = Join-Path $PSScriptRoot 'fixtures-syntax'

    # The PowerShell in a file, as pieces with the file line each starts on.
    function Get-PowerShellPiece {
        param([string] $Path)
        $text = [IO.File]::ReadAllText($Path)
        switch -Regex ([IO.Path]::GetExtension($Path)) {
            '^\.ps1xml$' {
                $xml = [xml]::new()
                $xml.PreserveWhitespace = $true
                $xml.Load($Path)
                foreach ($node in $xml.SelectNodes('//ScriptBlock | //GetScriptBlock | //SetScriptBlock | //Script')) {
                    [pscustomobject]@{ Code = $node.InnerText; Line = 0; Label = "<$($node.Name)>" }
                }
            }
            '^\.md$' {
                $lines = $text -split "`r?`n"
                $open = $null
                for ($i = 0; $i -lt $lines.Count; $i++) {
                    $fence = [regex]::Match($lines[$i], '^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)')
                    if (-not $open) {
                        if ($fence.Success) {
                            $open = @{ Fence = $fence.Groups[2].Value; Wanted = @('powershell', 'pwsh', 'ps1', 'ps') -contains $fence.Groups[3].Value.ToLowerInvariant(); Start = $i + 2; Code = [Text.StringBuilder]::new() }
                        }
                        continue
                    }
                    if ($fence.Success -and $fence.Groups[2].Value[0] -eq $open.Fence[0] -and $fence.Groups[2].Value.Length -ge $open.Fence.Length -and $lines[$i].Trim() -eq $fence.Groups[2].Value) {
                        if ($open.Wanted) { [pscustomobject]@{ Code = $open.Code.ToString(); Line = $open.Start - 1; Label = "block at line $($open.Start - 1)" } }
                        $open = $null
                        continue
                    }
                    if ($open.Wanted) { $null = $open.Code.AppendLine($lines[$i]) }
                }
                if ($open -and $open.Wanted) { [pscustomobject]@{ Code = $open.Code.ToString(); Line = $open.Start - 1; Label = "unclosed block at line $($open.Start - 1)" } }
            }
            default { [pscustomobject]@{ Code = $text; Line = 0; Label = 'file' } }
        }
    }

    # 'path:line:col: message' for every parse error in the file's PowerShell.
    function Get-PowerShellSyntaxError {
        param([string] $Path)
        foreach ($piece in Get-PowerShellPiece -Path $Path) {
            $tokens = $null; $errors = $null
            $null = [System.Management.Automation.Language.Parser]::ParseInput($piece.Code, $Path, [ref] $tokens, [ref] $errors)
            foreach ($e in $errors) {
                '{0}:{1}:{2}: {3} ({4})' -f $Path, ($piece.Line + $e.Extent.StartLineNumber), $e.Extent.StartColumnNumber, $e.Message, $piece.Label
            }
        }
    }
}

Describe 'PowerShell syntax' {
    It 'parses <Relative>' -ForEach $files {
        Get-PowerShellSyntaxError -Path $Path | Should -BeNullOrEmpty
    }
}

Describe 'The syntax check itself' {
    It 'passes the good fixture <_>' -ForEach @('good.ps1', 'good.psm1', 'good.psd1', 'good.ps1xml', 'good.md') {
        Get-PowerShellSyntaxError -Path (Join-Path $fixtures $_) | Should -BeNullOrEmpty
    }

    It 'rejects <Name> at line <Line>' -ForEach @(
        @{ Name = 'bad.ps1'; Line = 2 }
        @{ Name = 'bad.psd1'; Line = 5 }
        @{ Name = 'bad.ps1xml'; Line = 0 }
        @{ Name = 'bad.md'; Line = 9 }
    ) {
        $found = @(Get-PowerShellSyntaxError -Path (Join-Path $fixtures $Name))
        $found | Should -Not -BeNullOrEmpty
        if ($Line) { $found[0] | Should -Match ":$Line`:" }
    }

    It 'finds the repository''s PowerShell files (<Count>)' -ForEach @{ Count = $files.Count } {
        $Count | Should -BeGreaterThan 20
    }
}
