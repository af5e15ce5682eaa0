using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Facts;
using AutoGlm.Tests.Support;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>
    /// The engine against NVIDIA's own binaries, which no one here wrote: the real libnvidia-ml.so.1 and nvidia-smi
    /// of each driver version pinned in tools/nvidia-artifacts/fetch.sh, on a machine without an NVIDIA driver
    /// (nvmlInit_v2 returns 9, nvidia-smi exits 9). What the engine binds and queries is read from the engine itself,
    /// so a newly bound NVML function or a newly queried nvidia-smi field is checked without touching these tests.
    /// </summary>
    public class RealNvidiaTests
    {
        private const string NoDriverMessage = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.";

        // ------------------------------------------------------------ what the engine uses, read from its IL

        /// <summary>Every NVML function name the engine binds: the string literal passed to each call of Nvml.Api.Bind.</summary>
        internal static IReadOnlyList<string> BoundNvmlFunctions()
        {
            var found = new SortedSet<string>(StringComparer.Ordinal);
            using var module = ModuleDefinition.ReadModule(typeof(Nvml).Assembly.Location);
            foreach (var method in AllTypes(module.Types).SelectMany(t => t.Methods).Where(m => m.HasBody))
            {
                foreach (var ins in method.Body.Instructions)
                {
                    if ((ins.OpCode != OpCodes.Call && ins.OpCode != OpCodes.Callvirt) || !(ins.Operand is MethodReference called)) continue;
                    if (called.Name != "Bind" || called.DeclaringType.FullName != "AutoGlm.Engine.Facts.Nvml/Api") continue;
                    Assert.True(ins.Previous?.OpCode == OpCodes.Ldstr,
                        $"{method.FullName} binds an NVML function whose name is not a string literal: the real-library test cannot check it");
                    found.Add((string)ins.Previous!.Operand);
                }
            }
            return found.ToList();
        }

        /// <summary>Every field the engine asks nvidia-smi for with --query-gpu: its legacy query's fields and each literal "--query-gpu=..." in the engine.</summary>
        internal static IReadOnlyList<string> QueriedSmiFields() =>
            new SortedSet<string>(GpuProbes.SmiFields.Concat(LiteralSmiFields()), StringComparer.Ordinal).ToList();

        /// <summary>The fields of each literal "--query-gpu=..." argument in the engine (the repair steps' driver_version, ...).</summary>
        internal static IReadOnlyList<string> LiteralSmiFields()
        {
            var found = new SortedSet<string>(StringComparer.Ordinal);
            using var module = ModuleDefinition.ReadModule(typeof(Nvml).Assembly.Location);
            foreach (var method in AllTypes(module.Types).SelectMany(t => t.Methods).Where(m => m.HasBody))
                foreach (var ins in method.Body.Instructions)
                    if (ins.OpCode == OpCodes.Ldstr && ins.Operand is string s && s.StartsWith("--query-gpu=", StringComparison.Ordinal))
                        foreach (var f in s.Substring("--query-gpu=".Length).Split(',').Where(f => f.Length > 0)) found.Add(f);
            return found.ToList();
        }

        private static IEnumerable<TypeDefinition> AllTypes(IEnumerable<TypeDefinition> types) =>
            types.SelectMany(t => new[] { t }.Concat(AllTypes(t.NestedTypes)));

        [RealNvidiaFact]
        public void TheEngineReadsItsBindingsAndQueries()
        {
            // The IL scans find what the engine is known to use: if these fail, the scan is broken, not the library.
            var bound = BoundNvmlFunctions();
            Assert.Contains("nvmlInit_v2", bound);
            Assert.Contains("nvmlDeviceGetPciInfo_v3", bound);
            Assert.Contains("nvmlShutdown", bound);
            Assert.True(bound.Count >= 15, string.Join(", ", bound));
            Assert.Contains("driver_version", LiteralSmiFields());   // the repair steps' proof: nvidia-smi --query-gpu=driver_version
            Assert.Contains("compute_cap", QueriedSmiFields());
        }

        // ------------------------------------------------------------ libnvidia-ml.so.1

        [RealNvidiaTheory]
        [MemberData(nameof(RealNvidia.Versions), MemberType = typeof(RealNvidia))]
        public void EveryNvmlFunctionTheEngineBindsIsExportedByTheRealLibrary(string version)
        {
            var library = RealNvidia.Library(version);
            var handle = NativeLibrary.Load(library);
            var missing = BoundNvmlFunctions().Where(f => !NativeLibrary.TryGetExport(handle, f, out _)).ToList();
            Assert.True(missing.Count == 0, $"libnvidia-ml.so.1 {version} does not export: {string.Join(", ", missing)}");
            // The loader and nm agree (nm -D lists what the package really ships).
            var exported = RealNvidia.ExportedFunctions(library);
            Assert.Empty(BoundNvmlFunctions().Except(exported));
        }

        [RealNvidiaTheory]
        [MemberData(nameof(RealNvidia.Versions), MemberType = typeof(RealNvidia))]
        public void TheRealInitFailureWithoutADriverIsDriverNotLoaded(string version)
        {
            var answer = Nvml.Query(RealNvidia.Library(version), TimeSpan.FromSeconds(30));
            Assert.False(answer.Ok);
            Assert.Equal(Nvml.DriverNotLoaded, answer.ReturnCode);
            Assert.Equal("nvmlInit_v2", answer.FailedCall);
            // The real nvmlErrorString text, then the engine's cause.
            Assert.Contains("nvmlInit_v2 returned 9 (\"Driver Not Loaded\")", answer.Error);
            Assert.Contains("NVML_ERROR_DRIVER_NOT_LOADED", answer.Error);
        }

        [RealNvidiaTheory]
        [MemberData(nameof(RealNvidia.Versions), MemberType = typeof(RealNvidia))]
        public void AutoglmTestWithTheRealLibraryReportsTheDriverNotLoaded(string version)
        {
            using var fx = FixtureHost.HealthyUbuntu();
            RealSmiOnPath(fx, version);
            var env = new Dictionary<string, string> { [Nvml.LibraryVariable] = RealNvidia.Library(version) };
            var r = Cli.Run(fx.PathVariable, env, "test", "--root", fx.RootPath, "--format", "json", "--id", "gpu.nvml");
            Assert.True(r.ExitCode == 1, $"exit {r.ExitCode} (1: a check failed)\n{r.Stderr}{r.Stdout}");
            var check = AutoGlm.Tests.EndToEnd.CliEndToEndTests.Checks(r.Stdout).Single();
            Assert.Equal("fail", check["status"]);
            Assert.Contains("kernel module is not loaded", (string)check["message"]!);
            Assert.Contains("nvmlInit_v2 returned 9 (\"Driver Not Loaded\")", (string)check["observed"]!);
            Assert.Contains("NVML_ERROR_DRIVER_NOT_LOADED", (string)check["observed"]!);
            Assert.Contains("modprobe nvidia", (string)check["remediation"]!);
        }

        // ------------------------------------------------------------ nvidia-smi

        /// <summary>The fixture's nvidia-smi becomes the real one, with the real library beside it (LD_LIBRARY_PATH: it is unpacked, not installed).</summary>
        private static void RealSmiOnPath(FixtureHost fx, string version) =>
            fx.Tool("nvidia-smi", $"LD_LIBRARY_PATH='{RealNvidia.LibraryDir(version)}' exec '{RealNvidia.Smi(version)}' \"$@\"");

        [RealNvidiaTheory]
        [MemberData(nameof(RealNvidia.Versions), MemberType = typeof(RealNvidia))]
        public void TheRealNvidiaSmiWithoutADriverExits9AndIsClassified(string version)
        {
            // What nvidia-smi itself says, for each call the engine makes.
            foreach (var args in new[] { GpuProbes.SmiLogArgv.Skip(1).ToArray(), GpuProbes.SmiQuery(true).Skip(1).ToArray() })
            {
                var r = RealNvidia.Run(RealNvidia.Smi(version), RealNvidia.LibraryDir(version), args);
                Assert.Equal(9, r.ExitCode);
                Assert.StartsWith(NoDriverMessage, r.Stdout);
                var facts = new GpuFacts();
                Assert.Contains(Nvml.Cause(Nvml.DriverNotLoaded), GpuProbes.ClassifySmiError((r.Stdout + "\n" + r.Stderr).Trim(), r.ExitCode, facts));
                Assert.Equal(Nvml.DriverNotLoaded, facts.QueryErrorCode);
            }

            // And through the probe and the check, as `autoglm test` runs it when NVML is not used.
            using var fx = FixtureHost.HealthyUbuntu();
            RealSmiOnPath(fx, version);
            var run = HostCheckTests.Evaluate(fx);
            var gpu = run.Facts.Get<GpuFacts>();
            Assert.Equal("nvidia-smi", gpu.QuerySource);
            Assert.Equal(Nvml.DriverNotLoaded, gpu.QueryErrorCode);
            var check = run.Results.Single(c => c.Id == "gpu.nvml");
            Assert.Equal(CheckStatus.Fail, check.Status);
            Assert.Contains("kernel module is not loaded", check.Message);
        }

        [RealNvidiaTheory]
        [MemberData(nameof(RealNvidia.Versions), MemberType = typeof(RealNvidia))]
        public void TheRealNvidiaSmiWithoutItsLibraryIsLibraryNotFound(string version)
        {
            var r = RealNvidia.Run(RealNvidia.Smi(version), "", GpuProbes.SmiLogArgv.Skip(1).ToArray());
            Assert.Equal(Nvml.LibraryNotFound, r.ExitCode);
            Assert.StartsWith("NVIDIA-SMI couldn't find libnvidia-ml.so library in your system.", r.Stdout);
            var facts = new GpuFacts();
            var error = GpuProbes.ClassifySmiError((r.Stdout + "\n" + r.Stderr).Trim(), r.ExitCode, facts);
            Assert.Equal(Nvml.LibraryNotFound, facts.QueryErrorCode);
            Assert.Contains("NVML_ERROR_LIBRARY_NOT_FOUND", error);
        }

        [Fact]
        public void NvidiaSmiWithoutItsLibraryIsNoUserSpaceDriver()
        {
            // The real binary's text without libnvidia-ml (captured from it; runs without the downloaded artifacts).
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Smi("nvidia-smi--no-libnvidia-ml-rc12.txt", exitCode: 12);
            var run = HostCheckTests.Evaluate(fx);
            Assert.Equal(Nvml.LibraryNotFound, run.Facts.Get<GpuFacts>().QueryErrorCode);
            var check = run.Results.Single(c => c.Id == "gpu.nvml");
            Assert.Equal(CheckStatus.Fail, check.Status);
            Assert.Contains("No NVIDIA user-space driver is installed", check.Message);
            Assert.Contains("NVML_ERROR_LIBRARY_NOT_FOUND", check.Observed);
        }

        [RealNvidiaTheory]
        [MemberData(nameof(RealNvidia.Versions), MemberType = typeof(RealNvidia))]
        public void TheRealHelpQueryGpuListsEveryFieldTheEngineQueries(string version)
        {
            // Without a driver nvidia-smi will not even print its help: it initializes NVML first.
            var refused = RealNvidia.Run(RealNvidia.Smi(version), RealNvidia.LibraryDir(version), "--help-query-gpu");
            Assert.Equal(9, refused.ExitCode);

            using var dir = new TempDir("autoglm-nvml-stub");
            RealNvidia.SuccessStub(version, dir.Path);
            var help = RealNvidia.Run(RealNvidia.Smi(version), dir.Path, "--help-query-gpu");
            Assert.True(help.ExitCode == 0, $"exit {help.ExitCode}: {help.Stdout}{help.Stderr}");
            Assert.StartsWith("List of valid properties to query for the switch \"--query-gpu\":", help.Stdout.TrimStart());
            // Each property is a line of quoted names: "name" or "gpu_name".
            var known = new HashSet<string>(help.Stdout.Split('\n').Where(l => l.StartsWith("\"", StringComparison.Ordinal))
                .SelectMany(l => Regex.Matches(l, "\"([^\"]+)\"").Select(m => m.Groups[1].Value)), StringComparer.Ordinal);
            Assert.True(known.Count > 100, $"only {known.Count} fields parsed from --help-query-gpu");
            var unknown = QueriedSmiFields().Where(f => !known.Contains(f)).ToList();
            Assert.True(unknown.Count == 0, $"nvidia-smi {version} does not know --query-gpu fields the engine asks for: {string.Join(", ", unknown)}");
        }

        [RealNvidiaTheory]
        [MemberData(nameof(RealNvidia.Versions), MemberType = typeof(RealNvidia))]
        public void TheRealRefusalOfAnUnknownFieldIsWhatTheEngineRetriesOn(string version)
        {
            // The legacy query drops compute_cap when nvidia-smi refuses it (drivers before about 510): that refusal, for real.
            using var dir = new TempDir("autoglm-nvml-stub");
            RealNvidia.SuccessStub(version, dir.Path);
            var argv = new[] { "--query-gpu=name,autoglm_no_such_field", "--format=csv,noheader,nounits" };
            var r = RealNvidia.Run(RealNvidia.Smi(version), dir.Path, argv);
            Assert.Contains("Field \"autoglm_no_such_field\" is not a valid field to query.", r.Stdout + r.Stderr);
            var run = new AutoGlm.Engine.Hosting.CommandResult(new[] { "nvidia-smi" }.Concat(argv).ToList(), AutoGlm.Engine.Hosting.CommandStatus.Completed,
                r.ExitCode, r.Stdout, r.Stderr, TimeSpan.Zero, TimeSpan.FromSeconds(10));
            Assert.True(GpuProbes.RejectsAField(run), $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
        }
    }
}
