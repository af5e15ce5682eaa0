using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using AutoGlm.Engine.Checks;

namespace AutoGlm.Engine.Reports
{
    /// <summary>
    /// JUnit XML as CI servers read it (the Ant/Jenkins schema): one testsuite per category, one testcase per
    /// check. Fail is a failure (its text carries the remediation), Unknown an error (the check could not
    /// decide), Skip a skipped; Warn passes and says so in system-out, since JUnit has no warning.
    /// </summary>
    public static class JUnitReport
    {
        public static string Render(IReadOnlyList<CheckResult> results, ReportContext context)
        {
            var timestamp = context.Generated.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
            var suites = results.GroupBy(r => r.Category).Select(g => Suite(g.Key, g.ToList(), timestamp, context)).ToList();
            var root = new XElement("testsuites", Counts("autoglm", results), new XAttribute("time", "0"), suites);
            var doc = new XDocument(new XDeclaration("1.0", "utf-8", null), root);
            var sb = new StringBuilder();
            using (var writer = XmlWriter.Create(new Utf8StringWriter(sb), new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
                doc.Save(writer);
            return sb.ToString() + "\n";
        }

        private static XElement Suite(string category, List<CheckResult> checks, string timestamp, ReportContext context)
        {
            var suite = new XElement("testsuite", Counts("autoglm." + category, checks), new XAttribute("time", "0"), new XAttribute("timestamp", timestamp));
            var properties = new List<XElement>();
            if (context.Profile != null) properties.Add(Property("profile", context.Profile));
            if (context.Target != null) properties.Add(Property("target", context.Target));
            properties.Add(Property("autoglm.version", EngineInfo.Version));
            suite.Add(new XElement("properties", properties));
            foreach (var r in checks)
            {
                var testcase = new XElement("testcase", new XAttribute("name", Clean(r.Id)), new XAttribute("classname", "autoglm." + Clean(category)), new XAttribute("time", "0"));
                switch (r.Status)
                {
                    case CheckStatus.Fail:
                        testcase.Add(new XElement("failure", new XAttribute("message", Clean(r.Message)), new XAttribute("type", r.Severity.ToString().ToLowerInvariant()), Clean(Details(r))));
                        break;
                    case CheckStatus.Unknown:
                        testcase.Add(new XElement("error", new XAttribute("message", Clean(r.Message)), new XAttribute("type", "unknown"), Clean(Details(r))));
                        break;
                    case CheckStatus.Skip:
                        testcase.Add(new XElement("skipped", new XAttribute("message", Clean(r.Message))));
                        break;
                    default:
                        testcase.Add(new XElement("system-out", Clean((r.Status == CheckStatus.Warn ? "WARN: " : "") + Details(r))));
                        break;
                }
                suite.Add(testcase);
            }
            return suite;
        }

        private static object[] Counts(string name, IReadOnlyCollection<CheckResult> checks) => new object[]
        {
            new XAttribute("name", name),
            new XAttribute("tests", checks.Count),
            new XAttribute("failures", checks.Count(c => c.Status == CheckStatus.Fail)),
            new XAttribute("errors", checks.Count(c => c.Status == CheckStatus.Unknown)),
            new XAttribute("skipped", checks.Count(c => c.Status == CheckStatus.Skip)),
        };

        private static XElement Property(string name, string value) => new XElement("property", new XAttribute("name", name), new XAttribute("value", Clean(value)));

        private static string Details(CheckResult r)
        {
            var sb = new StringBuilder();
            sb.Append(r.Message).Append('\n');
            sb.Append("Observed: ").Append(r.Observed).Append('\n');
            sb.Append("Expected: ").Append(r.Expected).Append('\n');
            if (r.Remediation.Length > 0) sb.Append("Remediation:\n").Append(r.Remediation).Append('\n');
            if (r.Source.Length > 0) sb.Append("Source: ").Append(r.Source).Append('\n');
            return sb.ToString();
        }

        /// <summary>Drops characters XML 1.0 cannot carry (tool output may hold control codes); the writer escapes the rest.</summary>
        internal static string Clean(string text)
        {
            var sb = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                char ch = text[i];
                if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { sb.Append(ch).Append(text[++i]); continue; }
                if (XmlConvert.IsXmlChar(ch)) sb.Append(ch);
            }
            return sb.ToString();
        }

        private sealed class Utf8StringWriter : System.IO.StringWriter
        {
            public Utf8StringWriter(StringBuilder sb) : base(sb, CultureInfo.InvariantCulture) { }
            public override Encoding Encoding => new UTF8Encoding(false);
        }
    }
}
