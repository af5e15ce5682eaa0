using System;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Commands
{
    /// <summary>Records what the checks read and ran on this host as a directory of plain files.</summary>
    [Cmdlet(VerbsData.Export, "AutoGlmHostSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SnapshotInfo))]
    public sealed class ExportAutoGlmHostSnapshotCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Root { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        public string? Profile { get; set; }

        [Parameter]
        public string[]? MatrixPath { get; set; }

        [Parameter]
        public string? InstallPath { get; set; }

        [Parameter]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        /// <summary>How long any one external tool may run while the snapshot is recorded.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int? TimeoutSec { get; set; }

        /// <summary>Replace an existing snapshot directory.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var target = GetUnresolvedProviderPathFromPSPath(Path);
            if (!ShouldProcess(target, Messages.Format("ExportAutoGlmHostSnapshot_Confirm"))) return;
            try
            {
                var request = new TestRequest
                {
                    Profile = Profile,
                    Root = Root == null ? null : GetUnresolvedProviderPathFromPSPath(Root),
                    MatrixPaths = MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList(),
                    InstallPath = InstallPath,
                    Port = Port,
                    CommandTimeout = TimeoutSec is int t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null,
                };
                WriteObject(EnvironmentTester.ExportSnapshot(target, request, Force, new CmdletOutput(this)));
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }
    }
}
