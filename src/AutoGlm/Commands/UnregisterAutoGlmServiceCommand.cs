using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Services;

namespace AutoGlm.Commands
{
    /// <summary>Stops, disables and removes a registered model server (unit and secrets file); keeps the account and the model cache.</summary>
    [Cmdlet(VerbsLifecycle.Unregister, "AutoGlmService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ApplyResult))]
    public sealed class UnregisterAutoGlmServiceCommand : PlanCmdlet
    {
        /// <summary>The service name; default autoglm-PROFILE.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        /// <summary>Gets or sets site matrix files merged over the shipped matrix (where a site-only profile is defined).</summary>
        [Parameter]
        public string[]? MatrixPath { get; set; }

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output) =>
            ServicePlanner.Unregister(Name ?? ServiceInput.DefaultName(MatrixLoader.LoadProfile(Profile, MatrixPath == null ? null : System.Array.ConvertAll(MatrixPath, GetUnresolvedProviderPathFromPSPath)).Profile.Id), system, IsWhatIf());
    }
}
