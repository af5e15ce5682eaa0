using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Reports
{
    /// <summary>Machine-readable forms of a test run.</summary>
    public enum ReportFormat { Json, JUnit, Prometheus }

    /// <summary>What a report says about the run besides the checks; every field is optional.</summary>
    public sealed class ReportContext
    {
        /// <summary>The profile the checks ran for, when known (the cmdlet sees only the check objects).</summary>
        public string? Profile { get; set; }
        /// <summary>What was examined: "/", a root directory, a snapshot folder.</summary>
        public string? Target { get; set; }
        public DateTimeOffset Generated { get; set; } = DateTimeOffset.UtcNow;
    }

    /// <summary>Renders check results as JSON, JUnit XML or Prometheus text, and writes a report file atomically.</summary>
    public static class Report
    {
        /// <summary>Bumped when a field of the JSON report changes meaning or disappears; additions keep it.</summary>
        public const int JsonSchemaVersion = 1;

        public static string Render(ReportFormat format, IReadOnlyList<CheckResult> results, ReportContext? context = null)
        {
            context ??= new ReportContext();
            return format switch
            {
                ReportFormat.JUnit => JUnitReport.Render(results, context),
                ReportFormat.Prometheus => PrometheusReport.Render(results, context),
                _ => Json.Json.Serialize(ToJson(results, context)) + "\n",
            };
        }

        internal static string Status(CheckStatus s) => s.ToString().ToLowerInvariant();

        public static IDictionary<string, object?> ToJson(IReadOnlyList<CheckResult> results, ReportContext context)
        {
            var summary = new Dictionary<string, object?> { ["total"] = results.Count };
            foreach (CheckStatus s in Enum.GetValues(typeof(CheckStatus))) summary[Status(s)] = results.Count(r => r.Status == s);
            return new Dictionary<string, object?>
            {
                ["schemaVersion"] = JsonSchemaVersion,
                ["tool"] = "autoglm",
                ["version"] = EngineInfo.Version,
                ["generated"] = context.Generated.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["profile"] = context.Profile,
                ["target"] = context.Target,
                ["summary"] = summary,
                ["checks"] = results.Select(r => (object?)r.ToJson()).ToList(),
            };
        }

        /// <summary>
        /// Writes <paramref name="content"/> to <paramref name="path"/> through <see cref="AtomicFile"/> (a hidden
        /// temporary file in the same directory and a rename), so a reader (node_exporter's textfile collector, a CI
        /// upload) never sees half a file. The temporary name starts with '.' and does not end in .prom, so the
        /// collector skips it.
        /// </summary>
        public static string Write(string path, string content, bool noClobber)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new AutoGlmException("ReportPathMissing", ErrorKind.InvalidArgument, Messages.Format("ReportPathMissing"));
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
                throw new AutoGlmException("ReportPathIsDirectory", ErrorKind.InvalidArgument, Messages.Format("ReportPathIsDirectory", path, Path.Combine(path, "autoglm.prom")), path);
            var dir = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(dir))
                throw new AutoGlmException("ReportParentNotFound", ErrorKind.ObjectNotFound, Messages.Format("ReportParentNotFound", dir), path);
            if (noClobber && File.Exists(full))
                throw new AutoGlmException("ReportPathExists", ErrorKind.ResourceExists, Messages.Format("ReportPathExists", full), path);
            return AtomicFile.Write(full, content, failure: (written, ex) =>
                new AutoGlmException("ReportWriteFailed", ErrorKind.WriteError, Messages.Format("ReportWriteFailed", written, ex.Message), path, ex));
        }
    }
}
