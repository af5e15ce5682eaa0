using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Repair;
using AutoGlm.Engine.Resolve;
using AutoGlm.Engine.Services;

namespace AutoGlm.Engine.Reports
{
    /// <summary>
    /// Every plain-text rendering, in one place: what the CLI prints and what the cmdlets show in -WhatIf lines.
    /// (PowerShell renders objects through its format views; these are for text.)
    /// </summary>
    public static class TextRender
    {
        /// <summary>The plan as --what-if prints it: every step, its state, its files (diffs where known), commands and reboots.</summary>
        public static string Preview(PlanPreview p)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"Plan {p.Plan}: {p.Title} ({p.Host})");
            sb.AppendLine(p.ChangeCount == 0
                ? $"All {p.Steps.Count} steps are already in the desired state."
                : $"{p.ChangeCount} of {p.Steps.Count} steps to change{(p.RebootExpected ? "; a reboot is expected" : "")}.");
            int idWidth = p.Steps.Select(s => s.Id.Length).DefaultIfEmpty(0).Max();
            foreach (var s in p.Steps)
            {
                sb.AppendLine($"  {s.Number,2}. {s.Status,-7} {s.Id.PadRight(idWidth)}  {s.Action} {s.Target}");
                const string pad = "              ";
                sb.AppendLine(pad + s.Description);
                if (s.Status == "ok") { sb.AppendLine(pad + "already: " + s.Detail); continue; }
                if (s.Detail.Length > 0) sb.AppendLine(pad + "now: " + s.Detail);
                foreach (var f in s.Files)
                {
                    sb.AppendLine($"{pad}file {f.Path}{(f.Mode.HasValue ? ", mode " + f.ModeText : "")}:");
                    var body = !f.Sensitive && s.Diffs.TryGetValue(f.Path, out var diff) ? diff : f.ShownContent;
                    foreach (var line in body.TrimEnd('\n').Split('\n')) sb.AppendLine(pad + "  | " + line);
                }
                foreach (var c in s.CommandLines) sb.AppendLine(pad + "run: " + c);
                if (s.Reboot) sb.AppendLine(pad + "reboot: the run stops here until the host has rebooted");
            }
            foreach (var n in p.Notes) sb.AppendLine("note: " + n);
            return sb.ToString();
        }

        /// <summary>A finished run: its status, each step's outcome, and the closing message.</summary>
        public static string Result(ApplyResult r)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"{r.Plan}: {r.Status}{(r.Resumed ? " (resumed)" : "")} in {r.Seconds:0.0} s");
            foreach (var s in r.Steps)
                sb.AppendLine($"  {s.Number,2}. {s.Outcome,-15} {s.Id}{(s.Detail.Length > 0 ? ": " + s.Detail.Split('\n')[0] : "")}");
            sb.AppendLine(r.Message);
            return sb.ToString();
        }

        /// <summary>One step that would change, as a -WhatIf line: what, the files it writes, the commands it runs.</summary>
        public static string WhatIfStep(PlannedStep step)
        {
            var lines = new List<string> { $"[{step.Id}] {step.Description}" };
            foreach (var f in step.Files)
            {
                lines.Add($"write {f.Path}{(f.Mode.HasValue ? " (mode " + f.ModeText + ")" : "")}:");
                var body = !f.Sensitive && step.Diffs.TryGetValue(f.Path, out var diff) ? diff : f.ShownContent;
                lines.AddRange(body.TrimEnd('\n').Split('\n').Select(l => "  | " + l));
            }
            lines.AddRange(step.CommandLines.Select(c => "run: " + c));
            if (step.Reboot) lines.Add("then reboot (the run stops until the host has rebooted; -Reboot lets it reboot and continue)");
            return string.Join(Environment.NewLine, lines);
        }

        /// <summary>A repair diagnosis: each cause with its evidence, checks and proposal.</summary>
        public static string Diagnosis(RepairDiagnosis d)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"Diagnosis ({d.Profile}, {d.Host}): {d.Summary}");
            foreach (var s in d.Signatures)
            {
                sb.AppendLine($"  {s.Id}: {s.Title}{(s.Fixable ? "" : " [not fixed automatically]")}{(s.RebootRequired ? " [reboot required]" : "")}");
                sb.AppendLine("      " + s.Explanation);
                foreach (var e in s.Evidence) sb.AppendLine("      evidence: " + e);
                foreach (var c in s.Checks) sb.AppendLine($"      check {c.Id}: {c.Status.ToString().ToLowerInvariant()} - {c.Message.Split('\n')[0]}");
                if (s.Proposal != null) foreach (var line in s.Proposal.Split('\n')) sb.AppendLine("      proposal: " + line);
            }
            if (d.BundlePath != null) sb.AppendLine("Support bundle: " + d.BundlePath);
            return sb.ToString();
        }

        /// <summary>A resolved stack (with --explain, the reasons).</summary>
        public static string Stack(ResolvedStack s, bool explain)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"profile {s.Profile}: {(s.Resolved ? "resolved" : "no stack fits")}");
            if (s.Resolved)
            {
                if (s.Driver != null)
                {
                    var d = s.Driver;
                    sb.AppendLine($"  driver   R{d.Branch} {d.Flavor}, minimum {d.Minimum}{(d.MinimumWithMinorVersionCompatibility != null ? $" ({d.MinimumWithMinorVersionCompatibility} with minor-version compatibility)" : "")}; {d.Action}{(d.Installed != null ? $" (installed {d.Installed})" : "")}");
                    if (d.Package != null) sb.AppendLine($"           package {d.Package}, pinned by {d.Pin}");
                }
                if (s.Cuda != null) sb.AppendLine($"  cuda     {s.Cuda} ({s.CudaTag})");
                if (s.Python != null) sb.AppendLine($"  python   {s.Python.Version}{(s.Python.Installed != null ? $" (installed {s.Python.Installed})" : " (to install)")}");
                foreach (var p in s.Packages)
                    sb.AppendLine($"  package  {p.Name}=={p.Version}{(p.Stage == "override" ? " (after the framework)" : "")}{(p.Index != null ? $" from {p.Index}" : "")}");
                foreach (var u in s.IndexUrls) sb.AppendLine($"  index    {u}");
            }
            foreach (var c in s.Conflicts) sb.AppendLine("  conflict: " + c);
            foreach (var w in s.Warnings) sb.AppendLine("  warning: " + w);
            if (explain)
            {
                sb.AppendLine("why:");
                foreach (var e in s.Explanation) sb.AppendLine("  - " + e);
            }
            return sb.ToString();
        }

        /// <summary>A service's state: unit, enabled, active, port, health probe.</summary>
        public static string Service(ServiceStatus s)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"{s.Unit}: {(s.Healthy ? "healthy" : "not healthy")}");
            sb.AppendLine($"  unit file  {(s.UnitFilePresent ? s.UnitPath : "absent (" + s.UnitPath + ")")}");
            sb.AppendLine($"  enabled    {s.Enabled}");
            sb.AppendLine($"  active     {s.Active}");
            sb.AppendLine($"  port       {(s.Port?.ToString() ?? "-")}{(s.Port != null ? (s.Listening ? " (listening)" : " (not listening)") : "")}");
            sb.AppendLine($"  probe      {s.Detail}");
            return sb.ToString();
        }

        /// <summary>The readable checklist: status first, grouped by category, remediation under failures.</summary>
        public static string Checks(TestRun run, string? snapshot)
        {
            var sb = new System.Text.StringBuilder();
            var where = snapshot != null ? $"snapshot {snapshot}" : run.Host.Root == "/" ? "this host" : $"root {run.Host.Root}";
            sb.AppendLine($"AutoGlm {AutoGlm.Engine.EngineInfo.Version} - profile {run.Profile.Id} - {where}");
            string? category = null;
            foreach (var r in run.Results)
            {
                if (r.Category != category)
                {
                    category = r.Category;
                    sb.AppendLine();
                    sb.AppendLine(category.ToUpperInvariant());
                }
                sb.AppendLine($"  {Tag(r.Status)} {r.Id,-26} {r.Message}");
                if (r.Remediation.Length > 0 && (r.Status == CheckStatus.Fail || r.Status == CheckStatus.Warn))
                    foreach (var line in r.Remediation.Split('\n')) sb.AppendLine($"         {"",-26} fix: {line}");
            }
            sb.AppendLine();
            var counts = Enum.GetValues(typeof(CheckStatus)).Cast<CheckStatus>()
                .Select(s => (s, n: run.Results.Count(r => r.Status == s))).Where(x => x.n > 0)
                .Select(x => $"{x.n} {x.s.ToString().ToLowerInvariant()}");
            sb.AppendLine($"{run.Results.Count} checks: {string.Join(", ", counts)}");
            return sb.ToString();
        }

        private static string Tag(CheckStatus s) => s switch
        {
            CheckStatus.Pass => "[PASS]",
            CheckStatus.Warn => "[WARN]",
            CheckStatus.Fail => "[FAIL]",
            CheckStatus.Skip => "[SKIP]",
            _ => "[ ?? ]",
        };
    }
}
