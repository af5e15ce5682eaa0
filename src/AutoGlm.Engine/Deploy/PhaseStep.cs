using System.Collections.Generic;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Deploy
{
    /// <summary>
    /// A step of one phase of the host install: the planner's own step, its id prefixed with the phase
    /// ("driver/driver.install"), so plans that share step ids (the driver's and the toolkit's repository
    /// steps) compose into one plan, and the summary can account per phase.
    /// </summary>
    public sealed class PhaseStep : PlanStep
    {
        public PhaseStep(string phase, PlanStep inner)
            : base(phase + "/" + inner.Id, inner.Action, inner.Target, inner.Description)
        {
            Phase = phase;
            Inner = inner;
        }

        public string Phase { get; }
        public PlanStep Inner { get; }

        public static string PhaseOf(string stepId)
        {
            int slash = stepId.IndexOf('/');
            return slash < 0 ? "" : stepId.Substring(0, slash);
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => Inner.Commands;
        public override IReadOnlyList<PlannedFile> Files => Inner.Files;
        public override bool RequiresReboot => Inner.RequiresReboot;
        public override bool CanRollBack => Inner.CanRollBack;
        public override StepCheck Test(StepContext context) => Inner.Test(context);
        public override void Set(StepContext context) => Inner.Set(context);
        public override StepCheck Verify(StepContext context) => Inner.Verify(context);
        public override IDictionary<string, string> Capture(StepContext context) => Inner.Capture(context);
        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured) => Inner.RollBack(context, captured);
    }
}
