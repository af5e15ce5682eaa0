using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Repair;
using AutoGlm.Engine.Workflows;

namespace AutoGlm.Commands
{
    /// <summary>Diagnoses a GPU host after OS, kernel and driver upgrades, and repairs what it recognises.</summary>
    [Cmdlet(VerbsDiagnostic.Repair, "AutoGlmDriver", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RepairDiagnosis), typeof(ApplyResult))]
    public sealed class RepairAutoGlmDriverCommand : PlanCmdlet
    {
        private readonly List<string> _checkIds = new List<string>();
        private RepairWorkflow? _repair;

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
                var request = new RepairRequest
                {
                    Profile = Profile,
                    CheckIds = _checkIds.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
                    Prevent = Prevent,
                    InstallerPath = InstallerPath == null ? null : GetUnresolvedProviderPathFromPSPath(InstallerPath),
                    MatrixPaths = MatrixPath == null ? null : Array.ConvertAll(MatrixPath, GetUnresolvedProviderPathFromPSPath),
                    CommandTimeout = TimeSpan.FromSeconds(Math.Min(TimeoutSec, 60)),
                };
                _repair = RepairWorkflow.Diagnose(request, new LiveSystem(ResolvedRoot), output, IsWhatIf(),
                    CollectBundle == null ? null : GetUnresolvedProviderPathFromPSPath(CollectBundle));
                WriteObject(_repair.Diagnosis);
                switch (_repair.Verdict)
                {
                    case RepairVerdict.NothingToRepair:
                        WriteVerbose(Messages.Format("RepairAutoGlmDriver_NothingToRepair"));
                        return;
                    case RepairVerdict.NotPossible:
                        // Not terminating: the diagnosis above is the answer, this record says why nothing is changed
                        // (-WhatIf included); -ErrorAction Stop still makes it stop a script.
                        WriteError(Errors.ToRecord(_repair.NotPossible()));
                        return;
                }
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
            base.EndProcessing();
        }

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output) => _repair!.Plan(system);

        protected override void Applied(ApplyResult result, ISystemHost system, IEngineOutput output)
        {
            if (!result.Succeeded) return;
            var after = _repair!.Verify(system, output);
            WriteObject(after);
            if (!after.Healthy) WriteError(Errors.ToRecord(RepairWorkflow.Incomplete(after)));
        }
    }
}
