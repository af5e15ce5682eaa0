using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// Each face names options and commands its own way: a message shown by a cmdlet says -MatrixPath and
    /// Resolve-AutoGlmStack -Explain, the same message from the CLI says --matrix and autoglm resolve --explain.
    /// The engine writes both as {ps:...|cli:...} pairs; these tests render every message of Messages.resx for each
    /// face and look for the other face's words.
    /// </summary>
    public class MessageFaceTests
    {
        /// <summary>Messages that quote another tool's command line (pip, huggingface-cli): its options are not ours.</summary>
        private static readonly HashSet<string> QuotesOtherTools = new HashSet<string>
        {
            "IndexMetadataMismatch", "IndexMetadataMissing", "IndexMetadataMissing_NotServed", "LockMissingHash",
            "LockPackageNotFound", "ModelWeightsMissing_Instructions",
        };

        /// <summary>Messages only a cmdlet raises: they may name PowerShell parameters alone.</summary>
        private static readonly HashSet<string> PowerShellOnly = new HashSet<string>
        {
            "PlanCmdlet_Confirm", "ReportPathExists", "SnapshotIsFleetFolder", "ServiceHostMissing",
        };

        private static Dictionary<string, string> Resources() =>
            XDocument.Load(Path.Combine(Repo.Root, "src", "AutoGlm.Engine", "Resources", "Messages.resx")).Root!
                .Elements("data").ToDictionary(d => d.Attribute("name")!.Value, d => d.Element("value")!.Value);

        /// <summary>The CLI's own options, from its sources ("--matrix" and so on).</summary>
        private static HashSet<string> CliOptions() =>
            new HashSet<string>(Directory.GetFiles(Path.Combine(Repo.Root, "src", "AutoGlm.Cli"), "*.cs")
                .SelectMany(f => Regex.Matches(File.ReadAllText(f), "\"(--[a-z][a-z-]+)\"").Cast<Match>().Select(m => m.Groups[1].Value)));

        // The message with its holes filled by a word, as Messages.Format would, then rendered for one face.
        private static string Render(string template, MessageFace face)
        {
            var holes = Regex.Matches(template, @"(?<!\{)\{(\d+)").Cast<Match>().Select(m => int.Parse(m.Groups[1].Value)).DefaultIfEmpty(-1).Max();
            var text = string.Format(CultureInfo.InvariantCulture, template, Enumerable.Repeat((object)"X", holes + 1).ToArray());
            return Messages.ForFace(text, face);
        }

        [Fact]
        public void APowerShellUserIsNeverToldACliOption()
        {
            var options = CliOptions();
            Assert.Contains("--matrix", options);
            var offenders = Resources().Where(kv => !QuotesOtherTools.Contains(kv.Key))
                .SelectMany(kv => Regex.Matches(Render(kv.Value, MessageFace.PowerShell), @"(?<![\w-])--[a-z][a-z-]+").Cast<Match>()
                    .Where(m => options.Contains(m.Value)).Select(m => $"{kv.Key}: {m.Value}"))
                .ToList();
            Assert.True(offenders.Count == 0, "CLI options in PowerShell messages:\n" + string.Join("\n", offenders));
        }

        [Fact]
        public void ACliUserIsNeverToldAPowerShellParameterOrCmdlet()
        {
            var offenders = Resources().Where(kv => !PowerShellOnly.Contains(kv.Key))
                .SelectMany(kv => Regex.Matches(Render(kv.Value, MessageFace.Cli), @"(?<![\w-])(-[A-Z][a-z]+[A-Z]\w*|-(Force|Resume|Root|Path|Port|Profile|Ref|Task|Flavor|Snapshot|Triage)\b|[A-Z][a-z]+-AutoGlm\w+)").Cast<Match>()
                    .Select(m => $"{kv.Key}: {m.Value}"))
                .ToList();
            Assert.True(offenders.Count == 0, "PowerShell words in CLI messages:\n" + string.Join("\n", offenders));
        }

        [Theory]
        [InlineData(MessageFace.PowerShell, "Pass one of them with -Profile, or add it in a -MatrixPath override file.")]
        [InlineData(MessageFace.Cli, "Pass one of them with --profile, or add it in a --matrix override file.")]
        public void TheSameMessageSpeaksEachFacesLanguage(MessageFace face, string expectedEnd)
        {
            var text = Render(Resources()["ProfileNotFound"], face);
            Assert.EndsWith(expectedEnd, text);
        }

        [Fact]
        public void CodeBuiltTextIsRenderedTheSameWay()
        {
            var text = "see " + Messages.Say("Resolve-AutoGlmStack -Explain", "autoglm resolve --explain");
            Assert.Equal("see Resolve-AutoGlmStack -Explain", Messages.ForFace(text, MessageFace.PowerShell));
            Assert.Equal("see autoglm resolve --explain", Messages.ForFace(text, MessageFace.Cli));
            Assert.Equal("no pair here {0}", Messages.ForFace("no pair here {0}", MessageFace.PowerShell));
        }
    }
}
