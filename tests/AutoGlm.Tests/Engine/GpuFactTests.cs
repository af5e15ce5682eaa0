using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>The GPU/driver parsers against the real-world captures in tests/fixtures/realworld.</summary>
    public class GpuFactTests
    {
        private static string Read(string name) => File.ReadAllText(FixtureHost.Realworld(name));

        private static IEnumerable<string> Fixtures(string prefix) =>
            Directory.GetFiles(Path.Combine(Repo.Root, "tests", "fixtures", "realworld"), prefix + "*").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal)!;

        private static CommandResult Ran(string stdout, int exitCode = 0, string stderr = "") =>
            new CommandResult(GpuProbes.SmiQuery(true), CommandStatus.Completed, exitCode, stdout, stderr, TimeSpan.Zero, TimeSpan.FromSeconds(10));

        // ------------------------------------------------------------ nvidia-smi -q -x (issue 22)

        private static CommandResult RanLog(string stdout, int exitCode = 0, string stderr = "") =>
            new CommandResult(GpuProbes.SmiLogArgv, CommandStatus.Completed, exitCode, stdout, stderr, TimeSpan.Zero, TimeSpan.FromSeconds(10));

        [Theory]
        // Real captures (excerpts) of three DTD generations, and the v13 logs derived from the real H100/H200/RTX captures.
        [InlineData("nvidia-smi--q-x-v100s-460.73.01-v11-excerpt.xml", "460.73.01", "11.2", "Tesla V100S-PCIE-32GB", "00000000:00:0D.0", "0x1df6", 32510L, 32768L, false, true)]
        [InlineData("nvidia-smi--q-x-l4-555.42.06-v12-excerpt.xml", "555.42.06", "12.5", "NVIDIA L4", "00000000:01:00.0", "0x27b8", 23034L, 32768L, false, true)]
        [InlineData("nvidia-smi--q-x-h100-590.48.01-v13-DERIVED.xml", "590.48.01", "13.1", "NVIDIA H100 80GB HBM3", "00000000:00:09.0", "0x2330", 81559L, 131072L, true, true)]
        [InlineData("nvidia-smi--q-x-h200-610.43.02-v13-DERIVED.xml", "610.43.02", "13.3", "NVIDIA H200", "00000000:83:00.0", "0x2335", 143771L, 131072L, true, true)]
        [InlineData("nvidia-smi--q-x-rtx4080super-595.71.05-v13-DERIVED.xml", "595.71.05", "13.2", "NVIDIA GeForce RTX 4080 SUPER", "00000000:01:00.0", "0x2702", 16376L, 256L, false, null)]
        public void SmiLogGivesVersionsAndGpusOnEveryDriverBranch(string file, string driver, string cuda, string name, string bus, string device, long mib, long bar1, bool persistence, bool? ecc)
        {
            var log = SmiLog.Parse(Read(file), out var outside)!;
            Assert.Equal("", outside.Trim());
            Assert.Equal(driver, log.DriverVersion);
            Assert.Equal(cuda, log.CudaVersion);
            var g = log.Gpus.First();
            Assert.Equal(name, g.Name);
            Assert.Equal(bus, g.PciBusId);
            Assert.Equal(device, g.PciDeviceId);
            Assert.Equal(mib, g.MemoryMiB);
            Assert.Equal(bar1, g.Bar1MiB);
            Assert.Equal(persistence, g.PersistenceMode);
            Assert.Equal(ecc, g.EccEnabled);
            Assert.StartsWith("GPU-", g.Uuid);

            var facts = new GpuFacts();
            GpuProbes.ApplySmiLog(RanLog(Read(file)), facts);
            Assert.Null(facts.QueryError);
            Assert.Equal(driver, facts.DriverVersion);
            Assert.Equal(cuda, facts.CudaDriverVersion);
            Assert.All(facts.Gpus, x => Assert.Equal("nvidia-smi", x.Source));
        }

        [Fact]
        public void TheDeprecatedVersionsOf610GiveWayToKmdAndUmd()
        {
            // From 610 driver_version / cuda_version are deprecated (the -q text marks them so); kmd_version and cuda_umd_version win.
            var text = Read("nvidia-smi--q-x-h200-610.43.02-v13-DERIVED.xml")
                .Replace("<driver_version>610.43.02</driver_version>", "<driver_version>610.43.02 [Deprecated; will be removed in CUDA 14.0. Use KMD Version instead]</driver_version>")
                .Replace("<cuda_version>13.3</cuda_version>", "<cuda_version>N/A</cuda_version>");
            var log = SmiLog.Parse(text, out _)!;
            Assert.Equal("610.43.02", log.DriverVersion);
            Assert.Equal("13.3", log.CudaVersion);
        }

        [Theory]
        [InlineData("nvidia-smi--driver-library-mismatch-550-rc18.txt", 18, 18)]
        [InlineData("nvidia-smi--no-driver-couldnt-communicate.txt", 9, 9)]
        [InlineData("nvidia-smi--no-devices-were-found.txt", 6, 6)]
        [InlineData("nvidia-smi--device-handle-unknown-error-gpu-lost-newer-format.txt", 15, 15)]
        public void SmiLogFailuresKeepTheirDiagnosis(string file, int exitCode, int code)
        {
            // nvidia-smi prints the same failure texts whatever the output format asked for.
            var facts = new GpuFacts();
            GpuProbes.ApplySmiLog(RanLog(Read(file), exitCode), facts);
            Assert.NotNull(facts.QueryError);
            Assert.Equal(code, facts.QueryErrorCode);
            Assert.Empty(facts.Gpus);
        }

        [Fact]
        public void AWarningPrintedBeforeTheLogDoesNotHideTheGpus()
        {
            var facts = new GpuFacts();
            GpuProbes.ApplySmiLog(RanLog("WARNING: infoROM is corrupted at gpu 0000:00:09.0\n" + Read(FixtureHost.H100Log)), facts);
            Assert.Null(facts.QueryError);
            Assert.Single(facts.Gpus);
            var garbage = new GpuFacts();
            GpuProbes.ApplySmiLog(RanLog("<nvidia_smi_log><gpu>"), garbage);
            Assert.Contains("printed no GPU", garbage.QueryError);
        }

        public static IEnumerable<object[]> QueryCaptures() => Fixtures("nvidia-smi--query-gpu-autoglm-fields-noheader-nounits-").Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(QueryCaptures))]
        public void SmiQueryRowsBecomeGpus(string file)
        {
            var text = Read(file);
            var facts = new GpuFacts();
            GpuProbes.ApplySmiQuery(Ran(text), GpuProbes.SmiFields, facts);
            Assert.Null(facts.QueryError);
            var cells = text.Trim().Split(',').Select(c => c.Trim()).ToArray();
            var gpu = Assert.Single(facts.Gpus);
            Assert.Equal(cells[0], gpu.Name);
            Assert.Equal(cells[2], gpu.PciBusId);
            Assert.Equal(cells[3], facts.DriverVersion);
            Assert.Equal(long.Parse(cells[4]), gpu.MemoryMiB);
            Assert.Equal(cells[5], gpu.ComputeCapability);
            Assert.Equal(cells[6] == "Enabled", gpu.PersistenceMode);
            // "[N/A]" (GeForce ECC) is no value, not "disabled".
            Assert.Equal(cells[7] == "[N/A]" ? (bool?)null : cells[7] == "Enabled", gpu.EccEnabled);
            Assert.Equal("nvidia-smi", gpu.Source);
        }

        [Fact]
        public void NotSupportedAndNaCellsAreNoValue()
        {
            var facts = new GpuFacts();
            GpuProbes.ApplySmiQuery(Ran("Tesla K80, GPU-1, 00000000:04:00.0, 470.82.01, [Not Supported], [N/A], Disabled, N/A\n"), GpuProbes.SmiFields, facts);
            var gpu = Assert.Single(facts.Gpus);
            Assert.Null(gpu.MemoryMiB);
            Assert.Null(gpu.ComputeCapability);
            Assert.Null(gpu.EccEnabled);
        }

        // File, exit code (the capture's, or per the man page / nvml.h where the source did not print it), expected NVML code.
        [Theory]
        [InlineData("nvidia-smi--driver-library-mismatch-535-rc18.txt", 18, 18)]
        [InlineData("nvidia-smi--driver-library-mismatch-550-rc18.txt", 18, 18)]
        [InlineData("nvidia-smi--driver-library-mismatch-570-open-p2p.txt", 18, 18)]
        [InlineData("nvidia-smi--driver-library-mismatch-legacy-no-nvml-line.txt", 18, 18)]
        [InlineData("nvidia-smi--no-driver-couldnt-communicate.txt", 9, 9)]
        [InlineData("nvidia-smi--no-devices-were-found.txt", 6, 6)]
        [InlineData("nvidia-smi--device-handle-unknown-error-gpu-lost-520-format.txt", 15, 15)]
        [InlineData("nvidia-smi--device-handle-unknown-error-gpu-lost-newer-format.txt", 15, 15)]
        [InlineData("nvidia-smi--nvml-unknown-error-rc255.txt", 255, 255)]
        public void SmiFailuresBecomeACause(string file, int exitCode, int expectedCode)
        {
            var text = Read(file);
            var facts = new GpuFacts();
            GpuProbes.ApplySmiQuery(Ran(text, exitCode), GpuProbes.SmiFields, facts);
            Assert.NotNull(facts.QueryError);
            Assert.Empty(facts.Gpus);
            Assert.Equal(expectedCode, facts.QueryErrorCode);
            // The library version is taken from the text when the driver prints it, and only then.
            var printed = Regex.Match(text, @"NVML library version: ([0-9.]+)");
            Assert.Equal(printed.Success ? printed.Groups[1].Value : null, facts.LibraryVersion);
        }

        [Fact]
        public void MismatchOnStdoutWithExitZeroIsStillAFailure()
        {
            var facts = new GpuFacts();
            GpuProbes.ApplySmiQuery(Ran(Read("nvidia-smi--driver-library-mismatch-550-rc18.txt"), 0), GpuProbes.SmiFields, facts);
            Assert.Equal(AutoGlm.Engine.Facts.Nvml.LibRmVersionMismatch, facts.QueryErrorCode);
        }

        public static IEnumerable<object[]> Tables() => Fixtures("nvidia-smi--table-").Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(Tables))]
        public void CudaVersionComesFromEitherHeaderStyle(string file)
        {
            var text = Read(file);
            var cuda = GpuProbes.ParseSmiCudaVersion(text);
            Assert.NotNull(cuda);
            Assert.Matches(@"^\d+\.\d+$", cuda);
            Assert.Contains("Version: " + cuda, text);
        }

        public static IEnumerable<object[]> ProcVersions() => Fixtures("proc-driver-nvidia-version--").Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(ProcVersions))]
        public void ProcDriverVersionGivesVersionAndFlavor(string file)
        {
            // The file names carry the truth: proc-driver-nvidia-version--<flavor>-<version>-<host>.txt
            var m = Regex.Match(file, @"--(open|proprietary)-(\d+\.\d+(?:\.\d+)?)-");
            GpuProbes.ParseProcVersion(Read(file), out var version, out var flavor);
            Assert.Equal(m.Groups[2].Value, version);
            Assert.Equal(m.Groups[1].Value, flavor);
        }

        [Theory]
        [InlineData("modinfo--nvidia-550.54.15-open-dkms-mok-signed.txt", true)]
        [InlineData("modinfo--nvidia-590.44.01-open-dkms-unsigned-header.txt", false)]
        public void ModinfoGivesFileVersionKernelAndSignature(string file, bool signed)
        {
            var facts = new DriverFacts();
            GpuProbes.ApplyModinfo(Read(file), facts);
            Assert.Equal(signed, facts.ModuleSigned);
            Assert.Equal(signed, facts.ModuleSigner != null);
            Assert.Contains(facts.ModuleVersion!, file);
            Assert.Contains("/lib/modules/" + facts.ModuleKernel + "/", facts.ModuleFile);
            Assert.Equal("open", GpuProbes.FlavorFromLicense(facts.ModuleLicense!));
        }

        [Theory]
        [InlineData("modinfo--nvidia-grep-license-open.txt", "open")]
        [InlineData("modinfo--nvidia-grep-license-proprietary.txt", "proprietary")]
        public void LicenseTellsTheFlavor(string file, string flavor)
        {
            var facts = new DriverFacts();
            GpuProbes.ApplyModinfo(Read(file), facts);
            Assert.Equal(flavor, GpuProbes.FlavorFromLicense(facts.ModuleLicense!));
        }

        public static IEnumerable<object[]> Lsmods() => Fixtures("lsmod-").Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(Lsmods))]
        public void LsmodFirstColumnIsTheLoadedModules(string file)
        {
            var text = Read(file);
            var modules = GpuProbes.ParseModuleList(text);
            Assert.Equal(Regex.IsMatch(text, @"^nvidia\s", RegexOptions.Multiline), modules.Contains("nvidia"));
            Assert.Equal(Regex.IsMatch(text, @"^nouveau\s", RegexOptions.Multiline), modules.Contains("nouveau"));
            Assert.DoesNotContain("Module", modules);
        }

        public static IEnumerable<object[]> DkmsCaptures() => Fixtures("dkms-status--").Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(DkmsCaptures))]
        public void DkmsStatusBothFormats(string file)
        {
            var text = Read(file);
            var entries = GpuProbes.ParseDkmsStatus(text);
            var statusLines = text.Split('\n').Where(l => Regex.IsMatch(l, @":\s*(added|built|installed)")).ToList();
            Assert.Equal(statusLines.Count, entries.Count);
            Assert.All(entries, e =>
            {
                Assert.DoesNotContain(",", e.Module + e.Version);
                Assert.DoesNotContain("/", e.Module);
                // Only the "added" state names no kernel.
                Assert.Equal(e.State == "added", e.Kernel == null);
            });
        }

        [Theory]
        [InlineData("mokutil-sb-state--enabled.stdout.txt", 0, true, false)]
        [InlineData("mokutil-sb-state--disabled.stdout.txt", 0, false, false)]
        [InlineData("mokutil-sb-state--disabled-setup-mode.stdout.txt", 0, false, false)]
        [InlineData("mokutil-sb-state--enabled-shim-validation-disabled.stdout.txt", 0, true, true)]
        public void MokutilStates(string file, int rc, bool enabled, bool shimOff)
        {
            var facts = new SecureBootFacts { Uefi = true };
            GpuProbes.ApplyMokutil(new CommandResult(new[] { "mokutil", "--sb-state" }, CommandStatus.Completed, rc, Read(file), "", TimeSpan.Zero, TimeSpan.FromSeconds(10)), facts);
            Assert.True(facts.Known);
            Assert.Equal(enabled, facts.Enabled);
            Assert.Equal(shimOff, facts.ShimValidationDisabled);
            Assert.Equal(file.Contains("setup-mode"), facts.SetupMode);
        }

        [Theory]
        [InlineData("mokutil-sb-state--no-efi-vars-rc1.stderr.txt", 1)]
        [InlineData("mokutil-sb-state--not-supported-rc255.stderr.txt", 255)]
        public void MokutilWithoutSecureBootSupportMeansOff(string file, int rc)
        {
            var facts = new SecureBootFacts { Uefi = true };
            GpuProbes.ApplyMokutil(new CommandResult(new[] { "mokutil", "--sb-state" }, CommandStatus.Completed, rc, "", Read(file), TimeSpan.Zero, TimeSpan.FromSeconds(10)), facts);
            Assert.True(facts.Known);
            Assert.False(facts.Enabled);
        }

        public static IEnumerable<object[]> LspciCaptures() => Fixtures("lspci-").Where(f => !f.Contains("vvvv")).Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(LspciCaptures))]
        public void LspciFindsDisplayControllersOnly(string file)
        {
            var text = Read(file);
            var gpus = GpuProbes.ParseLspci(text);
            Assert.NotEmpty(gpus);
            foreach (var g in gpus)
            {
                // Each GPU's line in the capture is a display class (03xx) NVIDIA function: not NVSwitch (0680), not audio (0403).
                var line = text.Split('\n').Single(l => l.StartsWith(g.PciBusId + " ", StringComparison.Ordinal));
                Assert.Matches(@"\[03[0-9a-f]{2}\]", line);
                Assert.Contains("[10de:" + g.PciDeviceId!.Substring(2) + "]", line);
            }
            // Device lines start at column 0 (lspci -k indents Subsystem lines with a TAB).
            var nvidiaFunctions = text.Split('\n').Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0]) && Regex.IsMatch(l, @"\[10de:[0-9a-f]{4}\]")).ToList();
            Assert.Equal(nvidiaFunctions.Count(l => !Regex.IsMatch(l, @"\[0(680|403)\]")), gpus.Count);
        }

        [Theory]
        [InlineData("apt-preferences-d--nvidia-pin-535-branch.txt", "535")]
        [InlineData("apt-preferences-d--nvidia-branch-lock-580-block-595-535.txt", "580")]
        public void AptPreferencesPinIsThePositiveHighPriorityStanza(string file, string branch)
        {
            Assert.Equal(branch, GpuProbes.ParseAptPreferencesPin(Read(file)));
        }

        [Fact]
        public void DpkgStatusKnowsHeldAndRemovedPackages()
        {
            var text = FixtureHost.DpkgStatus(("nvidia-driver-535", "535.183.01-0ubuntu1", true), ("libnvidia-compute-535", "535.183.01-0ubuntu1", false))
                + "Package: nvidia-driver-470\nStatus: deinstall ok config-files\nVersion: 470.256.02-0ubuntu1\n\n";
            var list = GpuProbes.ParseDpkgStatus(text);
            Assert.Equal(2, list.Count);
            Assert.True(list.Single(p => p.name == "nvidia-driver-535").held);
            Assert.Equal("535.183.01", GpuProbes.DriverVersionOf(list.Select(p => (p.name, p.version))));
        }

        [Fact]
        public void RpmVersionsLoseEpochAndRelease()
        {
            var lines = Read("rpm-qa-grep-nvidia--fedora43-negativo-580.txt").Split('\n').Where(l => l.Length > 0)
                .Select(l => Regex.Match(l, @"^(.+?)-(\d+:)?(\d[^-]*)-([^-]+)$")).Where(m => m.Success)
                .Select(m => (m.Groups[1].Value, m.Groups[2].Value + m.Groups[3].Value + "-" + m.Groups[4].Value));
            Assert.Equal("580.126.09", GpuProbes.DriverVersionOf(lines));
        }

        [Theory]
        [InlineData("0000:17:00.0", "00000000:17:00.0")]
        [InlineData("0000:0b:00.0", "00000000:0B:00.0")]
        public void BusIdsCompareByValue(string sysfs, string nvml) => Assert.True(GpuProbes.SameBus(sysfs, nvml));
    }
}
