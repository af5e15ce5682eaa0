using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace AutoGlm.Engine.Deploy
{
    /// <summary>One phase of an install run: its verdict, step counts and elapsed time.</summary>
    public sealed class PhaseSummary
    {
        public string Name { get; set; } = "";
        /// <summary>passed (preflight), unchanged, changed, reboot-pending, failed, rolled-back, rollback-failed, not-run.</summary>
        public string Status { get; set; } = "";
        public int Steps { get; set; }
        public int Changed { get; set; }
        public int Unchanged { get; set; }
        public double Seconds { get; set; }

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["name"] = Name, ["status"] = Status, ["steps"] = Steps, ["changed"] = Changed, ["unchanged"] = Unchanged, ["seconds"] = Seconds,
        };

        public static PhaseSummary FromJson(IDictionary<string, object?> j) => new PhaseSummary
        {
            Name = InstallSummary.Text(j, "name"), Status = InstallSummary.Text(j, "status"), Steps = (int)InstallSummary.Number(j, "steps"),
            Changed = (int)InstallSummary.Number(j, "changed"), Unchanged = (int)InstallSummary.Number(j, "unchanged"), Seconds = InstallSummary.Number(j, "seconds"),
        };
    }

    /// <summary>
    /// What Install-AutoGlmHost returns and `autoglm install --format json` prints: plain data (strings,
    /// numbers, lists of them), so it survives JSON and PowerShell remoting serialization unchanged.
    /// </summary>
    public sealed class InstallSummary
    {
        public string Profile { get; set; } = "";
        public string Plan { get; set; } = "";
        public string Title { get; set; } = "";
        /// <summary>converged (nothing changed), changed, reboot-required, reboot-scheduled, failed, rolled-back.</summary>
        public string Status { get; set; } = "";
        public string Message { get; set; } = "";
        public bool Resumed { get; set; }
        public bool Succeeded => Status == "converged" || Status == "changed";
        /// <summary>For Ansible's changed=: the run changed the host.</summary>
        public bool HostChanged => Changed.Count > 0;
        public string? FailedStep { get; set; }
        public string JournalPath { get; set; } = "";
        public string ConfigPath { get; set; } = "";
        public int? Port { get; set; }
        public double Seconds { get; set; }
        public List<PhaseSummary> Phases { get; } = new List<PhaseSummary>();
        /// <summary>"phase/step: detail" for each step this run changed.</summary>
        public List<string> Changed { get; } = new List<string>();
        public List<string> AlreadyRight { get; } = new List<string>();
        /// <summary>What a person must do: the plan cannot (firmware, MOK at the console, a failure's cause).</summary>
        public List<string> NeedsHuman { get; } = new List<string>();
        public List<string> RolledBack { get; } = new List<string>();
        public List<string> NotRolledBack { get; } = new List<string>();

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["profile"] = Profile,
            ["plan"] = Plan,
            ["title"] = Title,
            ["status"] = Status,
            ["succeeded"] = Succeeded,
            ["changed"] = HostChanged,
            ["message"] = Message,
            ["resumed"] = Resumed,
            ["failedStep"] = FailedStep,
            ["journal"] = JournalPath,
            ["config"] = ConfigPath,
            ["port"] = Port,
            ["seconds"] = Seconds,
            ["phases"] = Phases.Select(p => (object?)p.ToJson()).ToList(),
            ["changedSteps"] = Changed.Cast<object?>().ToList(),
            ["alreadyRight"] = AlreadyRight.Cast<object?>().ToList(),
            ["needsHuman"] = NeedsHuman.Cast<object?>().ToList(),
            ["rolledBack"] = RolledBack.Cast<object?>().ToList(),
            ["notRolledBack"] = NotRolledBack.Cast<object?>().ToList(),
        };

        public static InstallSummary FromJson(IDictionary<string, object?> j)
        {
            var s = new InstallSummary
            {
                Profile = Text(j, "profile"), Plan = Text(j, "plan"), Title = Text(j, "title"), Status = Text(j, "status"), Message = Text(j, "message"),
                Resumed = j.TryGetValue("resumed", out var r) && r is bool b && b, FailedStep = j.TryGetValue("failedStep", out var f) ? f as string : null,
                JournalPath = Text(j, "journal"), ConfigPath = Text(j, "config"), Seconds = Number(j, "seconds"),
                Port = j.TryGetValue("port", out var p) && p != null ? (int?)Convert.ToInt32(p, CultureInfo.InvariantCulture) : null,
            };
            if (j.TryGetValue("phases", out var ph) && ph is IList<object?> phases)
                s.Phases.AddRange(phases.OfType<IDictionary<string, object?>>().Select(PhaseSummary.FromJson));
            s.Changed.AddRange(Strings(j, "changedSteps"));
            s.AlreadyRight.AddRange(Strings(j, "alreadyRight"));
            s.NeedsHuman.AddRange(Strings(j, "needsHuman"));
            s.RolledBack.AddRange(Strings(j, "rolledBack"));
            s.NotRolledBack.AddRange(Strings(j, "notRolledBack"));
            return s;
        }

        internal static string Text(IDictionary<string, object?> j, string key) => j.TryGetValue(key, out var v) && v is string s ? s : "";
        internal static double Number(IDictionary<string, object?> j, string key) => j.TryGetValue(key, out var v) && v != null ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : 0;
        private static IEnumerable<string> Strings(IDictionary<string, object?> j, string key) =>
            j.TryGetValue(key, out var v) && v is IList<object?> list ? list.OfType<string>() : Enumerable.Empty<string>();

        /// <summary>For people: status, per phase time, then the lists.</summary>
        public string Render()
        {
            var sb = new System.Text.StringBuilder();
            sb.AppendLine($"{Plan}: {Status}{(Resumed ? " (resumed)" : "")} in {Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s - {Title}");
            foreach (var p in Phases)
                sb.AppendLine($"  {p.Name,-11} {p.Status,-15} {p.Seconds.ToString("0.0", CultureInfo.InvariantCulture),6} s" + (p.Steps > 0 ? $"  ({p.Changed} changed, {p.Unchanged} already right)" : ""));
            void Section(string title, List<string> items)
            {
                if (items.Count == 0) return;
                sb.AppendLine(title + ":");
                foreach (var i in items) sb.AppendLine("  - " + i);
            }
            Section("Changed", Changed);
            Section("Rolled back", RolledBack);
            Section("Could not be rolled back", NotRolledBack);
            Section("Needs a person", NeedsHuman);
            if (ConfigPath.Length > 0 && Succeeded) sb.AppendLine($"Configuration: {ConfigPath}");
            sb.AppendLine(Message);
            return sb.ToString();
        }
    }
}
