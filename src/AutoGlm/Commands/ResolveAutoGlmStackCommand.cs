using System;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Resolve;

namespace AutoGlm.Commands
{
    /// <summary>The consistent stack (driver, CUDA, Python, pins, indexes) a profile needs on a host, or why none fits.</summary>
    [Cmdlet(VerbsDiagnostic.Resolve, "AutoGlmStack", DefaultParameterSetName = LiveSet)]
    [OutputType(typeof(ResolvedStack))]
    public sealed class ResolveAutoGlmStackCommand : PSCmdlet
    {
        private const string LiveSet = "Live";
        private const string SnapshotSet = "Snapshot";
        private const string FactsSet = "Facts";

        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [ValidateNotNullOrEmpty]
        public string? Root { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = SnapshotSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Snapshot { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = FactsSet)]
        [ValidateNotNullOrEmpty]
        public string? FactsPath { get; set; }

        [Parameter]
        public string[]? MatrixPath { get; set; }

        /// <summary>Accept a driver that runs the build only through minor-version compatibility.</summary>
        [Parameter]
        public SwitchParameter AllowMinorVersionCompatibility { get; set; }

        /// <summary>Write the reasons for each choice to the information stream (and Verbose).</summary>
        [Parameter]
        public SwitchParameter Explain { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int? TimeoutSec { get; set; }

        /// <summary>Judge driver end-of-life against this date instead of today.</summary>
        [Parameter]
        public DateTime? Today { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var request = new ResolveRequest
                {
                    Profile = Profile,
                    Root = Root == null ? null : GetUnresolvedProviderPathFromPSPath(Root),
                    Snapshot = Snapshot == null ? null : GetUnresolvedProviderPathFromPSPath(Snapshot),
                    FactsFile = FactsPath == null ? null : GetUnresolvedProviderPathFromPSPath(FactsPath),
                    MatrixPaths = MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList(),
                    AllowMinorVersionCompatibility = AllowMinorVersionCompatibility,
                    CommandTimeout = TimeoutSec is int t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null,
                    Today = Today?.Date,
                };
                var output = new CmdletOutput(this);
                var stack = Engine.Workflows.SnapshotInput.Evaluate(request.Snapshot, output, () => StackService.Resolve(request, output));
                if (stack == null) return; // that snapshot's error is written; the next input follows
                foreach (var warning in stack.Warnings) WriteWarning(warning);
                if (Explain)
                    foreach (var line in stack.Explanation) WriteInformation(new InformationRecord(line, "Resolve-AutoGlmStack"));
                foreach (var line in stack.Explanation) WriteVerbose(line);
                WriteObject(stack);
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }
    }
}
