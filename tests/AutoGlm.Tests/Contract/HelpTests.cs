using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// The help the build generates from docs/help (tools/AutoGlm.HelpGen), read as Get-Help would find it
    /// beside the built AutoGlm.dll, and compared with the assembly through MetadataLoadContext.
    /// </summary>
    public class HelpTests : IClassFixture<ModuleContractFixture>
    {
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        private readonly ModuleContractFixture _m;
        public HelpTests(ModuleContractFixture m) { _m = m; }

        private static string HelpDir => Path.Combine(Path.GetDirectoryName(Repo.CmdletDll)!, "en-US");
        private static string MamlPath => Path.Combine(HelpDir, "AutoGlm.dll-Help.xml");
        private static string DocsDir => Path.Combine(Repo.Root, "docs", "help");

        private static List<string> ExportedCmdlets()
        {
            var manifest = File.ReadAllText(Path.Combine(Repo.Root, "AutoGlm.psd1"));
            var list = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\(([^)]*)\)", RegexOptions.Singleline).Groups[1].Value;
            return Regex.Matches(list, "'([^']*)'").Select(x => x.Groups[1].Value).ToList();
        }

        private static XElement CommandHelp(XDocument maml, string name) =>
            maml.Root!.Elements(Command + "command").SingleOrDefault(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == name)
            ?? throw new Xunit.Sdk.XunitException($"{name} has no command:command in {MamlPath}");

        private static string Paras(XElement? description) =>
            string.Join("\n", description?.Elements(Maml + "para").Select(p => p.Value) ?? Enumerable.Empty<string>()).Trim();

        private Type CmdletType(string name) => _m.Cmdlets.Single(t => _m.Name(t) == name);

        private static IEnumerable<CustomAttributeData> ParameterAttributes(PropertyInfo p) =>
            p.GetCustomAttributesData().Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute");

        private List<string> PublicParameters(Type t)
        {
            var names = t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => ParameterAttributes(p).Any()).Select(p => p.Name).ToList();
            if (_m.Named(_m.CmdletAttribute(t), "SupportsShouldProcess") as bool? == true) names.AddRange(new[] { "WhatIf", "Confirm" });
            return names;
        }

        [Fact]
        public void TheBuildWritesWellFormedMamlBesideTheAssembly()
        {
            Assert.True(File.Exists(MamlPath), $"the build wrote no {MamlPath}; is the GenerateAutoGlmHelp target in src/AutoGlm/AutoGlm.csproj running?");
            var maml = XDocument.Load(MamlPath);
            Assert.Equal("helpItems", maml.Root!.Name.LocalName);
            Assert.Equal("maml", (string?)maml.Root.Attribute("schema"));
            Assert.NotEmpty(maml.Root.Elements(Command + "command"));
        }

        [Fact]
        public void EveryExportedCmdletHasSynopsisDescriptionTwoExamplesAndLinks()
        {
            var maml = XDocument.Load(MamlPath);
            var exported = ExportedCmdlets();
            Assert.NotEmpty(exported);
            foreach (var name in exported)
            {
                var c = CommandHelp(maml, name);
                var details = c.Element(Command + "details")!;
                Assert.Equal(name, details.Element(Command + "verb")!.Value + "-" + details.Element(Command + "noun")!.Value);
                Assert.False(Paras(details.Element(Maml + "description")).Length == 0, $"{name}: no synopsis");
                Assert.False(Paras(c.Element(Maml + "description")).Length == 0, $"{name}: no description");
                var examples = c.Element(Command + "examples")!.Elements(Command + "example").ToList();
                Assert.True(examples.Count >= 2, $"{name}: {examples.Count} example(s), fewer than two");
                foreach (var e in examples)
                {
                    Assert.False(string.IsNullOrWhiteSpace(e.Element(Maml + "title")?.Value), $"{name}: an example has no title");
                    Assert.False(string.IsNullOrWhiteSpace(e.Element(Dev + "code")?.Value), $"{name}: an example has no code");
                    Assert.False(Paras(e.Element(Dev + "remarks")).Length == 0, $"{name}: an example does not say what it does");
                }
                Assert.NotEmpty(c.Element(Command + "relatedLinks")!.Elements(Maml + "navigationLink"));
                Assert.NotEmpty(c.Element(Command + "returnValues")!.Elements(Command + "returnValue"));
                Assert.NotEmpty(c.Element(Command + "inputTypes")!.Elements(Command + "inputType"));
            }
        }

        [Fact]
        public void EveryPublicParameterIsDocumentedAndNoOtherIs()
        {
            var maml = XDocument.Load(MamlPath);
            foreach (var name in ExportedCmdlets())
            {
                var expected = PublicParameters(CmdletType(name));
                var documented = CommandHelp(maml, name).Element(Command + "parameters")!.Elements(Command + "parameter").ToList();
                Assert.Equal(expected.OrderBy(n => n), documented.Select(p => p.Element(Maml + "name")!.Value).OrderBy(n => n));
                foreach (var p in documented)
                    Assert.False(Paras(p.Element(Maml + "description")).Length == 0, $"{name} -{p.Element(Maml + "name")!.Value} has no description");
            }
        }

        [Fact]
        public void SyntaxComesFromTheAssembly()
        {
            var maml = XDocument.Load(MamlPath);
            foreach (var name in ExportedCmdlets())
            {
                var type = CmdletType(name);
                var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => p.Name);
                var sets = properties.Values.SelectMany(ParameterAttributes).Select(a => _m.Named(a, "ParameterSetName") as string ?? "__AllParameterSets")
                    .Where(s => s != "__AllParameterSets").Distinct().Count();
                var items = CommandHelp(maml, name).Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
                Assert.Equal(Math.Max(1, sets), items.Count);
                var shouldProcess = _m.Named(_m.CmdletAttribute(type), "SupportsShouldProcess") as bool? == true;
                foreach (var item in items)
                {
                    Assert.Equal(name, item.Element(Maml + "name")!.Value);
                    var names = item.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value).ToList();
                    // Get-Help ends each syntax line of a ShouldProcess cmdlet with [-WhatIf] [-Confirm].
                    if (shouldProcess) Assert.Equal(new[] { "WhatIf", "Confirm" }, names.Skip(names.Count - 2));
                    else Assert.DoesNotContain("WhatIf", names);
                    foreach (var p in item.Elements(Command + "parameter"))
                    {
                        var pname = p.Element(Maml + "name")!.Value;
                        if (shouldProcess && (pname == "WhatIf" || pname == "Confirm")) continue;
                        Assert.True(properties.ContainsKey(pname), $"{name} syntax names -{pname}, which the cmdlet lacks");
                        var attrs = ParameterAttributes(properties[pname]).ToList();
                        var required = (string)p.Attribute("required")! == "true";
                        Assert.Contains(attrs, a => (_m.Named(a, "Mandatory") as bool? == true) == required);
                        var position = (string)p.Attribute("position")!;
                        Assert.Contains(attrs, a => (_m.Named(a, "Position") is int pos && pos >= 0 ? pos.ToString() : "named") == position);
                    }
                }
            }

            // Spot checks a reader of Get-Help relies on.
            var test = CommandHelp(maml, "Test-AutoGlmEnvironment");
            var snapshot = test.Element(Command + "parameters")!.Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Snapshot");
            Assert.Equal("True (ByValue, ByPropertyName)", (string?)snapshot.Attribute("pipelineInput"));
            Assert.Equal("FullName, PSPath", (string?)snapshot.Attribute("aliases"));
            Assert.Equal("true", (string?)snapshot.Attribute("required"));
            var id = test.Element(Command + "parameters")!.Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Id");
            Assert.Equal("true", (string?)id.Attribute("globbing"));
            Assert.Equal("String[]", id.Element(Command + "parameterValue")!.Value);
            var export = CommandHelp(maml, "Export-AutoGlmHostSnapshot");
            var path = export.Element(Command + "parameters")!.Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Path");
            Assert.Equal("0", (string?)path.Attribute("position"));
            Assert.Equal("true", (string?)path.Attribute("required"));
        }

        [Fact]
        public void EveryErrorIdRaisedInSourceIsDocumentedInSomeCmdletsNotes()
        {
            var ids = Directory.GetFiles(Path.Combine(Repo.Root, "src"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
                .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"(?:new AutoGlmException|: base)\(\s*""([A-Za-z]+)""").Select(m => m.Groups[1].Value))
                .Distinct().ToList();
            Assert.Contains("ProfileNotFound", ids);
            Assert.Contains("MatrixInvalid", ids);
            var notes = string.Join("\n", XDocument.Load(MamlPath).Descendants(Maml + "alertSet").Select(a => a.Value));
            foreach (var id in ids)
                Assert.True(notes.Contains("`" + id + "`"), $"error id {id} is raised in src/ but listed under NOTES/Errors in no cmdlet's help (docs/help/*.md)");
        }

        [Theory]
        [InlineData("about_AutoGlm")]
        [InlineData("about_AutoGlm_Matrix")]
        public void AboutTopicsAreBuiltWithTheirSections(string topic)
        {
            var path = Path.Combine(HelpDir, topic + ".help.txt");
            Assert.True(File.Exists(path), $"the build wrote no {path}");
            var text = File.ReadAllText(path);
            Assert.StartsWith("TOPIC\n    " + topic + "\n", text);
            Assert.Contains("\nSHORT DESCRIPTION\n    ", text);
            Assert.Contains("\nLONG DESCRIPTION\n    ", text);
            Assert.True(text.Length > 2000, $"{topic} is only {text.Length} characters");
            Assert.DoesNotContain(text.Split('\n'), l => l.Length > 80 && !l.StartsWith("        ", StringComparison.Ordinal) && !l.TrimStart().StartsWith("|", StringComparison.Ordinal));
        }

        // --- the generator itself, on a copy of docs/help -------------------------------------------------

        private (int Code, string Errors, TempDir Out) Generate(Action<string> edit)
        {
            var docs = new TempDir("autoglm-help-src");
            foreach (var f in Directory.GetFiles(DocsDir, "*.md")) File.Copy(f, Path.Combine(docs.Path, Path.GetFileName(f)));
            edit(docs.Path);
            var output = new TempDir("autoglm-help-out");
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = AutoGlm.HelpGen.Program.Run(new[]
            {
                "--assembly", Repo.CmdletDll, "--docs", docs.Path, "--out", Path.Combine(output.Path, "en-US"), "--reference", _m.SmaPath,
            }, stdout, stderr);
            docs.Dispose();
            return (code, stderr.ToString(), output);
        }

        private static void Edit(string dir, string file, Func<string, string> change)
        {
            var path = Path.Combine(dir, file);
            var before = File.ReadAllText(path);
            var after = change(before);
            Assert.NotEqual(before, after);
            File.WriteAllText(path, after);
        }

        private static string RemoveSubsection(string text, string heading) =>
            Regex.Replace(text, @"^" + Regex.Escape(heading) + @"\n(?:(?!#).*\n|\n)*", "", RegexOptions.Multiline);

        [Fact]
        public void GeneratorWritesTheSameHelpFromTheSources()
        {
            var (code, errors, output) = Generate(_ => { });
            using (output)
            {
                Assert.True(code == 0, errors);
                Assert.Equal(File.ReadAllText(MamlPath), File.ReadAllText(Path.Combine(output.Path, "en-US", "AutoGlm.dll-Help.xml")));
            }
        }

        [Fact]
        public void GeneratorFailsWhenAParameterHasNoSection()
        {
            var (code, errors, output) = Generate(d => Edit(d, "Test-AutoGlmEnvironment.md", t => RemoveSubsection(t, "### -Port")));
            using (output)
            {
                Assert.Equal(1, code);
                Assert.Contains("Test-AutoGlmEnvironment.md(", errors);
                Assert.Contains("parameter -Port of Test-AutoGlmEnvironment has no '### -Port' section", errors);
                Assert.False(Directory.Exists(Path.Combine(output.Path, "en-US")), "help was written although the sources are incomplete");
            }
        }

        [Fact]
        public void GeneratorFailsWhenASectionDocumentsAParameterThatDoesNotExist()
        {
            var (code, errors, output) = Generate(d => Edit(d, "Export-AutoGlmHostSnapshot.md", t => t.Replace("### -Force\n", "### -Force\nReplaces it.\n\n### -Overwrite\n")));
            using (output)
            {
                Assert.Equal(1, code);
                Assert.Contains("'### -Overwrite' documents a parameter Export-AutoGlmHostSnapshot does not have", errors);
            }
        }

        [Fact]
        public void GeneratorFailsWithFewerThanTwoExamples()
        {
            var (code, errors, output) = Generate(d => Edit(d, "Export-AutoGlmHostSnapshot.md", t =>
                RemoveSubsection(RemoveSubsection(t, "### Example 3: Record a mounted disk image"), "### Example 2: See what would be written, then replace an old snapshot")));
            using (output)
            {
                Assert.Equal(1, code);
                Assert.Contains("Export-AutoGlmHostSnapshot has 1 example(s); write at least two", errors);
            }
        }

        [Fact]
        public void GeneratorFailsWhenACmdletHasNoHelpFile()
        {
            var (code, errors, output) = Generate(d => File.Delete(Path.Combine(d, "Test-AutoGlmEnvironment.md")));
            using (output)
            {
                Assert.Equal(1, code);
                Assert.Contains("Test-AutoGlmEnvironment has no help file", errors);
            }
        }

        [Fact]
        public void GeneratorFailsWhenADeclaredOutputTypeIsNotDocumented()
        {
            var (code, errors, output) = Generate(d => Edit(d, "Test-AutoGlmEnvironment.md", t => RemoveSubsection(t, "### System.Boolean")));
            using (output)
            {
                Assert.Equal(1, code);
                Assert.Contains("declares [OutputType(System.Boolean)]", errors);
            }
        }
    }
}
