using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// Issue 21, "options declared once": every cmdlet and its `autoglm` twin take the same inputs. The cmdlet's
    /// parameters come from the built AutoGlm.dll (its [Parameter] properties, and -WhatIf where it supports
    /// ShouldProcess); the command's options from what it passes to Args.Parse in src/AutoGlm.Cli (the literals and
    /// the shared arrays such as PlanRunner.ValueOptions/FlagOptions). PascalCase pairs with kebab-case unless
    /// <see cref="Renames"/> says otherwise; what one face has on purpose and the other lacks is in
    /// <see cref="CliOnly"/> and <see cref="PowerShellOnly"/>, each with its reason. Common parameters (-Verbose,
    /// -ErrorAction...) and -Confirm are not paired: the CLI asks at a terminal unless --force, as -Confirm does.
    /// </summary>
    public class FaceOptionsContractTests : IClassFixture<ModuleContractFixture>
    {
        private readonly ModuleContractFixture _m;
        public FaceOptionsContractTests(ModuleContractFixture m) { _m = m; }

        /// <summary>
        /// Each CLI command and its cmdlet. The command's help names the cmdlet in parentheses
        /// (<see cref="EachCommandsHelpNamesItsCmdlet"/>), so this table cannot drift from what users read.
        /// </summary>
        private static readonly Dictionary<string, string> Twins = new Dictionary<string, string>
        {
            ["test"] = "Test-AutoGlmEnvironment",
            ["gpu"] = "Get-AutoGlmGpu",
            ["resolve"] = "Resolve-AutoGlmStack",
            ["matrix"] = "Get-AutoGlmMatrix",
            ["snapshot export"] = "Export-AutoGlmHostSnapshot",
            ["install"] = "Install-AutoGlmHost",
            ["install-driver"] = "Install-AutoGlmDriver",
            ["install-cuda"] = "Install-AutoGlmCuda",
            ["repair-driver"] = "Repair-AutoGlmDriver",
            ["repo migrate"] = "Update-AutoGlmRepository",
            ["venv lock"] = "New-AutoGlmLockFile",
            ["venv sync"] = "Sync-AutoGlmPythonEnvironment",
            ["service register"] = "Register-AutoGlmService",
            ["service unregister"] = "Unregister-AutoGlmService",
            ["service status"] = "Get-AutoGlmService",
            ["kit export"] = "Export-AutoGlmOfflineKit",
            ["kit verify"] = "Test-AutoGlmOfflineKit",
        };

        /// <summary>CLI commands that are no cmdlet's twin, and why.</summary>
        private static readonly Dictionary<string, string> CommandsWithoutCmdlet = new Dictionary<string, string>
        {
            // Same Args.Parse call as venv sync, so the same options; compared there.
            ["venv create"] = "an alias of venv sync",
            ["venv check"] = "a shortcut for Test-AutoGlmEnvironment -Category python -Id python.venv.drift, python.torch.cuda",
            ["repo status"] = "TODO(issue 21): no Get-AutoGlmRepository cmdlet yet; a missing command, not a missing option",
            ["bench"] = "a developer's benchmark for docs/perf.md, not a user command",
        };

        /// <summary>Cmdlets that are no CLI command's twin, and why.</summary>
        private static readonly Dictionary<string, string> CmdletsWithoutCommand = new Dictionary<string, string>
        {
            ["Export-AutoGlmReport"] = "the CLI writes reports as it tests: autoglm test --format json|junit|prometheus --out FILE",
        };

        /// <summary>
        /// Names that differ on purpose: (cmdlet, or "*" for every cmdlet that has the parameter; parameter; option).
        /// PowerShell spells units and kinds into names (-TimeoutSec, -MatrixPath: PowerShell's own -TimeoutSec and
        /// -LiteralPath conventions); the CLI says them in its help (--timeout SECONDS, --matrix FILE).
        /// </summary>
        private static readonly (string Cmdlet, string Parameter, string Option)[] Renames =
        {
            ("*", "MatrixPath", "matrix"),
            ("*", "FactsPath", "facts"),
            ("*", "InstallerPath", "installer"),
            ("*", "TimeoutSec", "timeout"),
            ("*", "LockTimeoutSec", "lock-timeout"),
            ("*", "HealthTimeoutSec", "health-timeout"),
            // PowerShell says what the switch does (Allow...); the CLI names the thing, as NVIDIA's documentation does.
            ("*", "AllowMinorVersionCompatibility", "minor-version-compatibility"),
            // -WhatIf is PowerShell's (SupportsShouldProcess); --what-if is PlanRunner's.
            ("*", "WhatIf", "what-if"),
            // Test-AutoGlmEnvironment's other switches say what they add to the run; the CLI's --runtime is its check category.
            ("Test-AutoGlmEnvironment", "IncludeRuntime", "runtime"),
            // Export-* cmdlets write to -Path; the CLI says where the files go with --out, as test --out does.
            ("Export-AutoGlmHostSnapshot", "Path", "out"),
            ("Export-AutoGlmOfflineKit", "Path", "out"),
            ("Export-AutoGlmOfflineKit", "LockPath", "lock"),
            // The kit's folder: the first argument of `kit verify` (or --kit), Install-AutoGlmHost's -OfflineKit as the issue names it.
            ("Test-AutoGlmOfflineKit", "Path", "kit"),
            ("Install-AutoGlmHost", "OfflineKit", "kit"),
            ("Install-AutoGlmHost", "OfflineKitId", "kit-id"),
            ("Install-AutoGlmHost", "LockPath", "lock"),
            // Inside `autoglm venv`, the venv, its lock and its Python need no prefix.
            ("Sync-AutoGlmPythonEnvironment", "VenvPath", "path"),
            ("Sync-AutoGlmPythonEnvironment", "LockPath", "lock"),
            ("Sync-AutoGlmPythonEnvironment", "PythonVersion", "python"),
            // Inside `autoglm service`, --venv and --repository are directories by their help, --env KEY=VALUE is repeated.
            ("Register-AutoGlmService", "VenvPath", "venv"),
            ("Register-AutoGlmService", "RepositoryPath", "repository"),
            ("Register-AutoGlmService", "Environment", "env"),
            // -CheckId binds Test-AutoGlmEnvironment's results by their Id (alias -Id); --check ID is repeated.
            ("Repair-AutoGlmDriver", "CheckId", "check"),
        };

        /// <summary>Options only the CLI has on purpose: (command, or "*" for every command that has it; option; why).</summary>
        private static readonly (string Command, string Option, string Why)[] CliOnly =
        {
            ("*", "format", "PowerShell returns objects; Format-Table, ConvertTo-Json and Export-AutoGlmReport shape them"),
            ("*", "verbose", "maps to the common parameter -Verbose, which every cmdlet has"),
            ("test", "out", "PowerShell pipes the results to Export-AutoGlmReport -Path, which writes the file the same way"),
            ("matrix", "validate", "Get-AutoGlmMatrix always loads and validates the merged matrix (an invalid one is the terminating "
                + "MatrixInvalid error), so Get-AutoGlmMatrix -MatrixPath site.yaml is the check; --validate only swaps the listing for counts"),
            // venv lock and venv sync share one Args.Parse call; lock refuses these with a usage error before anything
            // runs ("they belong to 'venv sync'"), and New-AutoGlmLockFile rightly has none of them.
            ("venv lock", "lock", "venv sync's; refused by venv lock"),
            ("venv lock", "path", "venv sync's; refused by venv lock"),
            ("venv lock", "python", "venv sync's; refused by venv lock"),
        };

        /// <summary>Parameters only the cmdlet has on purpose: (cmdlet; parameter; why).</summary>
        private static readonly (string Cmdlet, string Parameter, string Why)[] PowerShellOnly =
        {
            ("Test-AutoGlmEnvironment", "Triage", "the CLI triages when --snapshot names a folder of snapshots or is given more than once; "
                + "a cmdlet sees piped snapshots one at a time and cannot tell, so it is told"),
            ("Export-AutoGlmHostSnapshot", "WhatIf", "comes with SupportsShouldProcess, which a cmdlet that writes files has; the CLI's --what-if "
                + "previews changes to the managed host (the plan commands), and snapshot export writes only the operator's --out folder, as test --out does"),
            ("Export-AutoGlmOfflineKit", "WhatIf", "the same as Export-AutoGlmHostSnapshot: the kit export writes only the operator's --out folder on the connected machine, never the managed host"),
        };

        // ---------------------------------------------------------------------------------------------- the test

        [Fact]
        public void EveryCmdletParameterHasACliOptionAndEveryCliOptionACmdletParameter()
        {
            var commands = CliCommands().ToDictionary(c => c.Name);
            var cmdlets = _m.Cmdlets.ToDictionary(_m.Name);
            var used = new HashSet<object>();
            var mismatches = new List<string>();
            foreach (var (command, cmdlet) in Twins)
            {
                Assert.True(commands.ContainsKey(command), $"Twins names 'autoglm {command}', which no Args.Parse call declares");
                Assert.True(cmdlets.ContainsKey(cmdlet), $"Twins names {cmdlet}, which the module does not have");
                mismatches.AddRange(Compare(cmdlet, Parameters(cmdlets[cmdlet]), commands[command], used));
            }
            var stale = Renames.Cast<object>().Concat(CliOnly.Cast<object>()).Concat(PowerShellOnly.Cast<object>()).Where(e => !used.Contains(e)).ToList();
            Assert.True(mismatches.Count == 0,
                "The cmdlet and its CLI twin take different options. Add the missing one (the same engine request property the other face sets, "
                + "with help), or, if the difference is on purpose, list it in FaceOptionsContractTests with the reason:\n" + string.Join("\n", mismatches));
            Assert.True(stale.Count == 0, "entries in FaceOptionsContractTests that match nothing any more; remove them:\n" + string.Join("\n", stale));
        }

        [Fact]
        public void EveryCommandAndEveryCmdletIsPairedOrSaysWhyNot()
        {
            var commands = CliCommands().Select(c => c.Name).ToList();
            Assert.Equal(commands.Count, commands.Distinct().Count());
            var unpaired = commands.Where(c => !Twins.ContainsKey(c) && !CommandsWithoutCmdlet.ContainsKey(c)).Select(c => $"autoglm {c}")
                .Concat(_m.Cmdlets.Select(_m.Name).Where(c => !Twins.ContainsValue(c) && !CmdletsWithoutCommand.ContainsKey(c)))
                .ToList();
            Assert.True(unpaired.Count == 0, "pair these in FaceOptionsContractTests.Twins, or say why they have no twin: " + string.Join(", ", unpaired));
            Assert.All(CommandsWithoutCmdlet.Keys, c => Assert.Contains(c, commands));
            Assert.All(CmdletsWithoutCommand.Keys, c => Assert.Contains(c, _m.Cmdlets.Select(_m.Name)));
            Assert.Equal(Twins.Count, Twins.Values.Distinct().Count());
        }

        [Fact]
        public void EachCommandsHelpNamesItsCmdlet()
        {
            var cli = Assembly.LoadFrom(Repo.CliDll);
            var missing = new List<string>();
            foreach (var c in CliCommands().Where(c => Twins.ContainsKey(c.Name)))
            {
                var help = HelpOf(cli, c);
                if (!Regex.IsMatch(help, @"\([^()]*(?<![\w-])" + Regex.Escape(Twins[c.Name]) + @"(?![\w-])[^()]*\)"))
                    missing.Add($"autoglm {c.Name} --help does not name ({Twins[c.Name]})");
            }
            Assert.True(missing.Count == 0, string.Join("\n", missing));
        }

        [Fact]
        public void TheScanReadsTheDeclarations()
        {
            var commands = CliCommands().ToDictionary(c => c.Name);
            Assert.True(commands.Count >= 18, $"only {commands.Count} commands found: the scan is broken");
            Assert.Contains("matrix", commands["test"].Values);
            Assert.Contains("list-checks", commands["test"].Flags);
            // PlanRunner's shared options reach every plan command, directly and through ServiceCommand's Parse helper.
            foreach (var plan in new[] { "install", "install-driver", "repair-driver", "repo migrate", "venv sync", "service register", "service unregister" })
            {
                Assert.Contains("lock-timeout", commands[plan].Values);
                Assert.Contains("what-if", commands[plan].Flags);
            }
            Assert.Contains("health-timeout", commands["service register"].Values);
            Assert.DoesNotContain("what-if", commands["service status"].Flags);
            var test = Parameters(_m.Cmdlets.Single(t => _m.Name(t) == "Test-AutoGlmEnvironment"));
            Assert.True(test["Quiet"]);
            Assert.False(test["Profile"]);
            Assert.DoesNotContain("WhatIf", test.Keys);
            var repair = Parameters(_m.Cmdlets.Single(t => _m.Name(t) == "Repair-AutoGlmDriver"));
            Assert.True(repair["WhatIf"]);
            Assert.False(repair["LockTimeoutSec"]); // from PlanCmdlet
        }

        [Fact]
        public void AMismatchIsReportedInBothDirectionsWithTheCmdletAndTheCommand()
        {
            var cli = new CliCommand("frob", "Frob.cs", new HashSet<string> { "name", "colour" }, new HashSet<string> { "loud" });
            var ps = new Dictionary<string, bool> { ["Name"] = false, ["Size"] = false, ["Loud"] = false };
            var found = Compare("Invoke-Frob", ps, cli, new HashSet<object>());
            Assert.Equal(new[]
            {
                "Invoke-Frob -Loud: takes a value, but autoglm frob --loud is a flag",
                "Invoke-Frob -Size: no CLI option",
                "autoglm frob --colour: no cmdlet parameter",
            }, found.OrderBy(m => m.StartsWith("autoglm", StringComparison.Ordinal)).ThenBy(m => m, StringComparer.Ordinal));
        }

        // ---------------------------------------------------------------------------------------------- pairing

        internal static string Kebab(string pascal) => Regex.Replace(pascal, "(?<=[a-z0-9])([A-Z])", "-$1").ToLowerInvariant();

        private static IEnumerable<string> Compare(string cmdlet, IReadOnlyDictionary<string, bool> parameters, CliCommand command, HashSet<object> used)
        {
            var options = command.Values.Select(v => (Name: v, Flag: false)).Concat(command.Flags.Select(f => (Name: f, Flag: true))).ToDictionary(o => o.Name, o => o.Flag);
            string OptionFor(string parameter)
            {
                // A rename for this cmdlet wins over one for every cmdlet.
                var rename = Renames.Where(r => (r.Cmdlet == cmdlet || r.Cmdlet == "*") && r.Parameter == parameter)
                    .OrderBy(r => r.Cmdlet == "*").Cast<(string Cmdlet, string Parameter, string Option)?>().FirstOrDefault();
                if (rename == null) return Kebab(parameter);
                used.Add(rename.Value);
                return rename.Value.Option;
            }
            var paired = new HashSet<string>();
            foreach (var (parameter, isSwitch) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var option = OptionFor(parameter);
                if (options.TryGetValue(option, out var isFlag))
                {
                    paired.Add(option);
                    if (isSwitch != isFlag)
                        yield return $"{cmdlet} -{parameter}: {(isSwitch ? "a switch" : "takes a value")}, but autoglm {command.Name} --{option} {(isFlag ? "is a flag" : "takes a value")}";
                    continue;
                }
                var why = PowerShellOnly.Where(e => e.Cmdlet == cmdlet && e.Parameter == parameter).Cast<(string, string, string)?>().FirstOrDefault();
                if (why != null) { used.Add(why.Value); continue; }
                yield return $"{cmdlet} -{parameter}: no CLI option";
            }
            foreach (var option in options.Keys.Where(o => !paired.Contains(o)).OrderBy(o => o, StringComparer.Ordinal))
            {
                var why = CliOnly.Where(e => (e.Command == command.Name || e.Command == "*") && e.Option == option)
                    .OrderBy(e => e.Command == "*").Cast<(string, string, string)?>().FirstOrDefault();
                if (why != null) { used.Add(why.Value); continue; }
                yield return $"autoglm {command.Name} --{option}: no cmdlet parameter";
            }
        }

        // ---------------------------------------------------------------------------------------------- the cmdlet face

        /// <summary>The cmdlet's [Parameter] properties (inherited ones included) and -WhatIf where it supports ShouldProcess; true for a switch.</summary>
        private Dictionary<string, bool> Parameters(Type cmdlet)
        {
            var parameters = cmdlet.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute"))
                .ToDictionary(p => p.Name, p => p.PropertyType.FullName == "System.Management.Automation.SwitchParameter");
            if (_m.Named(_m.CmdletAttribute(cmdlet), "SupportsShouldProcess") as bool? == true) parameters["WhatIf"] = true;
            return parameters;
        }

        // ---------------------------------------------------------------------------------------------- the CLI face

        internal sealed class CliCommand
        {
            public CliCommand(string name, string file, HashSet<string> values, HashSet<string> flags) { Name = name; File = file; Values = values; Flags = flags; }
            public string Name { get; }
            /// <summary>The source file of the Args.Parse call; its class holds the command's Help.</summary>
            public string File { get; }
            public HashSet<string> Values { get; }
            public HashSet<string> Flags { get; }
            public override string ToString() => Name;
        }

        /// <summary>
        /// Command names that are not a literal in the Args.Parse call: the expression as written, and the commands it
        /// stands for (VenvCommand.Run sends lock, sync and create to one Apply).
        /// </summary>
        private static readonly Dictionary<string, string[]> CommandExpressions = new Dictionary<string, string[]>
        {
            ["\"venv \" + sub"] = new[] { "venv lock", "venv sync", "venv create" },
        };

        private static string CliDir => Path.Combine(Repo.Root, "src", "AutoGlm.Cli");

        /// <summary>Every command the CLI declares, with the options of its Args.Parse call.</summary>
        internal static List<CliCommand> CliCommands()
        {
            var sources = Directory.GetFiles(CliDir, "*.cs").OrderBy(f => f, StringComparer.Ordinal)
                .ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => CSharpText.WithoutComments(File.ReadAllText(f)));
            var arrays = SharedArrays(sources);
            var commands = new List<CliCommand>();
            foreach (var (file, text) in sources)
            {
                // A local helper that wraps Args.Parse (ServiceCommand's Parse(argv, command, params values)): its own
                // call is skipped, and each call of the helper is read through it.
                var helpers = new List<(string[] Parameters, List<string> Body, int Start, int End)>();
                foreach (Match h in Regex.Matches(text, @"\bstatic\s+Args\s+Parse\s*\(([^)]*)\)\s*=>\s*Args\.Parse\s*\("))
                {
                    var open = h.Index + h.Length - 1;
                    var names = h.Groups[1].Value.Split(',').Select(p => p.Trim().Split(' ').Last()).ToArray();
                    helpers.Add((names, CSharpText.Arguments(text, open), h.Index, CSharpText.Close(text, open)));
                }
                foreach (Match m in Regex.Matches(text, @"\bArgs\.Parse\s*\("))
                {
                    if (helpers.Any(h => m.Index > h.Start && m.Index < h.End)) continue;
                    commands.AddRange(Declared(file, text, CSharpText.Arguments(text, m.Index + m.Length - 1), arrays));
                }
                foreach (Match m in Regex.Matches(text, @"(?<![\w.])Parse\s*\("))
                {
                    if (helpers.Count == 0 || helpers.Any(h => m.Index >= h.Start && m.Index < h.End)) continue;
                    Assert.True(helpers.Count == 1, $"{file}: more than one Parse helper; teach FaceOptionsContractTests to tell them apart");
                    var (names, body, _, _) = helpers[0];
                    var call = CSharpText.Arguments(text, m.Index + m.Length - 1);
                    // Bind the helper's parameters (the last one is params string[]) and read its Args.Parse through them.
                    var bound = new Dictionary<string, string>();
                    for (int i = 0; i < names.Length - 1; i++) bound[names[i]] = call[i];
                    bound[names[^1]] = "new[] { " + string.Join(", ", call.Skip(names.Length - 1)) + " }";
                    var args = body.Select(a => Regex.Replace(a, @"(?<![\w.""])(\w+)(?![\w""])", x => bound.TryGetValue(x.Value, out var v) ? v : x.Value)).ToList();
                    commands.AddRange(Declared(file, text, args, arrays));
                }
            }
            return commands;
        }

        /// <summary>The commands one Args.Parse(argv, command, valueOptions, flagOptions) call declares.</summary>
        private static IEnumerable<CliCommand> Declared(string file, string text, List<string> args, IReadOnlyDictionary<string, string[]> arrays)
        {
            Assert.True(args.Count == 4, $"{file}: an Args.Parse call with {args.Count} arguments: {string.Join(", ", args)}");
            string[] names;
            var literal = Regex.Match(args[1], "^\"([a-z][a-z -]*)\"$");
            if (literal.Success) names = new[] { literal.Groups[1].Value };
            else if (!CommandExpressions.TryGetValue(args[1], out names!))
                throw new Xunit.Sdk.XunitException($"{file}: which commands does Args.Parse(..., {args[1]}, ...) declare? Add it to FaceOptionsContractTests.CommandExpressions");
            var values = Options(file, args[2], arrays);
            var flags = Options(file, args[3], arrays);
            return names.Select(n => new CliCommand(n, file, values, flags));
        }

        /// <summary>
        /// The option names an expression lists: string literals, shared string arrays (PlanRunner.ValueOptions, a file's
        /// own static readonly string[]), joined by Concat. Anything else fails: it could hide options from this test.
        /// </summary>
        private static HashSet<string> Options(string file, string expression, IReadOnlyDictionary<string, string[]> arrays)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var rest = Regex.Replace(expression, "\"([^\"\\\\]*)\"", m =>
            {
                Assert.Matches("^[a-z][a-z-]*$", m.Groups[1].Value);
                names.Add(m.Groups[1].Value);
                return " ";
            });
            rest = Regex.Replace(rest, @"\b(?:(\w+)\.)?(\w+)\b(?!\s*[(<])", m =>
            {
                var key = m.Groups[1].Success ? m.Groups[1].Value + "." + m.Groups[2].Value : file + "." + m.Groups[2].Value;
                if (!arrays.TryGetValue(key, out var list)) return m.Value;
                names.UnionWith(list);
                return " ";
            });
            rest = Regex.Replace(rest, @"\.Concat\b|\bnew\s*(?:string)?\s*\[\s*0?\s*\]|\bArray\.Empty<string>\(\)|\bnew\s+string\s*\[\s*\]", " ");
            Assert.True(Regex.IsMatch(rest, @"^[\s(){},]*$"), $"{file}: cannot read the options of '{expression}' (left: '{rest.Trim()}')");
            return names;
        }

        /// <summary>Every `static readonly string[] Name = { "a", ... }` in the CLI, by Class.Name (the file names its class).</summary>
        private static Dictionary<string, string[]> SharedArrays(IReadOnlyDictionary<string, string> sources)
        {
            var arrays = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var (file, text) in sources)
                foreach (Match m in Regex.Matches(text, @"\bstatic\s+readonly\s+string\[\]\s+(\w+)\s*=\s*(?:new\s*(?:string)?\s*\[\s*\]\s*)?\{([^}]*)\}"))
                    arrays[file + "." + m.Groups[1].Value] = Regex.Matches(m.Groups[2].Value, "\"([a-z][a-z-]*)\"").Select(x => x.Groups[1].Value).ToArray();
            Assert.Contains("PlanRunner.ValueOptions", arrays.Keys);
            Assert.Contains("PlanRunner.FlagOptions", arrays.Keys);
            return arrays;
        }

        /// <summary>The help of the class that declares the command: its Help constant, or its Help(command) method.</summary>
        private static string HelpOf(Assembly cli, CliCommand command)
        {
            var type = cli.GetType("AutoGlm.Cli." + command.File) ?? throw new Xunit.Sdk.XunitException($"no type AutoGlm.Cli.{command.File} in {Repo.CliDll}");
            if (type.GetField("Help", BindingFlags.Public | BindingFlags.Static) is FieldInfo field) return (string)field.GetValue(null)!;
            var method = type.GetMethod("Help", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null)
                ?? throw new Xunit.Sdk.XunitException($"{type.Name} has neither a Help constant nor Help(string command)");
            return (string)method.Invoke(null, new object[] { command.Name })!;
        }
    }
}
