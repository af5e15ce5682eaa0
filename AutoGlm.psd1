@{
    RootModule           = 'AutoGlm.psm1'
    # The version's one source is Directory.Build.props; build.ps1 stamps it into the laid-out copy,
    # and a contract test fails when this line disagrees with it.
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '6d0b6a4e-2f0c-4c55-9d8a-2f3f5b7f1a10'
    Author               = 'AutoGlm contributors'
    CompanyName          = 'AutoGlm'
    Copyright            = '(c) AutoGlm contributors. Apache License 2.0.'
    Description          = 'Provisions, verifies and repairs NVIDIA GPU servers for Open-AutoGLM (AutoGLM-Phone-9B on vLLM or SGLang), driven by a sourced compatibility matrix.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('AutoGlm.format.ps1xml')
    # AutoGlm.types.ps1xml is applied by AutoGlm.psm1 (Update-TypeData -Force), not TypesToProcess: a second copy
    # of the module (side by side, or Import-Module -Force from another path) failed there on members already present.
    CmdletsToExport      = @(
        'Export-AutoGlmHostSnapshot'
        'Export-AutoGlmOfflineKit'
        'Export-AutoGlmReport'
        'Get-AutoGlmGpu'
        'Get-AutoGlmMatrix'
        'Get-AutoGlmService'
        'Install-AutoGlmCuda'
        'Install-AutoGlmDriver'
        'Install-AutoGlmHost'
        'New-AutoGlmLockFile'
        'Register-AutoGlmService'
        'Repair-AutoGlmDriver'
        'Resolve-AutoGlmStack'
        'Sync-AutoGlmPythonEnvironment'
        'Test-AutoGlmEnvironment'
        'Test-AutoGlmOfflineKit'
        'Unregister-AutoGlmService'
        'Update-AutoGlmRepository'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('GPU', 'NVIDIA', 'CUDA', 'vLLM', 'SGLang', 'AutoGLM', 'Provisioning', 'Linux', 'Windows', 'PSEdition_Desktop', 'PSEdition_Core')
            ProjectUri   = 'https://github.com/autoglm/autoglm'
            LicenseUri   = 'https://github.com/autoglm/autoglm/blob/main/LICENSE'
            ReleaseNotes = '0.1.0: Test-AutoGlmEnvironment (host, GPU, driver, firmware, stack and CUDA toolkit checks), host snapshots, Export-AutoGlmReport (JSON, JUnit XML, Prometheus textfile), Resolve-AutoGlmStack, Install-AutoGlmDriver and Install-AutoGlmCuda (plan/apply with journal, resume and rollback), Update-AutoGlmRepository, Register/Unregister/Get-AutoGlmService, Sync-AutoGlmPythonEnvironment and New-AutoGlmLockFile.'
        }
    }
}
