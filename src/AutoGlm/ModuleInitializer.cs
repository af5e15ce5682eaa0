using System.IO;
using System.Management.Automation;

namespace AutoGlm
{
    /// <summary>
    /// Hooks <see cref="DependencyIsolation"/> when the assembly is imported on its own
    /// (Import-Module bin/AutoGlm.dll). AutoGlm.psm1 registers it before that import too, so the
    /// engine resolves even if PowerShell touches the cmdlet types before calling OnImport. Then names the
    /// output types for scripts (<see cref="PublicTypes"/>).
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport()
        {
            var bin = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location);
            if (bin != null) DependencyIsolation.Register(Path.Combine(bin, DependencyIsolation.FolderName));
            PublicTypes.Register();
            // The engine's messages name options and commands as a PowerShell user types them (-MatrixPath, not --matrix).
            Engine.Diagnostics.Messages.Face = Engine.Diagnostics.MessageFace.PowerShell;
        }

        public void OnRemove(PSModuleInfo module)
        {
            PublicTypes.Unregister();
            DependencyIsolation.Unregister();
        }
    }
}
