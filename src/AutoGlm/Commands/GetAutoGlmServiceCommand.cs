using System;
using System.Management.Automation;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Services;

namespace AutoGlm.Commands
{
    /// <summary>Read-only status of a registered model server: unit file, enabled, active, and whether its port answers.</summary>
    [Cmdlet(VerbsCommon.Get, "AutoGlmService")]
    [OutputType(typeof(ServiceStatus))]
    public sealed class GetAutoGlmServiceCommand : PSCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Root { get; set; }

        /// <summary>Gets or sets site matrix files merged over the shipped matrix (where a site-only profile is defined).</summary>
        [Parameter]
        public string[]? MatrixPath { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 10;

        protected override void ProcessRecord()
        {
            try
            {
                var name = Name ?? ServiceInput.DefaultName(MatrixLoader.LoadProfile(Profile, MatrixPath == null ? null : Array.ConvertAll(MatrixPath, GetUnresolvedProviderPathFromPSPath)).Profile.Id);
                var system = new LiveSystem(Root == null ? "/" : GetUnresolvedProviderPathFromPSPath(Root));
                WriteObject(ServicePlanner.Status(name, system, TimeSpan.FromSeconds(TimeoutSec)));
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }
    }
}
