using AutoGlm.Engine.Diagnostics;
using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Versions;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Checks
{
    /// <summary>
    /// Checks of what breaks the driver later rather than now: a CUDA toolkit the driver cannot serve, a
    /// next-boot kernel without a module, two install methods fighting over the same files, and modules
    /// the kernel refused for their signature.
    /// </summary>
    public static class LifecycleChecks
    {
        public static IReadOnlyList<Check> All { get; } = new[]
        {
            new Check("cuda.toolkit", "cuda", CheckSeverity.Medium, "An installed CUDA toolkit matches the stack's CUDA major and is not newer than the driver serves; none is needed for wheel-only stacks.", Toolkit),
            new Check("driver.next-boot-kernel", "driver", CheckSeverity.High, "The newest installed kernel (what a reboot starts) has an nvidia module, or the headers to build one.", NextBootKernel),
            new Check("driver.install-method", "driver", CheckSeverity.High, "The driver comes from one install method: NVIDIA's runfile or packages, not both.", InstallMethod),
            new Check("secureboot.module-rejected", "firmware", CheckSeverity.High, "The kernel log shows no NVIDIA module refused for its signature (\"Key was rejected by service\").", ModuleRejected),
        };

        private static bool NeedsGpu(CheckContext c) => c.Profile.Requires.Gpu;
        private static string Src(params FactSet[] sets) => string.Join(", ", sets.SelectMany(s => s.Sources).Distinct());
        private static bool IsNvidiaModule(string? name) => name != null && name.StartsWith("nvidia", StringComparison.Ordinal);

        // ------------------------------------------------------------ cuda.toolkit

        private static Verdict Toolkit(CheckContext c)
        {
            var tk = c.Facts.Get<CudaToolkitFacts>();
            var gpu = c.Facts.Get<GpuFacts>();
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU and no CUDA toolkit.");
            var stackCuda = c.Stack.Cuda;
            var expected = stackCuda != null
                ? $"none (the cu{stackCuda.Replace(".", "")} wheels bundle the runtime), or CUDA {CudaVersion.Parse(stackCuda).Major}.x not newer than the driver serves"
                : "none, or a toolkit not newer than the driver serves";
            if (!tk.Known) return Verdict.Unknown(tk, expected);
            var source = Src(tk, gpu);
            var observed = tk.Toolkits.Count == 0 ? "none"
                : string.Join("; ", tk.Toolkits.Select(t => $"CUDA {t.Version}" + (t.Path != null ? $" at {t.Path}" : "") + $" ({string.Join(", ", t.Evidence)})"));

            if (tk.Toolkits.Count == 0)
                return new Verdict
                {
                    Status = CheckStatus.Pass, Observed = observed, Expected = expected, Source = source, Severity = CheckSeverity.Info,
                    Message = "No CUDA toolkit is installed, and none is needed: the torch wheels carry the CUDA runtime they were built with. Install one only for JIT builds (flashinfer, torch C++/CUDA extensions)"
                        + (stackCuda != null ? $", and then CUDA {stackCuda}." : "."),
                    Remediation = stackCuda != null ? ToolkitInstall(c, stackCuda) : "",
                };

            var problems = new List<(CheckStatus status, string message, string remedy)>();
            var active = tk.Active;
            if (tk.DefaultLinkDangling)
                problems.Add((CheckStatus.Warn, "/usr/local/cuda points to a toolkit that is no longer installed.",
                    Relink(c, tk.Toolkits.Where(t => t.Path != null).OrderBy(t => t.Version, KernelReleaseComparer.Instance).LastOrDefault())));

            // What the driver serves: its CUDA version as NVML / nvidia-smi report it.
            CudaVersion.TryParse(gpu.CudaDriverVersion, out var serves);
            foreach (var t in tk.Toolkits)
            {
                if (serves == null || !CudaVersion.TryParse(t.MajorMinor, out var v) || v <= serves) continue;
                bool isActive = ReferenceEquals(t, active);
                var minimum = c.Resolver.DriverMinimum(v, c.Facts.Host.Platform == HostPlatform.Windows);
                problems.Add((isActive ? CheckStatus.Fail : CheckStatus.Warn,
                    $"CUDA {t.Version}{(t.Path != null ? " at " + t.Path : "")} is newer than the driver serves (CUDA {serves}, driver {gpu.DriverVersion})"
                        + (isActive ? ": code it compiles for the GPU fails to load (\"the provided PTX was compiled with an unsupported toolchain\", \"CUDA driver version is insufficient\")."
                                    : "; it is not the toolkit builds use, but anything pointed at it fails the same way."),
                    (minimum != null ? $"# install driver {minimum} or newer (R{minimum.Branch}), see: " + Messages.Say("Resolve-AutoGlmStack -Explain", "autoglm resolve --explain") + "\n" : "")
                        + (isActive ? "# or use an older toolkit:\n" + Relink(c, tk.Toolkits.Where(o => o.Path != null && CudaVersion.TryParse(o.MajorMinor, out var ov) && ov <= serves).OrderBy(o => o.Version, KernelReleaseComparer.Instance).LastOrDefault()) : "")));
            }

            if (active != null && stackCuda != null && CudaVersion.TryParse(active.MajorMinor, out var av))
            {
                var sv = CudaVersion.Parse(stackCuda);
                if (av.Major != sv.Major)
                    problems.Add((CheckStatus.Fail,
                        $"The toolkit builds use is CUDA {active.Version}, but the stack's torch is built for CUDA {stackCuda}: torch.utils.cpp_extension refuses to build (\"The detected CUDA version ({active.MajorMinor}) mismatches the version that was used to compile PyTorch ({stackCuda})\"), so JIT kernels (flashinfer) fail.",
                        ToolkitInstall(c, stackCuda) + "\n" + Relink(c, new CudaToolkit { Version = stackCuda, Path = "/usr/local/cuda-" + stackCuda })));
            }

            if (problems.Count == 0)
            {
                var note = active == null ? " No toolkit is on PATH or at /usr/local/cuda, so builds find none; serving does not need one."
                    : stackCuda != null && active.MajorMinor != stackCuda ? $" Builds use CUDA {active.MajorMinor}; torch is built for {stackCuda}, a minor difference torch only warns about."
                    : "";
                return Verdict.Pass(observed, expected, $"The installed CUDA toolkit(s) suit the driver{(serves != null ? $" (serves CUDA {serves})" : " (its CUDA version is unknown)")} and the stack." + note, source);
            }
            var worst = problems.Any(p => p.status == CheckStatus.Fail) ? CheckStatus.Fail : CheckStatus.Warn;
            return new Verdict
            {
                Status = worst, Observed = observed, Expected = expected, Source = source,
                Message = string.Join(" ", problems.Select(p => p.message)),
                Remediation = string.Join("\n", problems.Select(p => p.remedy).Where(r => r.Length > 0).Distinct()),
            };
        }

        private static string ToolkitInstall(CheckContext c, string cuda)
        {
            var dashed = cuda.Replace('.', '-');
            return c.Family switch
            {
                OsFamily.Debian => $"sudo apt-get install -y cuda-toolkit-{dashed}   # NVIDIA's CUDA repository (cuda-keyring)",
                OsFamily.Rhel => $"sudo dnf install -y cuda-toolkit-{dashed}   # NVIDIA's CUDA repository",
                _ => $"install CUDA toolkit {cuda} from https://developer.nvidia.com/cuda-toolkit-archive",
            };
        }

        private static string Relink(CheckContext c, CudaToolkit? to) =>
            to?.Path == null ? "sudo rm /usr/local/cuda   # no other toolkit to point it at"
            : c.Family == OsFamily.Debian || c.Family == OsFamily.Rhel
                ? $"sudo update-alternatives --set cuda {to.Path}   # or: sudo ln -sfn {to.Path} /usr/local/cuda"
                : $"sudo ln -sfn {to.Path} /usr/local/cuda";

        // ------------------------------------------------------------ driver.next-boot-kernel

        private static Verdict NextBootKernel(CheckContext c)
        {
            var kernels = c.Facts.Get<KernelFacts>();
            var dkms = c.Facts.Get<DkmsFacts>();
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "the newest installed kernel has an nvidia module";
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!kernels.Known) return Verdict.Unknown(kernels, expected);
            var nvidiaDkms = dkms.Entries.Where(e => IsNvidiaModule(e.Module)).ToList();
            if (driver.InstalledVersion == null && driver.LoadedModuleVersion == null && nvidiaDkms.Count == 0 && kernels.Kernels.All(k => k.NvidiaModule == null))
                return Verdict.Skip("No NVIDIA driver is installed (see gpu.nvml).", expected);
            var next = kernels.Newest;
            var source = Src(kernels, dkms);
            if (next == null)
                return new Verdict { Status = CheckStatus.Unknown, Observed = "no kernels", Expected = expected, Source = source, Message = "No installed kernel was found in /boot or /lib/modules." };
            var k = next.Release;
            var built = nvidiaDkms.FirstOrDefault(e => e.Kernel == k && e.State.StartsWith("installed", StringComparison.Ordinal));
            var running = kernels.RunningKernel ?? dkms.RunningKernel;
            var module = next.NvidiaModule ?? (built != null ? $"DKMS {built.Module}/{built.Version}" : null);
            var observed = $"{k}: module {module ?? "none"}, headers {(next.HeadersPath != null ? "present" : "missing")}" + (k == running ? " (running)" : "");
            if (module != null)
            {
                var msg = k == running
                    ? $"The newest installed kernel is the running one ({k}), and it has an nvidia module."
                    : $"The next boot's kernel {k} already has an nvidia module ({module}).";
                if (next.HeadersPath == null) msg += " Its headers are missing, so DKMS could not rebuild the module for it after a driver update.";
                return Verdict.Pass(observed, expected, msg, source);
            }
            var version = nvidiaDkms.FirstOrDefault()?.Version ?? driver.InstalledVersion ?? driver.LoadedModuleVersion;
            var branch = version?.Split('.')[0] ?? "<branch>";
            var build = dkms.DkmsInstalled
                ? $"sudo dkms autoinstall -k {k}"
                : c.Family == OsFamily.Debian ? $"sudo apt-get install -y linux-modules-nvidia-{branch}-server-{k}   # Ubuntu's precompiled, signed modules; or install dkms and run: sudo dkms autoinstall -k {k}"
                : $"sudo dnf install -y dkms && sudo dkms autoinstall -k {k}";
            var rebootNote = k == running ? "" : " A reboot now would start a kernel the driver cannot load into.";
            if (next.HeadersPath != null)
                return new Verdict
                {
                    Status = CheckStatus.Warn, Observed = observed, Expected = expected, Source = source,
                    Message = $"Kernel {k} (the next boot's) has headers but no nvidia module: the DKMS build at kernel install did not happen or failed"
                        + (version != null ? $" (see /var/lib/dkms/nvidia/{version}/build/make.log)" : "") + "." + rebootNote,
                    Remediation = build,
                };
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = observed, Expected = expected, Source = source,
                Message = $"Kernel {k} (the next boot's) has neither an nvidia module nor the headers to build one, so DKMS cannot build it at boot either." + rebootNote,
                Remediation = c.InstallCommand($"linux-headers-{k}", $"kernel-devel-{k}") + "\n" + build,
            };
        }

        // ------------------------------------------------------------ driver.install-method

        private static Verdict InstallMethod(CheckContext c)
        {
            var traces = c.Facts.Get<InstallMethodFacts>();
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "one install method (packages or runfile)";
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!traces.Known) return Verdict.Unknown(traces, expected);
            var source = Src(traces, driver);
            var packages = driver.Packages.Where(NvidiaPackages.InstallsDriver).ToList();
            var runfile = traces.RunfileInstalled ? "runfile" + (traces.RunfileVersion != null ? " " + traces.RunfileVersion : "") + " (/usr/bin/nvidia-uninstall)" : null;
            if (runfile != null && packages.Count > 0)
            {
                var purge = c.Family == OsFamily.Rhel ? "sudo dnf remove -y '*nvidia*' 'cuda-drivers*'" : "sudo apt-get purge -y " + NvidiaPackages.AptGlobs(NvidiaPackages.Core);
                var reinstall = c.Family == OsFamily.Rhel ? "sudo dnf reinstall -y " : "sudo apt-get install --reinstall -y ";
                var names = string.Join(" ", packages.Select(p => p.Split(' ')[0]));
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = $"{runfile} and packages {string.Join(", ", packages)}", Expected = expected, Source = source,
                    Message = "The driver is installed twice: by NVIDIA's runfile and by packages. They overwrite each other's libraries and kernel modules, which ends in a driver/library version mismatch or a module built for the wrong version after the next update. Remove one.",
                    Remediation = "# keep the packages (recommended: pinned, rebuilt by DKMS, signed for Secure Boot):\nsudo nvidia-uninstall --silent\n" + reinstall + names
                        + "\n# or keep the runfile driver:\n" + purge + "\nsudo reboot",
                };
            }
            if (runfile != null)
                return Verdict.Pass(runfile, expected, "The driver comes from NVIDIA's runfile only. No package manager pins it; rerun the installer (with --dkms) after kernel updates if DKMS is not set up.", source);
            if (packages.Count > 0)
            {
                var note = traces.InstallerLog != null ? $" {traces.InstallerLog} shows a runfile installer ran once{(traces.RunfileVersion != null ? $" ({traces.RunfileVersion})" : "")}; its uninstaller is gone, so it was removed." : "";
                return Verdict.Pass($"packages ({packages.Count})", expected, "The driver comes from packages only." + note, source);
            }
            return Verdict.Skip("No NVIDIA driver is installed by either method.", expected);
        }

        // ------------------------------------------------------------ secureboot.module-rejected

        private static Verdict ModuleRejected(CheckContext c)
        {
            var log = c.Facts.Get<KernelLogFacts>();
            var sb = c.Facts.Get<SecureBootFacts>();
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "no NVIDIA module refused for its signature";
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!log.Known) return Verdict.Unknown(log, expected);
            var source = Src(log, sb, driver);
            // The kernel's own refusal names no module; while nvidia is not loaded it is the prime suspect.
            var rejected = log.Events.Where(e => e.Kind == "rejected" && (IsNvidiaModule(e.Module) || (e.Module == null && !driver.NvidiaLoaded))).ToList();
            var unsigned = log.Events.Where(e => e.Kind != "rejected" && IsNvidiaModule(e.Module)).ToList();
            var others = log.Events.Except(rejected).Except(unsigned).ToList();
            var signing = driver.ModuleSigned == true
                ? $"The installed module {driver.ModuleFile} is signed by \"{driver.ModuleSigner}\"{(driver.ModuleSigKey != null ? $" (sig_key {driver.ModuleSigKey})" : "")}, but that key is not enrolled: compare with `mokutil --list-enrolled`."
                : driver.ModuleSigned == false ? $"The installed module {driver.ModuleFile} is not signed at all (modinfo shows no signer)." : "";
            var mok = c.Family == OsFamily.Debian ? "/var/lib/shim-signed/mok/MOK.der" : "/var/lib/dkms/mok.pub";
            var enroll = $"sudo mokutil --import {mok}   # the key DKMS signs with; choose a one-time password\n"
                + "sudo reboot   # MokManager starts: Enroll MOK, enter the password\n"
                + (driver.ModuleSigned == false ? "sudo dkms autoinstall --force   # rebuild so DKMS signs the module\n" : "")
                + "sudo modprobe nvidia";
            if (rejected.Count > 0)
            {
                var module = rejected.Select(e => e.Module).FirstOrDefault(m => m != null) ?? "nvidia";
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = string.Join(" | ", rejected.Select(e => e.Line).Distinct().Take(3)), Expected = expected, Source = source,
                    Message = $"The kernel refused the {module} module: \"Key was rejected by service\". Secure Boot{(sb.Known && sb.Enabled ? " is on and" : "")} requires modules signed by a key in the MOK list; the driver cannot load until its signing key is enrolled (or Secure Boot is turned off). " + signing,
                    Remediation = enroll + "\n# or turn Secure Boot off in the firmware setup",
                };
            }
            if (unsigned.Count > 0)
                return new Verdict
                {
                    Status = CheckStatus.Warn, Observed = string.Join(" | ", unsigned.Select(e => e.Line).Distinct().Take(3)), Expected = expected, Source = source, Severity = CheckSeverity.Low,
                    Message = $"The {unsigned[0].Module} module loaded without a trusted signature and tainted the kernel. It works while Secure Boot is off; turning Secure Boot on will stop the driver until its key is enrolled. " + signing,
                    Remediation = enroll,
                };
            var note = others.Count > 0 ? $" Other modules were refused or unsigned ({string.Join(", ", others.Select(e => e.Module ?? "unnamed").Distinct())}); they are not the GPU driver." : "";
            return Verdict.Pass("no NVIDIA signature messages", expected, "The kernel log shows no NVIDIA module refused for its signature." + note, source);
        }
    }
}
