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

# Extended type data (serialization depth, key property, the CheckId alias, GpuInfo.MemoryGiB), read from
# AutoGlm.types.ps1xml and applied with Update-TypeData -Force rather than TypesToProcess: a second copy of the
# module (another version side by side, or Import-Module -Force from another path) then replaces the members
# the first copy added, where TypesToProcess failed with "The member ... is already present".
$typesFile = Join-Path -Path $PSScriptRoot -ChildPath 'AutoGlm.types.ps1xml'
foreach ($type in ([xml](Get-Content -LiteralPath $typesFile -Raw)).Types.Type) {
    foreach ($member in $type.Members.ChildNodes) {
        if ($member.NodeType -ne 'Element') { continue }
        $common = @{ TypeName = $type.Name; Force = $true; ErrorAction = 'Stop' }
        switch ($member.LocalName) {
            'AliasProperty' { Update-TypeData @common -MemberType AliasProperty -MemberName $member.Name -Value $member.ReferencedMemberName }
            'ScriptProperty' { Update-TypeData @common -MemberType ScriptProperty -MemberName $member.Name -Value ([scriptblock]::Create($member.GetScriptBlock)) }
            'MemberSet' {
                foreach ($standard in $member.Members.ChildNodes) {
                    if ($standard.NodeType -ne 'Element') { continue }
                    switch ($standard.Name) {
                        'SerializationDepth' { Update-TypeData @common -SerializationDepth ([int] $standard.Value) }
                        'DefaultKeyPropertySet' { Update-TypeData @common -DefaultKeyPropertySet @($standard.ReferencedProperties.Name) }
                        default { throw "AutoGlm.types.ps1xml: $($type.Name) has a PSStandardMembers member '$($standard.Name)' that AutoGlm.psm1 does not apply." }
                    }
                }
            }
            default { throw "AutoGlm.types.ps1xml: $($type.Name) has a $($member.LocalName) member that AutoGlm.psm1 does not apply." }
        }
    }
}

$ExecutionContext.SessionState.Module.OnRemove = {
    Remove-Module -ModuleInfo $binaryModule -ErrorAction SilentlyContinue
    [AutoGlm.DependencyIsolation]::Unregister()
}

Export-ModuleMember -Cmdlet @($binaryModule.ExportedCmdlets.Keys)
