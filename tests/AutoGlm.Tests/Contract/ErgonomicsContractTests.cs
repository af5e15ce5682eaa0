using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Matrix;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// The about topics against what ships (the check catalog, the exported cmdlets, the matrix files and
    /// lists), and the argument completers against the parameters they sit on, read from the built
    /// cmdlet assembly with MetadataLoadContext.
    /// </summary>
    public class ErgonomicsContractTests : IClassFixture<ModuleContractFixture>
    {
        private readonly ModuleContractFixture _m;
        public ErgonomicsContractTests(ModuleContractFixture m) { _m = m; }

        private static string About(string topic) => File.ReadAllText(Path.Combine(Repo.Root, "docs", "help", topic + ".md"));

        private static List<string> ExportedCmdlets()
        {
            var manifest = File.ReadAllText(Path.Combine(Repo.Root, "AutoGlm.psd1"));
            var list = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\(([^)]*)\)", RegexOptions.Singleline).Groups[1].Value;
            return Regex.Matches(list, "'([^']*)'").Select(x => x.Groups[1].Value).ToList();
        }

        /// <summary>The backquoted names that start the bullets of a ### section ("- `os`: ...").</summary>
        public static List<string> SectionBulletNames(string markdown, string heading)
        {
            var m = Regex.Match(markdown, "^### " + Regex.Escape(heading) + @"\s*\n(.*?)(?=^#|\z)", RegexOptions.Singleline | RegexOptions.Multiline);
            Assert.True(m.Success, $"no '### {heading}' section");
            return Regex.Matches(m.Groups[1].Value, @"^- `([^`]+)`", RegexOptions.Multiline).Select(x => x.Groups[1].Value).ToList();
        }

        [Fact]
        public void AboutAutoGlmListsExactlyTheCheckCatalogsCategoriesInOrder()
        {
            var listed = SectionBulletNames(About("about_AutoGlm"), "Check categories");
            Assert.Equal(CheckCatalog.Categories.ToList(), listed);
        }

        [Fact]
        public void AboutAutoGlmNamesEveryExportedCmdlet()
        {
            var text = About("about_AutoGlm");
            var cmdlets = ExportedCmdlets();
            Assert.Equal(_m.Cmdlets.Count, cmdlets.Count);
            var missing = cmdlets.Where(c => !Regex.IsMatch(text, @"(?<![\w-])" + Regex.Escape(c) + @"(?![\w-])")).ToList();
            Assert.True(missing.Count == 0, "about_AutoGlm does not mention: " + string.Join(", ", missing));
        }

        [Fact]
        public void AboutAutoGlmMatrixNamesEveryShippedFileAndEveryList()
        {
            var text = About("about_AutoGlm_Matrix");
            var files = Directory.GetFiles(Path.Combine(Repo.Root, "matrices"), "*.yaml").Select(Path.GetFileName).ToList();
            Assert.NotEmpty(files);
            // The lists a matrix file may hold are MatrixDocument's list properties, camelCased as in YAML.
            var lists = typeof(MatrixDocument).GetProperties()
                .Where(p => p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>))
                .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name.Substring(1)).ToList();
            Assert.Contains("gpus", lists);
            var missing = files.Where(f => !text.Contains("`" + f + "`")).Concat(lists.Where(l => !text.Contains("`" + l + "`"))).ToList();
            Assert.True(missing.Count == 0, "about_AutoGlm_Matrix does not describe: " + string.Join(", ", missing));
        }

        private static bool IsParameter(PropertyInfo p) =>
            p.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute");

        private static Type? CompleterOf(PropertyInfo p) =>
            p.GetCustomAttributesData().Where(a => a.AttributeType.FullName == "System.Management.Automation.ArgumentCompleterAttribute")
                .Select(a => a.ConstructorArguments.Single().Value as Type).SingleOrDefault();

        [Fact]
        public void EveryArgumentCompleterSitsOnAParameterAndCompletes()
        {
            var completerInterface = _m.Sma.GetType("System.Management.Automation.IArgumentCompleter")!;
            var found = 0;
            foreach (var t in _m.Module.GetTypes())
                foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                {
                    if (!p.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Management.Automation.ArgumentCompleterAttribute")) continue;
                    found++;
                    Assert.True(_m.Cmdlets.Contains(t), $"{t.Name}.{p.Name} has an argument completer but {t.Name} is not an exported cmdlet");
                    Assert.True(IsParameter(p), $"{_m.Name(t)}: the completer on {p.Name} sits on a property that is no parameter");
                    Assert.True(p.GetMethod?.IsPublic == true, $"{_m.Name(t)}: -{p.Name} with a completer is not public");
                    var completer = CompleterOf(p);
                    Assert.True(completer != null && completer.IsClass && !completer.IsAbstract && completerInterface.IsAssignableFrom(completer)
                                && completer.GetConstructor(Type.EmptyTypes) != null,
                        $"{_m.Name(t)} -{p.Name}: {completer?.FullName ?? "(no type)"} is not a constructible IArgumentCompleter");
                }
            Assert.True(found >= 10, $"only {found} completers found; is the attribute still ArgumentCompleterAttribute?");
        }

        public static IEnumerable<object[]> CompletedEverywhere() => new[]
        {
            new object[] { "Profile", "ProfileCompleter" },
            new object[] { "DriverBranch", "DriverBranchCompleter" },
            new object[] { "CudaVersion", "CudaVersionCompleter" },
            new object[] { "PythonVersion", "PythonVersionCompleter" },
        };

        [Theory]
        [MemberData(nameof(CompletedEverywhere))]
        public void EveryCmdletsParameterOfThisNameCarriesItsCompleter(string parameter, string completer)
        {
            var carriers = _m.Cmdlets.Select(t => (cmdlet: _m.Name(t), property: t.GetProperty(parameter)))
                .Where(x => x.property != null && IsParameter(x.property)).ToList();
            Assert.NotEmpty(carriers);
            foreach (var (cmdlet, property) in carriers)
                Assert.True(CompleterOf(property!)?.Name == completer, $"{cmdlet} -{parameter} has no {completer}");
        }

        [Theory]
        [InlineData("Test-AutoGlmEnvironment", "Id", "CheckIdCompleter")]
        [InlineData("Test-AutoGlmEnvironment", "Category", "CategoryCompleter")]
        [InlineData("Repair-AutoGlmDriver", "CheckId", "CheckIdCompleter")]
        [InlineData("Get-AutoGlmMatrix", "Section", "MatrixSectionCompleter")]
        public void TheseParametersCarryTheirCompleter(string cmdlet, string parameter, string completer)
        {
            var t = _m.Cmdlets.Single(c => _m.Name(c) == cmdlet);
            var p = t.GetProperty(parameter);
            Assert.True(p != null && IsParameter(p), $"{cmdlet} has no -{parameter}");
            Assert.Equal(completer, CompleterOf(p!)?.Name);
        }
    }
}
