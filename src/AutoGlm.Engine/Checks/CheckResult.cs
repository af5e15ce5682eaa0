using System;
using System.Collections.Generic;

namespace AutoGlm.Engine.Checks
{
    public enum CheckStatus { Pass, Warn, Fail, Skip, Unknown }

    /// <summary>How much a failure of this check matters to serving.</summary>
    public enum CheckSeverity { Info, Low, Medium, High, Critical }

    /// <summary>One verdict about the host. Plain data: it survives PowerShell remoting serialization.</summary>
    public sealed class CheckResult
    {
        /// <summary>Stable dotted id, e.g. "python.venv.available". Scripts and monitoring key on it.</summary>
        public string Id { get; set; } = "";
        public string Category { get; set; } = "";
        public CheckStatus Status { get; set; }
        public CheckSeverity Severity { get; set; }
        public string Observed { get; set; } = "";
        public string Expected { get; set; } = "";
        public string Message { get; set; } = "";
        /// <summary>The exact commands a person would type to fix it, one per line; empty when none.</summary>
        public string Remediation { get; set; } = "";
        /// <summary>The files and commands the verdict came from.</summary>
        public string Source { get; set; } = "";
        /// <summary>
        /// Which machine the verdict is about: the host name (a snapshot's recorded one, else its folder's name;
        /// a root's /etc/hostname, else the root's path), so results of several snapshots stay apart.
        /// </summary>
        public string Target { get; set; } = "";

        public override string ToString() => $"[{Status}] {Id}: {Message}";

        /// <summary>The JSON contract of `autoglm test --format json`: lower-camel-case, lower-case statuses.</summary>
        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["id"] = Id,
            ["category"] = Category,
            ["status"] = Status.ToString().ToLowerInvariant(),
            ["severity"] = Severity.ToString().ToLowerInvariant(),
            ["observed"] = Observed,
            ["expected"] = Expected,
            ["message"] = Message,
            ["remediation"] = Remediation,
            ["source"] = Source,
        };
    }

    /// <summary>What a check is, without running it (for -ListChecks and completion).</summary>
    public sealed class CheckInfo
    {
        public CheckInfo(string id, string category, string description)
        {
            Id = id;
            Category = category;
            Description = description;
        }

        public string Id { get; }
        public string Category { get; }
        public string Description { get; }

        /// <summary>The JSON shape of `autoglm test --list-checks --format json`.</summary>
        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["id"] = Id,
            ["category"] = Category,
            ["description"] = Description,
        };
    }
}
