using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// Get-Help as a newcomer reads it, rendered from the built MAML by <see cref="MamlRenderer"/>
    /// (AUTOGLM_HELP_OUT=DIR also writes each page there, for reading).
    /// </summary>
    public class HelpRenderTests
    {
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly string[] FullSections = { "NAME", "SYNOPSIS", "SYNTAX", "DESCRIPTION", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };

        private static XDocument LoadMaml() =>
            XDocument.Load(Path.Combine(Path.GetDirectoryName(Repo.CmdletDll)!, "en-US", "AutoGlm.dll-Help.xml"));

        [Fact]
        public void EveryCmdletsFullHelpReadsInGetHelpOrderWithUsableSyntaxAndExamples()
        {
            var outDir = Environment.GetEnvironmentVariable("AUTOGLM_HELP_OUT");
            var commands = LoadMaml().Root!.Elements(Command + "command").ToList();
            Assert.NotEmpty(commands);
            foreach (var command in commands)
            {
                var name = command.Element(Command + "details")!.Element(Command + "name")!.Value;
                var full = MamlRenderer.Render(command);
                var positions = FullSections.Select(s => Regex.Match(full, "^" + Regex.Escape(s) + "$", RegexOptions.Multiline).Index).ToList();
                Assert.True(positions.Skip(1).All(p => p > 0), $"{name}: a section is missing:\n{full}");
                Assert.True(positions.SequenceEqual(positions.OrderBy(p => p)), $"{name}: sections out of Get-Help order");

                // Every syntax line starts with the command and ends with the common parameters; every
                // documented parameter appears in some syntax line.
                var syntaxSection = full.Substring(positions[2], positions[3] - positions[2]);
                var syntax = syntaxSection.Split('\n').Where(l => l.StartsWith("    ", StringComparison.Ordinal)).ToList();
                Assert.All(syntax, line => Assert.StartsWith("    " + name + " ", line));
                Assert.NotEmpty(syntax);
                Assert.All(syntax, line => Assert.EndsWith("[<CommonParameters>]", line));
                foreach (var p in command.Element(Command + "parameters")!.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value))
                    Assert.True(syntax.Any(l => l.Contains("-" + p + " ") || l.Contains("-" + p + "]")), $"{name}: -{p} is in no syntax line");

                var examples = MamlRenderer.Render(command, examplesOnly: true);
                var titles = Regex.Matches(examples, "-{10,} Example \\d+: .+ -{10,}").Count;
                Assert.True(titles >= 2, $"{name}: Get-Help -Examples shows {titles} examples");
                Assert.Contains(name, examples.Substring(examples.IndexOf("Example 1", StringComparison.Ordinal)));

                if (!string.IsNullOrEmpty(outDir))
                {
                    Directory.CreateDirectory(outDir);
                    File.WriteAllText(Path.Combine(outDir, name + ".txt"), full);
                }
            }
        }

        [Fact]
        public void TheRendererShowsRequiredParametersBareAndOptionalOnesInBrackets()
        {
            var command = LoadMaml().Root!.Elements(Command + "command").Single(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == "Get-AutoGlmGpu");
            var full = MamlRenderer.Render(command);
            Assert.Contains("    Get-AutoGlmGpu [-Root <String>] [-MatrixPath <String[]>] [-TimeoutSec <Int32>] [<CommonParameters>]", full);
            Assert.Contains("    Get-AutoGlmGpu -Snapshot <String> [-MatrixPath <String[]>] [-TimeoutSec <Int32>] [<CommonParameters>]", full);
            Assert.Contains("Accept pipeline input?       True (ByPropertyName)", full);
        }
    }
}
