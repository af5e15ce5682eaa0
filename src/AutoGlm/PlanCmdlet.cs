using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Reports;
using AutoGlm.Engine.Workflows;

namespace AutoGlm
{
    /// <summary>
    /// The shape every state-changing cmdlet shares: build a plan in the engine, show it under -WhatIf
    /// (one "What if" line per step that would change, with its files and commands), confirm it once
    /// (ConfirmImpact High; -Force or -Confirm:$false skip the prompt), apply it with progress, and
    /// return the <see cref="ApplyResult"/>. A failed step is a terminating error after the result.
    /// </summary>
    public abstract class PlanCmdlet : PSCmdlet
    {
        /// <summary>Gets or sets whether to continue the run that was interrupted or stopped for a reboot.</summary>
        [Parameter]
        public SwitchParameter Resume { get; set; }

        /// <summary>Gets or sets whether the host may reboot when a step needs it (the run continues by itself after).</summary>
        [Parameter]
        public SwitchParameter Reboot { get; set; }

        /// <summary>Gets or sets whether to apply without asking for confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Gets or sets the directory that stands for '/', for an image or a test root.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Root { get; set; }

        /// <summary>Gets or sets how long to wait for another AutoGlm run to release the host lock.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int LockTimeoutSec { get; set; } = 300;

        /// <summary>Gets or sets how long any one command may run.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 1800;

        /// <summary>Builds the plan. Throw <see cref="AutoGlmException"/> for bad input: nothing has changed yet.</summary>
        protected abstract ChangePlan BuildPlan(ISystemHost system, IEngineOutput output);

        /// <summary>Runs after the result is written, before a failure becomes an error (a re-check after a repair).</summary>
        protected virtual void Applied(ApplyResult result, ISystemHost system, IEngineOutput output) { }

        /// <summary>What the cmdlet writes for a finished run; the <see cref="ApplyResult"/> unless a cmdlet summarizes it.</summary>
        protected virtual object Report(ApplyResult result) => result;

        /// <summary>The engine's output for the apply (a cmdlet may report progress per phase instead of per step).</summary>
        protected virtual IEngineOutput ApplyOutput(IEngineOutput output) => output;

        /// <summary>Values to mask in everything the run logs or reports (API keys, tokens).</summary>
        protected virtual IEnumerable<string> Secrets => Array.Empty<string>();

        /// <summary>
        /// The command line that continues this run after a reboot: the user's own parameters (-Reboot only when
        /// given) with -Resume; the engine masks credentials before it is journaled (PlanExecutor.SafeContinuation).
        /// </summary>
        protected virtual IReadOnlyList<string> Continuation()
        {
            var parameters = MyInvocation.BoundParameters
                .Where(kv => kv.Key != nameof(Resume) && kv.Key != nameof(Force) && kv.Key != "Confirm" && kv.Key != "WhatIf")
                .Where(kv => !(kv.Value is SwitchParameter off && !off.IsPresent))
                // Hashtables carry environment values that may be secrets: they never go into the journal.
                .Where(kv => !(kv.Value is System.Collections.IDictionary))
                .Select(kv => kv.Value is SwitchParameter ? $"-{kv.Key}" : $"-{kv.Key} {Quote(kv.Value)}");
            var command = $"Import-Module AutoGlm; {MyInvocation.MyCommand.Name} {string.Join(" ", parameters)} -Resume -Confirm:$false";
            var shell = PSVersionTable() >= 6 ? "pwsh" : "powershell.exe";
            return new[] { shell, "-NoProfile", "-NonInteractive", "-Command", command };
        }

        // PowerShell literals: single-quoted strings, arrays as comma lists (-MatrixPath 'a','b').
        private static string Quote(object? value) =>
            value is System.Collections.IEnumerable list && !(value is string)
                ? string.Join(",", list.Cast<object?>().Select(Quote))
                : "'" + (Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "").Replace("'", "''") + "'";

        private int PSVersionTable()
        {
            var table = SessionState.PSVariable.GetValue("PSVersionTable") as System.Collections.Hashtable;
            return table?["PSVersion"] is Version v ? v.Major : 5;
        }

        protected string ResolvedRoot => Root == null ? "/" : GetUnresolvedProviderPathFromPSPath(Root);

        protected override void EndProcessing() => RunSession(perInput: false);

        /// <summary>Whether a failure is about the one input record at hand (the engine decides; see <see cref="RunSession"/>).</summary>
        protected virtual bool IsAboutOneInput(AutoGlmException ex) => false;

        /// <summary>
        /// One whole session: build, preview, confirm, apply. A cmdlet whose input comes from the pipeline runs one
        /// per input record (<paramref name="perInput"/>); then a failed step, or a failure about that input, is a
        /// non-terminating error, so that one bad input does not stop the others (-ErrorAction Stop still stops
        /// there). Bad parameters stop the command: no input can succeed with them.
        /// </summary>
        protected void RunSession(bool perInput)
        {
            var output = new CmdletOutput(this);
            try
            {
                var system = new LiveSystem(ResolvedRoot);
                var plan = BuildPlan(system, output);
                var options = new SessionOptions
                {
                    Command = MyInvocation.MyCommand.Name,
                    Force = Force,
                    Resume = Resume,
                    Reboot = Reboot,
                    LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec),
                    CommandTimeout = TimeSpan.FromSeconds(TimeoutSec),
                    Continuation = Continuation(),
                    Secrets = Secrets,
                };
                var outcome = PlanSession.Run(plan, system, options, new CmdletFace(this), output, ApplyOutput(output));
                if (outcome.End != SessionEnd.Applied) return;
                var result = outcome.Result!;
                WriteObject(Report(result));
                Applied(result, system, output);
                if (result.Failed)
                    Fail(new ErrorRecord(new InvalidOperationException(result.Message), "PlanStepFailed", ErrorCategory.InvalidResult, result.FailedStep), perInput);
            }
            catch (AutoGlmException ex)
            {
                Fail(Errors.ToRecord(ex), perInput && IsAboutOneInput(ex));
            }
        }

        /// <summary>The cmdlet's side of a session: -WhatIf and the confirmation both go through ShouldProcess.</summary>
        private sealed class CmdletFace : ISessionFace
        {
            private readonly PlanCmdlet _cmdlet;

            public CmdletFace(PlanCmdlet cmdlet) { _cmdlet = cmdlet; }

            public bool WhatIf => _cmdlet.IsWhatIf();

            public void Previewed(PlanPreview preview)
            {
                foreach (var note in preview.Notes) _cmdlet.WriteVerbose(note);
            }

            public void ShowPreview(PlanPreview preview)
            {
                foreach (var step in preview.Steps.Where(s => s.Status != "ok"))
                    _cmdlet.ShouldProcess(step.Target, TextRender.WhatIfStep(step));
            }

            public bool Confirm(ChangePlan plan, PlanPreview preview) =>
                _cmdlet.ShouldProcess(plan.Title, Messages.Format("PlanCmdlet_Confirm", plan.Name, preview.ChangeCount, preview.Steps.Count,
                    preview.RebootExpected ? Messages.Format("PlanCmdlet_ConfirmReboot") : ""));
        }

        private void Fail(ErrorRecord record, bool perInput)
        {
            if (perInput) WriteError(record);
            else ThrowTerminatingError(record);
        }

        protected bool IsWhatIf() =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? ((SwitchParameter)w).IsPresent
                : SessionState.PSVariable.GetValue("WhatIfPreference") is SwitchParameter s ? s.IsPresent
                : SessionState.PSVariable.GetValue("WhatIfPreference") is bool b && b;
    }
}
