using System;
using System.Collections.Generic;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Workflows
{
    /// <summary>
    /// What a face supplies to a plan session: whether this is a dry run, how to show that dry run, and how to ask
    /// before changing the host. The cmdlet answers with ShouldProcess; the CLI with --what-if, a prompt on a
    /// terminal, and --force.
    /// </summary>
    public interface ISessionFace
    {
        bool WhatIf { get; }

        /// <summary>Called once the plan is previewed, before a dry run stops or anything is asked (the cmdlet writes the plan's notes as verbose).</summary>
        void Previewed(PlanPreview preview);

        /// <summary>Shows the plan under -WhatIf / --what-if; nothing is changed after it.</summary>
        void ShowPreview(PlanPreview preview);

        /// <summary>Asks before applying <paramref name="preview"/>'s changes; false stops the session with nothing changed.</summary>
        bool Confirm(ChangePlan plan, PlanPreview preview);
    }

    /// <summary>The options every state-changing verb takes, from either face.</summary>
    public sealed class SessionOptions
    {
        /// <summary>The command as the user knows it ("Install-AutoGlmHost", "autoglm install"): named when privileges are missing.</summary>
        public string Command { get; set; } = "autoglm";
        public bool Force { get; set; }
        public bool Resume { get; set; }
        public bool Reboot { get; set; }
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(300);
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(1800);
        /// <summary>The command line that continues the run after a reboot (the face knows its own syntax).</summary>
        public IReadOnlyList<string> Continuation { get; set; } = Array.Empty<string>();
        /// <summary>Values masked in everything the run logs or reports.</summary>
        public IEnumerable<string> Secrets { get; set; } = Array.Empty<string>();
    }

    /// <summary>How a session ended.</summary>
    public enum SessionEnd
    {
        /// <summary>Dry run: the preview was shown, nothing changed.</summary>
        Previewed,
        /// <summary>The user said no (or could not be asked): nothing changed.</summary>
        Declined,
        /// <summary>The plan ran; see <see cref="SessionOutcome.Result"/>.</summary>
        Applied,
    }

    public sealed class SessionOutcome
    {
        internal SessionOutcome(SessionEnd end, PlanPreview preview, ApplyResult? result)
        {
            End = end;
            Preview = preview;
            Result = result;
        }

        public SessionEnd End { get; }
        public PlanPreview Preview { get; }
        /// <summary>The finished run; null unless <see cref="End"/> is Applied.</summary>
        public ApplyResult? Result { get; }
    }

    /// <summary>
    /// One plan session, the same for every verb and both faces: preview → (dry run stops here) → privileges →
    /// confirm when something would change (unless forced or resuming) → apply under the host lock.
    /// </summary>
    public static class PlanSession
    {
        public static SessionOutcome Run(ChangePlan plan, ISystemHost system, SessionOptions options, ISessionFace face,
            IEngineOutput output, IEngineOutput? applyOutput = null)
        {
            var preview = PlanExecutor.Preview(plan, system, output, options.CommandTimeout);
            Diagnostics.PhaseTrace.Mark("previewed");
            face.Previewed(preview);
            if (face.WhatIf)
            {
                face.ShowPreview(preview);
                return new SessionOutcome(SessionEnd.Previewed, preview, null);
            }
            Privileges.EnsureAdministrator(system, options.Command);
            if (preview.ChangeCount > 0 && !options.Force && !options.Resume && !face.Confirm(plan, preview))
                return new SessionOutcome(SessionEnd.Declined, preview, null);
            var apply = new ApplyOptions
            {
                Resume = options.Resume,
                Reboot = options.Reboot,
                LockTimeout = options.LockTimeout,
                CommandTimeout = options.CommandTimeout,
                Continuation = options.Continuation,
            };
            foreach (var secret in options.Secrets) apply.Secrets.Add(secret);
            var result = PlanExecutor.Apply(plan, system, apply, applyOutput ?? output);
            Diagnostics.PhaseTrace.Mark("applied");
            return new SessionOutcome(SessionEnd.Applied, preview, result);
        }
    }
}
