using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Repair;

namespace AutoGlm.Commands
{
    /// <summary>Diagnoses a GPU host after OS, kernel and driver upgrades, and repairs what it recognises.</summary>
    [Cmdlet(VerbsDiagnostic.Repair, "AutoGlmDriver", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RepairDiagnosis), typeof(ApplyResult))]
    public sealed class RepairAutoGlmDriverCommand : PlanCmdlet
    {
        private readonly List<string> _checkIds = new List<string>();
        private RepairDiagnosis? _diagnosis;
        private RepairRequest? _request;

        /// <summary>Gets or sets the deployment profile whose checks diagnose the host.</summary>
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        /// <summary>Gets or sets the failing checks to repair (Test-AutoGlmEnvironment's results bind by their Id).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ArgumentCompleter(typeof(CheckIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? CheckId { get; set; }

        /// <summary>Gets or sets whether to add the prevention steps.</summary>
        [Parameter]
        public SwitchParameter Prevent { get; set; }

        /// <summary>Gets or sets where to write a redacted support bundle (.tar.gz or .zip).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CollectBundle { get; set; }

        /// <summary>Gets or sets the Windows driver installer for reinstalling the pinned version.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? InstallerPath { get; set; }

        /// <summary>Gets or sets site matrix files merged over the shipped matrix.</summary>
        [Parameter]
        public string[]? MatrixPath { get; set; }

        protected override void ProcessRecord()
        {
            if (CheckId != null) _checkIds.AddRange(CheckId);
        }

        protected override void EndProcessing()
        {
            var output = new CmdletOutput(this);
            try
            {
                _request = new RepairRequest
                {
                    Profile = Profile,
                    CheckIds = _checkIds.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
                    Prevent = Prevent,
                    InstallerPath = InstallerPath == null ? null : GetUnresolvedProviderPathFromPSPath(InstallerPath),
                    MatrixPaths = MatrixPath == null ? null : Array.ConvertAll(MatrixPath, GetUnresolvedProviderPathFromPSPath),
                    CommandTimeout = TimeSpan.FromSeconds(Math.Min(TimeoutSec, 60)),
                };
                var system = new LiveSystem(ResolvedRoot);
                _diagnosis = RepairDiagnoser.Diagnose(_request, system, output);
                bool whatIf = IsWhatIf();
                if (CollectBundle != null && !whatIf)
                    _diagnosis.BundlePath = SupportBundle.Write(GetUnresolvedProviderPathFromPSPath(CollectBundle), _diagnosis, system, _request.CommandTimeout);
                if (!_diagnosis.AnyFixable && !Prevent)
                {
                    RepairDiagnoser.BundleIfUnfixable(_diagnosis, _request, system, whatIf);
                    WriteObject(_diagnosis);
                    if (_diagnosis.Healthy)
                    {
                        WriteVerbose(Messages.Format("RepairAutoGlmDriver_NothingToRepair"));
                        return;
                    }
                    // Not terminating: the diagnosis above is the answer, this record says why nothing is changed
                    // (-WhatIf included); -ErrorAction Stop still makes it stop a script.
                    WriteError(Errors.ToRecord(new AutoGlmException("RepairNotPossible", ErrorKind.InvalidOperation,
                        Messages.Format("RepairNotPossible", string.Join("; ", _diagnosis.Unfixable.Select(s => Messages.Format("RepairNotPossible_Cause", s.Title, s.Explanation,
                            s.Proposal != null ? Messages.Format("RepairNotPossible_Proposal", s.Proposal.Replace("\n", " ")) : ""))),
                            _diagnosis.BundlePath != null ? Messages.Format("RepairNotPossible_Bundle", _diagnosis.BundlePath) : ""), _diagnosis.SignatureList)));
                    return;
                }
                WriteObject(_diagnosis);
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
            base.EndProcessing();
        }

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output) =>
            RepairPlanner.Plan(_diagnosis!, _request!, system);

        protected override void Applied(ApplyResult result, ISystemHost system, IEngineOutput output)
        {
            if (!result.Succeeded) return;
            var after = RepairDiagnoser.Verify(_diagnosis!, _request!, system, output);
            WriteObject(after);
            if (!after.Healthy)
                WriteError(Errors.ToRecord(new AutoGlmException("RepairIncomplete", ErrorKind.InvalidData,
                    Messages.Format("RepairIncomplete", after.Summary, after.BundlePath), after.SignatureList)));
        }
    }
}
