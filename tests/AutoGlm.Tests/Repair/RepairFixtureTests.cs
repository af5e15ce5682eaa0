using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Repair;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Repair
{
    /// <summary>
    /// Repair-AutoGlmDriver's diagnosis and plan on fixture hosts (the healthy H100 of the check tests, broken one
    /// way at a time with real-world captures), applied to the isolated root with fake kernel tools that log argv.
    /// </summary>
    public class RepairFixtureTests
    {
        private const string Healthy = "590.48.01";
        private const string Unit = "autoglm-vllm-server.service";

        private static LiveSystem Sys(FixtureHost fx) => new LiveSystem(fx.RootPath, fx.PathVariable);
        private static RepairRequest Request(params string[] checks) => new RepairRequest { Profile = "vllm-server", CheckIds = checks, CommandTimeout = TimeSpan.FromSeconds(30) };
        private static RepairDiagnosis Diagnose(FixtureHost fx, RepairRequest? request = null) => RepairDiagnoser.Diagnose(request ?? Request(), Sys(fx), NullOutput.Instance);
        private static string Log(FixtureHost fx) => File.Exists(Path.Combine(fx.RootPath, "../tools.log")) ? File.ReadAllText(Path.Combine(fx.RootPath, "../tools.log")) : "";

        private static Dictionary<string, string> Tree(string root) =>
            Directory.GetFiles(root, "*", SearchOption.AllDirectories).Where(f => !Directory.Exists(f))
                .ToDictionary(f => f.Substring(root.Length), f => new FileInfo(f).LinkTarget ?? Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

        private static void LinkReal(FixtureHost fx, params string[] tools)
        {
            foreach (var t in tools)
                foreach (var dir in new[] { "/usr/bin", "/bin" })
                    if (File.Exists(Path.Combine(dir, t)) && !File.Exists(Path.Combine(fx.BinPath, t))) { File.CreateSymbolicLink(Path.Combine(fx.BinPath, t), Path.Combine(dir, t)); break; }
        }

        /// <summary>
        /// Unattended-upgrades moved the user space to 590.48.01 while the 580.65.06 module stays loaded: nvidia-smi
        /// fails with the real rc-18 capture until the module is reloaded (the fake modprobe loads the installed one).
        /// Our service is active; systemctl, rmmod and modprobe log their argv.
        /// </summary>
        private static FixtureHost Mismatch()
        {
            var fx = FixtureHost.HealthyUbuntu();
            LinkReal(fx, "grep");
            var version = Path.Combine(fx.RootPath, "proc/driver/nvidia/version");
            var healthyLine = File.ReadAllText(version);
            File.WriteAllText(Path.Combine(fx.RootPath, "../healthy-version"), healthyLine);
            File.WriteAllText(version, healthyLine.Replace(Healthy, "580.65.06"));
            var log = Path.Combine(fx.RootPath, "../tools.log");
            fx.Tool("nvidia-smi",
                $"if grep -q {Healthy} '{version}'; then\n  case \"$1\" in\n    --query-gpu=driver_version) echo {Healthy} ;;\n    *) cat '{FixtureHost.Realworld(FixtureHost.H100Log)}' ;;\n  esac\n" +
                $"else\n  cat '{FixtureHost.Realworld("nvidia-smi--driver-library-mismatch-550-rc18.txt")}'\n  exit 18\nfi");
            fx.Tool("modprobe", $"echo \"modprobe $*\" >> '{log}'\nfor a; do last=$a; done\n[ \"$last\" = nvidia ] && cat '{Path.Combine(fx.RootPath, "../healthy-version")}' > '{version}'\nexit 0");
            fx.Tool("rmmod", $"echo \"rmmod $*\" >> '{log}'");
            fx.Tool("systemctl", $"echo \"systemctl $*\" >> '{log}'\n[ \"$1\" = is-active ] && echo active\nexit 0");
            fx.File("/etc/systemd/system/" + Unit, "[Unit]\nDescription=AutoGLM model server\n");
            return fx;
        }

        private static ProcessOutcome Sh(string path, params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["PATH"] = path;
            using var p = System.Diagnostics.Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return new ProcessOutcome { ExitCode = p.ExitCode, Stdout = stdout.Result, Stderr = stderr };
        }

        [Fact]
        public void AHealthyHostHasNothingToRepairAndTheCliChangesNothing()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var d = Diagnose(fx);
            Assert.True(d.Healthy, d.Summary + string.Join("\n", d.Signatures.Select(s => s.Explanation)));
            Assert.Contains("Nothing to repair", d.Summary);
            var before = Tree(fx.RootPath);

            var run = Cli.Run(fx.PathVariable, "repair-driver", "--root", fx.RootPath, "--force");

            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
            Assert.Contains("Nothing to repair.", run.Stdout);
            Assert.Equal(before, Tree(fx.RootPath));
        }

        [Fact]
        public void AMismatchWithNoOtherHolderStopsOurServiceReloadsTheModulesAndStartsItAgain()
        {
            using var fx = Mismatch();
            var d = Diagnose(fx);
            var s = Assert.Single(d.Signatures);
            Assert.Equal(RepairSignature.DriverLibraryMismatch, s.Id);
            Assert.True(s.Fixable);
            Assert.False(s.RebootRequired);
            Assert.Contains(s.Checks, c => c.Id == "gpu.nvml");
            Assert.Contains("580.65.06", s.Explanation);
            Assert.Contains(s.Evidence, e => e.StartsWith("no process holds /dev/nvidia*"));
            Assert.Equal(new[] { Unit }, d.ActiveServices);

            var system = Sys(fx);
            var plan = RepairPlanner.Plan(d, Request(), system);
            Assert.Equal(new[] { "driver.reload", "driver.hold", "driver.verify" }, plan.Steps.Select(p => p.Id));
            var reload = plan.Steps[0].Commands.Select(c => string.Join(" ", c)).ToList();
            Assert.Equal(new[] { "systemctl stop " + Unit, "rmmod nvidia_uvm", "rmmod nvidia_drm", "rmmod nvidia_modeset", "rmmod nvidia",
                $"modprobe -d {fx.RootPath} nvidia", $"modprobe -d {fx.RootPath} nvidia_uvm", "systemctl start " + Unit }, reload);

            var result = PlanExecutor.Apply(plan, system, new ApplyOptions { CommandTimeout = TimeSpan.FromSeconds(30) }, NullOutput.Instance);

            Assert.True(result.Status == "changed", result.Message);
            var log = Log(fx).Split('\n').Where(l => !l.StartsWith("systemctl is-active")).ToList();
            Assert.Equal(new[] { "systemctl stop " + Unit, "rmmod nvidia_uvm", "rmmod nvidia_drm", "rmmod nvidia_modeset", "rmmod nvidia" }, log.Take(5));
            Assert.Contains("systemctl start " + Unit, log);
            Assert.True(log.IndexOf("systemctl start " + Unit) > log.FindIndex(l => l.EndsWith(" nvidia")));
            // The same checks now pass.
            Assert.True(Diagnose(fx).Healthy);
            // And a second run converges.
            Assert.Equal("converged", PlanExecutor.Apply(plan, system, new ApplyOptions(), NullOutput.Instance).Status);
        }

        [Fact]
        public void AProcessHoldingTheGpuMeansAReboot_NamedInTheDiagnosis()
        {
            using var fx = Mismatch();
            fx.File("/proc/4242/comm", "python3\n").File("/proc/4242/cgroup", "0::/user.slice/user-1000.slice/session-3.scope\n")
              .Link("/proc/4242/fd/7", "/dev/nvidia0");
            // Our own service's process does not block: the repair stops it.
            fx.File("/proc/5151/comm", "vllm\n").File("/proc/5151/cgroup", "0::/system.slice/" + Unit + "\n").Link("/proc/5151/fd/9", "/dev/nvidiactl");

            var d = Diagnose(fx);
            var s = d.Signatures.Single(x => x.Id == RepairSignature.DriverLibraryMismatch);
            Assert.True(s.RebootRequired);
            Assert.Contains("python3 (PID 4242)", s.Explanation);
            Assert.DoesNotContain("vllm (PID 5151", s.Explanation);
            Assert.Contains(s.Evidence, e => e.Contains("/dev/nvidia0") && e.Contains("4242"));
            var plan = RepairPlanner.Plan(d, Request(), Sys(fx));
            Assert.Equal(new[] { "driver.reboot", "driver.hold", "driver.verify" }, plan.Steps.Select(p => p.Id));
            Assert.True(plan.Steps[0].RequiresReboot);
            Assert.Contains("python3 (PID 4242)", plan.Steps[0].Description);

            var result = PlanExecutor.Apply(plan, Sys(fx), new ApplyOptions(), NullOutput.Instance);
            Assert.Equal("reboot-required", result.Status);
            Assert.DoesNotContain("rmmod", Log(fx));
        }

        [Fact]
        public void AModuleThatWillNotUnloadAsksForARebootAndRestartsTheService()
        {
            using var fx = Mismatch();
            var log = Path.Combine(fx.RootPath, "../tools.log");
            fx.Tool("rmmod", $"echo \"rmmod $*\" >> '{log}'\n[ \"$1\" = nvidia ] && {{ echo 'rmmod: ERROR: Module nvidia is in use' >&2; exit 1; }}\nexit 0");
            var system = Sys(fx);
            var result = PlanExecutor.Apply(RepairPlanner.Plan(Diagnose(fx), Request(), system), system, new ApplyOptions(), NullOutput.Instance);
            Assert.Equal("reboot-required", result.Status);
            Assert.Contains("Module nvidia is in use", result.Steps.Single(s => s.Id == "driver.reload").Detail);
            Assert.Contains("systemctl start " + Unit, Log(fx));
            Assert.DoesNotContain("modprobe", Log(fx));
        }

        [Fact]
        public void WhatIfPrintsTheDiagnosisAndThePlanAsJsonAndChangesNothing()
        {
            using var fx = Mismatch();
            var before = Tree(fx.RootPath);
            // The diagnosis and plan read only the host: no network (any HTTP request would fail at the closed proxy).
            var run = Cli.Run(fx.PathVariable, AutoGlm.Tests.Install.InstallDriverCliTests.NoNetwork, "repair-driver", "--what-if", "--format", "json", "--root", fx.RootPath);
            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
            Assert.Equal(before, Tree(fx.RootPath));
            Assert.Equal("", Log(fx).Replace("systemctl is-active " + Unit + "\n", ""));
            var json = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(run.Stdout)!;
            Assert.Equal("repair-driver", json["plan"]);
            var diagnosis = (IDictionary<string, object?>)json["diagnosis"]!;
            var signature = ((IEnumerable<object?>)diagnosis["signatures"]!).Cast<IDictionary<string, object?>>().Single();
            Assert.Equal("driver-library-mismatch", signature["id"]);
            var steps = ((IEnumerable<object?>)json["steps"]!).Cast<IDictionary<string, object?>>().Select(s => (string)s["id"]!).ToList();
            Assert.Equal(new[] { "driver.reload", "driver.hold", "driver.verify" }, steps);
        }

        [Fact]
        public void NouveauLoadedIsBlacklistedTheInitramfsRebuiltAndARebootRequired()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/proc/modules", File.ReadAllText(FixtureHost.Realworld("lsmod-grep-nouveau--nouveau-loaded-ubuntu.txt")).Replace("Module ", "#"));
            File.Delete(Path.Combine(fx.RootPath, "proc/driver/nvidia/version"));
            File.Delete(Path.Combine(fx.RootPath, "etc/modprobe.d/blacklist-nouveau.conf"));
            fx.Smi("nvidia-smi--no-driver-couldnt-communicate.txt", exitCode: 9);
            var log = Path.Combine(fx.RootPath, "../tools.log");
            fx.Tool("update-initramfs", $"echo \"update-initramfs $*\" >> '{log}'");

            var d = Diagnose(fx);
            var s = d.Signatures.Single(x => x.Id == RepairSignature.NouveauLoaded);
            Assert.True(s.Fixable && s.RebootRequired);
            Assert.Contains(s.Checks, c => c.Id == "driver.nouveau");
            Assert.DoesNotContain(d.Signatures, x => x.Id == RepairSignature.Unrecognised);
            var system = Sys(fx);
            var plan = RepairPlanner.Plan(d, Request(), system);
            Assert.Equal(new[] { "nouveau.blacklist", "nouveau.reboot", "driver.verify" }, plan.Steps.Select(p => p.Id));

            var result = PlanExecutor.Apply(plan, system, new ApplyOptions(), NullOutput.Instance);
            Assert.Equal("reboot-required", result.Status);
            Assert.Equal("nouveau.reboot", result.Steps.Single(x => x.Outcome == "reboot-pending").Id);
            Assert.Contains("blacklist nouveau", File.ReadAllText(Path.Combine(fx.RootPath, "etc/modprobe.d/autoglm-blacklist-nouveau.conf")));
            Assert.Contains("update-initramfs -u", Log(fx));
        }

        [Fact]
        public void SecureBootRejectingTheModuleQueuesTheMokAsAResumableStepWithTheInstructions()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            File.Delete(Path.Combine(fx.RootPath, "proc/driver/nvidia/version"));
            fx.File("/proc/modules", "");
            fx.Tool("mokutil", $"cat '{FixtureHost.Realworld("mokutil-sb-state--enabled.stdout.txt")}'");
            fx.Dir("/sys/firmware/efi");
            fx.Tool("dmesg", $"cat '{FixtureHost.Realworld("journal--unsigned-module-rejected-messages-no-timestamps.txt")}'");
            fx.Smi("nvidia-smi--no-driver-couldnt-communicate.txt", exitCode: 9);

            var d = Diagnose(fx);
            var s = d.Signatures.Single(x => x.Id == RepairSignature.SecureBootRejected);
            Assert.True(s.Fixable && s.RebootRequired);
            Assert.Contains(s.Checks, c => c.Id == "secureboot.module-rejected");
            Assert.Contains("linux-modules-nvidia-<branch>-server-5.15.0-91-generic", s.Explanation);
            var plan = RepairPlanner.Plan(d, Request(), Sys(fx));
            Assert.Equal(new[] { "secureboot.mok", "secureboot.enroll", "secureboot.resign", "driver.verify" }, plan.Steps.Select(p => p.Id));
            Assert.Contains(new[] { "mokutil", "--import", "/var/lib/shim-signed/mok/MOK.der", "--root-pw" }, plan.Steps[0].Commands.Select(c => c.ToArray()));
            Assert.True(plan.Steps[1].RequiresReboot);
            Assert.Contains("'Enroll MOK'", plan.Steps[1].Description);
            Assert.Contains(new[] { "dkms", "autoinstall", "-k", "5.15.0-91-generic", "--force" }, plan.Steps[2].Commands.Select(c => c.ToArray()));
            Assert.Contains(plan.Notes, n => n.Contains("signed prebuilt modules"));
        }

        [Fact]
        public void CudaOutOfStepIsAProposalAndTheCliExitsNonZeroWithABundleAndNoChanges()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/usr/local/cuda-13.3/version.json", File.ReadAllText(FixtureHost.Realworld("cuda-version-json--13.3.1-head-excerpt.json.txt")));
            fx.Link("/usr/local/cuda", "/usr/local/cuda-13.3");
            var d = Diagnose(fx);
            var s = Assert.Single(d.Signatures);
            Assert.Equal(RepairSignature.CudaOutOfStep, s.Id);
            Assert.False(s.Fixable);
            Assert.Contains("autoglm install-driver", s.Proposal); // the CLI face; a cmdlet says Install-AutoGlmDriver (MessageFaceTests)
            Assert.Contains("wheel down", s.Proposal);
            Assert.Empty(RepairPlanner.Plan(d, Request(), Sys(fx)).Steps);

            var before = Tree(fx.RootPath);
            using var tmp = new TempDir();
            var bundle = Path.Combine(tmp.Path, "b.tar.gz");
            var run = Cli.Run(fx.PathVariable, "repair-driver", "--root", fx.RootPath, "--force", "--collect-bundle", bundle);
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("Cannot repair this automatically", run.Stdout);
            Assert.Contains("proposal: Driver up", run.Stdout);
            Assert.Contains(bundle, run.Stdout);
            Assert.True(File.Exists(bundle));
            Assert.Equal(before, Tree(fx.RootPath));
        }

        [Fact]
        public void CheckIdsFromThePipelineRestrictTheRepairAndUnknownIdsAreRefused()
        {
            using var fx = Mismatch();
            Assert.Equal(new[] { RepairSignature.DriverLibraryMismatch }, Diagnose(fx, Request("gpu.nvml")).Signatures.Select(s => s.Id));
            // A check that is not among the signature's evidence leaves nothing to repair.
            Assert.True(Diagnose(fx, Request("cuda.toolkit")).Healthy);
            var ex = Assert.Throws<AutoGlmException>(() => Diagnose(fx, Request("gpu.nope")));
            Assert.Equal("UnknownCheckId", ex.ErrorId);
        }

        [Fact]
        public void PreventionAddsTheKernelHookTheKernelHoldAndTheUnattendedUpgradesExclusion()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/var/lib/dpkg/status", File.ReadAllText(Path.Combine(fx.RootPath, "var/lib/dpkg/status"))
                + FixtureHost.DpkgStatus(("linux-generic", "5.15.0.91.88", false), ("linux-image-5.15.0-91-generic", "5.15.0-91.101", false)));
            var request = Request();
            request.Prevent = true;
            var d = Diagnose(fx, request);
            Assert.True(d.Healthy);
            Assert.Equal(new[] { "linux-generic" }, d.KernelMetaPackages);
            var plan = RepairPlanner.Plan(d, request, Sys(fx));
            Assert.Equal(new[] { "prevent.kernel-hook", "prevent.kernel-hold", "driver.unattended-upgrades" }, plan.Steps.Select(p => p.Id));
            var hook = plan.Steps[0].Files.Single();
            Assert.Equal("/etc/kernel/postinst.d/zz-autoglm-nvidia", hook.Path);
            Assert.Equal(0x1ED, hook.Mode);
            Assert.Contains("dkms autoinstall -k \"$kernel\"", hook.Content);
            Assert.Equal("linux-generic", plan.Steps[1].Target);

            // The hook itself: builds for the kernel it is given, and warns (never fails the kernel install) when no module results.
            using var tmp = new TempDir();
            File.WriteAllText(Path.Combine(tmp.Path, "hook"), hook.Content);
            File.WriteAllText(Path.Combine(tmp.Path, "dkms"), $"#!/bin/sh\necho \"dkms $*\" >> '{tmp.Path}/log'\n");
            File.WriteAllText(Path.Combine(tmp.Path, "modinfo"), "#!/bin/sh\nexit 1\n");
            foreach (var f in new[] { "hook", "dkms", "modinfo" }) File.SetUnixFileMode(Path.Combine(tmp.Path, f), (UnixFileMode)0x1ED);
            var r = Sh(tmp.Path + ":/usr/bin:/bin", Path.Combine(tmp.Path, "hook"), "6.8.0-101-generic");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("dkms autoinstall -k 6.8.0-101-generic\n", File.ReadAllText(Path.Combine(tmp.Path, "log")));
            Assert.Contains("kernel 6.8.0-101-generic has no nvidia module", r.Stderr);
        }

        [Fact]
        public void WindowsUpdateReplacingTheDriverPlansTheInstallerAndThePolicy_Golden()
        {
            using var tmp = new TempDir();
            var system = new LiveSystem(tmp.Path);
            var d = new RepairDiagnosis { OsFamily = OsFamily.Windows, Profile = "vllm-server", InstalledDriver = "560.94" };
            d.PinnedPackages.Add("windows-driver=546.33");
            d.Signatures.Add(new RepairSignature { Id = RepairSignature.WindowsUpdateReplacedDriver, Fixable = true, Title = "Windows Update replaced the driver" });

            var ex = Assert.Throws<AutoGlmException>(() => RepairPlanner.Plan(d, Request(), system));
            Assert.Equal("InstallerRequired", ex.ErrorId);
            Assert.Contains("546.33", ex.Message);

            var request = Request();
            request.InstallerPath = @"C:\drivers\546.33-data-center-tesla-desktop-win10-win11-64bit-dch-international.exe";
            var plan = RepairPlanner.Plan(d, request, system);
            var golden = string.Join("\n", plan.Steps.Select(s => s.Id + ": " + string.Join(" | ", s.Commands.Select(c => string.Join(" ", c)))));
            Assert.Equal(
                @"driver.windows-update: reg.exe add HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate /v ExcludeWUDriversInQualityUpdate /t REG_DWORD /d 1 /f" + "\n" +
                @"driver.reinstall: C:\drivers\546.33-data-center-tesla-desktop-win10-win11-64bit-dch-international.exe -s -noreboot -clean", golden);
        }

        [Fact]
        public void AptHistoryNamesWhatMovedTheDriver()
        {
            var text = File.ReadAllText(FixtureHost.Realworld("apt-history-log--unattended-upgrade-libnvidia-common-460.txt"));
            var lines = PackageHistory.ParseAptHistory(text, new[] { "nvidia-driver-460" }).ToList();
            var line = Assert.Single(lines);
            Assert.Equal("2021-04-24 06:50:54: unattended-upgrades — upgrade libnvidia-common-460 460.56-0ubuntu0.20.04.1 -> 460.73.01-0ubuntu0.20.04.1", line);
            Assert.Empty(PackageHistory.ParseAptHistory(text, new[] { "nvidia-driver-535" }));
        }
    }
}
