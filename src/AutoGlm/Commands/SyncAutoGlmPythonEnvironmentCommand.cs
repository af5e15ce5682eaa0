using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;

namespace AutoGlm.Commands
{
    /// <summary>Makes the profile's venv hold exactly its hash lock: interpreter, lock files, atomic rebuild when needed.</summary>
    [Cmdlet(VerbsData.Sync, "AutoGlmPythonEnvironment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ApplyResult))]
    public sealed class SyncAutoGlmPythonEnvironmentCommand : PlanCmdlet
    {
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        /// <summary>Gets or sets the installation directory (host path); the lock files live here.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? InstallPath { get; set; }

        /// <summary>Gets or sets the venv directory (host path); InstallPath/venv by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? VenvPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Wheelhouse { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? IndexUrl { get; set; }

        /// <summary>Gets or sets an existing lock file to install instead of locking the resolved stack.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LockPath { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(PythonVersionCompleter))]
        [ValidateNotNullOrEmpty]
        public string? PythonVersion { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? FactsPath { get; set; }

        [Parameter]
        public string[]? MatrixPath { get; set; }

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output) =>
            VenvService.SyncPlan(system, Previewed(PythonRequests.From(this, Profile, InstallPath, VenvPath, Wheelhouse, IndexUrl, LockPath, PythonVersion, FactsPath, MatrixPath, TimeoutSec)), output);

        private VenvRequest Previewed(VenvRequest request)
        {
            request.Preview = IsWhatIf();
            return request;
        }
    }

    /// <summary>Writes the profile's hash-locked requirements files (base and override phase) into the install path.</summary>
    [Cmdlet(VerbsCommon.New, "AutoGlmLockFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ApplyResult))]
    public sealed class NewAutoGlmLockFileCommand : PlanCmdlet
    {
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? InstallPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Wheelhouse { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? IndexUrl { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? FactsPath { get; set; }

        [Parameter]
        public string[]? MatrixPath { get; set; }

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output) =>
            VenvService.LockPlan(system, PythonRequests.From(this, Profile, InstallPath, null, Wheelhouse, IndexUrl, null, null, FactsPath, MatrixPath, TimeoutSec), output);
    }

    internal static class PythonRequests
    {
        public static VenvRequest From(PSCmdlet cmdlet, string? profile, string? installPath, string? venvPath, string? wheelhouse, string? indexUrl,
            string? lockPath, string? pythonVersion, string? factsPath, string[]? matrixPath, int timeoutSec) => new VenvRequest
        {
            Profile = profile,
            InstallPath = installPath,
            VenvPath = venvPath,
            Wheelhouse = wheelhouse == null ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(wheelhouse),
            IndexUrl = indexUrl,
            LockFile = lockPath == null ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(lockPath),
            PythonVersion = pythonVersion,
            FactsFile = factsPath == null ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(factsPath),
            MatrixPaths = matrixPath?.Select(cmdlet.GetUnresolvedProviderPathFromPSPath).ToList(),
            CommandTimeout = System.TimeSpan.FromSeconds(timeoutSec),
        };
    }
}
