using System;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using System.Runtime.InteropServices;

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

        /// <summary>Also import torch in the venv and ask CUDA (the runtime.* checks); slower.</summary>
        [Parameter(ParameterSetName = LiveSet)]
        [Parameter(ParameterSetName = SnapshotSet)]
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
                    IncludeRuntime = IncludeRuntime,
                };
                // This Windows host itself: CIM through this session's Get-CimInstance instead of a powershell.exe child.
                if (request.Root == null && request.Snapshot == null && RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                    request.CimInstances = CollectCim();
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
