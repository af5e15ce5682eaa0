# Root module: loads the compiled cmdlets from bin/AutoGlm.dll (laid out by build.ps1).
Set-StrictMode -Version Latest

$assemblyPath = Join-Path -Path $PSScriptRoot -ChildPath 'bin/AutoGlm.dll'
if (-not (Test-Path -LiteralPath $assemblyPath)) {
    $message = "AutoGlm is not built: '$assemblyPath' is missing. " +
        "Build it with './build.ps1 -Task Build' (or 'dotnet publish src/AutoGlm -c Release -o bin') and import the module again."
    $exception = [System.IO.FileNotFoundException]::new($message, $assemblyPath)
    $record = [System.Management.Automation.ErrorRecord]::new($exception, 'AutoGlmNotBuilt', 'ObjectNotFound', $assemblyPath)
    throw $record
}

# The engine and YamlDotNet live in bin/Dependencies, private to this module (see
# DependencyIsolation.cs); the resolver is in place before PowerShell looks at a cmdlet type.
$null = [System.Reflection.Assembly]::LoadFrom($assemblyPath)
[AutoGlm.DependencyIsolation]::Register((Join-Path -Path $PSScriptRoot -ChildPath 'bin/Dependencies'))

$binaryModule = Import-Module -Name $assemblyPath -PassThru -ErrorAction Stop
$ExecutionContext.SessionState.Module.OnRemove = {
    Remove-Module -ModuleInfo $binaryModule -ErrorAction SilentlyContinue
    [AutoGlm.DependencyIsolation]::Unregister()
}

Export-ModuleMember -Cmdlet @($binaryModule.ExportedCmdlets.Keys)
