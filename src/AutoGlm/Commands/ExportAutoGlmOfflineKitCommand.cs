using System;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Kit;

namespace AutoGlm.Commands
{
    /// <summary>Builds an offline kit for an air-gapped site: driver packages, lock and wheels, repository bundle, model, matrix.</summary>
    [Cmdlet(VerbsData.Export, "AutoGlmOfflineKit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OfflineKit))]
    public sealed class ExportAutoGlmOfflineKitCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>The target host's facts (docs/resolve.md).</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string FactsPath { get; set; } = "";

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string LockPath { get; set; } = "";

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Wheelhouse { get; set; } = "";

        [Parameter]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Kernel { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DriverRepositoryUrl { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DriverRepositoryKeyring { get; set; }

        [Parameter]
        public SwitchParameter CudaToolkit { get; set; }

        /// <summary>The driver branch instead of the resolver's choice; the install from the kit uses it too.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(DriverBranchCompleter))]
        [ValidateRange(1, 9999)]
        public int? DriverBranch { get; set; }

        [Parameter]
        [ValidateSet("open", "proprietary")]
        public string? Flavor { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RepositoryUrl { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Ref { get; set; }

        [Parameter]
        public SwitchParameter AllowLocal { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ModelManifest { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ModelPath { get; set; }

        [Parameter]
        public string[]? MatrixPath { get; set; }

        /// <summary>Replace an existing kit folder (once the new kit is complete).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var target = GetUnresolvedProviderPathFromPSPath(Path);
            if (!ShouldProcess(target, Messages.Format("ExportAutoGlmOfflineKit_Confirm"))) return;
            string? Full(string? path) => path == null ? null : GetUnresolvedProviderPathFromPSPath(path);
            try
            {
                var request = new KitExportRequest
                {
                    Output = target, FactsFile = Full(FactsPath)!, LockFile = Full(LockPath)!, Wheelhouse = Full(Wheelhouse)!, Profile = Profile, Kernel = Kernel,
                    DriverRepositoryUrl = DriverRepositoryUrl, DriverRepositoryKeyring = Full(DriverRepositoryKeyring), DriverBranch = DriverBranch, Flavor = Flavor, CudaToolkit = CudaToolkit, RepositoryUrl = RepositoryUrl, Ref = Ref, AllowLocalRepository = AllowLocal,
                    ModelManifest = Full(ModelManifest), ModelPath = Full(ModelPath), MatrixPaths = MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList(), Force = Force,
                };
                WriteObject(KitExporter.Export(request, new CmdletOutput(this)));
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }
    }

    /// <summary>Checks an offline kit as Install-AutoGlmHost -OfflineKit does (every file against its manifest) and returns what it holds.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "AutoGlmOfflineKit")]
    [OutputType(typeof(OfflineKit))]
    public sealed class TestAutoGlmOfflineKitCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Directory")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        protected override void ProcessRecord()
        {
            try
            {
                WriteObject(OfflineKit.Open(GetUnresolvedProviderPathFromPSPath(Path)));
            }
            catch (AutoGlmException ex)
            {
                WriteError(Errors.ToRecord(ex));
            }
        }
    }
}
