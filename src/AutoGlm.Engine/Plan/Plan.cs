using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Plan
{
    /// <summary>Ordered steps towards one desired state. Built by a planner; run by <see cref="PlanExecutor"/>.</summary>
    public sealed class ChangePlan
    {
        public ChangePlan(string name, string title, IEnumerable<PlanStep> steps, IEnumerable<string>? notes = null)
        {
            Name = name;
            Title = title;
            Steps = steps.ToList();
            Notes = (notes ?? Enumerable.Empty<string>()).ToList();
            var duplicate = Steps.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate != null) throw new ArgumentException($"plan '{name}' has two steps with id '{duplicate.Key}'");
        }

        /// <summary>Names the journal ("install-driver"); one unfinished run per name.</summary>
        public string Name { get; }
        /// <summary>What it achieves, for people ("NVIDIA driver 570.195.03 (open), pinned").</summary>
        public string Title { get; }
        public IReadOnlyList<PlanStep> Steps { get; }
        /// <summary>What the planner decided and why (warnings, choices), shown with the plan.</summary>
        public IReadOnlyList<string> Notes { get; }
        /// <summary>
        /// Runs after an apply that finished (converged or changed), still under the host lock; never in a preview
        /// or -WhatIf. For what a later run may reuse (the venv planner's matrix cache), not for changes to report.
        /// </summary>
        public Action<StepContext>? Completed { get; set; }
    }

    /// <summary>A step as -WhatIf shows it: what it would do, and whether it is needed.</summary>
    public sealed class PlannedStep
    {
        public int Number { get; set; }
        public string Id { get; set; } = "";
        public string Action { get; set; } = "";
        public string Target { get; set; } = "";
        public string Description { get; set; } = "";
        /// <summary>change, ok (already in the desired state) or unknown (the test could not tell).</summary>
        public string Status { get; set; } = "";
        public string Detail { get; set; } = "";
        public IReadOnlyList<IReadOnlyList<string>> Commands { get; set; } = Array.Empty<IReadOnlyList<string>>();
        public IReadOnlyList<PlannedFile> Files { get; set; } = Array.Empty<PlannedFile>();
        /// <summary>For files that exist with other content: a unified diff, current to planned.</summary>
        public IReadOnlyDictionary<string, string> Diffs { get; set; } = new Dictionary<string, string>();
        public bool Reboot { get; set; }
        public bool CanRollBack { get; set; }

        public IEnumerable<string> CommandLines => Commands.Select(ArgvText.Join);

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["number"] = Number,
            ["id"] = Id,
            ["action"] = Action,
            ["target"] = Target,
            ["description"] = Description,
            ["status"] = Status,
            ["detail"] = Detail,
            ["commands"] = Commands.Select(c => c.ToList()).ToList(),
            ["files"] = Files.Select(f => new Dictionary<string, object?>
            {
                ["path"] = f.Path,
                ["mode"] = f.Mode.HasValue ? f.ModeText : null,
                ["content"] = f.ShownContent,
                ["diff"] = !f.Sensitive && Diffs.TryGetValue(f.Path, out var d) ? d : null,
            }).ToList(),
            ["reboot"] = Reboot,
            ["rollback"] = CanRollBack,
        };
    }

    /// <summary>The whole plan with each step's current state: what -WhatIf returns and prints.</summary>
    public sealed class PlanPreview
    {
        public string Plan { get; set; } = "";
        public string Title { get; set; } = "";
        public string Host { get; set; } = "";
        public List<PlannedStep> Steps { get; } = new List<PlannedStep>();
        public List<string> Notes { get; } = new List<string>();
        public int ChangeCount => Steps.Count(s => s.Status != "ok");
        public bool RebootExpected => Steps.Any(s => s.Reboot && s.Status != "ok");

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["plan"] = Plan,
            ["title"] = Title,
            ["host"] = Host,
            ["changes"] = ChangeCount,
            ["reboot"] = RebootExpected,
            ["notes"] = Notes,
            ["steps"] = Steps.Select(s => s.ToJson()).ToList(),
        };
    }
}
