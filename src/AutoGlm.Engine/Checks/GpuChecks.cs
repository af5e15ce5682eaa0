using AutoGlm.Engine.Diagnostics;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Checks
{
    /// <summary>
    /// GPU and driver checks that need no matrix: presence, driver health, module, flavor, pins, DKMS, nouveau, Secure Boot, IOMMU.
    /// About 470 lines: the catalogue of checks reads as one list (ids, severities, remediations), as the help documents it.
    /// </summary>
    public static class GpuChecks
    {
        public static IReadOnlyList<Check> All { get; } = new[]
        {
            new Check("gpu.present", "gpu", CheckSeverity.Critical, "An NVIDIA GPU is present (NVML, nvidia-smi or PCI) when the profile needs one.", GpuPresent),
            new Check("gpu.nvml", "gpu", CheckSeverity.Critical, "The NVIDIA driver answers (NVML or nvidia-smi); on failure, the cause, e.g. a driver/library version mismatch.", GpuNvml),
            new Check("driver.module.loaded", "driver", CheckSeverity.Critical, "The nvidia kernel module is loaded.", ModuleLoaded),
            new Check("driver.flavor", "driver", CheckSeverity.High, "Open or proprietary kernel module, as the GPU generation requires.", Flavor),
            new Check("driver.pinned", "driver", CheckSeverity.Medium, "The driver packages are pinned, so an upgrade cannot replace them under a running module.", Pinned),
            new Check("driver.unattended-upgrades", "driver", CheckSeverity.Medium, "Unattended upgrades leave the NVIDIA packages alone.", UnattendedUpgrades),
            new Check("driver.dkms", "driver", CheckSeverity.High, "An nvidia module is built for the running kernel (DKMS or precompiled).", Dkms),
            new Check("driver.nouveau", "driver", CheckSeverity.High, "nouveau is not loaded, and is blacklisted.", Nouveau),
            new Check("driver.persistence", "driver", CheckSeverity.Low, "Persistence mode is on for every GPU of a server profile.", Persistence),
            new Check("secureboot.state", "firmware", CheckSeverity.High, "Secure Boot state, and whether the nvidia module is signed when it is on.", SecureBootState),
            new Check("iommu.state", "firmware", CheckSeverity.Info, "Whether an IOMMU is in effect (groups populated), with the kernel command line.", IommuState),
        };

        private const string MismatchRemedy =
            "sudo reboot\n" +
            "# or without a reboot: stop every GPU user (vLLM, nvidia-persistenced, Xorg), then\n" +
            "sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia";

        private static bool NeedsGpu(CheckContext c) => c.Profile.Requires.Gpu;
        private static bool IsServer(CheckContext c) => c.Profile.Requires.Gpu && c.Profile.Port != null;

        private static string Src(params FactSet[] sets) => string.Join(", ", sets.SelectMany(s => s.Sources).Distinct());

        private static string Describe(GpuDevice g) =>
            (g.Name ?? "NVIDIA GPU") + (g.PciDeviceId != null ? $" [{g.PciDeviceId}]" : "") + (g.PciBusId != null ? $" at {g.PciBusId}" : "");

        private static string Branch(string? version) => version == null ? "<branch>" : version.Split('.')[0];

        /// <summary>The driver-install command for the family, for a branch ("535") when known.</summary>
        private static string InstallDriver(CheckContext c, string? branch) => c.Family switch
        {
            OsFamily.Debian => $"sudo apt-get install -y nvidia-driver-{branch ?? "<branch>"}-server-open   # or nvidia-driver-{branch ?? "<branch>"}-server; NVIDIA's repo: nvidia-open / cuda-drivers",
            OsFamily.Rhel => $"sudo dnf module install -y nvidia-driver:{branch ?? "<branch>"}-open",
            OsFamily.Windows => "Install the NVIDIA data-center driver for Windows Server" + (branch != null ? $" (branch R{branch})" : "") + " from https://www.nvidia.com/drivers, then reboot\n"
                + "pnputil /enum-devices /problem   # afterwards: no NVIDIA device may be listed",
            _ => "install the NVIDIA driver from your distribution or https://www.nvidia.com/drivers",
        };

        // ------------------------------------------------------------ gpu.present

        private static Verdict GpuPresent(CheckContext c)
        {
            var gpu = c.Facts.Get<GpuFacts>();
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", "no GPU needed");
            const string expected = "at least one NVIDIA GPU";
            if (!gpu.Known) return Verdict.Unknown(gpu, expected);
            if (gpu.Gpus.Count > 0)
            {
                var observed = string.Join("; ", gpu.Gpus.Select(Describe));
                var via = gpu.DriverResponded ? gpu.QuerySource : "PCI only (the driver did not answer)";
                return Verdict.Pass(observed, expected, $"{gpu.Gpus.Count} NVIDIA GPU(s) found via {via}.", gpu.SourceText);
            }
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = "no NVIDIA GPU", Expected = expected, Source = gpu.SourceText,
                Message = $"No NVIDIA display or 3D controller (PCI vendor 0x10de, class 0x03xx) is visible, and profile {c.Profile.Id} needs one. In a VM the GPU must be passed through.",
                Remediation = "lspci -nn | grep -i nvidia   # nothing: attach or pass through an NVIDIA GPU, or use the phone-agent profile (" + Messages.Say("-Profile phone-agent", "--profile phone-agent") + ")",
            };
        }

        // ------------------------------------------------------------ gpu.nvml

        private static Verdict GpuNvml(CheckContext c)
        {
            var gpu = c.Facts.Get<GpuFacts>();
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "the NVIDIA driver answers";
            if (!gpu.Known) return Verdict.Unknown(gpu, expected);
            if (!NeedsGpu(c) && gpu.Gpus.Count == 0) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU and none is present.", expected);
            var source = Src(gpu, driver);
            if (gpu.DriverResponded)
            {
                // A responding NVML is itself proof the module matches the library; still compare when both are known.
                var observed = $"driver {gpu.DriverVersion}" + (gpu.CudaDriverVersion != null ? $", CUDA {gpu.CudaDriverVersion}" : "") + $" via {gpu.QuerySource}";
                if (driver.LoadedModuleVersion != null && gpu.DriverVersion != null && driver.LoadedModuleVersion != gpu.DriverVersion)
                    return Mismatch(c, driver.LoadedModuleVersion, gpu.DriverVersion, source);
                return Verdict.Pass(observed, expected, $"The NVIDIA driver {gpu.DriverVersion} answers for {gpu.Gpus.Count(g => g.Source != "pci")} GPU(s).", source);
            }
            if (gpu.QuerySource == null)
                return Verdict.Unknown(new GpuFacts { UnknownReason = "no driver interface was asked" }, expected);
            if (gpu.QueryTimedOut)
                return new Verdict { Status = CheckStatus.Unknown, Observed = "no answer", Expected = expected, Source = source,
                    Message = gpu.QueryError + ". A hung driver query usually means a hung GPU or driver; see `dmesg | grep -i -e nvrm -e xid`." };
            if (gpu.Gpus.Count == 0 && driver.LoadedModuleVersion == null && driver.InstalledVersion == null && gpu.QueryErrorCode == null)
                return Verdict.Skip("No NVIDIA GPU and no NVIDIA driver on this host (see gpu.present).", expected);

            if (gpu.QueryErrorCode == Nvml.LibRmVersionMismatch)
                return Mismatch(c, driver.LoadedModuleVersion, gpu.LibraryVersion ?? driver.InstalledVersion, source, gpu.QueryError);

            var v = new Verdict { Status = CheckStatus.Fail, Observed = gpu.QueryError ?? "no answer", Expected = expected, Source = source };
            switch (gpu.QueryErrorCode)
            {
                case Nvml.DriverNotLoaded:
                    v.Message = "The NVIDIA driver is installed in user space but its kernel module is not loaded: " + gpu.QueryError + ". See driver.module.loaded, driver.dkms, driver.nouveau and secureboot.state for why.";
                    v.Remediation = "sudo modprobe nvidia && nvidia-smi\n# if modprobe fails: dmesg | grep -i -e nvrm -e nvidia";
                    break;
                case Nvml.LibraryNotFound:
                case null when gpu.QueryError != null && gpu.QueryError.Contains("not installed"):
                    v.Message = "No NVIDIA user-space driver is installed (" + gpu.QueryError + ").";
                    v.Remediation = InstallDriver(c, null);
                    break;
                case Nvml.NotFound:
                    v.Message = gpu.QueryError + ".";
                    v.Remediation = "dmesg | grep -i nvrm   # look for RmInitAdapter failures or a GPU the driver does not support";
                    break;
                case Nvml.GpuIsLost:
                    v.Message = gpu.QueryError + ".";
                    v.Remediation = "dmesg | grep -i xid\nsudo nvidia-smi -r   # reset the GPU, or power-cycle the host if the GPU stays lost";
                    break;
                case Nvml.NoPermission:
                    v.Message = gpu.QueryError + ".";
                    v.Remediation = "ls -l /dev/nvidia*   # the user needs read/write access; or run as root";
                    break;
                default:
                    v.Message = "The NVIDIA driver does not answer: " + gpu.QueryError + ".";
                    v.Remediation = "dmesg | grep -i -e nvrm -e xid\nsudo reboot   # if the GPU or driver is wedged";
                    break;
            }
            return v;
        }

        private static Verdict Mismatch(CheckContext c, string? module, string? library, string source, string? error = null)
        {
            var observed = $"kernel module {module ?? "unknown"}, user-space library {library ?? "unknown"}";
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = observed, Expected = "kernel module and user-space library of the same version", Source = source,
                Message = "Failed to initialize NVML: Driver/library version mismatch. The loaded kernel module (/proc/driver/nvidia/version: "
                    + (module ?? "unknown") + ") is older or newer than the user-space libraries (" + (library ?? "unknown")
                    + "), typically after an unattended or partial driver upgrade without a reboot." + (error != null ? " (" + error + ")" : ""),
                Remediation = MismatchRemedy + "\n# then keep it from recurring:\n" + PinCommand(c, c.Facts.Get<DriverFacts>(), library ?? module),
            };
        }

        // ------------------------------------------------------------ driver.module.loaded

        private static Verdict ModuleLoaded(CheckContext c)
        {
            var gpu = c.Facts.Get<GpuFacts>();
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "nvidia module loaded";
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!driver.Known) return Verdict.Unknown(driver, expected);
            if (c.Facts.Host.Platform == HostPlatform.Windows) return WindowsDriverBound(c, gpu, driver);
            if (driver.NvidiaLoaded)
                return Verdict.Pass("nvidia " + (driver.LoadedModuleVersion ?? "(version unknown)") + (driver.Flavor != null ? $" ({driver.Flavor})" : ""), expected,
                    $"The nvidia kernel module {driver.LoadedModuleVersion} is loaded.", driver.SourceText);
            if (gpu.Known && gpu.Gpus.Count == 0) return Verdict.Skip("No NVIDIA GPU is present (see gpu.present).", expected);
            if (driver.LoadedModules == null)
                return new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Source = driver.SourceText,
                    Message = "Neither /proc/driver/nvidia/version, /proc/modules nor lsmod could be read." };
            var why = new List<string>();
            if (driver.NouveauLoaded) why.Add("nouveau holds the GPU");
            if (driver.ModuleFile == null) why.Add("no nvidia module exists for the running kernel (" + (driver.ModinfoError ?? "modinfo found none") + ")");
            var sb = c.Facts.Get<SecureBootFacts>();
            if (sb.Known && sb.Enabled && driver.ModuleSigned == false) why.Add("Secure Boot is on and the module is unsigned");
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = "not loaded", Expected = expected, Source = driver.SourceText,
                Message = "The nvidia kernel module is not loaded" + (why.Count > 0 ? ": " + string.Join("; ", why) : "") + ".",
                Remediation = driver.ModuleFile == null
                    ? InstallDriver(c, Branch(driver.InstalledVersion ?? driver.ModuleVersion)) + "\n" + c.InstallCommand("linux-headers-$(uname -r) dkms", "kernel-devel-$(uname -r) dkms") + "\nsudo dkms autoinstall && sudo modprobe nvidia"
                    : "sudo modprobe nvidia\n# if it fails: dmesg | grep -i -e nvrm -e nvidia -e 'key was rejected'",
            };
        }

        /// <summary>Windows has no kernel module to load: the question is whether the GPU's device runs an NVIDIA driver.</summary>
        private static Verdict WindowsDriverBound(CheckContext c, GpuFacts gpu, DriverFacts driver)
        {
            const string expected = "an NVIDIA driver bound to every GPU";
            if (gpu.Known && gpu.Gpus.Count == 0) return Verdict.Skip("No NVIDIA GPU is present (see gpu.present).", expected);
            if (driver.WindowsDeviceProblem == null && driver.LoadedModuleVersion != null)
                return Verdict.Pass("NVIDIA driver " + driver.LoadedModuleVersion, expected, $"The NVIDIA driver {driver.LoadedModuleVersion} runs the GPU(s).", driver.SourceText);
            var problem = driver.WindowsDeviceProblem ?? "no NVIDIA driver is installed for the GPU";
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = problem, Expected = expected, Source = driver.SourceText,
                Message = "The GPU has no working NVIDIA driver: " + problem + ".",
                Remediation = problem.Contains("Code 12") ? "Enable Above 4G Decoding in the BIOS (see firmware.bar1), then reboot" : InstallDriver(c, Branch(driver.InstalledVersion)),
            };
        }

        // ------------------------------------------------------------ driver.flavor

        private static Verdict Flavor(CheckContext c)
        {
            var gpu = c.Facts.Get<GpuFacts>();
            var driver = c.Facts.Get<DriverFacts>();
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.");
            if (!gpu.Known) return Verdict.Unknown(gpu, "a module flavor the GPU supports");
            // NVML reports the compute capability; nvidia-smi's log does not, so the matrix's entry for the GPU (by device
            // id, then name) answers, as the stack and runtime checks already do, else the architecture nvidia-smi names.
            string? Cc(GpuDevice g) => g.ComputeCapability ?? (g.Source == "pci" ? null
                : (c.Matrix.FindGpu(g)?.ComputeCapability is string known && known.Length > 0 ? known : null)
                  ?? c.Matrix.GpuArchitectures.FirstOrDefault(a => g.Architecture != null && string.Equals(a.Name, g.Architecture, StringComparison.OrdinalIgnoreCase))?.ComputeCapabilities.FirstOrDefault());
            var withCc = gpu.Gpus.Select(g => (gpu: g, cc: Cc(g))).Where(x => x.cc != null).ToList();
            if (withCc.Count == 0) return Verdict.Skip("No GPU reported a compute capability (the driver does not answer); flavor cannot be judged.");
            var required = withCc.Select(x => (x.gpu, x.cc, need: c.Matrix.RequiredKernelModules(x.cc, x.gpu.Name, c.Matrix.FindGpu(x.gpu)?.KernelOpen))).Where(x => x.need != null).ToList();
            var conflicting = required.Select(x => x.need).Distinct().ToList();
            var expected = conflicting.Count == 1 ? conflicting[0] + " kernel module" : conflicting.Count == 0 ? "open (recommended) or proprietary" : "GPUs that need different flavors cannot share a host";
            if (driver.Flavor == null)
                return new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Source = Src(gpu, driver),
                    Message = "The module flavor is unknown: neither /proc/driver/nvidia/version nor modinfo's license said open or proprietary." };
            var observed = driver.Flavor + " (" + string.Join(", ", withCc.Select(x => $"{x.gpu.Name} cc {x.cc}").Distinct()) + ")";
            if (conflicting.Count > 1)
                return new Verdict { Status = CheckStatus.Fail, Observed = observed, Expected = expected, Source = Src(gpu, driver),
                    Message = "This host mixes GPUs that need the open module (Blackwell, Grace Hopper) with GPUs that need the proprietary one (before Turing).",
                    Remediation = "Move the pre-Turing GPUs to another host." };
            var wrong = required.Where(x => x.need != driver.Flavor).ToList();
            if (wrong.Count == 0)
                return Verdict.Pass(observed, expected, $"The {driver.Flavor} kernel module suits these GPUs.", Src(gpu, driver));
            var need = wrong[0].need!;
            var branch = Branch(driver.LoadedModuleVersion ?? driver.InstalledVersion);
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = observed, Expected = expected, Source = Src(gpu, driver),
                Message = need == "open"
                    ? $"{wrong[0].gpu.Name} (cc {wrong[0].cc}) needs NVIDIA's open kernel module; the proprietary module does not support Blackwell or Grace Hopper."
                    : $"{wrong[0].gpu.Name} (cc {wrong[0].cc}) predates Turing; the open kernel module supports Turing (7.5) and newer only.",
                Remediation = c.Family switch
                {
                    OsFamily.Debian => need == "open" ? $"sudo apt-get install -y nvidia-driver-{branch}-server-open   # NVIDIA's repo: sudo apt-get install -y nvidia-open" : $"sudo apt-get install -y nvidia-driver-{branch}-server   # NVIDIA's repo: sudo apt-get install -y cuda-drivers",
                    OsFamily.Rhel => need == "open" ? $"sudo dnf module switch-to -y nvidia-driver:{branch}-open" : $"sudo dnf module switch-to -y nvidia-driver:{branch}-dkms",
                    _ => need == "open" ? "reinstall the driver with --kernel-module-type=open" : "reinstall the driver with --kernel-module-type=proprietary",
                } + "\nsudo reboot",
            };
        }

        // ------------------------------------------------------------ driver.pinned

        /// <summary>The command that pins the installed driver branch on this family.</summary>
        private static string PinCommand(CheckContext c, DriverFacts driver, string? version)
        {
            var branch = Branch(version ?? driver.InstalledVersion ?? driver.LoadedModuleVersion);
            switch (c.Family)
            {
                case OsFamily.Debian:
                    var names = driver.Packages.Select(p => p.Split(' ')[0]).Where(n => !NvidiaPackages.IsPinning(n)).ToList();
                    var hold = names.Count > 0 ? "sudo apt-mark hold " + string.Join(" ", names) : "sudo apt-mark hold " + NvidiaPackages.AptGlobs(NvidiaPackages.Branded);
                    return int.TryParse(branch, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b >= 590
                        ? $"sudo apt-get install -y {NvidiaPackages.PinningPrefix}{branch}   # NVIDIA's repo, R590+\n# or: {hold}"
                        : hold;
                case OsFamily.Rhel:
                    return $"sudo dnf install -y python3-dnf-plugin-versionlock && sudo dnf versionlock add '*nvidia*{branch}*'";
                default:
                    return $"pin the NVIDIA driver packages to branch {branch} with your package manager";
            }
        }

        private static Verdict Pinned(CheckContext c)
        {
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "driver packages pinned";
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!driver.Known) return Verdict.Unknown(driver, expected);
            if (driver.PackageManager == null)
                return new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Source = driver.SourceText, Message = driver.PackagesUnknownReason ?? "no package database found" };
            if (driver.Packages.Count == 0)
                return Verdict.Skip("No NVIDIA driver packages are installed" + (driver.LoadedModuleVersion != null ? " (the loaded module came from elsewhere, e.g. the runfile)" : "") + ".", expected);
            if (driver.PinnedBy != null)
                return Verdict.Pass($"{driver.PinnedBy} {driver.PinnedTo}", expected, $"The driver is pinned ({driver.PinnedBy}) to {driver.PinnedTo}.", driver.SourceText);
            return new Verdict
            {
                Status = CheckStatus.Warn, Observed = "not pinned (" + (driver.InstalledVersion ?? "installed") + ")", Expected = expected, Source = driver.SourceText,
                Message = "The NVIDIA driver packages are not pinned: a routine upgrade can replace the user-space libraries under the running kernel module (\"Driver/library version mismatch\") or move to another branch.",
                Remediation = PinCommand(c, driver, driver.InstalledVersion),
            };
        }

        // ------------------------------------------------------------ driver.unattended-upgrades

        private static Verdict UnattendedUpgrades(CheckContext c)
        {
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "NVIDIA packages excluded from unattended upgrades";
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!driver.Known) return Verdict.Unknown(driver, expected);
            if (driver.PackageManager != "apt") return Verdict.Skip("unattended-upgrades is a Debian/Ubuntu mechanism; " + (driver.PackageManager == null ? "no dpkg database was found." : "this host uses " + driver.PackageManager + "."), expected);
            if (driver.Packages.Count == 0) return Verdict.Skip("No NVIDIA driver packages are installed.", expected);
            if (driver.UnattendedUpgradesActive != true)
                return Verdict.Pass("unattended-upgrades " + (driver.UnattendedUpgradesActive == false ? "not installed or disabled" : "state unknown"), expected, "Unattended upgrades do not run, so they cannot upgrade the driver.", driver.SourceText);
            if (driver.UnattendedUpgradesExcludedBy != null)
                return Verdict.Pass("excluded by " + driver.UnattendedUpgradesExcludedBy, expected, "Unattended upgrades skip the NVIDIA packages.", driver.SourceText);
            return new Verdict
            {
                Status = CheckStatus.Warn, Observed = "unattended-upgrades active; NVIDIA packages not excluded", Expected = expected, Source = driver.SourceText + ", /etc/apt/apt.conf.d",
                Message = "unattended-upgrades may upgrade libnvidia-* while the old kernel module stays loaded: the classic cause of \"Failed to initialize NVML: Driver/library version mismatch\".",
                Remediation = "printf 'Unattended-Upgrade::Package-Blacklist {\\n    \"nvidia-\";\\n    \"libnvidia-\";\\n};\\n' | sudo tee /etc/apt/apt.conf.d/51autoglm-nvidia",
            };
        }

        // ------------------------------------------------------------ driver.dkms

        private static Verdict Dkms(CheckContext c)
        {
            var dkms = c.Facts.Get<DkmsFacts>();
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "an nvidia module built for the running kernel";
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!dkms.Known) return Verdict.Unknown(dkms, expected);
            var kernel = dkms.RunningKernel;
            if (kernel == null) return new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Source = dkms.SourceText, Message = "The running kernel release is unknown (/proc/sys/kernel/osrelease)." };
            var nvidia = dkms.Entries.Where(e => e.Module.StartsWith("nvidia", StringComparison.Ordinal)).ToList();
            var forKernel = nvidia.Where(e => e.Kernel == kernel && e.State.StartsWith("installed", StringComparison.Ordinal)).ToList();
            var source = Src(dkms, driver);
            // modinfo resolves the module modprobe would load for this kernel: DKMS-built or precompiled.
            bool moduleForKernel = driver.ModuleFile != null && (driver.ModuleKernel == null || driver.ModuleKernel == kernel);
            if (forKernel.Count > 0)
                return Verdict.Pass($"{forKernel[0].Module}/{forKernel[0].Version} installed for {kernel}", expected, $"DKMS built {forKernel[0].Module} {forKernel[0].Version} for the running kernel {kernel}.", source);
            if (moduleForKernel)
                return Verdict.Pass($"{driver.ModuleFile} ({driver.ModuleKernel ?? kernel})", expected, $"A module for kernel {kernel} is installed ({driver.ModuleFile}).", source);
            if (nvidia.Count == 0 && driver.InstalledVersion == null && driver.LoadedModuleVersion == null)
                return Verdict.Skip("No NVIDIA driver is installed (see gpu.nvml).", expected);
            var built = nvidia.Count > 0 ? string.Join("; ", nvidia.Select(e => $"{e.Module}/{e.Version}: {e.State}" + (e.Kernel != null ? $" for {e.Kernel}" : ""))) : "no nvidia DKMS entries";
            var version = nvidia.FirstOrDefault()?.Version ?? driver.InstalledVersion ?? "<version>";
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = built + (dkms.DkmsError != null ? $" ({dkms.DkmsError})" : ""), Expected = expected + $" ({kernel})", Source = source,
                Message = $"No nvidia module is built for the running kernel {kernel}" + (nvidia.Count > 0 ? " — DKMS has it only for other kernels, typically because the kernel headers were missing when the kernel was upgraded." : ".") + " The driver cannot load until it is built.",
                Remediation = c.InstallCommand("linux-headers-$(uname -r)", "kernel-devel-$(uname -r) kernel-headers-$(uname -r)") + $"\nsudo dkms install -m nvidia -v {version} -k $(uname -r)   # or: sudo dkms autoinstall\nsudo modprobe nvidia",
            };
        }

        // ------------------------------------------------------------ driver.nouveau

        private static Verdict Nouveau(CheckContext c)
        {
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "nouveau not loaded and blacklisted";
            if (!NeedsGpu(c)) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!driver.Known) return Verdict.Unknown(driver, expected);
            var gpu = c.Facts.Get<GpuFacts>();
            if (gpu.Known && gpu.Gpus.Count == 0 && !driver.NouveauLoaded) return Verdict.Skip("No NVIDIA GPU is present (see gpu.present).", expected);
            if (driver.LoadedModules == null)
                return new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Source = driver.SourceText, Message = "Neither /proc/modules nor lsmod could be read." };
            var update = c.Family == OsFamily.Rhel ? "sudo dracut -f" : "sudo update-initramfs -u";
            var blacklist = "printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' | sudo tee /etc/modprobe.d/blacklist-nouveau.conf\n" + update + "\nsudo reboot";
            if (driver.NouveauLoaded)
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = "nouveau loaded" + (driver.NouveauBlacklistedBy != null ? $" (blacklisted in {driver.NouveauBlacklistedBy}, but the initramfs predates it)" : ""), Expected = expected, Source = driver.SourceText,
                    Message = "The open-source nouveau driver has claimed the GPU; the NVIDIA driver cannot bind to it (NVRM: \"The NVIDIA probe routine was not called\").",
                    Remediation = blacklist,
                };
            if (driver.NouveauBlacklistedBy != null || driver.NvidiaLoaded)
                return Verdict.Pass("nouveau not loaded" + (driver.NouveauBlacklistedBy != null ? $"; blacklisted in {driver.NouveauBlacklistedBy}" : ""), expected,
                    "nouveau is not loaded" + (driver.NouveauBlacklistedBy != null ? " and is blacklisted." : "; the nvidia module holds the GPU."), driver.SourceText);
            return new Verdict
            {
                Status = CheckStatus.Warn, Observed = "nouveau not loaded, not blacklisted", Expected = expected, Source = driver.SourceText,
                Message = "nouveau is not blacklisted and the nvidia module is not loaded: on the next boot nouveau may claim the GPU first.",
                Remediation = blacklist,
            };
        }

        // ------------------------------------------------------------ driver.persistence

        private static Verdict Persistence(CheckContext c)
        {
            var gpu = c.Facts.Get<GpuFacts>();
            const string expected = "persistence mode on";
            if (!IsServer(c)) return Verdict.Skip($"Profile {c.Profile.Id} serves nothing; persistence mode matters for servers.", expected);
            if (!gpu.Known) return Verdict.Unknown(gpu, expected);
            var known = gpu.Gpus.Where(g => g.PersistenceMode != null).ToList();
            if (!gpu.DriverResponded || known.Count == 0) return Verdict.Skip("The driver did not report persistence mode (see gpu.nvml).", expected);
            var off = known.Where(g => g.PersistenceMode == false).ToList();
            if (off.Count == 0) return Verdict.Pass("on for all " + known.Count + " GPU(s)", expected, "Persistence mode is on: the driver stays initialised between jobs.", gpu.SourceText);
            return new Verdict
            {
                Status = CheckStatus.Warn, Observed = "off on " + string.Join(", ", off.Select(g => $"GPU {g.Index}")), Expected = expected, Source = gpu.SourceText,
                Message = "Persistence mode is off: the driver tears down and re-initialises the GPU whenever no process holds it, which slows the first request and can hide ECC/Xid state.",
                Remediation = "sudo systemctl enable --now nvidia-persistenced\n# or, until reboot: sudo nvidia-smi -pm 1",
            };
        }

        // ------------------------------------------------------------ secureboot.state

        private static Verdict SecureBootState(CheckContext c)
        {
            var sb = c.Facts.Get<SecureBootFacts>();
            var driver = c.Facts.Get<DriverFacts>();
            const string expected = "Secure Boot off, or on with a signed nvidia module";
            if (!sb.Known) return Verdict.Unknown(sb, expected);
            var source = Src(sb, driver);
            if (!sb.Uefi) return Verdict.Pass("legacy BIOS boot (no Secure Boot)", expected, "The host boots without UEFI; Secure Boot does not apply.", source);
            if (!sb.Enabled) return Verdict.Pass("disabled" + (sb.SetupMode ? " (setup mode)" : ""), expected, "Secure Boot is off; unsigned kernel modules load.", source);
            if (sb.ShimValidationDisabled) return Verdict.Pass("enabled, shim validation disabled", expected, "Secure Boot is on but shim does not validate modules.", source);
            if (sb.SetupMode) return Verdict.Pass("enabled, setup mode", expected, "The firmware is in setup mode (no Platform Key enrolled): Secure Boot enforces nothing and unsigned kernel modules load.", source);
            if (!NeedsGpu(c)) return Verdict.Pass("enabled", expected, "Secure Boot is on; this profile loads no NVIDIA module.", source);
            if (c.Facts.Host.Platform == HostPlatform.Windows)
                return Verdict.Pass("enabled", expected, "Secure Boot is on; Windows loads only signed drivers, and NVIDIA's are signed by Microsoft (WHQL).", source);
            if (driver.ModuleSigned == true)
                return Verdict.Pass("enabled; nvidia signed by " + (driver.ModuleSigner ?? "a key"), expected,
                    $"Secure Boot is on and the nvidia module is signed ({driver.ModuleSigner}); it loads if that key is enrolled (mokutil --list-enrolled).", source);
            var remedy = c.Family == OsFamily.Debian
                ? "sudo mokutil --import /var/lib/shim-signed/mok/MOK.der   # choose a one-time password\nsudo reboot   # enroll the key in MokManager, then: sudo dkms autoinstall"
                : "sudo mokutil --import /var/lib/dkms/mok.pub   # choose a one-time password\nsudo reboot   # enroll the key in MokManager, then: sudo dkms autoinstall";
            remedy += "\n# or use distribution-signed modules (Ubuntu: linux-modules-nvidia-<branch>-server-$(uname -r)), or disable Secure Boot in the firmware";
            if (driver.ModuleSigned == false)
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = "enabled; nvidia module unsigned (" + driver.ModuleFile + ")", Expected = expected, Source = source,
                    Message = "Secure Boot is on and the nvidia module is unsigned: the kernel refuses it (\"Key was rejected by service\").",
                    Remediation = remedy,
                };
            return new Verdict
            {
                Status = CheckStatus.Pass, Observed = "enabled; no nvidia module installed yet", Expected = expected, Source = source, Severity = CheckSeverity.Info,
                Message = "Secure Boot is on: when the driver is installed its module must be signed with an enrolled key (DKMS signs with its MOK key; enroll it).",
                Remediation = remedy,
            };
        }

        // ------------------------------------------------------------ iommu.state

        private static Verdict IommuState(CheckContext c)
        {
            var io = c.Facts.Get<IommuFacts>();
            const string expected = "IOMMU on (groups populated)";
            if (!io.Known) return Verdict.Unknown(io, expected);
            if (io.Reported != null)
                return io.Reported == true
                    ? Verdict.Pass(io.ReportedBy ?? "IOMMU available", "IOMMU available", "The firmware exposes an IOMMU (VT-d / AMD-Vi): " + io.ReportedBy + ".", io.SourceText)
                    : new Verdict
                    {
                        Status = CheckStatus.Warn, Observed = io.ReportedBy ?? "no IOMMU", Expected = "IOMMU available", Source = io.SourceText, Severity = CheckSeverity.Info,
                        Message = "Windows reports no DMA protection, so no IOMMU is available: " + io.ReportedBy + ". Serving works; Discrete Device Assignment (GPU passthrough to Hyper-V VMs) needs it.",
                        Remediation = "Enable VT-d / AMD-Vi (IOMMU) and 'Kernel DMA Protection' in the firmware setup, then reboot",
                    };
            var flags = io.CommandLineFlags.Count > 0 ? string.Join(" ", io.CommandLineFlags) : "no IOMMU parameters";
            if (io.Active)
                return Verdict.Pass($"{io.Groups} IOMMU groups ({string.Join(", ", io.Units)}); cmdline: {flags}", expected,
                    $"An IOMMU is in effect: {io.Groups} groups." + (io.CommandLineFlags.Contains("iommu=pt") ? " iommu=pt keeps host DMA in passthrough mode (no translation cost)." : ""), io.SourceText);
            string why;
            if (io.CommandLineFlags.Any(f => f.EndsWith("=off", StringComparison.Ordinal)))
                why = "the kernel command line turns it off (" + flags + ")";
            else if (io.AcpiTable == null)
                why = "the firmware publishes no DMAR/IVRS table: VT-d / AMD-Vi is off in the BIOS (or this VM has no virtual IOMMU)";
            else if (io.AcpiTable == "DMAR" && !io.CommandLineFlags.Any(f => f.StartsWith("intel_iommu=on", StringComparison.Ordinal)))
                why = "the firmware has a DMAR table but the kernel was not asked to use it (many distributions need intel_iommu=on)";
            else
                why = "the firmware table (" + io.AcpiTable + ") and command line (" + flags + ") look right, yet the kernel made no groups; check dmesg | grep -i -e DMAR -e IOMMU";
            return new Verdict
            {
                Status = CheckStatus.Warn, Observed = "no IOMMU groups; cmdline: " + flags, Expected = expected, Source = io.SourceText, Severity = CheckSeverity.Info,
                Message = "No IOMMU is in effect: " + why + ". Serving on this host works; GPU passthrough and some isolation features need it.",
                Remediation = (c.Family == OsFamily.Rhel
                    ? "sudo grubby --update-kernel=ALL --args='intel_iommu=on iommu=pt'   # AMD: amd_iommu=on"
                    : "sudo sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT=\"/&intel_iommu=on iommu=pt /' /etc/default/grub && sudo update-grub   # AMD: amd_iommu=on")
                    + "\n# and enable VT-d / AMD-Vi (IOMMU) in the firmware setup; then reboot",
            };
        }
    }
}
