using AutoGlm.Engine.Diagnostics;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Checks
{
    /// <summary>Checks that need no GPU: OS, CPU, memory, disk, Python, privileges, port.</summary>
    public static class HostChecks
    {
        public static IReadOnlyList<Check> All { get; } = new[]
        {
            new Check("os.supported", "os", CheckSeverity.High, "The distribution and version are supported by the matrix.", OsSupported),
            new Check("os.kernel", "os", CheckSeverity.Info, "The running kernel release (driver modules are built per kernel).", OsKernel),
            new Check("os.architecture", "os", CheckSeverity.High, "The CPU architecture is one the matrix supports for this OS.", OsArchitecture),
            new Check("cpu.cores", "cpu", CheckSeverity.Medium, "Logical CPU cores against the profile's minimum and recommendation.", CpuCores),
            new Check("cpu.virtualization", "cpu", CheckSeverity.Low, "Hardware virtualization (VT-x/AMD-V) as the profile wants it.", CpuVirtualization),
            new Check("memory.total", "memory", CheckSeverity.High, "Installed memory against the profile's minimum and recommendation.", MemoryTotal),
            new Check("disk.free", "disk", CheckSeverity.High, "Free space at the install path against the profile's needs.", DiskFree),
            new Check("disk.media", "disk", CheckSeverity.Low, "Whether the install path is on NVMe, SSD or HDD (model load time).", DiskMedia),
            new Check("python.interpreter", "python", CheckSeverity.High, "A Python interpreter within the profile's version range.", PythonInterpreter),
            new Check("python.venv.available", "python", CheckSeverity.High, "The chosen interpreter can create virtual environments (venv + ensurepip).", PythonVenv),
            new Check("privileges.administrator", "privileges", CheckSeverity.Medium, "Root rights, which install and repair work needs.", Administrator),
            new Check("network.port.available", "network", CheckSeverity.High, "The profile's service port is free, or who holds it.", PortAvailable),
        };

        private static string GiB(double bytes) => (bytes / (1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB";

        private static Verdict OsSupported(CheckContext c)
        {
            var os = c.Facts.Get<OsFacts>();
            var supportedList = string.Join(", ", c.Matrix.OperatingSystems.Where(o => o.Support == "supported").Select(o => o.Name ?? $"{o.Distro} {o.Version}"));
            if (!os.Known) return Verdict.Unknown(os, "a supported OS");
            var observed = os.PrettyName ?? $"{os.Distro} {os.VersionId}";
            var entry = c.Matrix.FindOperatingSystem(os.Distro!, os.VersionId ?? "");
            if (entry == null)
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = observed, Expected = "one of: " + supportedList, Source = os.SourceText,
                    Message = $"{observed} ({os.Distro} {os.VersionId}) is not in the compatibility matrix; drivers, CUDA and packages are untested there.",
                    Remediation = "Reinstall the host with a supported OS, or add it to a site matrix file and pass it with " + Messages.Say("-MatrixPath", "--matrix") + ".",
                };
            var v = new Verdict { Observed = observed, Expected = "supported", Source = os.SourceText + " ; matrix " + entry.Location + " (" + entry.Source + ")" };
            switch (entry.Support)
            {
                case "supported":
                    v.Status = CheckStatus.Pass;
                    v.Message = $"{observed} is supported.";
                    break;
                case "deprecated":
                    v.Status = CheckStatus.Warn;
                    v.Message = $"{observed} still works but is leaving support" + (entry.EndOfSupport != null ? $" ({entry.EndOfSupport})" : "") + (entry.Notes != null ? $": {entry.Notes}" : ".");
                    v.Remediation = "Plan an upgrade to one of: " + supportedList;
                    break;
                default:
                    v.Status = CheckStatus.Fail;
                    v.Message = $"{observed} is known not to work" + (entry.Notes != null ? $": {entry.Notes}" : ".");
                    v.Remediation = "Reinstall the host with one of: " + supportedList;
                    break;
            }
            return v;
        }

        private static Verdict OsKernel(CheckContext c)
        {
            var os = c.Facts.Get<OsFacts>();
            if (os.Kernel == null) return Verdict.Unknown(new OsFacts { UnknownReason = os.UnknownReason ?? "/proc/sys/kernel/osrelease could not be read" }, "a running kernel");
            return Verdict.Pass(os.Kernel, "a running kernel", $"Running kernel {os.Kernel}; NVIDIA modules must be built for exactly this release.", "/proc/sys/kernel/osrelease");
        }

        private static Verdict OsArchitecture(CheckContext c)
        {
            var os = c.Facts.Get<OsFacts>();
            if (os.Architecture == null) return Verdict.Unknown(new OsFacts { UnknownReason = os.UnknownReason ?? "neither /proc/sys/kernel/arch nor 'uname -m' answered" }, "x86_64 or aarch64");
            var entry = os.Distro == null ? null : c.Matrix.FindOperatingSystem(os.Distro, os.VersionId ?? "");
            var allowed = entry?.Architectures ?? new List<string> { "x86_64", "aarch64" };
            var expected = string.Join(" or ", allowed);
            if (allowed.Contains(os.Architecture))
                return Verdict.Pass(os.Architecture, expected, $"Architecture {os.Architecture} is supported.", os.SourceText);
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = os.Architecture, Expected = expected, Source = os.SourceText,
                Message = $"Architecture {os.Architecture} is not supported" + (entry != null ? $" on {entry.Name ?? entry.Id}" : "") + "; NVIDIA publishes drivers and CUDA for x86_64 and aarch64 only.",
                Remediation = "Use an x86_64 (or aarch64) server for GPU serving.",
            };
        }

        /// <summary>Compares a measured amount with a profile's minimum (Fail) and recommendation (Warn).</summary>
        private static Verdict Against(Amount? need, double have, Func<double, string> show, string what, string source, string remediation, double slack = 0)
        {
            // slack: a fraction of the threshold the measurement may fall short by (see MemoryTotal).
            var measured = have;
            have = have * (1 + slack);
            if (need == null) return Verdict.Pass(show(have), "no requirement", $"{what}: {show(have)} (the profile sets no requirement).", source);
            var expected = $">= {show(need.Minimum)}" + (need.Recommended is double r ? $" (recommended {show(r)})" : "");
            if (have < need.Minimum)
                return new Verdict { Status = CheckStatus.Fail, Observed = show(measured), Expected = expected, Source = source, Remediation = remediation,
                    Message = $"{what}: {show(measured)} is below the minimum of {show(need.Minimum)}." };
            if (need.Recommended is double rec && have < rec)
                return new Verdict { Status = CheckStatus.Warn, Observed = show(measured), Expected = expected, Source = source, Remediation = remediation,
                    Message = $"{what}: {show(measured)} meets the minimum but is below the recommended {show(rec)}." };
            return Verdict.Pass(show(measured), expected, $"{what}: {show(measured)}.", source);
        }

        private static string GiBAmount(double gib) => gib.ToString("0.#", CultureInfo.InvariantCulture) + " GiB";

        private static Verdict CpuCores(CheckContext c)
        {
            var cpu = c.Facts.Get<CpuFacts>();
            if (!cpu.Known) return Verdict.Unknown(cpu, "CPU cores");
            return Against(c.Profile.Requires.CpuCores, cpu.LogicalCores, n => n.ToString("0", CultureInfo.InvariantCulture) + " cores",
                "Logical CPU cores", cpu.SourceText, "Move the deployment to a host (or VM size) with more CPU cores.");
        }

        private static Verdict CpuVirtualization(CheckContext c)
        {
            var cpu = c.Facts.Get<CpuFacts>();
            var level = c.Profile.Requires.Virtualization;
            if (!cpu.Known) return Verdict.Unknown(cpu, level == "optional" ? "not needed" : "VT-x or AMD-V");
            var vm = cpu.InVirtualMachine ? " (this OS runs in a virtual machine)" : "";
            if (cpu.Virtualization != null)
                return Verdict.Pass(cpu.Virtualization + vm, level == "optional" ? "not needed" : "VT-x or AMD-V", $"Hardware virtualization {cpu.Virtualization} is available{vm}.", cpu.SourceText);
            var remedy = cpu.InVirtualMachine
                ? "Enable nested virtualization for this VM on its hypervisor, or run on bare metal."
                : "Enable Intel VT-x (\"Intel Virtualization Technology\") or AMD SVM in the BIOS/UEFI setup, then reboot.";
            return level switch
            {
                "required" => new Verdict { Status = CheckStatus.Fail, Observed = "none" + vm, Expected = "VT-x or AMD-V", Source = cpu.SourceText, Remediation = remedy,
                    Message = $"The CPU flags show no VT-x/AMD-V{vm}; profile {c.Profile.Id} needs it." },
                "recommended" => new Verdict { Status = CheckStatus.Warn, Observed = "none" + vm, Expected = "VT-x or AMD-V", Source = cpu.SourceText, Remediation = remedy,
                    Message = $"The CPU flags show no VT-x/AMD-V{vm}; profile {c.Profile.Id} recommends it." },
                _ => Verdict.Pass("none" + vm, "not needed", $"No VT-x/AMD-V in the CPU flags{vm}; profile {c.Profile.Id} does not need it.", cpu.SourceText),
            };
        }

        private static Verdict MemoryTotal(CheckContext c)
        {
            var mem = c.Facts.Get<MemoryFacts>();
            if (!mem.Known) return Verdict.Unknown(mem, "memory");
            // MemTotal excludes what firmware and the kernel reserve: a 64 GiB server shows about 62.8 GiB.
            return Against(c.Profile.Requires.Memory, mem.TotalBytes / (double)(1L << 30), GiBAmount, "Installed memory", mem.SourceText,
                "Add memory, or move the deployment to a larger host.", slack: 0.05);
        }

        private static Verdict DiskFree(CheckContext c)
        {
            var disk = c.Facts.Get<DiskFacts>();
            if (!disk.Known) return Verdict.Unknown(disk, "free disk space");
            var where = disk.MeasuredPath == disk.Path ? disk.Path : $"{disk.Path} (measured at {disk.MeasuredPath}, on {disk.MountPoint})";
            return Against(c.Profile.Requires.Disk, disk.FreeBytes / (double)(1L << 30), GiBAmount, $"Free space at {where}", disk.SourceText,
                $"Free space on {disk.MountPoint} (e.g. 'sudo apt-get clean', remove old models), or choose another install path with " + Messages.Say("-InstallPath", "--install-path") + ".");
        }

        private static Verdict DiskMedia(CheckContext c)
        {
            var disk = c.Facts.Get<DiskFacts>();
            if (!disk.Known) return Verdict.Unknown(disk, "NVMe or SSD");
            if (disk.MediaKind == null)
                return new Verdict { Status = CheckStatus.Unknown, Observed = disk.Device ?? "unknown", Expected = "NVMe or SSD", Source = disk.SourceText,
                    Message = $"Could not tell the storage kind of {disk.Device}: {disk.MediaReason}." };
            if (disk.MediaKind == "HDD")
                return new Verdict { Status = CheckStatus.Warn, Observed = $"HDD ({disk.Device})", Expected = "NVMe or SSD", Source = disk.SourceText,
                    Message = $"{disk.Device} reports a rotational disk ({disk.MediaReason}); loading ~20 GB of model weights from it is slow. Virtual disks often report rotational even on SSD storage.",
                    Remediation = "Put the install path (and the model) on NVMe or SSD storage." };
            return Verdict.Pass($"{disk.MediaKind} ({disk.Device})", "NVMe or SSD", $"The install path is on {disk.MediaKind} storage ({disk.MediaReason}).", disk.SourceText);
        }

        internal static PythonInterpreter? BestInterpreter(PythonFacts py, Pep440SpecifierSet spec) =>
            py.Interpreters
                .Where(i => i.Version != null && Pep440Version.TryParse(i.Version, out var v) && spec.IsSatisfiedBy(v))
                .OrderByDescending(i => i.HasVenv && i.HasEnsurepip)
                .ThenByDescending(i => Pep440Version.Parse(i.Version!))
                .FirstOrDefault();

        private static string PythonRemedy(CheckContext c, string spec)
        {
            var minor = SuggestedMinor(spec) ?? "3.11";
            return c.InstallCommand($"python{minor} python{minor}-venv", $"python{minor}");
        }

        // The Python to suggest installing: the first of 3.12, 3.11, 3.10, 3.13 that the profile allows
        // (3.12 first: packaged by Ubuntu 24.04 and RHEL 9 and inside every server profile's range).
        private static string? SuggestedMinor(string spec)
        {
            if (!Pep440SpecifierSet.TryParse(spec, out var set)) return null;
            foreach (var candidate in new[] { "3.12", "3.11", "3.10", "3.13" })
                if (set.IsSatisfiedBy(Pep440Version.Parse(candidate + ".0"))) return candidate;
            return null;
        }

        private static Verdict PythonInterpreter(CheckContext c)
        {
            var py = c.Facts.Get<PythonFacts>();
            var specText = c.Profile.Requires.Python;
            var expected = "Python " + specText;
            if (!py.Known) return Verdict.Unknown(py, expected);
            var spec = Pep440SpecifierSet.Parse(specText); // validated when the matrix loaded
            var found = string.Join(", ", py.Interpreters.Select(i => i.Version != null ? $"{i.Command} {i.Version}" : i.TimedOut ? $"{i.Command} (no answer: {i.Error})" : $"{i.Command} (broken: {i.Error})"));
            if (found.Length == 0) found = "none on PATH";
            var best = BestInterpreter(py, spec);
            if (best != null)
                return Verdict.Pass(found, expected, $"{best.Command} ({best.Version}, {best.Executable}) satisfies {specText}.", "PATH: " + string.Join(", ", py.Interpreters.Select(i => i.Command)));
            // A slow interpreter (a loaded host, a cold pyenv shim) is not a missing one: say so, propose no install.
            var slow = py.Interpreters.Where(i => i.TimedOut).ToList();
            if (slow.Count > 0)
                return new Verdict
                {
                    Status = CheckStatus.Unknown, Observed = found, Expected = expected, Source = "PATH",
                    Message = $"{string.Join("; ", slow.Select(i => i.Error))}, so whether it satisfies {specText} is unknown.",
                    Remediation = "Run the check again when the host is less loaded, or with a longer --timeout / -TimeoutSec.",
                };
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = found, Expected = expected, Source = "PATH",
                Message = $"No Python interpreter on PATH satisfies {specText} (profile {c.Profile.Id}).",
                Remediation = PythonRemedy(c, specText),
            };
        }

        private static Verdict PythonVenv(CheckContext c)
        {
            var py = c.Facts.Get<PythonFacts>();
            if (!py.Known) return Verdict.Unknown(py, "venv and ensurepip");
            var spec = Pep440SpecifierSet.Parse(c.Profile.Requires.Python);
            var best = BestInterpreter(py, spec);
            if (best == null) return Verdict.Skip("No interpreter satisfies the profile (see python.interpreter).", "venv and ensurepip");
            var observed = $"{best.Command}: venv {(best.HasVenv ? "yes" : "no")}, ensurepip {(best.HasEnsurepip ? "yes" : "no")}";
            if (best.HasVenv && best.HasEnsurepip)
                return Verdict.Pass(observed, "venv and ensurepip", $"{best.Command} can create virtual environments.", $"{best.Command} -c <import check>");
            var minor = best.Version!.Substring(0, best.Version!.LastIndexOf('.'));
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = observed, Expected = "venv and ensurepip", Source = $"{best.Command} -c <import check>",
                Message = $"{best.Command} lacks {(best.HasVenv ? "ensurepip" : "venv")}: 'python -m venv' will fail. Debian and Ubuntu ship it in a separate package.",
                Remediation = c.InstallCommand($"python{minor}-venv", $"python{minor.Replace(".", "")}"),
            };
        }

        private static Verdict Administrator(CheckContext c)
        {
            var p = c.Facts.Get<PrivilegeFacts>();
            if (!p.Known) return Verdict.Unknown(p, "root");
            if (p.IsAdministrator) return Verdict.Pass("root (" + p.Identity + ")", "root", "Running as root: install and repair work can proceed.", p.SourceText);
            return new Verdict
            {
                Status = CheckStatus.Warn, Observed = p.Identity ?? "not root", Expected = "root", Source = p.SourceText,
                Message = "Not running as root. Checks work, but Install-AutoGlmHost and Repair-AutoGlmDriver need root.",
                Remediation = "sudo autoglm <command>   (or run PowerShell as root: sudo pwsh)",
            };
        }

        private static Verdict PortAvailable(CheckContext c)
        {
            var port = c.Facts.Get<PortFacts>();
            if (port.Port == null) return Verdict.Skip($"Profile {c.Profile.Id} serves no port.");
            var expected = $"port {port.Port} free";
            if (!port.Known) return Verdict.Unknown(port, expected);
            if (!port.InUse) return Verdict.Pass("free", expected, $"TCP port {port.Port} is free.", port.SourceText);
            var holders = port.Holders.Select(h => h.ProcessId != null ? $"{h.ProcessName} (pid {h.ProcessId}) on {h.Address}" : $"a process this user cannot see on {h.Address}").Distinct().ToList();
            var pid = port.Holders.FirstOrDefault(h => h.ProcessId != null)?.ProcessId;
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = "held by " + string.Join("; ", holders), Expected = expected, Source = port.SourceText,
                Message = $"TCP port {port.Port} is already in use by {string.Join("; ", holders)}." + (port.Holders.Any(h => h.ProcessId == null) ? " Run as root to name every holder." : ""),
                Remediation = (pid != null ? $"sudo ss -ltnp 'sport = :{port.Port}'   # then stop pid {pid} if it is not ours\n" : $"sudo ss -ltnp 'sport = :{port.Port}'\n")
                    + "or choose another port: " + Messages.Say("-Port Auto", "--port auto"),
            };
        }
    }
}
