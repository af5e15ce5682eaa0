using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Reports
{
    /// <summary>
    /// The Prometheus text exposition format (0.0.4) for node_exporter's textfile collector: gauges only and no
    /// sample timestamps (the collector rejects files with them). Each check is a state set, one series per
    /// status with 1 on the current one, so an alert is `autoglm_check_status{status="fail"} == 1` and a
    /// check that disappears reads as absent, not as stale 1s. The counts are `autoglm_checks`, not
    /// `_total`: they are gauges, and promtool's lint reserves `_total` for counters.
    /// </summary>
    public static class PrometheusReport
    {
        private static readonly CheckStatus[] Statuses = (CheckStatus[])Enum.GetValues(typeof(CheckStatus));

        public static string Render(IReadOnlyList<CheckResult> results, ReportContext context)
        {
            // Two results for one id (several hosts piped into one report) would be duplicate series, which
            // makes the collector drop the whole file; one textfile describes one host.
            var duplicate = results.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1);
            if (duplicate != null)
                throw new AutoGlmException("ReportDuplicateCheck", ErrorKind.InvalidData,
                    Messages.Format("ReportDuplicateCheck", duplicate.Key, duplicate.Count()), duplicate.Key);

            var sb = new StringBuilder();
            Family(sb, "autoglm_check_status", "Status of each AutoGlm check: 1 for the status it has, 0 for the others.");
            foreach (var r in results)
                foreach (var s in Statuses)
                    Sample(sb, "autoglm_check_status", new[] { ("id", r.Id), ("category", r.Category), ("severity", r.Severity.ToString().ToLowerInvariant()), ("status", Report.Status(s)) }, r.Status == s ? "1" : "0");

            Family(sb, "autoglm_checks", "Number of AutoGlm checks with each status in the last run.");
            foreach (var s in Statuses)
                Sample(sb, "autoglm_checks", new[] { ("status", Report.Status(s)) }, results.Count(r => r.Status == s).ToString(CultureInfo.InvariantCulture));

            Family(sb, "autoglm_last_run_timestamp_seconds", "When the AutoGlm checks ran, in seconds since the Unix epoch.");
            Sample(sb, "autoglm_last_run_timestamp_seconds", Array.Empty<(string, string)>(), context.Generated.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));

            var info = new List<(string, string)> { ("version", EngineInfo.Version) };
            if (context.Profile != null) info.Add(("profile", context.Profile));
            Family(sb, "autoglm_info", "AutoGlm version and the profile the checks ran for; always 1.");
            Sample(sb, "autoglm_info", info, "1");
            return sb.ToString();
        }

        private static void Family(StringBuilder sb, string name, string help)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(" gauge\n");
        }

        private static void Sample(StringBuilder sb, string name, IReadOnlyList<(string name, string value)> labels, string value)
        {
            sb.Append(name);
            if (labels.Count > 0)
                sb.Append('{').Append(string.Join(",", labels.Select(l => l.name + "=\"" + EscapeLabelValue(l.value) + "\""))).Append('}');
            sb.Append(' ').Append(value).Append('\n');
        }

        /// <summary>Label values: backslash, double quote and line feed are escaped as \\, \" and \n.</summary>
        public static string EscapeLabelValue(string value) =>
            value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

        /// <summary>HELP text: backslash and line feed are escaped; a double quote is not.</summary>
        public static string EscapeHelp(string text) => text.Replace("\\", "\\\\").Replace("\n", "\\n");
    }
}
