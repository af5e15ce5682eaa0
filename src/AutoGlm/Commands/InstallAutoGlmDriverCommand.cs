using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Commands
{
    /// <summary>Installs and pins the NVIDIA driver the profile's stack needs.</summary>
    [Cmdlet(VerbsLifecycle.Install, "AutoGlmDriver", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ApplyResult))]
    public sealed class InstallAutoGlmDriverCommand : PlanCmdlet
    {
        /// <summary>Gets or sets the deployment profile whose stack decides the driver.</summary>
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        /// <summary>Gets or sets the driver branch instead of the resolver's choice.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(DriverBranchCompleter))]
        [ValidateRange(1, 9999)]
        public int? DriverBranch { get; set; }

        /// <summary>Gets or sets the exact driver version instead of the newest of the branch.</summary>
        [Parameter]
        [ValidatePattern(@"^\d+\.\d+(\.\d+)?$")]
        public string? DriverVersion { get; set; }

        /// <summary>Gets or sets the kernel module flavour.</summary>
        [Parameter]
        [ValidateSet("open", "proprietary")]
        public string? Flavor { get; set; }

        /// <summary>Gets or sets NVIDIA's CUDA repository or a site mirror.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RepositoryUrl { get; set; }

        /// <summary>Gets or sets the repository's OpenPGP public key file, used instead of NVIDIA's cuda-keyring package.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RepositoryKeyring { get; set; }

        /// <summary>Gets or sets the Windows driver installer.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? InstallerPath { get; set; }

        /// <summary>Gets or sets site matrix files merged over the shipped matrix.</summary>
        [Parameter]
        public string[]? MatrixPath { get; set; }

        /// <summary>Gets or sets a facts file describing another host to plan for (with -WhatIf only).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? FactsPath { get; set; }

        /// <summary>Gets or sets whether a driver that serves the CUDA build only through minor-version compatibility is enough.</summary>
        [Parameter]
        public SwitchParameter AllowMinorVersionCompatibility { get; set; }

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output) =>
            DriverPlanner.PlanDriver(InstallRequests.From(this, Profile, DriverBranch, DriverVersion, Flavor, RepositoryUrl, RepositoryKeyring, InstallerPath, null, MatrixPath, FactsPath, IsWhatIf(), AllowMinorVersionCompatibility), system, output);
    }

    /// <summary>Installs and pins the CUDA toolkit the profile's stack needs.</summary>
    [Cmdlet(VerbsLifecycle.Install, "AutoGlmCuda", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ApplyResult))]
    public sealed class InstallAutoGlmCudaCommand : PlanCmdlet
    {
        /// <summary>Gets or sets the deployment profile whose stack decides the CUDA version.</summary>
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        /// <summary>Gets or sets the CUDA toolkit version (major.minor) instead of the stack's.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(CudaVersionCompleter))]
        [ValidatePattern(@"^\d+\.\d+$")]
        public string? CudaVersion { get; set; }

        /// <summary>Gets or sets NVIDIA's CUDA repository or a site mirror.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RepositoryUrl { get; set; }

        /// <summary>Gets or sets the repository's OpenPGP public key file, used instead of NVIDIA's cuda-keyring package.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RepositoryKeyring { get; set; }

        /// <summary>Gets or sets the Windows CUDA installer.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? InstallerPath { get; set; }

        /// <summary>Gets or sets site matrix files merged over the shipped matrix.</summary>
        [Parameter]
        public string[]? MatrixPath { get; set; }

        /// <summary>Gets or sets a facts file describing another host to plan for (with -WhatIf only).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? FactsPath { get; set; }

        /// <summary>Gets or sets whether a driver that serves the CUDA build only through minor-version compatibility is enough.</summary>
        [Parameter]
        public SwitchParameter AllowMinorVersionCompatibility { get; set; }

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output) =>
            DriverPlanner.PlanCuda(InstallRequests.From(this, Profile, null, null, null, RepositoryUrl, RepositoryKeyring, InstallerPath, CudaVersion, MatrixPath, FactsPath, IsWhatIf(), AllowMinorVersionCompatibility), system, output);
    }

    internal static class InstallRequests
    {
        public static DriverInstallRequest From(PlanCmdlet cmdlet, string? profile, int? branch, string? version, string? flavor,
            string? repositoryUrl, string? repositoryKeyring, string? installer, string? cuda, string[]? matrix, string? facts, bool whatIf, bool minorCompat)
        {
            // A facts file describes another machine: its plan may be shown, never applied to this one.
            if (facts != null && !whatIf)
                throw new AutoGlmException("FactsFileNeedsWhatIf", ErrorKind.InvalidArgument, Messages.Format("FactsFileNeedsWhatIf", facts), facts);
            return new DriverInstallRequest
            {
                Profile = profile,
                Branch = branch,
                Version = version,
                Flavor = flavor,
                RepositoryUrl = repositoryUrl,
                RepositoryKeyring = repositoryKeyring == null ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(repositoryKeyring),
                InstallerPath = installer == null ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(installer),
                CudaVersion = cuda,
                MatrixPaths = matrix == null ? null : System.Array.ConvertAll(matrix, cmdlet.GetUnresolvedProviderPathFromPSPath),
                FactsFile = facts == null ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(facts),
                AllowMinorVersionCompatibility = minorCompat,
                Preview = whatIf,
            };
        }
    }
}
