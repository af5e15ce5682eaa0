using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Reports;
using AutoGlm.Engine.Workflows;
using System.Runtime.InteropServices;

namespace AutoGlm.Commands
{
    /// <summary>Verifies a host (or a snapshot of one) against a deployment profile.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "AutoGlmEnvironment", DefaultParameterSetName = LiveSet)]
    [OutputType(typeof(CheckResult), ParameterSetName = new[] { LiveSet, SnapshotSet })]
    [OutputType(typeof(bool), ParameterSetName = new[] { LiveSet, SnapshotSet, TriageSet })]
    [OutputType(typeof(CheckInfo), ParameterSetName = new[] { ListSet })]
    [OutputType(typeof(FleetTriage), ParameterSetName = new[] { TriageSet })]
    public sealed class TestAutoGlmEnvironmentCommand : PSCmdlet
    {
        private const string LiveSet = "Live";
        private const string SnapshotSet = "Snapshot";
        private const string ListSet = "ListChecks";
        private const string TriageSet = "Triage";
        private readonly List<string> _triageSnapshots = new List<string>();
        // -Quiet answers once for everything piped in: $false as soon as one target failed or could not be read.
        private bool? _quietAnswer;

        [Parameter(Position = 0, ParameterSetName = LiveSet)]
        [Parameter(Position = 0, ParameterSetName = SnapshotSet)]
        [Parameter(Position = 0, ParameterSetName = TriageSet)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [ValidateNotNullOrEmpty]
        public string? Root { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = SnapshotSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = TriageSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
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
        [Parameter(ParameterSetName = TriageSet)]
        public string[]? MatrixPath { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        [Parameter(ParameterSetName = TriageSet)]
        public string? InstallPath { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        [Parameter(ParameterSetName = TriageSet)]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        [Parameter(ParameterSetName = TriageSet)]
        [ValidateRange(1, 3600)]
        public int? TimeoutSec { get; set; }

        /// <summary>Return one bool for the whole call: $true when no check failed on any target piped in, and every snapshot was read.</summary>
        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        [Parameter(ParameterSetName = TriageSet)]
        public SwitchParameter Quiet { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ListSet)]
        public SwitchParameter ListChecks { get; set; }

        /// <summary>
        /// Evaluate every snapshot given (a folder of snapshots stands for its subfolders, piped folders are
        /// collected) and return one FleetTriage: failures grouped by check across hosts, each host's counts.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = TriageSet)]
        public SwitchParameter Triage { get; set; }

        /// <summary>With -Triage: how many snapshots are evaluated at once (default: one per processor).</summary>
        [Parameter(ParameterSetName = TriageSet)]
        [ValidateRange(1, 256)]
        public int? ThrottleLimit { get; set; }

        /// <summary>Also import torch in the venv and ask CUDA (the runtime.* checks); slower.</summary>
        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
        [Parameter(ParameterSetName = TriageSet)]
        public SwitchParameter IncludeRuntime { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                if (ListChecks)
                {
                    foreach (var info in EnvironmentTester.ListChecks(Category, Id)) WriteObject(info);
                    return;
                }
                if (Triage)
                {
                    // Collected here, evaluated together in EndProcessing: one triage for the whole pipeline.
                    _triageSnapshots.Add(GetUnresolvedProviderPathFromPSPath(Snapshot));
                    return;
                }
                var snapshot = Snapshot == null ? null : GetUnresolvedProviderPathFromPSPath(Snapshot);
                var request = NewRequest(Root == null ? null : GetUnresolvedProviderPathFromPSPath(Root), snapshot);
                // This Windows host itself: CIM through this session's Get-CimInstance instead of a powershell.exe child.
                if (request.Root == null && request.Snapshot == null && RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                    request.CimInstances = CollectCim();
                var output = new CmdletOutput(this);
                var run = SnapshotInput.Evaluate(snapshot, output, () =>
                {
                    if (snapshot != null) FleetTriager.RequireOneSnapshot(snapshot, Snapshot!);
                    return EnvironmentTester.Run(request, output);
                });
                if (run == null)
                {
                    // That snapshot's error is written; a bad input is not a healthy one.
                    if (Quiet) _quietAnswer = false;
                    return;
                }
                if (Quiet) _quietAnswer = (_quietAnswer ?? true) && !run.AnyFailed;
                else foreach (var result in run.Results) WriteObject(result);
            }
            catch (AutoGlmException ex)
            {
                // Bad parameters stop the command: nothing useful can follow from them.
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }

        /// <summary>The request from this command's parameters, for one host/snapshot or (both null) for the triage.</summary>
        private TestRequest NewRequest(string? root, string? snapshot) => new TestRequest
        {
            Profile = Profile,
            Root = root,
            Snapshot = snapshot,
            Categories = Category,
            Ids = Id,
            MatrixPaths = MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList(),
            InstallPath = InstallPath,
            Port = Port,
            CommandTimeout = TimeoutSec is int t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null,
            IncludeRuntime = IncludeRuntime,
        };

        protected override void EndProcessing()
        {
            if (!Triage)
            {
                if (Quiet && _quietAnswer.HasValue) WriteObject(_quietAnswer.Value);
                return;
            }
            try
            {
                var triage = FleetTriager.Run(_triageSnapshots, NewRequest(root: null, snapshot: null), new CmdletOutput(this), ThrottleLimit);
                if (Quiet) WriteObject(!triage.AnyFailed);
                else WriteObject(triage);
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }

        /// <summary>
        /// Runs the engine's CIM script in a local scope of this session (its variables do not leak into the
        /// caller's) and hands the JSON to the engine's parser; a failure becomes Unknown facts, not an error.
        /// </summary>
        private CimData CollectCim()
        {
            const string source = "Get-CimInstance (this PowerShell session)";
            try
            {
                var output = InvokeCommand.InvokeScript(true, ScriptBlock.Create(WindowsProbes.CimScript), null);
                var json = string.Join("\n", output.Where(o => o != null).Select(o => o.BaseObject.ToString()));
                return CimData.Parse(json, source);
            }
            catch (Exception ex) when (ex is RuntimeException || ex is FormatException)
            {
                WriteVerbose(Messages.Format("TestAutoGlmEnvironment_CimFailed", ex.Message));
                return CimData.Failed(ex.Message, source);
            }
        }
    }
}
