using System;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Commands
{
    /// <summary>Verifies a host (or a snapshot of one) against a deployment profile.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "AutoGlmEnvironment", DefaultParameterSetName = LiveSet)]
    [OutputType(typeof(CheckResult), ParameterSetName = new[] { LiveSet, SnapshotSet })]
    [OutputType(typeof(bool), ParameterSetName = new[] { LiveSet, SnapshotSet })]
    [OutputType(typeof(CheckInfo), ParameterSetName = new[] { ListSet })]
    public sealed class TestAutoGlmEnvironmentCommand : PSCmdlet
    {
        private const string LiveSet = "Live";
        private const string SnapshotSet = "Snapshot";
        private const string ListSet = "ListChecks";

        [Parameter(Position = 0, ParameterSetName = LiveSet)]
        [Parameter(Position = 0, ParameterSetName = SnapshotSet)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [ValidateNotNullOrEmpty]
        public string? Root { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = SnapshotSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [ValidateNotNullOrEmpty]
        public string? Snapshot { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(CategoryCompleter))]
        public string[]? Category { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(CheckIdCompleter))]
        [SupportsWildcards]
        public string[]? Id { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        public string[]? MatrixPath { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        public string? InstallPath { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        [ValidateRange(1, 3600)]
        public int? TimeoutSec { get; set; }

        /// <summary>Return one bool: $true when no check failed.</summary>
        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        public SwitchParameter Quiet { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ListSet)]
        public SwitchParameter ListChecks { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                if (ListChecks)
                {
                    foreach (var info in EnvironmentTester.ListChecks(Category, Id)) WriteObject(info);
                    return;
                }
                var request = new TestRequest
                {
                    Profile = Profile,
                    Root = Root == null ? null : GetUnresolvedProviderPathFromPSPath(Root),
                    Snapshot = Snapshot == null ? null : GetUnresolvedProviderPathFromPSPath(Snapshot),
                    Categories = Category,
                    Ids = Id,
                    MatrixPaths = MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList(),
                    InstallPath = InstallPath,
                    Port = Port,
                    CommandTimeout = TimeoutSec is int t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null,
                };
                var run = EnvironmentTester.Run(request, new CmdletOutput(this));
                if (Quiet) WriteObject(!run.AnyFailed);
                else foreach (var result in run.Results) WriteObject(result);
            }
            catch (AutoGlmException ex)
            {
                // Bad input stops the command: nothing useful can follow from it.
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }
    }
}
