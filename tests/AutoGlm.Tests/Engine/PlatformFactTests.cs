using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>A live fixture host that answers as Windows: the Windows probes run against fake tools.</summary>
    internal sealed class WindowsFixtureHost : IHost
    {
        private readonly IHost _inner;
        public WindowsFixtureHost(FixtureHost fx) { _inner = new LiveHost(fx.RootPath, fx.PathVariable); }
        public string Root => _inner.Root;
        public HostKind Kind => _inner.Kind;
        public HostPlatform Platform => HostPlatform.Windows;
        public FileRead ReadFile(string path) => _inner.ReadFile(path);
        public IReadOnlyList<string>? ListDirectory(string path) => _inner.ListDirectory(path);
        public string? ReadLink(string path) => _inner.ReadLink(path);
        public string? GetEnvironmentVariable(string name) => _inner.GetEnvironmentVariable(name);
        public IReadOnlyList<ToolLocation> FindTools(string prefix) => _inner.FindTools(prefix);
        public CommandResult Run(IReadOnlyList<string> argv, TimeSpan timeout) => _inner.Run(argv, timeout);
        public string MapPath(string hostPath) => _inner.MapPath(hostPath);
    }

    /// <summary>Windows facts from captured CIM JSON, and the checks they lead to.</summary>
    public class WindowsCimTests
    {
        internal const string L4Cim = "windows-Get-CimInstance-autoglm-classes--l4-winserver2022-nodriver-DERIVED.json";
        internal const string Rtx4090Cim = "windows-Get-CimInstance-autoglm-classes--rtx4090-win11-560.94-DERIVED.json";

        private static CimData Load(string name) => CimData.Parse(File.ReadAllText(FixtureHost.Realworld(name)), name);
        private static CheckResult Get(TestRun run, string id) => run.Results.Single(r => r.Id == id);

        /// <summary>A fake powershell.exe that logs its argv (one line per run) and prints the capture.</summary>
        private static FixtureHost WindowsHost(string cimFile, out string log)
        {
            var fx = new FixtureHost();
            log = Path.Combine(fx.RootPath, "..", "powershell.log");
            fx.Tool("powershell.exe", $"echo \"$*\" >> '{log}'\ncat '{FixtureHost.Realworld(cimFile)}'");
            return fx;
        }

        [Fact]
        public void ParsesEveryClassOfTheWindowsServerCapture()
        {
            var cim = Load(L4Cim);
            Assert.Null(cim.Error);
            Assert.Equal("Microsoft Windows Server 2022 Datacenter", CimData.Str(cim.First("Win32_OperatingSystem"), "caption"));
            Assert.Equal(2, cim.Instances("Win32_Processor").Count);
            Assert.Empty(cim.Instances("Win32_PnPSignedDriver"));
            // Windows PowerShell 5.1 writes & as \u0026; the id must come out as Windows wrote it.
            Assert.StartsWith("PCI\\VEN_10DE&DEV_27B8&SUBSYS_16CA10DE", CimData.Str(cim.First("Win32_PnPEntity"), "PNPDeviceID"));
            Assert.Contains("PCI\\CC_0302", CimData.List(cim.First("Win32_PnPEntity"), "CompatibleID"));
            Assert.Equal(new[] { "1", "2", "3", "5" }, CimData.List(cim.First("Win32_DeviceGuard"), "AvailableSecurityProperties"));
            Assert.Equal(28, CimData.Long(cim.First("Win32_PnPEntity"), "ConfigManagerErrorCode"));
        }

        [Fact]
        public void AcceptsSingleObjectsAndThePowerShell51ValueWrapper()
        {
            var cim = CimData.Parse("{\"Win32_BIOS\":{\"value\":[{\"Manufacturer\":\"HP\",\"SMBIOSBIOSVersion\":\"P21 Ver. 02.45\"}],\"Count\":1},\"Win32_ComputerSystem\":{\"Model\":\"ProLiant DL380 Gen10\"}}", "test");
            Assert.Equal("P21 Ver. 02.45", CimData.Str(cim.First("Win32_BIOS"), "SMBIOSBIOSVersion"));
            Assert.Equal("ProLiant DL380 Gen10", CimData.Str(cim.First("Win32_ComputerSystem"), "Model"));
            Assert.Throws<FormatException>(() => CimData.Parse("[1,2]", "test"));
        }

        [Fact]
        public void BagsFromASessionMapLikeTheParsedJson()
        {
            var bags = new Dictionary<string, IEnumerable<IDictionary<string, object?>>>
            {
                ["Win32_OperatingSystem"] = new[] { new Dictionary<string, object?> { ["Caption"] = "Microsoft Windows Server 2022 Standard", ["OSArchitecture"] = "64-bit", ["BuildNumber"] = "20348" } },
                ["Win32_VideoController"] = new[] { new Dictionary<string, object?> { ["Name"] = "NVIDIA L4", ["PNPDeviceID"] = "PCI\\VEN_10DE&DEV_27B8&SUBSYS_16CA10DE&REV_A1\\6&1", ["DriverVersion"] = "32.0.15.6094", ["ConfigManagerErrorCode"] = (uint)0 } },
            };
            var cim = CimData.FromBags(bags, "session");
            var os = WindowsProbes.Os(cim);
            Assert.Equal(("windows", "2022", "x86_64"), (os.Distro, os.VersionId, os.Architecture));
            var driver = WindowsProbes.Driver(cim);
            Assert.Equal("560.94", driver.InstalledVersion);
            Assert.Equal("560.94", driver.LoadedModuleVersion);
            Assert.Null(driver.WindowsDeviceProblem);
        }

        [Fact]
        public void WorkstationCaptureConvertsTheDriverVersionAndReadsSecureBootFromTheRegistry()
        {
            var cim = Load(Rtx4090Cim);
            var driver = WindowsProbes.Driver(cim);
            // Win32_PnPSignedDriver 32.0.15.6094 = NVIDIA 560.94; the HD audio function's 1.4.0.1 is not the GPU driver.
            Assert.Equal("560.94", driver.InstalledVersion);
            Assert.Equal("560.94", driver.LoadedModuleVersion);
            var gpus = WindowsProbes.NvidiaDevices(cim);
            Assert.Equal("NVIDIA GeForce RTX 4090 [0x2684]", string.Join(";", gpus.Select(g => $"{g.gpu.Name} [{g.gpu.PciDeviceId}]")));
            var sb = WindowsProbes.SecureBoot(cim);
            // Confirm-SecureBootUEFI was denied (not elevated): the registry value decides.
            Assert.True(sb.Uefi);
            Assert.False(sb.Enabled);
            var cpu = WindowsProbes.Cpu(cim);
            Assert.Equal(32, cpu.LogicalCores);
            // With Hyper-V/VBS running the firmware flag reads false; HypervisorPresent shows virtualization is on.
            Assert.Equal("VT-x", cpu.Virtualization);
            var os = WindowsProbes.Os(cim);
            Assert.Equal("11", os.VersionId);
            var fw = new FirmwareFacts();
            WindowsProbes.ApplyFirmware(cim, fw);
            Assert.Equal("2023-06-19", fw.BiosDate);
            Assert.Equal("Micro-Star International Co., Ltd. MS-7D25", fw.SystemName);
        }

        [Fact]
        public void WindowsServerWithAnL4AndNoDriverGetsWindowsVerdicts()
        {
            using var fx = WindowsHost(L4Cim, out var log);
            var run = HostCheckTests.Evaluate(new WindowsFixtureHost(fx));

            Assert.Equal(CheckStatus.Pass, Get(run, "os.supported").Status);
            Assert.Equal("Microsoft Windows Server 2022 Datacenter (build 20348)", Get(run, "os.supported").Observed);
            Assert.Equal(CheckStatus.Pass, Get(run, "cpu.cores").Status);
            Assert.Equal("128 cores", Get(run, "cpu.cores").Observed);
            Assert.Equal(CheckStatus.Pass, Get(run, "memory.total").Status);

            var present = Get(run, "gpu.present");
            Assert.Equal(CheckStatus.Pass, present.Status);
            Assert.Contains("[0x27b8]", present.Observed);
            Assert.Contains("PCI only", present.Message);

            var nvml = Get(run, "gpu.nvml");
            Assert.Equal(CheckStatus.Fail, nvml.Status);
            Assert.Contains("not installed", nvml.Message);
            Assert.Contains("https://www.nvidia.com/drivers", nvml.Remediation);
            Assert.DoesNotContain("apt-get", nvml.Remediation);

            var bound = Get(run, "driver.module.loaded");
            Assert.Equal(CheckStatus.Fail, bound.Status);
            Assert.Contains("Code 28: the drivers for this device are not installed", bound.Message);
            Assert.Contains("pnputil /enum-devices /problem", bound.Remediation);

            Assert.Equal(CheckStatus.Pass, Get(run, "secureboot.state").Status);
            Assert.Contains("WHQL", Get(run, "secureboot.state").Message);
            Assert.Equal(CheckStatus.Pass, Get(run, "iommu.state").Status);
            Assert.Contains("DMA protection available", Get(run, "iommu.state").Observed);
            Assert.Equal("Dell Inc. PowerEdge R750, BIOS 1.10.2 (2023-05-12); BIOS vendor Dell Inc.", Get(run, "firmware.bios").Observed);
            foreach (var id in new[] { "driver.dkms", "driver.nouveau", "driver.flavor", "secureboot.module-rejected", "os.kernel" })
            {
                Assert.Equal(CheckStatus.Skip, Get(run, id).Status);
                Assert.Contains("Linux only", Get(run, id).Message);
            }

            // One powershell.exe run served every probe; its argv is fixed and carries the script encoded.
            var lines = File.ReadAllLines(log);
            Assert.Single(lines);
            var argv = lines[0].Split(' ');
            Assert.Equal(new[] { "-NoProfile", "-NonInteractive", "-EncodedCommand" }, argv.Take(3));
            var script = Encoding.Unicode.GetString(Convert.FromBase64String(argv[3]));
            Assert.Equal(WindowsProbes.CimScript, script);
            Assert.Contains("Get-CimInstance -ClassName Win32_PnPEntity -Filter \"PNPDeviceID LIKE 'PCI\\\\VEN_10DE%'\"", script);
            Assert.Contains("ConvertTo-Json -Depth 3", script);
        }

        [Fact]
        public void SessionCollectedInstancesAreUsedWithoutRunningPowerShell()
        {
            using var fx = WindowsHost(L4Cim, out var log);
            var request = new TestRequest { CimInstances = Load(Rtx4090Cim) };
            var run = HostCheckTests.Evaluate(new WindowsFixtureHost(fx), "vllm-server", request);
            Assert.False(File.Exists(log));
            Assert.Equal(CheckStatus.Pass, Get(run, "driver.module.loaded").Status);
            Assert.Equal("NVIDIA driver 560.94", Get(run, "driver.module.loaded").Observed);
        }

        [Fact]
        public void NoPowerShellMakesTheWindowsFactsUnknownNotAnError()
        {
            using var fx = new FixtureHost();
            var run = HostCheckTests.Evaluate(new WindowsFixtureHost(fx));
            var os = Get(run, "os.supported");
            Assert.Equal(CheckStatus.Unknown, os.Status);
            Assert.Contains("CIM could not be queried", os.Message);
            Assert.Equal(CheckStatus.Unknown, Get(run, "firmware.bios").Status);
        }
    }

    /// <summary>DMI, BAR1 and SR-IOV facts and the firmware.* checks.</summary>
    public class FirmwareFactTests
    {
        private static CheckResult Get(TestRun run, string id) => run.Results.Single(r => r.Id == id);

        // sysfs resource layout (kernel resource_show: "0x%016llx 0x%016llx 0x%016llx" per BAR) with an H100's
        // BARs: BAR0 16 MiB 32-bit, BAR1 128 GiB 64-bit prefetchable (= nvidia-smi's BAR1 Total 131072 MiB), BAR3 32 MiB.
        internal const string H100Resource =
            "0x00000000a0000000 0x00000000a0ffffff 0x0000000000040200\n" +
            "0x0000220000000000 0x0000221fffffffff 0x000000000014220c\n" +
            "0x0000000000000000 0x0000000000000000 0x0000000000000000\n" +
            "0x0000222000000000 0x0000222001ffffff 0x000000000014220c\n" +
            "0x0000000000000000 0x0000000000000000 0x0000000000000000\n" +
            "0x0000000000000000 0x0000000000000000 0x0000000000000000\n" +
            "0x0000000000000000 0x0000000000000000 0x0000000000000000\n";

        private static string Resource(long bar1Bytes) =>
            "0x00000000a0000000 0x00000000a0ffffff 0x0000000000040200\n" +
            (bar1Bytes == 0 ? "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                : $"0x000000e000000000 0x{0xe000000000L + bar1Bytes - 1:x16} 0x000000000014220c\n") +
            "0x0000000000000000 0x0000000000000000 0x0000000000000000\n" +
            "0x000000e800000000 0x000000e801ffffff 0x000000000014220c\n";

        private static FixtureHost Supermicro(string resource)
        {
            var fx = FixtureHost.HealthyUbuntu();
            fx.File("/sys/class/dmi/id/sys_vendor", "Supermicro\n")
              .File("/sys/class/dmi/id/product_name", "SYS-821GE-TNHR\n")
              .File("/sys/class/dmi/id/bios_vendor", "American Megatrends International, LLC.\n")
              .File("/sys/class/dmi/id/bios_version", "2.1\n")
              .File("/sys/class/dmi/id/bios_date", "12/01/2023\n")
              .File("/sys/bus/pci/devices/0000:00:09.0/resource", resource);
            return fx;
        }

        [Fact]
        public void Bar1IsReadFromTheResourceFile()
        {
            Assert.Equal(128L << 30, FirmwareProbes.Bar1FromResource(H100Resource));
            Assert.Equal(256L << 20, FirmwareProbes.Bar1FromResource(Resource(256L << 20)));
            // BAR1 unassigned: BAR3's 32 MiB is not mistaken for it.
            Assert.Equal(0, FirmwareProbes.Bar1FromResource(Resource(0)));
            // A layout with the aperture at line 2 (seen in other tools' captures) still finds it.
            Assert.Equal(128L << 30, FirmwareProbes.Bar1FromResource(H100Resource.Replace("0x0000220000000000 0x0000221fffffffff 0x000000000014220c\n0x0000000000000000 0x0000000000000000 0x0000000000000000\n", "0x0000000000000000 0x0000000000000000 0x0000000000000000\n0x0000220000000000 0x0000221fffffffff 0x000000000014220c\n")));
        }

        [Fact]
        public void Bar1AndFramebufferComeFromRealNvidiaSmiQueries()
        {
            var gtx = FirmwareProbes.ParseSmiMemory(File.ReadAllText(FixtureHost.Realworld("nvidia-smi--q-d-MEMORY--gtx1080ti-384.111-bar1-256mib.txt"))).Single();
            Assert.Equal(("00000000:06:00.0", 11172L, 256L), (gtx.bus, gtx.fbMiB, gtx.bar1MiB));
            var h100 = FirmwareProbes.ParseSmiMemory(File.ReadAllText(FixtureHost.Realworld("nvidia-smi--a-h100-560.35.03-bar1-131072mib-excerpt.txt"))).Single();
            // Three "Total" lines in the section; only the one under BAR1 Memory Usage is BAR1.
            Assert.Equal(("00000000:DB:00.0", 81559L, 131072L), (h100.bus, h100.fbMiB, h100.bar1MiB));
        }

        [Fact]
        public void LargeBarHostPassesAndNamesItsFirmware()
        {
            using var fx = Supermicro(H100Resource);
            var run = HostCheckTests.Evaluate(fx);
            var bar = Get(run, "firmware.bar1");
            Assert.Equal(CheckStatus.Pass, bar.Status);
            Assert.Contains("BAR1 128 GiB", bar.Observed);
            Assert.Equal("Supermicro SYS-821GE-TNHR, BIOS 2.1 (12/01/2023); BIOS vendor American Megatrends International, LLC.", Get(run, "firmware.bios").Observed);
            Assert.Equal(CheckStatus.Pass, Get(run, "firmware.sriov").Status);
            // sysfs answered: nvidia-smi -q was not needed.
            Assert.DoesNotContain("nvidia-smi -q", bar.Source);
        }

        [Fact]
        public void A256MiBBar1OnAnH100AsksForAbove4GDecodingInThisVendorsMenu()
        {
            using var fx = Supermicro(Resource(256L << 20));
            var bar = Get(HostCheckTests.Evaluate(fx), "firmware.bar1");
            Assert.Equal(CheckStatus.Warn, bar.Status);
            Assert.Contains("256 MiB BAR1", bar.Message);
            Assert.Contains("Supermicro SYS-821GE-TNHR, BIOS 2.1 (12/01/2023)", bar.Remediation);
            Assert.Contains("'Above 4G Decoding': Enabled", bar.Remediation);
            Assert.Contains("Re-Size BAR", bar.Remediation);
        }

        [Fact]
        public void AnUnassignedBar1Fails()
        {
            using var fx = Supermicro(Resource(0));
            var bar = Get(HostCheckTests.Evaluate(fx), "firmware.bar1");
            Assert.Equal(CheckStatus.Fail, bar.Status);
            Assert.Equal(CheckSeverity.High, bar.Severity);
            Assert.Contains("unassigned", bar.Observed);
        }

        [Fact]
        public void WithoutSysfsResourcesNvidiaSmiQAnswers()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            File.Delete(Path.Combine(fx.RootPath, "sys/bus/pci/devices/0000:00:09.0/resource"));
            // The GTX 1080 Ti of the real `-q -d MEMORY` capture (bus 06:00.0, 11172 MiB, BAR1 256 MiB) is not in sysfs
            // here, so it is added as nvidia-smi's log reports it.
            fx.Tool("nvidia-smi", SmiXml.Heredoc(SmiXml.Render("590.48.01", "13.1",
                new SmiGpu("NVIDIA H100 80GB HBM3", "Hopper", "00000000:00:09.0", "233010DE", 81559),
                new SmiGpu("NVIDIA GeForce GTX 1080 Ti", "Pascal", "00000000:06:00.0", "1B0610DE", 11172, Persistence: false, Ecc: "N/A", Bar1MiB: 256))));
            var run = HostCheckTests.Evaluate(fx);
            var bar = Get(run, "firmware.bar1");
            Assert.Equal(CheckStatus.Warn, bar.Status);
            Assert.Contains("BAR1 256 MiB for 10.9 GiB", bar.Observed);
            Assert.Contains("nvidia-smi -q -x", bar.Source);
        }

        [Fact]
        public void EnabledVirtualFunctionsWarn()
        {
            using var fx = Supermicro(H100Resource);
            fx.File("/sys/bus/pci/devices/0000:00:09.0/sriov_totalvfs", "32\n").File("/sys/bus/pci/devices/0000:00:09.0/sriov_numvfs", "4\n");
            var sriov = Get(HostCheckTests.Evaluate(fx), "firmware.sriov");
            Assert.Equal(CheckStatus.Warn, sriov.Status);
            Assert.Equal("0000:00:09.0: 4 of 32 VFs enabled", sriov.Observed);
            Assert.Equal("echo 0 | sudo tee /sys/bus/pci/devices/0000:00:09.0/sriov_numvfs   # if no VM uses it", sriov.Remediation);
        }
    }
}
