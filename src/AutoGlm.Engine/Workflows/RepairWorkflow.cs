using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Repair;

namespace AutoGlm.Engine.Workflows
{
    /// <summary>What the diagnosis leaves for the repair to do.</summary>
    public enum RepairVerdict
    {
        /// <summary>The driver checks pass and no prevention was asked: nothing to plan.</summary>
        NothingToRepair,
        /// <summary>Only causes the repair does not fix: nothing is planned; <see cref="RepairWorkflow.NotPossible"/> says why.</summary>
        NotPossible,
        /// <summary>A plan can be built (fixes, or prevention steps).</summary>
        Plannable,
    }

    /// <summary>
    /// Repair-AutoGlmDriver / `autoglm repair-driver`, for both faces: diagnose with the checks, bundle when asked or
    /// when a cause is not fixable, plan the fixes, then (after the plan session) verify with the same checks.
    /// </summary>
    public sealed class RepairWorkflow
    {
        private RepairWorkflow(RepairRequest request, RepairDiagnosis diagnosis, RepairVerdict verdict)
        {
            Request = request;
            Diagnosis = diagnosis;
            Verdict = verdict;
        }

        public RepairRequest Request { get; }
        public RepairDiagnosis Diagnosis { get; }
        public RepairVerdict Verdict { get; }

        /// <param name="bundlePath">Where to write a support bundle on request (--collect-bundle); never under a dry run.</param>
        public static RepairWorkflow Diagnose(RepairRequest request, ISystemHost system, IEngineOutput output, bool whatIf, string? bundlePath)
        {
            var diagnosis = RepairDiagnoser.Diagnose(request, system, output);
            if (bundlePath != null && !whatIf)
                diagnosis.BundlePath = SupportBundle.Write(bundlePath, diagnosis, system, request.CommandTimeout);
            RepairVerdict verdict;
            if (diagnosis.AnyFixable || request.Prevent) verdict = RepairVerdict.Plannable;
            else if (diagnosis.Healthy) verdict = RepairVerdict.NothingToRepair;
            else
            {
                RepairDiagnoser.BundleIfUnfixable(diagnosis, request, system, whatIf);
                verdict = RepairVerdict.NotPossible;
            }
            return new RepairWorkflow(request, diagnosis, verdict);
        }

        /// <summary>Why nothing is repaired (RepairNotPossible): each cause with its explanation and proposal, and the bundle.</summary>
        public AutoGlmException NotPossible() =>
            new AutoGlmException("RepairNotPossible", ErrorKind.InvalidOperation,
                Messages.Format("RepairNotPossible", string.Join("; ", Diagnosis.Unfixable.Select(s => Messages.Format("RepairNotPossible_Cause", s.Title, s.Explanation,
                    s.Proposal != null ? Messages.Format("RepairNotPossible_Proposal", s.Proposal.Replace("\n", " ")) : ""))),
                    Diagnosis.BundlePath != null ? Messages.Format("RepairNotPossible_Bundle", Diagnosis.BundlePath) : ""), Diagnosis.SignatureList);

        public ChangePlan Plan(ISystemHost system) => RepairPlanner.Plan(Diagnosis, Request, system);

        /// <summary>The same checks after an applied plan; when they still fail, a bundle (the one from before, else a new one).</summary>
        public RepairDiagnosis Verify(ISystemHost system, IEngineOutput output) => RepairDiagnoser.Verify(Diagnosis, Request, system, output);

        /// <summary>Why a repair that ran did not make the checks pass (RepairIncomplete).</summary>
        public static AutoGlmException Incomplete(RepairDiagnosis after) =>
            new AutoGlmException("RepairIncomplete", ErrorKind.InvalidData, Messages.Format("RepairIncomplete", after.Summary, after.BundlePath), after.SignatureList);
    }
}
