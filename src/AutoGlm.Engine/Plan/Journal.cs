using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Plan
{
    /// <summary>One step's record: its state and what it replaced (for rollback after a crash too).</summary>
    public sealed class JournalStep
    {
        public string Id { get; set; } = "";
        /// <summary>started, changed, unchanged, reboot-pending, failed, rolled-back, rollback-failed.</summary>
        public string State { get; set; } = "";
        public string At { get; set; } = "";
        public string Detail { get; set; } = "";
        public Dictionary<string, string> Captured { get; set; } = new Dictionary<string, string>();
    }

    /// <summary>
    /// The record of one plan's run under the state directory (journal/NAME.json), rewritten atomically
    /// after every step so a crash or a reboot leaves an exact account to resume from.
    /// </summary>
    public sealed class Journal
    {
        public string Plan { get; set; } = "";
        public string Title { get; set; } = "";
        /// <summary>running, reboot-pending, failed, rolled-back, complete.</summary>
        public string Status { get; set; } = "running";
        public string Started { get; set; } = "";
        public string Updated { get; set; } = "";
        public string BootId { get; set; } = "";
        /// <summary>The command that continues the run after a reboot (argv).</summary>
        public List<string> Continuation { get; set; } = new List<string>();
        public List<JournalStep> Steps { get; set; } = new List<JournalStep>();

        public bool Finished => Status == "complete" || Status == "rolled-back";

        public static string PathFor(string stateDirectory, string plan) =>
            System.IO.Path.Combine(stateDirectory, "journal", plan + ".json");

        public JournalStep? Find(string id) => Steps.FirstOrDefault(s => s.Id == id);

        public JournalStep Record(string id, string state, string detail, DateTimeOffset now)
        {
            var step = Find(id);
            if (step == null) { step = new JournalStep { Id = id }; Steps.Add(step); }
            step.State = state;
            step.Detail = detail;
            step.At = Stamp(now);
            return step;
        }

        public static string Stamp(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        public void Save(string path, DateTimeOffset now)
        {
            Updated = Stamp(now);
            AtomicFile.Write(path, Json.Json.Serialize(ToJson()) + "\n", 0x180 /* 0600: it holds previous file contents */);
        }

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["plan"] = Plan,
            ["title"] = Title,
            ["status"] = Status,
            ["started"] = Started,
            ["updated"] = Updated,
            ["bootId"] = BootId,
            ["continuation"] = Continuation,
            ["steps"] = Steps.Select(s => (object?)new Dictionary<string, object?>
            {
                ["id"] = s.Id,
                ["state"] = s.State,
                ["at"] = s.At,
                ["detail"] = s.Detail,
                ["captured"] = s.Captured.ToDictionary(kv => kv.Key, kv => (object?)kv.Value),
            }).ToList(),
        };

        /// <summary>Reads a journal; null when there is none. A damaged one is an error naming the file.</summary>
        public static Journal? Load(string path)
        {
            if (!File.Exists(path)) return null;
            try
            {
                var root = Json.Json.Parse(File.ReadAllText(path)) as IDictionary<string, object?>
                    ?? throw new FormatException("not a JSON object");
                var journal = new Journal
                {
                    Plan = Str(root, "plan"),
                    Title = Str(root, "title"),
                    Status = Str(root, "status"),
                    Started = Str(root, "started"),
                    Updated = Str(root, "updated"),
                    BootId = Str(root, "bootId"),
                    Continuation = (root.TryGetValue("continuation", out var c) && c is IEnumerable<object?> list
                        ? list.Select(x => x as string ?? "").ToList() : new List<string>()),
                };
                if (root.TryGetValue("steps", out var s) && s is IEnumerable<object?> steps)
                {
                    foreach (var item in steps.OfType<IDictionary<string, object?>>())
                    {
                        var step = new JournalStep { Id = Str(item, "id"), State = Str(item, "state"), At = Str(item, "at"), Detail = Str(item, "detail") };
                        if (item.TryGetValue("captured", out var cap) && cap is IDictionary<string, object?> map)
                            foreach (var kv in map) step.Captured[kv.Key] = kv.Value as string ?? "";
                        journal.Steps.Add(step);
                    }
                }
                return journal;
            }
            catch (Exception ex) when (ex is FormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new AutoGlmException("JournalUnreadable", ErrorKind.InvalidData,
                    Messages.Format("JournalUnreadable", path, ex.Message), path, ex);
            }
        }

        private static string Str(IDictionary<string, object?> map, string key) =>
            map.TryGetValue(key, out var v) && v is string s ? s : "";
    }
}
