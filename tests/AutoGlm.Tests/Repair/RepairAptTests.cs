using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Platforms;
using AutoGlm.Engine.Repair;
using AutoGlm.Tests.Install;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Repair
{
    /// <summary>
    /// The repair's package paths with real apt and dpkg in an isolated root (fake packages from a signed flat
    /// repository): the driver moved past its pin is reinstalled and held again; a kernel without a module gets
    /// its headers and a DKMS build (fake dkms, modinfo, modprobe and nvidia-smi stand in for the kernel side).
    /// </summary>
    [Collection("apt")]
    public class RepairAptTests
    {
        private const string Running = "5.15.0-119-generic";
        private const string NextBoot = "5.15.0-121-generic";

        private static RepairRequest Request() => new RepairRequest { Profile = "vllm-server", CommandTimeout = TimeSpan.FromSeconds(120) };

        private static AptSandbox Sandbox(Action<AptSandbox>? addPackages = null)
        {
            var apt = new AptSandbox().WithNvidiaRepository();
            addPackages?.Invoke(apt);
            apt.Publish();
            File.WriteAllText(Path.Combine(apt.Root, "etc/os-release"), "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\nPRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\n");
            File.WriteAllText(Path.Combine(apt.Root, "etc/apt/sources.list.d/test.list"), $"deb [trusted=yes] {apt.RepoUrl} /\n");
            var pci = Path.Combine(apt.Root, "sys/bus/pci/devices/0000:17:00.0");
            Directory.CreateDirectory(pci);
            File.WriteAllText(Path.Combine(pci, "vendor"), "0x10de\n");
            File.WriteAllText(Path.Combine(pci, "device"), "0x2330\n");
            File.WriteAllText(Path.Combine(pci, "class"), "0x030200\n");
            apt.AptGet("update");
            apt.AptGet("install", "-y", "nvidia-open=595.45.04-1");
            return apt;
        }

        private static ApplyResult Apply(ChangePlan plan, LiveSystem system) =>
            PlanExecutor.Apply(plan, system, new ApplyOptions { CommandTimeout = TimeSpan.FromSeconds(120) }, NullOutput.Instance);

        [Fact]
        public void TheDriverMovedPastItsPinIsReinstalledAndHeldAgainAndHistorySaysWhatMovedIt()
        {
            using var apt = Sandbox();
            // The running kernel has its module (DKMS built it); only the packages moved.
            apt.Script("modinfo", $"#!/bin/sh\nprintf 'filename:       /lib/modules/{Running}/updates/dkms/nvidia.ko\\nversion:        595.45.04\\nlicense:        Dual MIT/GPL\\nname:           nvidia\\nvermagic:       {Running} SMP mod_unload\\n'\n");
            Directory.CreateDirectory(Path.Combine(apt.Root, "boot"));
            File.WriteAllText(Path.Combine(apt.Root, "boot/vmlinuz-" + Running), "");
            Directory.CreateDirectory(Path.Combine(apt.Root, $"lib/modules/{Running}/updates/dkms"));
            File.WriteAllText(Path.Combine(apt.Root, $"lib/modules/{Running}/updates/dkms/nvidia.ko"), "");
            var system = new LiveSystem(apt.Root, apt.Path_);
            AptSandbox.Run(new AptTool(system).AptMark("hold", "nvidia-open").ToArray());
            Directory.CreateDirectory(Path.Combine(apt.Root, "var/lib/autoglm/pins"));
            File.WriteAllText(Path.Combine(apt.Root, "var/lib/autoglm/pins/driver"), "# Written by AutoGlm\nnvidia-open=595.45.04-1\n");
            // What moves a held driver anyway: an upgrade told to override holds.
            apt.AptGet("install", "-y", "--allow-change-held-packages", "nvidia-open=595.58.03-1");
            Assert.Equal("595.58.03-1", apt.Installed()["nvidia-open"].Version);

            var d = RepairDiagnoser.Diagnose(Request(), system, NullOutput.Instance);
            var s = d.Signatures.Single(x => x.Id == RepairSignature.DriverMovedPastPin);
            Assert.True(s.Fixable);
            Assert.Contains("pin record: nvidia-open=595.45.04-1; installed: 595.58.03-1", s.Evidence);
            Assert.Contains(s.Evidence, e => e.Contains("install nvidia-open 595.45.04-1 -> 595.58.03-1") || e.Contains("upgrade nvidia-open 595.45.04-1 -> 595.58.03-1"));
            Assert.Contains("What moved it:", s.Explanation);
            var plan = RepairPlanner.Plan(d, Request(), system);
            Assert.Equal(new[] { "driver.reinstall", "driver.hold", "driver.reload", "driver.verify" }, plan.Steps.Select(p => p.Id));
            Assert.Contains("nvidia-open=595.45.04-1", plan.Steps[0].Commands[0]);

            var before = apt.Tree();
            var preview = PlanExecutor.Preview(plan, system, NullOutput.Instance, TimeSpan.FromSeconds(60));
            Assert.Equal(before, apt.Tree());
            Assert.Equal("change", preview.Steps[0].Status);

            var result = Apply(plan, system);
            Assert.True(result.Status == "changed", result.Message + string.Join("\n", result.Steps.Select(x => x.Id + " " + x.Outcome + " " + x.Detail)));
            Assert.Equal(("595.45.04-1", true), apt.Installed()["nvidia-open"]);
            // The reinstalled driver answers with the pinned version: no reload was needed.
            Assert.Equal("unchanged", result.Steps.Single(x => x.Id == "driver.reload").Outcome);
            Assert.DoesNotContain(RepairDiagnoser.Diagnose(Request(), system, NullOutput.Instance).Signatures, x => x.Id == RepairSignature.DriverMovedPastPin);
            Assert.Equal("converged", Apply(plan, system).Status);
        }

        [Fact]
        public void AKernelWithoutAModuleGetsHeadersAndADkmsBuildForTheRunningAndTheNextBootKernel()
        {
            using var apt = Sandbox(a => a.Add(new FakePackage { Name = "linux-headers-" + NextBoot, Version = "5.15.0-121.131" }));
            var root = apt.Root;
            foreach (var k in new[] { Running, NextBoot })
            {
                Directory.CreateDirectory(Path.Combine(root, "lib/modules", k, "kernel"));
                Directory.CreateDirectory(Path.Combine(root, "boot"));
                File.WriteAllText(Path.Combine(root, "boot/vmlinuz-" + k), "");
            }
            File.WriteAllText(Path.Combine(root, "proc/modules"), "");
            var log = Path.Combine(root, "../tools.log");
            apt.Script("dkms", "#!/bin/sh\necho \"dkms $*\" >> " + log + "\n" +
                "case \"$1\" in\n  status) for d in " + root + "/lib/modules/*; do [ -f \"$d/updates/dkms/nvidia.ko\" ] && echo \"nvidia/595.45.04, $(basename $d), x86_64: installed\"; done; exit 0 ;;\n" +
                "  autoinstall) mkdir -p " + root + "/lib/modules/$3/updates/dkms && : > " + root + "/lib/modules/$3/updates/dkms/nvidia.ko ;;\nesac\n");
            apt.Script("modinfo", "#!/bin/sh\nk=$(cat " + root + "/proc/sys/kernel/osrelease); f=''\nwhile [ $# -gt 0 ]; do case \"$1\" in -k) k=$2; shift ;; -F) f=$2; shift ;; -b) shift ;; esac; shift; done\n" +
                "m=" + root + "/lib/modules/$k/updates/dkms/nvidia.ko\n[ -f \"$m\" ] || { echo 'modinfo: ERROR: Module nvidia not found.' >&2; exit 1; }\n" +
                "[ \"$f\" = filename ] && { echo /lib/modules/$k/updates/dkms/nvidia.ko; exit 0; }\n" +
                "printf 'filename:       /lib/modules/%s/updates/dkms/nvidia.ko\\nversion:        595.45.04\\nlicense:        Dual MIT/GPL\\nname:           nvidia\\nvermagic:       %s SMP mod_unload\\n' $k $k\n");
            apt.Script("modprobe", "#!/bin/sh\necho \"modprobe $*\" >> " + log + "\nmkdir -p " + root + "/proc/driver/nvidia && echo 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  595.45.04  Release Build' > " + root + "/proc/driver/nvidia/version\n");
            apt.Script("nvidia-smi", "#!/bin/sh\n[ -f " + root + "/proc/driver/nvidia/version ] || { echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"; exit 9; }\necho 595.45.04\n");
            var system = new LiveSystem(root, apt.Path_);

            var d = RepairDiagnoser.Diagnose(Request(), system, NullOutput.Instance);
            var s = d.Signatures.Single(x => x.Id == RepairSignature.ModuleMissingForKernel);
            Assert.Contains(s.Checks, c => c.Id == "driver.dkms");
            Assert.Contains(s.Checks, c => c.Id == "driver.next-boot-kernel");
            Assert.Equal(new[] { "kernel " + Running, "kernel " + NextBoot }, s.Evidence);
            var plan = RepairPlanner.Plan(d, Request(), system);
            Assert.Equal(new[] { "kernel.headers", "dkms.running", "dkms.next-boot", "driver.verify" }, plan.Steps.Select(p => p.Id));
            Assert.Equal($"linux-headers-{Running} linux-headers-{NextBoot} dkms", plan.Steps[0].Target);
            Assert.Equal(new[] { "dkms", "autoinstall", "-k", Running }, plan.Steps[1].Commands[0]);

            var result = Apply(plan, system);

            Assert.True(result.Status == "changed", result.Message + string.Join("\n", result.Steps.Select(x => x.Id + " " + x.Outcome + " " + x.Detail)));
            var installed = apt.Installed();
            Assert.True(installed.ContainsKey("linux-headers-" + Running) && installed.ContainsKey("linux-headers-" + NextBoot) && installed.ContainsKey("dkms"));
            var tools = File.ReadAllText(log);
            Assert.Contains($"dkms autoinstall -k {Running}", tools);
            Assert.Contains($"dkms autoinstall -k {NextBoot}", tools);
            Assert.Contains($"modprobe -d {root} nvidia", tools);
            Assert.DoesNotContain(RepairDiagnoser.Diagnose(Request(), system, NullOutput.Instance).Signatures, x => x.Id == RepairSignature.ModuleMissingForKernel);
        }

        [Fact]
        public void TheSupportBundleHoldsTheLogsWithSecretsAndTheHostNameMasked()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/etc/hostname", "gpu-node-17\n")
              .File("/var/log/apt/history.log", "Start-Date: 2026-01-05  06:25:01\nCommandline: apt-get -o Acquire::http::Proxy=http://ops:Pr0xyPass@proxy.corp:3128 upgrade\nUpgrade: nvidia-open:amd64 (595.45.04-1, 595.58.03-1)\nEnd-Date: 2026-01-05  06:25:40\n")
              .File("/var/lib/dkms/nvidia/590.48.01/build/make.log", "make -C /lib/modules/5.15.0-91-generic/build on gpu-node-17\nHF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz0123 curl -H 'Authorization: Bearer eyJhbGciOi.payload.sig' https://deploy:s3cret@mirror.example.com/x\n");
            var system = new LiveSystem(fx.RootPath, fx.PathVariable);
            var d = RepairDiagnoser.Diagnose(Request(), system, NullOutput.Instance);
            using var tmp = new TempDir();

            var tgz = SupportBundle.Write(Path.Combine(tmp.Path, "bundle.tar.gz"), d, system, TimeSpan.FromSeconds(30));
            var outDir = tmp.Combine("x");
            Directory.CreateDirectory(outDir);
            AptSandbox.Run("tar", "-xzf", tgz, "-C", outDir);
            var files = Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Select(f => f.Substring(outDir.Length + 1)).OrderBy(f => f).ToList();
            Assert.Equal(new[] { "autoglm-bundle/diagnosis.json", "autoglm-bundle/dkms/nvidia/590.48.01/build/make.log", "autoglm-bundle/dmesg-nvidia.txt",
                "autoglm-bundle/packages/history.log", "autoglm-bundle/report.json" }, files);
            var all = string.Concat(files.Select(f => File.ReadAllText(Path.Combine(outDir, f))));
            foreach (var secret in new[] { "Pr0xyPass", "s3cret", "hf_abcdefghijklmnopqrstuvwxyz0123", "eyJhbGciOi.payload.sig", "gpu-node-17", "ops:" })
                Assert.DoesNotContain(secret, all);
            var make = File.ReadAllText(Path.Combine(outDir, "autoglm-bundle/dkms/nvidia/590.48.01/build/make.log"));
            Assert.Contains("https://****@mirror.example.com/x", make);
            Assert.Contains("on <redacted-host>", make);
            Assert.Contains("HF_TOKEN=****", make);
            Assert.Contains("NVRM", File.ReadAllText(Path.Combine(outDir, "autoglm-bundle/dmesg-nvidia.txt")));
            Assert.Contains("nvidia-open:amd64 (595.45.04-1, 595.58.03-1)", File.ReadAllText(Path.Combine(outDir, "autoglm-bundle/packages/history.log")));

            var zip = SupportBundle.Write(Path.Combine(tmp.Path, "bundle.zip"), d, system, TimeSpan.FromSeconds(30));
            using (var archive = ZipFile.OpenRead(zip))
            {
                Assert.Equal(5, archive.Entries.Count);
                using var reader = new StreamReader(archive.GetEntry("autoglm-bundle/dkms/nvidia/590.48.01/build/make.log")!.Open());
                Assert.DoesNotContain("s3cret", reader.ReadToEnd());
            }
            var ex = Assert.Throws<AutoGlmException>(() => SupportBundle.Write(Path.Combine(tmp.Path, "bundle.rar"), d, system, TimeSpan.FromSeconds(30)));
            Assert.Equal("BundlePathInvalid", ex.ErrorId);
        }
    }
}
