#Requires -Modules Pester
# Update-AutoGlmRepository against local bare remotes (runs where pwsh and git exist).

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-AutoGlmUnderTest
    $script:Root = Join-Path ([IO.Path]::GetTempPath()) ("autoglm-pester-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $script:Root | Out-Null
    $env:GIT_CONFIG_GLOBAL = Join-Path $script:Root 'gitconfig'
    $env:GIT_CONFIG_NOSYSTEM = '1'
    Set-Content -Path $env:GIT_CONFIG_GLOBAL -Value ''
    $work = Join-Path $script:Root 'work'
    git init -q -b master $work
    Set-Content -Path (Join-Path $work 'requirements.txt') -Value 'openai==2.9.0'
    git -C $work add requirements.txt
    git -C $work -c user.name=Test -c user.email=test@example.invalid commit -q -m one
    git clone -q --bare $work (Join-Path $script:Root 'THUDM/app.git')
    git clone -q --bare $work (Join-Path $script:Root 'zai-org/app.git')
    $script:NewUrl = 'file://' + (Join-Path $script:Root 'zai-org/app.git')
    $script:OldUrl = 'file://' + (Join-Path $script:Root 'THUDM/app.git')
    New-Item -ItemType Directory -Path (Join-Path $script:Root 'root/srv') -Force | Out-Null
    git clone -q $script:OldUrl (Join-Path $script:Root 'root/srv/app')
    $script:Checkout = Join-Path $script:Root 'root/srv/app'
}

AfterAll {
    Remove-Item -Recurse -Force $script:Root -ErrorAction SilentlyContinue
}

Describe 'Update-AutoGlmRepository' {
    It 'changes nothing with -WhatIf' {
        $before = git -C $script:Checkout config --list --local
        Update-AutoGlmRepository -Path /srv/app -Root (Join-Path $script:Root 'root') -To $script:NewUrl -AllowLocal -WhatIf
        git -C $script:Checkout config --list --local | Should -Be $before
    }

    It 'moves origin and keeps the old URL as autoglm-previous' {
        $result = Update-AutoGlmRepository -Path /srv/app -Root (Join-Path $script:Root 'root') -To $script:NewUrl -AllowLocal -Force
        $result.Status | Should -Be 'changed'
        git -C $script:Checkout remote get-url origin | Should -Be $script:NewUrl
        git -C $script:Checkout remote get-url autoglm-previous | Should -Be $script:OldUrl
    }

    It 'converges on a second run' {
        (Update-AutoGlmRepository -Path /srv/app -Root (Join-Path $script:Root 'root') -To $script:NewUrl -AllowLocal -Force).Status | Should -Be 'converged'
    }

    It 'refuses a transport trick with a stable error id' {
        { Update-AutoGlmRepository -Path /srv/app -Root (Join-Path $script:Root 'root') -To 'ext::sh -c id' -Force } |
            Should -Throw -ErrorId 'RepositoryUrlUnsafe,AutoGlm.Commands.UpdateAutoGlmRepositoryCommand'
    }

    It 'is ConfirmImpact High' {
        (Get-Command Update-AutoGlmRepository).ImplementingType.GetCustomAttributes($true) |
            Where-Object { $_ -is [System.Management.Automation.CmdletAttribute] } |
            ForEach-Object ConfirmImpact | Should -Be 'High'
    }
}
