using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Reports;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>The three report formats, read back with a parser of each format, and the atomic write.</summary>
    public class ReportTests
    {
        private static readonly DateTimeOffset When = new DateTimeOffset(2026, 1, 6, 10, 20, 30, TimeSpan.Zero);
        private static readonly ReportContext Context = new ReportContext { Profile = "vllm-server", Target = "/", Generated = When };

        private static CheckResult Result(string id, string category, CheckStatus status, string message = "m", string remediation = "", CheckSeverity severity = CheckSeverity.High) =>
            new CheckResult { Id = id, Category = category, Status = status, Severity = severity, Observed = "o", Expected = "e", Message = message, Remediation = remediation, Source = "/proc/x" };

        private static readonly IReadOnlyList<CheckResult> Mixed = new[]
        {
            Result("gpu.present", "gpu", CheckStatus.Pass),
            Result("gpu.nvml", "gpu", CheckStatus.Fail, "Failed to initialize NVML: Driver/library version mismatch", "sudo reboot\n# or: sudo rmmod nvidia && sudo modprobe nvidia", CheckSeverity.Critical),
            Result("driver.pinned", "driver", CheckStatus.Warn, "not pinned", "sudo apt-mark hold nvidia-driver-535"),
            Result("driver.dkms", "driver", CheckStatus.Skip, "No NVIDIA driver is installed."),
            Result("secureboot.state", "firmware", CheckStatus.Unknown, "mokutil timed out after 10 s"),
        };

        // ------------------------------------------------------------ JSON

        [Fact]
        public void JsonCarriesSchemaVersionSummaryAndTheChecks()
        {
            var json = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(Report.Render(ReportFormat.Json, Mixed, Context))!;
            Assert.Equal(1L, json["schemaVersion"]);
            Assert.Equal("autoglm", json["tool"]);
            Assert.Equal("2026-01-06T10:20:30Z", json["generated"]);
            Assert.Equal("vllm-server", json["profile"]);
            var summary = (IDictionary<string, object?>)json["summary"]!;
            Assert.Equal(new object?[] { 5L, 1L, 1L, 1L, 1L, 1L }, new[] { "total", "pass", "warn", "fail", "skip", "unknown" }.Select(k => summary[k]));
            var checks = ((IList<object?>)json["checks"]!).Cast<IDictionary<string, object?>>().ToList();
            Assert.Equal(Mixed.Select(r => r.Id), checks.Select(c => c["id"]));
            Assert.Equal("fail", checks[1]["status"]);
            Assert.Equal("critical", checks[1]["severity"]);
        }

        // ------------------------------------------------------------ JUnit

        [Fact]
        public void JUnitHasASuitePerCategoryAndTheRemediationInTheFailure()
        {
            var doc = XDocument.Parse(Report.Render(ReportFormat.JUnit, Mixed, Context));
            var root = doc.Root!;
            Assert.Equal("testsuites", root.Name.LocalName);
            Assert.Equal(("5", "1", "1", "1"), ((string)root.Attribute("tests")!, (string)root.Attribute("failures")!, (string)root.Attribute("errors")!, (string)root.Attribute("skipped")!));
            var suites = root.Elements("testsuite").ToList();
            Assert.Equal(new[] { "autoglm.gpu", "autoglm.driver", "autoglm.firmware" }, suites.Select(s => (string)s.Attribute("name")!));
            Assert.All(suites, s => Assert.Equal("2026-01-06T10:20:30", (string)s.Attribute("timestamp")!));
            Assert.Equal("vllm-server", suites[0].Element("properties")!.Elements("property").Single(p => (string)p.Attribute("name")! == "profile").Attribute("value")!.Value);

            XElement Case(string id) => root.Descendants("testcase").Single(t => (string)t.Attribute("name")! == id);
            Assert.Equal("autoglm.gpu", (string)Case("gpu.nvml").Attribute("classname")!);
            var failure = Case("gpu.nvml").Element("failure")!;
            Assert.Equal("Failed to initialize NVML: Driver/library version mismatch", (string)failure.Attribute("message")!);
            Assert.Equal("critical", (string)failure.Attribute("type")!);
            Assert.Contains("Remediation:\nsudo reboot\n# or: sudo rmmod nvidia && sudo modprobe nvidia", failure.Value);
            Assert.Contains("Observed: o", failure.Value);
            Assert.Null(Case("gpu.present").Element("failure"));
            Assert.StartsWith("WARN: not pinned", Case("driver.pinned").Element("system-out")!.Value);
            Assert.Equal("No NVIDIA driver is installed.", (string)Case("driver.dkms").Element("skipped")!.Attribute("message")!);
            Assert.Equal("unknown", (string)Case("secureboot.state").Element("error")!.Attribute("type")!);
            var gpu = suites[0];
            Assert.Equal(("2", "1", "0"), ((string)gpu.Attribute("tests")!, (string)gpu.Attribute("failures")!, (string)gpu.Attribute("errors")!));
        }

        [Fact]
        public void JUnitEscapesMarkupAndDropsCharactersXmlCannotCarry()
        {
            var nasty = Result("os.supported", "os", CheckStatus.Fail, "a <b> & \"c\" 'd' \u0001\u001b[0m end", "echo '<x>' && true");
            var xml = Report.Render(ReportFormat.JUnit, new[] { nasty }, new ReportContext { Generated = When });
            var failure = XDocument.Parse(xml).Descendants("failure").Single();
            Assert.Equal("a <b> & \"c\" 'd' [0m end", (string)failure.Attribute("message")!);
            Assert.Contains("echo '<x>' && true", failure.Value);
            Assert.DoesNotContain("property name=\"profile\"", xml);
        }

        // ------------------------------------------------------------ Prometheus

        /// <summary>One sample line of the text format: name, labels (unescaped), value.</summary>
        private sealed record Sample(string Name, Dictionary<string, string> Labels, string Value);

        /// <summary>
        /// A strict reader of the text exposition format as node_exporter's textfile collector needs it: HELP and
        /// TYPE before a family's samples, each family once, legal names, escaped label values, a float value,
        /// no timestamp, no duplicate series, and a final line feed.
        /// </summary>
        private static List<Sample> ParsePrometheus(string text)
        {
            Assert.EndsWith("\n", text);
            var samples = new List<Sample>();
            var typed = new Dictionary<string, string>();
            var helped = new HashSet<string>();
            var series = new HashSet<string>();
            foreach (var line in text.Substring(0, text.Length - 1).Split('\n'))
            {
                var help = Regex.Match(line, @"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$");
                var type = Regex.Match(line, @"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$");
                if (help.Success) { Assert.True(helped.Add(help.Groups[1].Value), "second HELP for " + help.Groups[1].Value); continue; }
                if (type.Success) { Assert.False(typed.ContainsKey(type.Groups[1].Value), "second TYPE"); typed[type.Groups[1].Value] = type.Groups[2].Value; continue; }
                Assert.False(line.StartsWith("#", StringComparison.Ordinal), "stray comment: " + line);
                var m = Regex.Match(line, @"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$");
                Assert.True(m.Success, "not a sample line (or one with a timestamp): " + line);
                var name = m.Groups[1].Value;
                Assert.True(typed.ContainsKey(name) && helped.Contains(name), $"{name} has no HELP/TYPE before its samples");
                var labels = new Dictionary<string, string>();
                if (m.Groups[2].Success)
                {
                    var rest = m.Groups[2].Value;
                    var label = new Regex(@"\G([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\\n]|\\[\\""n])*)""(?:,|$)");
                    int at = 0;
                    while (at < rest.Length)
                    {
                        var l = label.Match(rest, at);
                        Assert.True(l.Success, "bad label at: " + rest.Substring(at));
                        labels.Add(l.Groups[1].Value, Regex.Replace(l.Groups[2].Value, @"\\([\\""n])", e => e.Groups[1].Value == "n" ? "\n" : e.Groups[1].Value));
                        at = l.Index + l.Length;
                    }
                }
                Assert.True(double.TryParse(m.Groups[3].Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _), "bad value: " + line);
                Assert.True(series.Add(name + "{" + string.Join(",", labels.OrderBy(k => k.Key).Select(k => k.Key + "=" + k.Value)) + "}"), "duplicate series: " + line);
                samples.Add(new Sample(name, labels, m.Groups[3].Value));
            }
            return samples;
        }

        [Fact]
        public void PrometheusIsAStateSetPerCheckWithCountsTimeAndInfo()
        {
            var text = Report.Render(ReportFormat.Prometheus, Mixed, Context);
            var samples = ParsePrometheus(text);
            Assert.Contains("# TYPE autoglm_check_status gauge\n", text);
            Assert.Contains("autoglm_check_status{id=\"gpu.nvml\",category=\"gpu\",severity=\"critical\",status=\"fail\"} 1\n", text);
            foreach (var r in Mixed)
            {
                var mine = samples.Where(s => s.Name == "autoglm_check_status" && s.Labels["id"] == r.Id).ToList();
                Assert.Equal(new[] { "pass", "warn", "fail", "skip", "unknown" }, mine.Select(s => s.Labels["status"]));
                Assert.Equal(r.Status.ToString().ToLowerInvariant(), mine.Single(s => s.Value == "1").Labels["status"]);
                Assert.All(mine, s => Assert.Equal(r.Category, s.Labels["category"]));
            }
            Assert.Equal(new[] { "1", "1", "1", "1", "1" }, samples.Where(s => s.Name == "autoglm_checks").Select(s => s.Value));
            Assert.Equal(When.ToUnixTimeSeconds().ToString(), samples.Single(s => s.Name == "autoglm_last_run_timestamp_seconds").Value);
            var info = samples.Single(s => s.Name == "autoglm_info");
            Assert.Equal("vllm-server", info.Labels["profile"]);
            // Gauges only, none named like a counter (promtool's lint).
            Assert.DoesNotMatch(@"(?m)^# TYPE \S+ (?!gauge)", text);
            Assert.DoesNotContain("_total", text);
        }

        [Fact]
        public void PrometheusLabelValuesAndHelpAreEscapedPerTheFormat()
        {
            var odd = Result("site.check\\\"x\"\nnext", "cat\"egory", CheckStatus.Pass);
            var text = Report.Render(ReportFormat.Prometheus, new[] { odd }, new ReportContext { Generated = When });
            Assert.Contains("id=\"site.check\\\\\\\"x\\\"\\nnext\"", text);
            var sample = ParsePrometheus(text).First(s => s.Name == "autoglm_check_status");
            Assert.Equal("site.check\\\"x\"\nnext", sample.Labels["id"]);
            Assert.Equal("cat\"egory", sample.Labels["category"]);
            Assert.Equal("a\\\\b\\nc \"d\"", PrometheusReport.EscapeHelp("a\\b\nc \"d\""));
            Assert.DoesNotContain("profile=", text);
        }

        [Fact]
        public void PrometheusRefusesTwoHostsInOneFile()
        {
            var twice = new[] { Result("gpu.present", "gpu", CheckStatus.Pass), Result("gpu.present", "gpu", CheckStatus.Fail) };
            var ex = Assert.Throws<AutoGlmException>(() => Report.Render(ReportFormat.Prometheus, twice, Context));
            Assert.Equal("ReportDuplicateCheck", ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidData, ex.Kind);
            // JUnit and JSON can hold both.
            Assert.Equal(2, XDocument.Parse(Report.Render(ReportFormat.JUnit, twice, Context)).Descendants("testcase").Count());
        }

        [Fact]
        public void AnEmptyRunStillGivesValidReports()
        {
            var none = Array.Empty<CheckResult>();
            Assert.Equal(new[] { "0", "0", "0", "0", "0" }, ParsePrometheus(Report.Render(ReportFormat.Prometheus, none, Context)).Where(s => s.Name == "autoglm_checks").Select(s => s.Value));
            Assert.Equal("0", (string)XDocument.Parse(Report.Render(ReportFormat.JUnit, none, Context)).Root!.Attribute("tests")!);
        }

        // ------------------------------------------------------------ the atomic write

        [Fact]
        public void WriteReplacesTheFileThroughARenameAndLeavesNoTemporaryFile()
        {
            using var dir = new TempDir();
            var path = dir.Combine("autoglm.prom");
            File.WriteAllText(path, "old\n");
            var written = Report.Write(path, "autoglm_info 1\n", noClobber: false);
            Assert.Equal(Path.GetFullPath(path), written);
            Assert.Equal("autoglm_info 1\n", File.ReadAllText(path, Encoding.UTF8));
            Assert.Equal(new[] { "autoglm.prom" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));
            // UTF-8 without a byte-order mark: the collector would read a BOM as part of the first name.
            Assert.Equal((byte)'a', File.ReadAllBytes(path)[0]);
        }

        [Fact]
        public void WriteRefusesWhatItCannotOrMayNotWrite()
        {
            using var dir = new TempDir();
            var existing = dir.Combine("r.json");
            File.WriteAllText(existing, "{}");
            Assert.Equal("ReportPathExists", Assert.Throws<AutoGlmException>(() => Report.Write(existing, "x", noClobber: true)).ErrorId);
            Assert.Equal("{}", File.ReadAllText(existing));
            var missing = Assert.Throws<AutoGlmException>(() => Report.Write(dir.Combine("no/such/r.json"), "x", false));
            Assert.Equal(("ReportParentNotFound", ErrorKind.ObjectNotFound), (missing.ErrorId, missing.Kind));
            Assert.Equal("ReportPathIsDirectory", Assert.Throws<AutoGlmException>(() => Report.Write(dir.Path, "x", false)).ErrorId);
            Assert.Equal("ReportPathMissing", Assert.Throws<AutoGlmException>(() => Report.Write(" ", "x", false)).ErrorId);
        }

        [Fact]
        public void AFileThatCannotBeWrittenIsReportWriteFailedAndLeavesNoTemporaryFile()
        {
            using var dir = new TempDir();
            // A name longer than any file system takes: the write fails even for root.
            var path = dir.Combine(new string('r', 300) + ".json");
            var ex = Assert.Throws<AutoGlmException>(() => Report.Write(path, "{}", noClobber: false));
            Assert.Equal(("ReportWriteFailed", ErrorKind.WriteError), (ex.ErrorId, ex.Kind));
            Assert.Contains(Path.GetFullPath(path), ex.Message);
            Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        }
    }
}
