using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// The module's surface, read from the built cmdlet assembly with MetadataLoadContext (no PowerShell
    /// runtime can be installed here) and from the manifest and format files.
    /// </summary>
    public sealed class ModuleContractFixture : IDisposable
    {
        public ModuleContractFixture()
        {
            var nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            // The reference assembly the cmdlet project compiles against, at the version its project file names.
            var version = Regex.Match(File.ReadAllText(Path.Combine(Repo.Root, "src", "AutoGlm", "AutoGlm.csproj")),
                @"Include=""PowerShellStandard\.Library"" Version=""([^""]+)""").Groups[1].Value;
            SmaPath = Path.Combine(nuget, "powershellstandard.library", version, "lib", "netstandard2.0", "System.Management.Automation.dll");
            var moduleDir = Path.GetDirectoryName(Repo.CmdletDll)!;
            var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
                .Concat(Directory.GetFiles(moduleDir, "*.dll"))
                .Append(SmaPath)
                .GroupBy(Path.GetFileName).Select(g => g.Last());
            Context = new MetadataLoadContext(new PathAssemblyResolver(paths), "netstandard");
            Sma = Context.LoadFromAssemblyPath(SmaPath);
            Module = Context.LoadFromAssemblyPath(Repo.CmdletDll);
            Engine = Context.LoadFromAssemblyPath(Repo.EngineDll);
            var cmdletBase = Sma.GetType("System.Management.Automation.Cmdlet")!;
            Cmdlets = Module.GetTypes().Where(t => t.IsClass && !t.IsAbstract && t.IsPublic && cmdletBase.IsAssignableFrom(t)).ToList();
        }

        public string SmaPath { get; }
        public MetadataLoadContext Context { get; }
        public Assembly Sma { get; }
        public Assembly Module { get; }
        public Assembly Engine { get; }
        public List<Type> Cmdlets { get; }

        public CustomAttributeData CmdletAttribute(Type t) =>
            t.GetCustomAttributesData().Single(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");

        public string Name(Type t)
        {
            var args = CmdletAttribute(t).ConstructorArguments;
            return $"{args[0].Value}-{args[1].Value}";
        }

        public object? Named(CustomAttributeData a, string name) => a.NamedArguments.FirstOrDefault(n => n.MemberName == name).TypedValue.Value;

        public void Dispose() => Context.Dispose();
    }

    public class ModuleContractTests : IClassFixture<ModuleContractFixture>
    {
        private readonly ModuleContractFixture _m;
        public ModuleContractTests(ModuleContractFixture m) { _m = m; }

        private static string Manifest => File.ReadAllText(Path.Combine(Repo.Root, "AutoGlm.psd1"));

        private static List<string> ManifestList(string key)
        {
            var m = Regex.Match(Manifest, key + @"\s*=\s*@\(([^)]*)\)", RegexOptions.Singleline);
            Assert.True(m.Success, $"AutoGlm.psd1 has no '{key} = @(...)'");
            return Regex.Matches(m.Groups[1].Value, "'([^']*)'").Select(x => x.Groups[1].Value).ToList();
        }

        // Windows PowerShell 5.1's approved verbs are the constants of its Verbs* classes; Build and
        // Deploy came later (PowerShell 6) and must not be used.
        private HashSet<string> ApprovedVerbs() =>
            new HashSet<string>(_m.Sma.GetTypes().Where(t => t.Name.StartsWith("Verbs", StringComparison.Ordinal) && t.Namespace == "System.Management.Automation")
                .SelectMany(t => t.GetFields()).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)
                .Where(v => v != "Build" && v != "Deploy"));

        private static readonly HashSet<string> ReadOnlyVerbs = new HashSet<string>
            { "Get", "Test", "Find", "Search", "Resolve", "Measure", "Compare", "Show", "Format", "Read", "Select", "Watch", "Debug", "Trace", "ConvertFrom", "ConvertTo", "Wait", "Confirm" };

        [Fact]
        public void ThereAreCmdletsToCheck() => Assert.True(_m.Cmdlets.Count >= 2);

        [Fact]
        public void EveryCmdletUsesAnApprovedVerbAndASingularAutoGlmNoun()
        {
            var approved = ApprovedVerbs();
            Assert.Contains("Test", approved);
            Assert.DoesNotContain("Build", approved);
            foreach (var t in _m.Cmdlets)
            {
                var args = _m.CmdletAttribute(t).ConstructorArguments;
                var verb = (string)args[0].Value!;
                var noun = (string)args[1].Value!;
                Assert.True(approved.Contains(verb), $"{t.Name}: '{verb}' is not an approved verb");
                Assert.StartsWith("AutoGlm", noun);
                Assert.False(noun.EndsWith("s", StringComparison.Ordinal) && !noun.EndsWith("ss", StringComparison.Ordinal), $"{noun} looks plural");
                Assert.Equal(verb + noun + "Command", t.Name);
            }
        }

        [Fact]
        public void EveryCmdletDeclaresOutputType()
        {
            foreach (var t in _m.Cmdlets)
                Assert.True(t.GetCustomAttributesData().Any(a => a.AttributeType.Name == "OutputTypeAttribute"), $"{t.Name} has no [OutputType]");
        }

        [Fact]
        public void EveryStateChangingCmdletSupportsShouldProcess()
        {
            foreach (var t in _m.Cmdlets)
            {
                var attr = _m.CmdletAttribute(t);
                var verb = (string)attr.ConstructorArguments[0].Value!;
                if (ReadOnlyVerbs.Contains(verb)) continue;
                Assert.True(_m.Named(attr, "SupportsShouldProcess") as bool? == true, $"{_m.Name(t)} changes state but does not support -WhatIf/-Confirm");
            }
        }

        [Fact]
        public void ManifestExportsExactlyTheCmdletsInTheAssembly()
        {
            var exported = ManifestList("CmdletsToExport");
            Assert.DoesNotContain(exported, e => e.Contains('*'));
            Assert.Equal(_m.Cmdlets.Select(_m.Name).OrderBy(n => n), exported.OrderBy(n => n));
            Assert.Empty(ManifestList("FunctionsToExport"));
            Assert.Empty(ManifestList("VariablesToExport"));
            Assert.Empty(ManifestList("AliasesToExport"));
        }

        [Fact]
        public void TheModuleHasExactlyTheseCmdlets()
        {
            Assert.Equal(new[] { "Export-AutoGlmHostSnapshot", "Export-AutoGlmOfflineKit", "Export-AutoGlmReport", "Get-AutoGlmGpu", "Get-AutoGlmMatrix", "Get-AutoGlmService", "Install-AutoGlmCuda", "Install-AutoGlmDriver", "Install-AutoGlmHost", "New-AutoGlmLockFile", "Register-AutoGlmService", "Repair-AutoGlmDriver", "Resolve-AutoGlmStack", "Sync-AutoGlmPythonEnvironment", "Test-AutoGlmEnvironment", "Test-AutoGlmOfflineKit", "Unregister-AutoGlmService", "Update-AutoGlmRepository" },
                _m.Cmdlets.Select(_m.Name).OrderBy(n => n, StringComparer.Ordinal));
        }

        [Fact]
        public void InstallCmdletsAskFirstAndShareThePlanParameters()
        {
            foreach (var name in new[] { "Install-AutoGlmDriver", "Install-AutoGlmCuda", "Install-AutoGlmHost" })
            {
                var t = _m.Cmdlets.Single(c => _m.Name(c) == name);
                Assert.Equal(3, Convert.ToInt32(_m.Named(_m.CmdletAttribute(t), "ConfirmImpact"))); // ConfirmImpact.High
                foreach (var p in new[] { "Resume", "Reboot", "Force", "Root", "LockTimeoutSec", "TimeoutSec", "Profile" })
                    Assert.NotNull(t.GetProperty(p));
            }
        }

        [Fact]
        public void ExportAutoGlmReportTakesCheckResultsFromThePipelineAndWritesUnderShouldProcess()
        {
            var t = _m.Cmdlets.Single(c => _m.Name(c) == "Export-AutoGlmReport");
            Assert.True(_m.Named(_m.CmdletAttribute(t), "SupportsShouldProcess") as bool? == true);
            var output = t.GetCustomAttributesData().Single(a => a.AttributeType.Name == "OutputTypeAttribute");
            Assert.Equal("System.IO.FileInfo", ((Type)((IEnumerable<CustomAttributeTypedArgument>)output.ConstructorArguments[0].Value!).Single().Value!).FullName);
            var parameters = t.GetProperties().Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType.Name == "ParameterAttribute")).ToDictionary(p => p.Name);
            Assert.Equal(new[] { "Format", "InputObject", "NoClobber", "PassThru", "Path" }, parameters.Keys.OrderBy(k => k, StringComparer.Ordinal));
            var input = parameters["InputObject"].GetCustomAttributesData().Single(a => a.AttributeType.Name == "ParameterAttribute");
            Assert.True(_m.Named(input, "ValueFromPipeline") as bool? == true);
            Assert.Equal("AutoGlm.Engine.Checks.CheckResult[]", parameters["InputObject"].PropertyType.FullName);
            var format = parameters["Format"].PropertyType;
            Assert.True(format.IsEnum);
            Assert.Equal(new[] { "Json", "JUnit", "Prometheus" }, format.GetFields().Where(f => f.IsLiteral).Select(f => f.Name));
        }

        [Fact]
        public void ManifestTargetsBothEditionsFrom51AndCarriesPublishingData()
        {
            Assert.Equal(new[] { "Desktop", "Core" }, ManifestList("CompatiblePSEditions"));
            Assert.Matches(@"PowerShellVersion\s*=\s*'5\.1'", Manifest);
            Assert.Matches(@"RootModule\s*=\s*'AutoGlm\.psm1'", Manifest);
            Assert.Matches(@"FormatsToProcess\s*=\s*@\('AutoGlm\.format\.ps1xml'\)", Manifest);
            foreach (var key in new[] { "Tags", "ProjectUri", "LicenseUri", "ReleaseNotes" }) Assert.Contains(key, Manifest);
        }

        [Fact]
        public void ManifestVersionIsTheOneInDirectoryBuildProps()
        {
            var props = XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props"));
            var version = props.Descendants("Version").Single().Value;
            Assert.Matches($@"ModuleVersion\s*=\s*'{Regex.Escape(version)}'", Manifest);
            Assert.Equal(version, _m.Module.GetName().Version!.ToString(3));
        }

        [Fact]
        public void AssembliesTargetNetStandard20AndTheEngineHasNoPowerShellReference()
        {
            foreach (var asm in new[] { _m.Module, _m.Engine })
            {
                var tfm = asm.GetCustomAttributesData().Single(a => a.AttributeType.Name == "TargetFrameworkAttribute").ConstructorArguments[0].Value;
                Assert.Equal(".NETStandard,Version=v2.0", tfm);
            }
            Assert.DoesNotContain(_m.Engine.GetReferencedAssemblies(), r => r.Name == "System.Management.Automation");
            Assert.Contains(_m.Module.GetReferencedAssemblies(), r => r.Name == "System.Management.Automation");
        }

        [Fact]
        public void EveryOutputTypeHasAFormatView()
        {
            var format = XDocument.Load(Path.Combine(Repo.Root, "AutoGlm.format.ps1xml"));
            var viewed = new HashSet<string>(format.Descendants("TypeName").Select(e => e.Value));
            foreach (var t in _m.Cmdlets)
            {
                foreach (var a in t.GetCustomAttributesData().Where(a => a.AttributeType.Name == "OutputTypeAttribute"))
                {
                    foreach (var arg in (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
                    {
                        var type = (Type)arg.Value!;
                        // PowerShell's own views cover framework types (FileInfo from -PassThru).
                        if (type.IsPrimitive || type.FullName!.StartsWith("System.", StringComparison.Ordinal)) continue;
                        Assert.True(viewed.Contains(type.FullName!), $"{_m.Name(t)} outputs {type.FullName}, which has no view in AutoGlm.format.ps1xml");
                    }
                }
            }
        }

        /// <summary>Output types, from every cmdlet's [OutputType], that are ours (not framework types).</summary>
        private IEnumerable<Type> OurOutputTypes() => _m.Cmdlets
            .SelectMany(t => t.GetCustomAttributesData().Where(a => a.AttributeType.Name == "OutputTypeAttribute"))
            .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
            .Select(arg => (Type)arg.Value!)
            .Where(t => !t.IsPrimitive && !t.FullName!.StartsWith("System.", StringComparison.Ordinal))
            .Distinct();

        private static bool IsPlainValue(Type t) =>
            t.IsPrimitive || t.IsEnum || t.FullName == "System.String" || t.FullName == "System.Decimal"
            || t.FullName == "System.DateTime" || t.FullName == "System.DateTimeOffset" || t.FullName == "System.TimeSpan"
            || (t.IsGenericType && t.GetGenericTypeDefinition().FullName == "System.Nullable`1" && IsPlainValue(t.GetGenericArguments()[0]));

        /// <summary>A property whose value remoting would flatten to a string at the default depth of 1.</summary>
        private static bool IsNested(Type t)
        {
            if (IsPlainValue(t)) return false;
            var items = t.IsArray ? t.GetElementType() : t.IsGenericType ? t.GetGenericArguments().LastOrDefault() : null;
            return items == null || !IsPlainValue(items);
        }

        [Fact]
        public void TheTypesFileIsLoadedAndNamesRealTypesAndMembers()
        {
            // Applied by the root module with Update-TypeData -Force, so side-by-side copies do not collide.
            Assert.DoesNotMatch(@"TypesToProcess\s*=", Manifest);
            Assert.Contains("'AutoGlm.types.ps1xml'", File.ReadAllText(Path.Combine(Repo.Root, "AutoGlm.psm1")));
            var types = XDocument.Load(Path.Combine(Repo.Root, "AutoGlm.types.ps1xml"));
            foreach (var type in types.Root!.Elements("Type"))
            {
                var name = type.Element("Name")!.Value;
                var clr = _m.Engine.GetType(name);
                Assert.True(clr != null, $"AutoGlm.types.ps1xml names {name}, which the engine does not define");
                var properties = clr!.GetProperties().Select(p => p.Name).ToHashSet();
                foreach (var alias in type.Descendants("AliasProperty"))
                    Assert.Contains(alias.Element("ReferencedMemberName")!.Value, properties);
                foreach (var set in type.Descendants("ReferencedProperties").Elements("Name"))
                    Assert.Contains(set.Value, properties);
            }
        }

        [Fact]
        public void EveryOutputTypeWithNestedObjectsSurvivesRemotingSerialization()
        {
            var types = XDocument.Load(Path.Combine(Repo.Root, "AutoGlm.types.ps1xml"));
            var depth = types.Root!.Elements("Type").ToDictionary(
                t => t.Element("Name")!.Value,
                t => (int?)t.Descendants("NoteProperty").Where(n => n.Element("Name")!.Value == "SerializationDepth").Select(n => int.Parse(n.Element("Value")!.Value)).FirstOrDefault());
            foreach (var type in OurOutputTypes())
            {
                var nested = type.GetProperties().Where(p => IsNested(p.PropertyType)).Select(p => p.Name).ToList();
                if (nested.Count == 0) continue;
                // PowerShell looks the depth up along the type's base types too.
                int? declared = null;
                for (var t = type; t != null && declared == null; t = t.BaseType)
                    declared = depth.TryGetValue(t.FullName!, out var d) ? d : null;
                Assert.True(declared >= 2,
                    $"{type.FullName} has nested objects ({string.Join(", ", nested)}) but no SerializationDepth >= 2 in AutoGlm.types.ps1xml; Invoke-Command would turn them into strings");
            }
        }

        [Fact]
        public void RootModuleStopsWithBuildInstructionsWhenTheAssemblyIsMissing()
        {
            var psm1 = File.ReadAllText(Path.Combine(Repo.Root, "AutoGlm.psm1"));
            Assert.Contains("bin/AutoGlm.dll", psm1);
            Assert.Contains("build.ps1", psm1);
            Assert.Contains("Test-Path", psm1);
            Assert.DoesNotContain("Write-Host", psm1);
        }
    }
}
