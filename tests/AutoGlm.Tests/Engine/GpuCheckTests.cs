using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Facts;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>The GPU and driver checks on fixture hosts built from real-world captures.</summary>
    public class GpuCheckTests
    {
        private static CheckResult Get(TestRun run, string id) => run.Results.Single(r => r.Id == id);
        private static TestRun Evaluate(FixtureHost fx, string profile = "vllm-server", TestRequest? request = null) => HostCheckTests.Evaluate(fx, profile, request);

        private static void Delete(FixtureHost fx, string hostPath)
        {
            var real = Path.Combine(fx.RootPath, hostPath.TrimStart('/'));
            if (Directory.Exists(real)) Directory.Delete(real, true); else File.Delete(real);
        }

        /// <summary>The state after the driver was removed or never installed: PCI shows the GPU, nothing answers.</summary>
        private static void NoDriver(FixtureHost fx)
        {
            Delete(fx, "/proc/driver/nvidia/version");
            fx.File("/proc/modules", "");
            fx.Tool("nvidia-smi", "exit 127");
            File.Delete(Path.Combine(fx.BinPath, "nvidia-smi"));
            fx.Tool("modinfo", "echo 'modinfo: ERROR: Module nvidia not found.' >&2; exit 1");
            fx.ToolPrints("dkms", "");
            fx.File("/var/lib/dpkg/status", FixtureHost.DpkgStatus(("bash", "5.1-6ubuntu1", false)));
        }

        [Fact]
        public void HealthyH100HostPassesEveryGpuCheck()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var run = Evaluate(fx);
            foreach (var id in GpuChecks.All.Select(c => c.Info.Id))
                Assert.True(Get(run, id).Status == CheckStatus.Pass, $"{id}: {Get(run, id).Status} {Get(run, id).Message}");
            var gpu = run.Facts.Get<GpuFacts>().Gpus.Single();
            Assert.Equal("nvidia-smi", gpu.Source);
            // The device id nvidia-smi does not print comes from sysfs, matched by bus id.
            Assert.Equal("0x2330", gpu.PciDeviceId);
            Assert.Equal("13.1", run.Facts.Get<GpuFacts>().CudaDriverVersion);
            Assert.Contains("nvidia-smi -q -x", Get(run, "gpu.present").Source);
        }

        [Fact]
        public void VmWithoutGpuFailsPresenceButAClientProfileSkips()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            NoDriver(fx);
            Delete(fx, "/sys/bus/pci/devices/0000:00:09.0");
            var r = Get(Evaluate(fx), "gpu.present");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("lspci", r.Remediation);
            // Without a GPU the driver checks have nothing to judge.
            var run = Evaluate(fx);
            Assert.Equal(CheckStatus.Skip, Get(run, "driver.module.loaded").Status);
            Assert.Equal(CheckStatus.Skip, Get(run, "driver.nouveau").Status);
            var client = Evaluate(fx, "phone-agent");
            Assert.Equal(CheckStatus.Skip, Get(client, "gpu.present").Status);
            Assert.Equal(CheckStatus.Skip, Get(client, "gpu.nvml").Status);
            Assert.Equal(CheckStatus.Skip, Get(client, "driver.module.loaded").Status);
        }

        [Fact]
        public void PciGpuWithoutDriverIsPresentButTheDriverFailsWithAnInstallCommand()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            NoDriver(fx);
            var run = Evaluate(fx);
            Assert.Equal(CheckStatus.Pass, Get(run, "gpu.present").Status);
            Assert.Contains("PCI only", Get(run, "gpu.present").Message);
            var nvml = Get(run, "gpu.nvml");
            Assert.Equal(CheckStatus.Fail, nvml.Status);
            Assert.Contains("apt-get install", nvml.Remediation);
            Assert.Equal(CheckStatus.Fail, Get(run, "driver.module.loaded").Status);
        }

        [Fact]
        public void LspciIsTheFallbackWhenSysfsHasNoPciTree()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            NoDriver(fx);
            Delete(fx, "/sys/bus/pci");
            fx.Tool("lspci", $"cat '{FixtureHost.Realworld("lspci-nn--l4x2.txt")}'");
            var facts = Evaluate(fx).Facts.Get<GpuFacts>();
            Assert.Equal(2, facts.Gpus.Count);
            Assert.All(facts.Gpus, g => Assert.Equal("0x27b8", g.PciDeviceId));
            Assert.All(facts.Gpus, g => Assert.Equal("pci", g.Source));
        }

        [Theory]
        [InlineData("nvidia-smi--driver-library-mismatch-535-rc18.txt")]
        [InlineData("nvidia-smi--driver-library-mismatch-legacy-no-nvml-line.txt")]
        public void DriverLibraryMismatchAfterUnattendedUpgradeIsDiagnosed(string capture)
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Smi(capture, exitCode: 18);
            fx.File("/proc/driver/nvidia/version", File.ReadAllText(FixtureHost.Realworld("proc-driver-nvidia-version--proprietary-535.104.05-debian12.txt")));
            fx.File("/var/lib/dpkg/status", FixtureHost.DpkgStatus(("nvidia-driver-535", "535.161.07-0ubuntu0.22.04.1", false), ("libnvidia-compute-535", "535.161.07-0ubuntu0.22.04.1", false), ("unattended-upgrades", "2.8ubuntu1", false)));
            fx.File("/etc/apt/apt.conf.d/20auto-upgrades", "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n");
            var run = Evaluate(fx);
            var r = Get(run, "gpu.nvml");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("Driver/library version mismatch", r.Message);
            Assert.Contains("535.104.05", r.Observed);   // the loaded module
            Assert.Contains(run.Facts.Get<GpuFacts>().LibraryVersion ?? run.Facts.Get<DriverFacts>().InstalledVersion!, r.Observed);
            Assert.Contains("sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia", r.Remediation);
            Assert.Contains("apt-mark hold", r.Remediation);
            Assert.Equal(CheckStatus.Warn, Get(run, "driver.pinned").Status);
            Assert.Equal(CheckStatus.Warn, Get(run, "driver.unattended-upgrades").Status);
        }

        [Fact]
        public void DriverNotLoadedNamesTheModuleAndModprobe()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Smi("nvidia-smi--no-driver-couldnt-communicate.txt", exitCode: 9);
            Delete(fx, "/proc/driver/nvidia/version");
            fx.File("/proc/modules", "");
            var run = Evaluate(fx);
            var r = Get(run, "gpu.nvml");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("not loaded", r.Message);
            Assert.Contains("modprobe nvidia", r.Remediation);
            Assert.Equal(CheckStatus.Fail, Get(run, "driver.module.loaded").Status);
        }

        [Fact]
        public void HungNvidiaSmiIsUnknownWithinTheTimeout()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("nvidia-smi", "sleep 100");
            var watch = Stopwatch.StartNew();
            var run = Evaluate(fx, request: new TestRequest { CommandTimeout = TimeSpan.FromSeconds(1) });
            watch.Stop();
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
            var r = Get(run, "gpu.nvml");
            Assert.Equal(CheckStatus.Unknown, r.Status);
            Assert.Contains("timed out after 1 s", r.Message);
            // PCI still shows the GPU.
            Assert.Equal(CheckStatus.Pass, Get(run, "gpu.present").Status);
        }

        [Fact]
        public void CrashingNvidiaSmiIsAFailureNotAnException()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("nvidia-smi", "kill -SEGV $$");
            var r = Get(Evaluate(fx), "gpu.nvml");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("exited with code", r.Observed);
        }

        [Fact]
        public void AnOldDriversLogIsReadInTheSameOneCall()
        {
            // R470 has no compute_cap query field (the CSV query needed a second try); its XML log answers like any other.
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("nvidia-smi", "echo \"$*\" >> '" + fx.SmiCallsPath + "'\n" + SmiXml.Heredoc(SmiXml.Render("470.82.01", "11.4", new SmiGpu("Tesla T4", "Turing", "00000000:00:09.0", "1EB810DE", 15109))));
            fx.File("/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  470.82.01  Fri Oct 22 23:01:11 UTC 2021\n");
            var run = Evaluate(fx);
            Assert.Equal(CheckStatus.Pass, Get(run, "gpu.nvml").Status);
            Assert.Equal("11.4", run.Facts.Get<GpuFacts>().CudaDriverVersion);
            Assert.Null(run.Facts.Get<GpuFacts>().Gpus.Single().ComputeCapability);
            Assert.Equal(new[] { "-q -x" }, File.ReadAllLines(fx.SmiCallsPath));
        }

        [Fact]
        public void OneNvidiaSmiProcessPerCheckRunOnAFakeGpuHost()
        {
            // Issue 22: every probe that needs nvidia-smi (the GPU probe; the firmware probe when sysfs has no BAR1)
            // shares one `nvidia-smi -q -x`. It was `--query-gpu=...` then the plain table, one after the other.
            using var fx = FixtureHost.HealthyUbuntu();
            File.Delete(Path.Combine(fx.RootPath, "sys/bus/pci/devices/0000:00:09.0/resource"));
            var run = Evaluate(fx);
            Assert.Equal(1, File.ReadAllLines(fx.SmiCallsPath).Length);
            // And that one answer served both probes.
            Assert.Equal("13.1", run.Facts.Get<GpuFacts>().CudaDriverVersion);
            Assert.Contains("128 GiB", Get(run, "firmware.bar1").Observed);
        }

        [Fact]
        public void BlackwellOnTheProprietaryModuleFailsFlavor()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("nvidia-smi", SmiXml.Heredoc(SmiXml.Render("570.133.07", "12.8", new SmiGpu("NVIDIA GeForce RTX 5090", "Blackwell", "00000000:00:09.0", "2B8510DE", 32607, Ecc: "N/A"))));
            fx.File("/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.133.07  Fri Feb 28 00:00:00 UTC 2025\n");
            var r = Get(Evaluate(fx), "driver.flavor");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("open", r.Expected);
            Assert.Contains("-open", r.Remediation);
        }

        [Fact]
        public void PreTuringOnTheOpenModuleFailsFlavor()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("nvidia-smi", SmiXml.Heredoc(SmiXml.Render("570.133.07", "12.8", new SmiGpu("Tesla V100-SXM2-32GB", "Volta", "00000000:00:09.0", "1DB510DE", 32768))));
            fx.File("/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.133.07  Release Build  (dvs-builder@U16-I3-A14-4-2)  Fri Feb 28 00:00:00 UTC 2025\n");
            var r = Get(Evaluate(fx), "driver.flavor");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("proprietary", r.Expected);
        }

        [Fact]
        public void UnpinnedDriverWarnsWithTheFamilysCommand()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/var/lib/dpkg/status", FixtureHost.DpkgStatus(("nvidia-driver-590-server-open", "590.48.01-0ubuntu0.22.04.1", false)));
            var r = Get(Evaluate(fx), "driver.pinned");
            Assert.Equal(CheckStatus.Warn, r.Status);
            Assert.Contains("nvidia-driver-pinning-590", r.Remediation);
            Assert.Contains("apt-mark hold nvidia-driver-590-server-open", r.Remediation);
        }

        [Theory]
        [InlineData("apt-preferences-d--nvidia-pin-535-branch.txt", "apt-preferences 535")]
        public void AptPreferencesPinPasses(string capture, string observed)
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/var/lib/dpkg/status", FixtureHost.DpkgStatus(("nvidia-driver-535", "535.183.01-0ubuntu1", false)));
            fx.File("/etc/apt/preferences.d/nvidia", File.ReadAllText(FixtureHost.Realworld(capture)));
            var r = Get(Evaluate(fx), "driver.pinned");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Equal(observed, r.Observed);
        }

        private static FixtureHost Rocky()
        {
            var fx = FixtureHost.HealthyUbuntu();
            fx.File("/etc/os-release", "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Rocky Linux 9.4 (Blue Onyx)\"\n");
            Delete(fx, "/var/lib/dpkg/status");
            fx.ToolPrints("rpm", "nvidia-driver 590.48.01-1.el9\nkmod-nvidia-open-dkms 590.48.01-1.el9\nnvidia-driver-libs 590.48.01-1.el9");
            return fx;
        }

        [Fact]
        public void RhelUnpinnedWarnsWithVersionlockAndALockPasses()
        {
            using var fx = Rocky();
            var run = Evaluate(fx);
            var r = Get(run, "driver.pinned");
            Assert.Equal(CheckStatus.Warn, r.Status);
            Assert.Contains("dnf versionlock add '*nvidia*590*'", r.Remediation);
            Assert.Equal(CheckStatus.Skip, Get(run, "driver.unattended-upgrades").Status);
            fx.File("/etc/dnf/plugins/versionlock.list", "# Added lock on Mon Jan  5 2026\nnvidia-driver-3:590.48.01-1.el9.*\n");
            r = Get(Evaluate(fx), "driver.pinned");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.StartsWith("dnf-versionlock 590.48.01", r.Observed);   // the lock holds that exact version
        }

        [Fact]
        public void DnfModuleStreamWithABranchIsAPinAndLatestIsNot()
        {
            using var fx = Rocky();
            fx.File("/etc/dnf/modules.d/nvidia-driver.module", "[nvidia-driver]\nname=nvidia-driver\nstream=latest-dkms\nprofiles=default\nstate=enabled\n");
            Assert.Equal(CheckStatus.Warn, Get(Evaluate(fx), "driver.pinned").Status);
            fx.File("/etc/dnf/modules.d/nvidia-driver.module", "[nvidia-driver]\nname=nvidia-driver\nstream=590-open\nprofiles=default\nstate=enabled\n");
            Assert.Equal("dnf-module 590", Get(Evaluate(fx), "driver.pinned").Observed);
        }

        [Fact]
        public void UnattendedUpgradesBlacklistPasses()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/var/lib/dpkg/status", FixtureHost.DpkgStatus(("nvidia-driver-590-server-open", "590.48.01-0ubuntu0.22.04.1", false), ("unattended-upgrades", "2.8ubuntu1", false)));
            fx.File("/etc/apt/apt.conf.d/20auto-upgrades", "APT::Periodic::Unattended-Upgrade \"1\";\n");
            Assert.Equal(CheckStatus.Warn, Get(Evaluate(fx), "driver.unattended-upgrades").Status);
            fx.File("/etc/apt/apt.conf.d/50unattended-upgrades", "Unattended-Upgrade::Package-Blacklist {\n    // \"vim\";\n    \"nvidia-\";\n    \"libnvidia-\";\n};\n");
            var r = Get(Evaluate(fx), "driver.unattended-upgrades");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Contains("50unattended-upgrades", r.Observed);
        }

        [Fact]
        public void KernelUpgradedWithoutDkmsModuleFails()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/proc/sys/kernel/osrelease", "5.15.0-100-generic\n");
            Delete(fx, "/proc/driver/nvidia/version");
            fx.File("/proc/modules", "");
            fx.Tool("modinfo", "echo 'modinfo: ERROR: Module nvidia not found.' >&2; exit 1");
            fx.Smi("nvidia-smi--no-driver-couldnt-communicate.txt", exitCode: 9);
            var run = Evaluate(fx);
            var r = Get(run, "driver.dkms");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("5.15.0-91-generic", r.Observed);   // DKMS built it only for the old kernel
            Assert.Contains("5.15.0-100-generic", r.Expected);
            Assert.Contains("linux-headers-$(uname -r)", r.Remediation);
            Assert.Contains("dkms install -m nvidia -v 590.48.01", r.Remediation);
            Assert.Contains("no nvidia module exists for the running kernel", Get(run, "driver.module.loaded").Message);
        }

        [Fact]
        public void PrecompiledModuleWithoutDkmsPasses()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            File.Delete(Path.Combine(fx.BinPath, "dkms"));
            var r = Get(Evaluate(fx), "driver.dkms");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Contains("nvidia.ko", r.Observed);
        }

        [Fact]
        public void NouveauLoadedWithSecureBootAndNoDriver()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            NoDriver(fx);
            Delete(fx, "/etc/modprobe.d/blacklist-nouveau.conf");
            fx.File("/proc/modules", File.ReadAllText(FixtureHost.Realworld("lsmod-grep-nouveau--nouveau-loaded-ubuntu.txt")));
            fx.Dir("/sys/firmware/efi/efivars");
            fx.ToolPrints("mokutil", File.ReadAllText(FixtureHost.Realworld("mokutil-sb-state--enabled.stdout.txt")));
            var run = Evaluate(fx);
            var n = Get(run, "driver.nouveau");
            Assert.Equal(CheckStatus.Fail, n.Status);
            Assert.Contains("blacklist nouveau", n.Remediation);
            Assert.Contains("update-initramfs -u", n.Remediation);
            Assert.Contains("nouveau holds the GPU", Get(run, "driver.module.loaded").Message);
            var sb = Get(run, "secureboot.state");
            Assert.Equal(CheckStatus.Pass, sb.Status);   // nothing to reject yet, but the note says what is coming
            Assert.Contains("mokutil --import", sb.Remediation);
        }

        [Fact]
        public void NouveauNotBlacklistedWithoutNvidiaWarns()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            NoDriver(fx);
            Delete(fx, "/etc/modprobe.d/blacklist-nouveau.conf");
            Assert.Equal(CheckStatus.Warn, Get(Evaluate(fx), "driver.nouveau").Status);
        }

        [Fact]
        public void ModulesUnreadableIsUnknownNotACrash()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Delete(fx, "/proc/modules");
            Delete(fx, "/proc/driver/nvidia/version");
            var run = Evaluate(fx);
            Assert.Equal(CheckStatus.Unknown, Get(run, "driver.nouveau").Status);
            Assert.Contains("lsmod", Get(run, "driver.nouveau").Message);
        }

        [Fact]
        public void PersistenceOffWarnsOnAServerProfile()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Smi("nvidia-smi--q-x-rtx4080super-595.71.05-v13-DERIVED.xml");
            fx.File("/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  595.71.05  Release Build  (dvs-builder@U22)  Thu Jan  1 00:00:00 UTC 2026\n");
            var r = Get(Evaluate(fx), "driver.persistence");
            Assert.Equal(CheckStatus.Warn, r.Status);
            Assert.Contains("nvidia-persistenced", r.Remediation);
        }

        [Theory]
        [InlineData(null, CheckStatus.Fail)]
        [InlineData("mlops Secure Boot Module Signature key", CheckStatus.Pass)]
        public void SecureBootWithUnsignedModuleFails(string? signer, CheckStatus expected)
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Dir("/sys/firmware/efi/efivars");
            fx.ToolPrints("mokutil", "SecureBoot enabled");
            fx.Modinfo("590.48.01", "5.15.0-91-generic", "Dual MIT/GPL", signer);
            var r = Get(Evaluate(fx), "secureboot.state");
            Assert.Equal(expected, r.Status);
            if (expected == CheckStatus.Fail) Assert.Contains("sudo mokutil --import /var/lib/shim-signed/mok/MOK.der", r.Remediation);
        }

        [Fact]
        public void SecureBootFromTheEfiVariable()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", "\u0006\0\0\0\u0001");
            var run = Evaluate(fx);
            Assert.True(run.Facts.Get<SecureBootFacts>().Enabled);
            Assert.Equal(CheckStatus.Fail, Get(run, "secureboot.state").Status);   // the healthy fixture's module is unsigned
        }

        [Fact]
        public void MissingMokutilIsUnknown()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Dir("/sys/firmware/efi/efivars");
            var r = Get(Evaluate(fx), "secureboot.state");
            Assert.Equal(CheckStatus.Unknown, r.Status);
            Assert.Contains("mokutil", r.Message);
        }

        [Fact]
        public void IommuOffWarnsAndExplainsTheCommandLine()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Delete(fx, "/sys/kernel/iommu_groups");
            Delete(fx, "/sys/class/iommu");
            fx.File("/proc/cmdline", File.ReadAllText(FixtureHost.Realworld("proc-cmdline--ubuntu-desktop-no-iommu-DERIVED-from-dmesg.txt")));
            var r = Get(Evaluate(fx), "iommu.state");
            Assert.Equal(CheckStatus.Warn, r.Status);
            Assert.Equal(CheckSeverity.Info, r.Severity);
            Assert.Contains("no DMAR/IVRS table", r.Message);
            Assert.Contains("intel_iommu=on", r.Remediation);
        }
    }
}
