using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Git;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Commands
{
    /// <summary>Moves a checkout to its repository's new URL (a renamed organisation, a moved or renamed repository), verified and reversible.</summary>
    [Cmdlet(VerbsData.Update, "AutoGlmRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ApplyResult))]
    public sealed class UpdateAutoGlmRepositoryCommand : PlanCmdlet
    {
        /// <summary>Gets or sets the checkout's directory.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Gets or sets the new URL; without it, the profile's repository decides.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? To { get; set; }

        /// <summary>Gets or sets the commit, tag or branch of the new remote to check out.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Ref { get; set; }

        /// <summary>Gets or sets the remote to migrate (default: the branch's remote, else origin).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Remote { get; set; }

        /// <summary>Gets or sets the profile whose repository (url, movedFrom) names the known moves.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        /// <summary>Gets or sets site matrix files merged over the shipped matrix.</summary>
        [Parameter]
        public string[]? MatrixPath { get; set; }

        /// <summary>Gets or sets whether file:// URLs and absolute paths (local mirrors) are accepted.</summary>
        [Parameter]
        public SwitchParameter AllowLocal { get; set; }

        /// <summary>Gets or sets whether to switch even when the new history does not contain the current one.</summary>
        [Parameter]
        public SwitchParameter AcceptRewrittenHistory { get; set; }

        // One migration per checkout: paths piped in by property name (Get-ChildItem | Update-AutoGlmRepository) each
        // get their own plan, confirmation and result.
        protected override void ProcessRecord() => RunSession(perInput: true);

        protected override void EndProcessing() { }

        protected override bool IsAboutOneInput(AutoGlmException ex) => RepositoryMigrator.IsAboutOneCheckout(ex);

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output)
        {
            RepositorySpec? profile = null;
            if (To == null)
                profile = MatrixLoader.LoadProfile(Profile, MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList()).Profile.Repository;
            var path = Root == null ? GetUnresolvedProviderPathFromPSPath(Path) : Path!;
            return RepositoryMigrator.Plan(system, new MigrationRequest
            {
                Path = path,
                To = To,
                Ref = Ref,
                Remote = Remote,
                AllowLocal = AllowLocal,
                AcceptRewrittenHistory = AcceptRewrittenHistory,
                Profile = profile,
            }, output).Plan;
        }
    }
}
