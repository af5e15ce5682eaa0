using System;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Workflows;

namespace AutoGlm.Commands
{
    /// <summary>The host's NVIDIA GPUs from NVML, nvidia-smi or PCI, with what the matrix knows of each model.</summary>
    [Cmdlet(VerbsCommon.Get, "AutoGlmGpu", DefaultParameterSetName = LiveSet)]
    [OutputType(typeof(GpuInfo))]
    public sealed class GetAutoGlmGpuCommand : PSCmdlet
    {
        private const string LiveSet = "Live";
        private const string SnapshotSet = "Snapshot";

        /// <summary>Directory standing for '/' (a mounted image, a test tree).</summary>
        [Parameter(ParameterSetName = LiveSet)]
        public string? Root { get; set; }

        /// <summary>A snapshot exported by Export-AutoGlmHostSnapshot; pipes from its Path.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SnapshotSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Path")]
        public string? Snapshot { get; set; }

        [Parameter]
        public string[]? MatrixPath { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int? TimeoutSec { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var request = new TestRequest
                {
                    // An empty or blank -Root goes to the engine as it is (RootInvalid); resolved, it would be the current folder.
                    Root = Root == null ? null : string.IsNullOrWhiteSpace(Root) ? Root : GetUnresolvedProviderPathFromPSPath(Root),
                    Snapshot = Snapshot == null ? null : GetUnresolvedProviderPathFromPSPath(Snapshot),
                    MatrixPaths = MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList(),
                    CommandTimeout = TimeoutSec is int t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null,
                };
                var output = new CmdletOutput(this);
                var gpus = Engine.Workflows.SnapshotInput.Evaluate(request.Snapshot, output, () => GpuInventory.List(request, output));
                foreach (var gpu in gpus ?? Array.Empty<Engine.Facts.GpuInfo>()) WriteObject(gpu);
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }
    }
}
