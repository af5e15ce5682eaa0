# Pester 5 specs for Repair-AutoGlmDriver. They run where pwsh and Pester exist (./build.ps1 -Task Test);
# the xunit tests in tests/AutoGlm.Tests/Repair cover the engine and the CLI on fixture hosts.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest
}

AfterAll {
    Remove-Module AutoGlm -ErrorAction SilentlyContinue
}

Describe 'Repair-AutoGlmDriver' {
    It 'is a high-impact ShouldProcess cmdlet' {
        $command = Get-Command Repair-AutoGlmDriver
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
        $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
    }

    It 'binds check results from the pipeline by their Id' {
        $parameter = (Get-Command Repair-AutoGlmDriver).Parameters['CheckId']
        $parameter.Aliases | Should -Contain 'Id'
        $parameter.Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName | Should -Contain $true
    }

    It 'declares the diagnosis and the apply result as output' {
        $types = (Get-Command Repair-AutoGlmDriver).OutputType.Name
        $types | Should -Contain 'AutoGlm.Engine.Repair.RepairDiagnosis'
        $types | Should -Contain 'AutoGlm.Engine.Plan.ApplyResult'
    }

    It 'changes nothing under -WhatIf on an empty root' {
        $root = Join-Path ([System.IO.Path]::GetTempPath()) ('autoglm-repair-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $root | Out-Null
        try {
            # An empty root has no GPU: a cause no repair fixes. The answer is the diagnosis and a
            # non-terminating RepairNotPossible, not a thrown error.
            $diagnosis = Repair-AutoGlmDriver -Root $root -WhatIf -ErrorAction SilentlyContinue -ErrorVariable refused
            (Get-ChildItem -Path $root -Recurse -Force | Measure-Object).Count | Should -Be 0
            @($diagnosis).Count | Should -Be 1
            $diagnosis.Phase | Should -Be 'before'
            $diagnosis.Healthy | Should -BeFalse
            $refused.FullyQualifiedErrorId | Should -Be 'RepairNotPossible,AutoGlm.Commands.RepairAutoGlmDriverCommand'
            $refused.CategoryInfo.Category | Should -Be 'InvalidOperation'
        }
        finally {
            Remove-Item -Path $root -Recurse -Force
        }
    }

    It 'refuses a bundle path that is neither .tar.gz nor .zip' {
        { Repair-AutoGlmDriver -Root ([System.IO.Path]::GetTempPath()) -CollectBundle 'bundle.rar' -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'BundlePathInvalid,AutoGlm.Commands.RepairAutoGlmDriverCommand'
    }
}
