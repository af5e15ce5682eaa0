using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Facts;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>
    /// cuda.toolkit, driver.next-boot-kernel, driver.install-method and secureboot.module-rejected on the
    /// healthy H100 fixture (driver 590.48.01, which serves CUDA 13.1; the stack resolves cu130), changed
    /// one fact at a time. Tool outputs are the real captures in tests/fixtures/realworld.
    /// </summary>
    public class GpuLifecycleTests
    {
        private static CheckResult Get(TestRun run, string id) => run.Results.Single(r => r.Id == id);
        private static TestRun Evaluate(FixtureHost fx, string profile = "vllm-server") => HostCheckTests.Evaluate(fx, profile);
        private static string Capture(string name) => File.ReadAllText(FixtureHost.Realworld(name));

        private static void Delete(FixtureHost fx, string hostPath)
        {
            var real = Path.Combine(fx.RootPath, hostPath.TrimStart('/'));
            if (Directory.Exists(real)) Directory.Delete(real, true); else File.Delete(real);
        }

        // ------------------------------------------------------------ cuda.toolkit

        [Fact]
        public void NoToolkitPassesForAWheelOnlyStackWithTheInstallCommandForJitBuilds()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var r = Get(Evaluate(fx), "cuda.toolkit");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Equal(CheckSeverity.Info, r.Severity);
            Assert.Equal("none", r.Observed);
            Assert.Contains("none is needed", r.Message);
            Assert.Contains("sudo apt-get install -y cuda-toolkit-13-0", r.Remediation);
            Assert.Equal(CheckStatus.Skip, Get(Evaluate(fx, "phone-agent"), "cuda.toolkit").Status);
        }

        [Fact]
        public void AToolkitNewerThanTheDriverServesFailsWhenBuildsUseIt()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            // version.json of CUDA 13.3.1 (a truncated real capture: the regex still reads it); the driver serves 13.1.
            fx.File("/usr/local/cuda-13.3/version.json", Capture("cuda-version-json--13.3.1-head-excerpt.json.txt"));
            fx.Link("/usr/local/cuda", "/usr/local/cuda-13.3");
            var run = Evaluate(fx);
            var t = run.Facts.Get<CudaToolkitFacts>().Toolkits.Single();
            Assert.Equal("13.3.1", t.Version);
            Assert.Equal("/usr/local/cuda-13.3", run.Facts.Get<CudaToolkitFacts>().DefaultPath);
            var r = Get(run, "cuda.toolkit");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("newer than the driver serves (CUDA 13.1", r.Message);
            Assert.Contains("unsupported toolchain", r.Message);
            Assert.Contains("install driver", r.Remediation);
        }

        [Fact]
        public void ANewerToolkitBesideTheOneInUseOnlyWarns()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/usr/local/cuda-13.3/version.json", Capture("cuda-version-json--13.3.1-head-excerpt.json.txt"));
            fx.Dir("/usr/local/cuda-13.0/bin");
            fx.Link("/usr/local/cuda", "cuda-13.0");   // relative, as update-alternatives-free installs make it
            var r = Get(Evaluate(fx), "cuda.toolkit");
            Assert.Equal(CheckStatus.Warn, r.Status);
            Assert.Contains("not the toolkit builds use", r.Message);
        }

        [Fact]
        public void NvccOfAnotherCudaMajorThanTorchFailsWithTheCppExtensionError()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("nvcc", $"cat '{FixtureHost.Realworld("nvcc--version-12.2-colab.txt")}'");
            var run = Evaluate(fx);
            Assert.Equal("12.2.140", run.Facts.Get<CudaToolkitFacts>().NvccVersion);
            var r = Get(run, "cuda.toolkit");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("The detected CUDA version (12.2) mismatches the version that was used to compile PyTorch (13.0)", r.Message);
            Assert.Contains("cuda-toolkit-13-0", r.Remediation);
        }

        [Fact]
        public void APackagedToolkitOfTheStacksCudaPasses()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Dir("/usr/local/cuda-13.0/bin");
            fx.Link("/usr/local/cuda", "/etc/alternatives/cuda");
            fx.Link("/etc/alternatives/cuda", "/usr/local/cuda-13.0");
            fx.File("/var/lib/dpkg/status", File.ReadAllText(Path.Combine(fx.RootPath, "var/lib/dpkg/status"))
                + FixtureHost.DpkgStatus(("cuda-toolkit-13-0", "13.0.2-1", false)));
            var run = Evaluate(fx);
            var t = run.Facts.Get<CudaToolkitFacts>().Toolkits.Single();
            Assert.Equal(new[] { "directory name", "package cuda-toolkit-13-0" }, t.Evidence);
            var r = Get(run, "cuda.toolkit");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Contains("/usr/local/cuda-13.0", r.Observed);
        }

        [Fact]
        public void ADanglingCudaLinkWarns()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Dir("/usr/local/cuda-13.0/bin");
            fx.Link("/usr/local/cuda", "/usr/local/cuda-12.4");
            var r = Get(Evaluate(fx), "cuda.toolkit");
            Assert.Equal(CheckStatus.Warn, r.Status);
            Assert.Contains("no longer installed", r.Message);
            Assert.Contains("/usr/local/cuda-13.0", r.Remediation);
        }

        [Theory]
        [InlineData("cuda-version-json--11.8.0-runfile-520.61.05.json.txt", "11.8.0")]
        [InlineData("cuda-version-json--13.3.1-head-excerpt.json.txt", "13.3.1")]
        public void VersionJsonGivesTheSdkVersionNotAComponents(string capture, string expected) =>
            Assert.Equal(expected, LifecycleProbes.ParseVersionJson(Capture(capture)));

        [Theory]
        [InlineData("nvcc--version-11.8-linux.txt", "11.8.89")]
        [InlineData("nvcc--version-12.2-colab.txt", "12.2.140")]
        [InlineData("nvcc--version-13.2.txt", "13.2.86")]
        [InlineData("nvcc--not-installed-ubuntu-command-not-found.txt", null)]
        public void NvccVersionIsParsedFromRealOutput(string capture, string? expected) =>
            Assert.Equal(expected, LifecycleProbes.ParseNvccVersion(Capture(capture)));

        // ------------------------------------------------------------ driver.next-boot-kernel

        private const string NextKernel = "5.15.0-101-generic";

        [Fact]
        public void TheRunningKernelBeingTheNewestPasses()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var run = Evaluate(fx);
            Assert.Equal("/usr/src/linux-headers-5.15.0-91-generic", run.Facts.Get<KernelFacts>().Newest!.HeadersPath);
            var r = Get(run, "driver.next-boot-kernel");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Contains("(running)", r.Observed);
        }

        [Fact]
        public void ANewerKernelWithHeadersButNoModuleWarnsWithDkmsAutoinstall()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Kernel(NextKernel, headers: true, module: null);
            var r = Get(Evaluate(fx), "driver.next-boot-kernel");
            Assert.Equal(CheckStatus.Warn, r.Status);
            Assert.Contains(NextKernel, r.Observed);
            Assert.Contains("/var/lib/dkms/nvidia/590.48.01/build/make.log", r.Message);
            Assert.Equal($"sudo dkms autoinstall -k {NextKernel}", r.Remediation);
        }

        [Fact]
        public void ANewerKernelWithoutHeadersOrModuleFailsWithTheHeadersPackage()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Kernel(NextKernel, headers: false, module: null);
            // The build link of a removed headers package dangles.
            fx.Link($"/lib/modules/{NextKernel}/build", $"/usr/src/linux-headers-{NextKernel}");
            var r = Get(Evaluate(fx), "driver.next-boot-kernel");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("headers missing", r.Observed);
            Assert.Contains("A reboot now would start a kernel the driver cannot load into", r.Message);
            Assert.Equal($"sudo apt-get install -y linux-headers-{NextKernel}\nsudo dkms autoinstall -k {NextKernel}", r.Remediation);
        }

        [Fact]
        public void ANewerKernelPassesWithADkmsBuildOrAPrecompiledModule()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Kernel(NextKernel, headers: true, module: null);
            fx.ToolPrints("dkms", $"nvidia/590.48.01, 5.15.0-91-generic, x86_64: installed\nnvidia/590.48.01, {NextKernel}, x86_64: installed");
            Assert.Equal(CheckStatus.Pass, Get(Evaluate(fx), "driver.next-boot-kernel").Status);

            using var ubuntu = FixtureHost.HealthyUbuntu();
            ubuntu.Kernel(NextKernel, headers: false, module: "kernel/nvidia-590srv/nvidia.ko");
            var r = Get(Evaluate(ubuntu), "driver.next-boot-kernel");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Contains("headers are missing", r.Message);
        }

        [Fact]
        public void RescueImagesAndLeftoverModuleDirectoriesAreNotTheNextKernel()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/boot/vmlinuz-0-rescue-4f1e2d", "");
            fx.Dir("/lib/modules/6.8.0-45-generic/updates/dkms");   // no vmlinuz: the kernel was removed
            Assert.Equal("5.15.0-91-generic", Evaluate(fx).Facts.Get<KernelFacts>().Newest!.Release);
        }

        [Theory]
        [InlineData("5.15.0-91-generic", "5.15.0-101-generic")]
        [InlineData("5.15.0-101-generic", "6.8.0-45-generic")]
        [InlineData("5.14.0-427.13.1.el9_4.x86_64", "5.14.0-503.11.1.el9_5.x86_64")]
        [InlineData("6.1.0-9-amd64", "6.1.0-10-amd64")]
        public void KernelReleasesOrderByTheirNumbers(string older, string newer)
        {
            Assert.True(KernelReleaseComparer.Instance.Compare(older, newer) < 0);
            Assert.True(KernelReleaseComparer.Instance.Compare(newer, older) > 0);
        }

        [Theory]
        [InlineData("nvidia.ko", true)]
        [InlineData("nvidia.ko.zst", true)]
        [InlineData("nvidia.ko.xz", true)]
        [InlineData("nvidia-current.ko", true)]
        [InlineData("nvidia-drm.ko", false)]
        [InlineData("nvidia_uvm.ko.zst", false)]
        [InlineData("nvidia-current-modeset.ko", false)]
        [InlineData("nvidia-peermem.ko", false)]
        [InlineData("nouveau.ko", false)]
        public void OnlyTheCoreModuleCounts(string file, bool core) => Assert.Equal(core, LifecycleProbes.IsNvidiaCoreModule(file));

        // ------------------------------------------------------------ driver.install-method

        [Fact]
        public void PackagesAloneAndARunfileAlonePass()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Assert.Equal(CheckStatus.Pass, Get(Evaluate(fx), "driver.install-method").Status);
            fx.File("/usr/bin/nvidia-uninstall", "");
            fx.File("/var/lib/dpkg/status", FixtureHost.DpkgStatus(("bash", "5.1-6ubuntu1", false)));
            var r = Get(Evaluate(fx), "driver.install-method");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.StartsWith("runfile", r.Observed);
        }

        [Fact]
        public void ARunfileOverPackagesFailsWithBothWaysOut()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/usr/bin/nvidia-uninstall", "");
            fx.File("/var/log/nvidia-installer.log", "nvidia-installer log file '/var/log/nvidia-installer.log'\ncreation time: Tue Jan  6 10:12:44 2026\ninstaller version: 590.48.01\n");
            var r = Get(Evaluate(fx), "driver.install-method");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("runfile 590.48.01", r.Observed);
            Assert.Contains("nvidia-driver-590-server-open", r.Observed);
            Assert.Contains("sudo nvidia-uninstall --silent", r.Remediation);
            Assert.Contains("sudo apt-get install --reinstall -y nvidia-driver-590-server-open libnvidia-compute-590-server", r.Remediation);
            Assert.Contains("sudo apt-get purge -y 'nvidia-*'", r.Remediation);
        }

        [Fact]
        public void AnInstallerLogWithoutItsUninstallerIsARemovedRunfile()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/var/log/nvidia-installer.log", "nvidia-installer log file '/var/log/nvidia-installer.log'\ncreation time: Tue Jan  6 10:12:44 2026\ninstaller version: 535.104.05\n");
            var r = Get(Evaluate(fx), "driver.install-method");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Contains("(535.104.05)", r.Message);
        }

        // ------------------------------------------------------------ secureboot.module-rejected

        private static void SecureBootOnNoModuleLoaded(FixtureHost fx)
        {
            Delete(fx, "/proc/driver/nvidia/version");
            fx.File("/proc/modules", "");
            fx.Tool("mokutil", $"cat '{FixtureHost.Realworld("mokutil-sb-state--enabled.stdout.txt")}'");
            fx.Dir("/sys/firmware/efi");
        }

        [Fact]
        public void TheKernelRefusingTheModuleFailsWithMokEnrolment()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            SecureBootOnNoModuleLoaded(fx);
            // Real journal lines: the kernel's refusal (no module named) and nvidia's verification failure.
            fx.Tool("dmesg", $"cat '{FixtureHost.Realworld("journal--unsigned-module-rejected-messages-no-timestamps.txt")}'");
            fx.Modinfo("590.48.01", "5.15.0-91-generic", "Dual MIT/GPL", signer: null);
            var r = Get(Evaluate(fx), "secureboot.module-rejected");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("Loading of unsigned module is rejected", r.Observed);
            Assert.Contains("refused the nvidia module", r.Message);
            Assert.Contains("Secure Boot is on", r.Message);
            Assert.Contains("not signed at all", r.Message);
            Assert.Contains("sudo mokutil --import /var/lib/shim-signed/mok/MOK.der", r.Remediation);
            Assert.Contains("sudo dkms autoinstall --force", r.Remediation);
        }

        [Fact]
        public void KernLogAnswersWhenDmesgIsRestrictedAndTheSignerIsNamed()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            SecureBootOnNoModuleLoaded(fx);
            fx.Tool("dmesg", "echo 'dmesg: read kernel buffer failed: Operation not permitted' >&2; exit 1");
            // The modprobe line as systemd-modules-load logs it at boot (the capture is modprobe's own stderr).
            fx.File("/var/log/kern.log", "Jan  6 10:20:01 gpu07 kernel: [    4.812345] Lockdown: systemd-modules: unsigned module loading is restricted; see man kernel_lockdown.7\nJan  6 10:20:01 gpu07 systemd-modules-load[512]: " + Capture("modprobe--nvidia-key-rejected-secureboot.stderr.txt").Trim() + "\n");
            fx.ToolPrints("modinfo", Capture("modinfo--nvidia-550.54.15-open-dkms-mok-signed.txt"));
            var run = Evaluate(fx);
            Assert.Contains("/var/log/kern.log", run.Facts.Get<KernelLogFacts>().Sources);
            var r = Get(run, "secureboot.module-rejected");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("Key was rejected by service", r.Observed);
            Assert.Contains("signed by \"mlops Secure Boot Module Signature key\" (sig_key 29:80:51:1E", r.Message);
            Assert.DoesNotContain("dkms autoinstall --force", r.Remediation);
        }

        [Fact]
        public void AnUnsignedModuleThatLoadedOnlyWarns()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("dmesg", "echo '[    5.100200] nvidia: module verification failed: signature and/or required key missing - tainting kernel'");
            var r = Get(Evaluate(fx), "secureboot.module-rejected");
            Assert.Equal(CheckStatus.Warn, r.Status);
            Assert.Equal(CheckSeverity.Low, r.Severity);
            Assert.Contains("tainted the kernel", r.Message);
        }

        [Fact]
        public void OtherModulesRefusedWhileNvidiaIsLoadedPass()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("dmesg", "echo \"modprobe: ERROR: could not insert 'vmmon': Key was rejected by service\"");
            var r = Get(Evaluate(fx), "secureboot.module-rejected");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Contains("vmmon", r.Message);
        }

        [Fact]
        public void NoKernelLogIsUnknown()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("dmesg", "echo 'dmesg: read kernel buffer failed: Operation not permitted' >&2; exit 1");
            var r = Get(Evaluate(fx), "secureboot.module-rejected");
            Assert.Equal(CheckStatus.Unknown, r.Status);
            Assert.Contains("/var/log/kern.log does not exist", r.Message);
        }

        [Fact]
        public void KernelLogLinesAreClassifiedWithTheirModule()
        {
            var events = LifecycleProbes.ParseKernelLog(
                Capture("modprobe--nvidia-key-rejected-secureboot.stderr.txt") + "\n"
                + Capture("journal--unsigned-module-rejected-messages-no-timestamps.txt") + "\n"
                + "Apr 15 19:47:19 framework-jan systemd-modules-load[904]: Failed to insert module 'evdi': Key was rejected by service\n"
                + "[    2.000000] Loading of module with unavailable key is rejected\n"
                + "[    3.000000] nvidia: loading out-of-tree module taints kernel.\n");
            Assert.Equal(new[] { ("rejected", "nvidia"), ("rejected", (string?)null), ("unsigned", "nvidia"), ("rejected", "evdi"), ("rejected", null) },
                events.Select(e => (e.Kind, e.Module)).ToArray());
        }
    }
}
