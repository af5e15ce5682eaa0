using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Repair
{
    /// <summary>
    /// Runs the same checks as Test-AutoGlmEnvironment on the host, then sorts the failing ones into repair
    /// signatures, each with the check results and facts that show it.
    /// </summary>
    public static class RepairDiagnoser
    {
        /// <summary>The checks whose failures a driver repair is about; any other failure is not ours to explain.</summary>
        private static readonly string[] DriverCategories = { "gpu", "driver", "firmware", "cuda" };

        /// <summary>Where a bundle goes when the user named none: the system temp directory.</summary>
        public static string DefaultBundlePath() =>
            System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"autoglm-repair-{DateTime.UtcNow:yyyyMMdd-HHmmss}.tar.gz");

        /// <summary>A host with causes the repair does not fix gets a support bundle (never under -WhatIf).</summary>
        public static void BundleIfUnfixable(RepairDiagnosis diagnosis, RepairRequest request, IHost host, bool whatIf)
        {
            if (!diagnosis.Healthy && diagnosis.BundlePath == null && !whatIf)
                diagnosis.BundlePath = SupportBundle.Write(DefaultBundlePath(), diagnosis, host, request.CommandTimeout);
        }

        /// <summary>The same checks after a repair; when they still fail, the bundle (the one from before, else a new one).</summary>
        public static RepairDiagnosis Verify(RepairDiagnosis before, RepairRequest request, IHost host, IEngineOutput output)
        {
            var after = Diagnose(request, host, output);
            after.Phase = "after";
            if (!after.Healthy)
                after.BundlePath = before.BundlePath ?? SupportBundle.Write(DefaultBundlePath(), after, host, request.CommandTimeout);
            return after;
        }

        public static RepairDiagnosis Diagnose(RepairRequest request, IHost host, IEngineOutput output)
        {
            var (matrix, profile) = request.LoadProfile();
            ValidateCheckIds(request.CheckIds);
            var run = EnvironmentTester.Evaluate(host, matrix, profile,
                new TestRequest { Profile = profile.Id, CommandTimeout = request.CommandTimeout, NvmlLibrary = request.NvmlLibrary }, output);
            var context = new CheckContext(run.Facts, matrix, profile);
            var d = new RepairDiagnosis { Host = host.Root, Profile = profile.Id, OsFamily = context.Family };
            d.Results.AddRange(run.Results);
            ReadFacts(d, run.Facts, host);
            Classify(d, context, request.CheckIds);
            output.Verbose(Messages.Format("Verbose_RepairDiagnosis", d.SignatureList));
            return d;
        }

        private static void ValidateCheckIds(IReadOnlyCollection<string>? ids)
        {
            foreach (var id in ids ?? Array.Empty<string>())
                if (!CheckCatalog.All.Any(c => string.Equals(c.Info.Id, id, StringComparison.OrdinalIgnoreCase)))
                    throw new AutoGlmException("UnknownCheckId", ErrorKind.InvalidArgument,
                        Messages.Format("UnknownCheckId_Pipe", id), id);
        }

        private static void ReadFacts(RepairDiagnosis d, HostFacts facts, IHost host)
        {
            var os = facts.Get<OsFacts>();
            var kernels = facts.Get<KernelFacts>();
            var driver = facts.Get<DriverFacts>();
            d.Distro = os.Distro;
            d.RunningKernel = kernels.RunningKernel ?? os.Kernel;
            d.NewestKernel = kernels.Newest?.Release;
            d.InstalledDriver = driver.InstalledVersion;
            d.LoadedModule = driver.LoadedModuleVersion;
            var record = host.ReadFile(DriverPlanner.PinRecordPath);
            if (record.Ok)
                d.PinnedPackages.AddRange(record.Text!.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("#", StringComparison.Ordinal) && l.Contains('=')));
            var status = host.ReadFile("/var/lib/dpkg/status");
            if (status.Ok)
            {
                foreach (var (name, version, _) in GpuProbes.ParseDpkgStatus(status.Text!))
                {
                    if (NvidiaPackages.IsCore(name)) d.NvidiaPackages[name] = version;
                    if (KernelMeta.IsMatch(name)) d.KernelMetaPackages.Add(name);
                }
            }
            if (host.Platform != HostPlatform.Windows)
            {
                d.ActiveServices.AddRange(GpuProcesses.ActiveServices(host));
                d.Holders.AddRange(GpuProcesses.Holders(host));
            }
        }

        // The packages that pull in each new kernel: holding them holds kernel upgrades, nothing else.
        private static readonly Regex KernelMeta = new Regex(
            @"^linux-(generic|virtual|image-generic|headers-generic|image-virtual|headers-virtual|image-(amd64|arm64|cloud-amd64)|headers-(amd64|arm64|cloud-amd64))(-hwe-[\d.]+(-edge)?)?$");

        /// <summary>Sorts the failing checks into signatures. Pure over the diagnosis's results and facts.</summary>
        public static void Classify(RepairDiagnosis d, CheckContext context, IReadOnlyCollection<string>? onlyChecks)
        {
            CheckResult? Failing(string id) => d.Results.FirstOrDefault(r => r.Id == id && (r.Status == CheckStatus.Fail || (r.Status == CheckStatus.Warn && id == "driver.next-boot-kernel")));
            var claimed = new HashSet<string>(StringComparer.Ordinal);
            void Add(RepairSignature s, params CheckResult?[] evidence)
            {
                foreach (var r in evidence.Where(r => r != null)) { s.Checks.Add(r!); claimed.Add(r!.Id); }
                d.Signatures.Add(s);
            }
            var nvml = Failing("gpu.nvml");
            var loaded = Failing("driver.module.loaded");

            // 3. The driver moved past its pin (checked first: restoring it often cures the mismatch too).
            var moved = MovedPackages(d);
            if (moved.Count > 0)
            {
                var s = new RepairSignature
                {
                    Id = RepairSignature.DriverMovedPastPin, Fixable = d.OsFamily == OsFamily.Debian || d.OsFamily == OsFamily.Windows,
                    Title = "The driver moved past its pin",
                    Explanation = $"AutoGlm pinned {string.Join(", ", moved.Select(m => m.pinned))} ({DriverPlanner.PinRecordPath}); now {string.Join(", ", moved.Select(m => m.name + " " + (m.installed ?? "is not installed")))}. "
                        + "The repair reinstalls the pinned version and holds it again.",
                };
                s.Evidence.AddRange(moved.Select(m => $"pin record: {m.pinned}; installed: {m.installed ?? "none"}"));
                var history = PackageHistory.Explain(context.Facts.Host, moved.Select(m => m.name).ToList());
                s.Evidence.AddRange(history);
                if (history.Count > 0) s.Explanation += " What moved it: " + history.Last() + ".";
                else s.Explanation += " No package history names the change (see /var/log/apt/history.log).";
                Add(s, Failing("driver.pinned"), nvml != null && nvml.Message.Contains("version mismatch") ? nvml : null);
            }

            // 1. Driver/library mismatch.
            if (nvml != null && nvml.Message.Contains("Driver/library version mismatch"))
            {
                var blocking = d.Holders.Where(h => h.Unit == null || !d.ActiveServices.Contains(h.Unit)).ToList();
                var s = new RepairSignature
                {
                    Id = RepairSignature.DriverLibraryMismatch, Fixable = d.OsFamily == OsFamily.Debian || d.OsFamily == OsFamily.Rhel,
                    Title = "Driver/library version mismatch",
                    RebootRequired = blocking.Count > 0,
                    Explanation = $"The loaded kernel module ({d.LoadedModule ?? "unknown"}) is not the installed user-space driver ({d.InstalledDriver ?? "unknown"}): the packages were upgraded under the running module. "
                        + (blocking.Count > 0
                            ? $"Processes hold the GPU ({string.Join(", ", blocking)}), so the module cannot be reloaded: a reboot is required."
                            : "No other process holds the GPU, so the repair stops the AutoGLM services" + (d.ActiveServices.Count > 0 ? $" ({string.Join(", ", d.ActiveServices)})" : "") + ", reloads the modules and starts them again; then it restores the pin."),
                };
                s.Evidence.AddRange(d.Holders.Select(h => $"holds {h.Device}: {h}"));
                if (d.Holders.Count == 0) s.Evidence.Add("no process holds /dev/nvidia* (/proc/*/fd)");
                Add(s, nvml, Failing("driver.pinned"), Failing("driver.unattended-upgrades"));
            }

            // 2. No module for the running (or the next boot's) kernel.
            var dkms = Failing("driver.dkms");
            var next = Failing("driver.next-boot-kernel");
            if (dkms != null || next != null)
            {
                var kernels = new[] { dkms != null ? d.RunningKernel : null, d.NewestKernel }.Where(k => k != null).Distinct().ToList();
                var s = new RepairSignature
                {
                    Id = RepairSignature.ModuleMissingForKernel, Fixable = d.OsFamily == OsFamily.Debian || d.OsFamily == OsFamily.Rhel,
                    Title = "No nvidia module for " + (dkms != null ? "the running kernel " + d.RunningKernel : "the next boot's kernel " + d.NewestKernel),
                    Explanation = "DKMS did not build the nvidia module for " + string.Join(" and ", kernels) + " (usually: the kernel was upgraded without its headers, or the DKMS tree is stale). "
                        + "The repair installs the headers, rebuilds with dkms autoinstall, and proves it with modinfo and loading.",
                };
                s.Evidence.AddRange(kernels.Select(k => "kernel " + k));
                Add(s, dkms, next, dkms != null ? loaded : null, dkms != null && nvml != null && !nvml.Message.Contains("mismatch") ? nvml : null);
            }

            // 4. nouveau holds the GPU.
            var nouveau = d.Results.FirstOrDefault(r => r.Id == "driver.nouveau" && r.Status == CheckStatus.Fail);
            if (nouveau != null)
            {
                var s = new RepairSignature
                {
                    Id = RepairSignature.NouveauLoaded, Fixable = d.OsFamily == OsFamily.Debian || d.OsFamily == OsFamily.Rhel, RebootRequired = true,
                    Title = "nouveau is loaded",
                    Explanation = "The open-source nouveau driver claimed the GPU (again: a new initramfs without the blacklist, or a new kernel). The repair blacklists it, rebuilds the initramfs, and needs a reboot.",
                };
                Add(s, nouveau, loaded, nvml != null && !nvml.Message.Contains("mismatch") ? nvml : null);
            }

            // 5. Secure Boot rejects the module.
            var rejected = Failing("secureboot.module-rejected");
            var unsigned = Failing("secureboot.state");
            if (rejected != null || unsigned != null)
            {
                var prebuilt = d.Distro == "ubuntu"
                    ? $" Ubuntu ships signed prebuilt modules (linux-modules-nvidia-<branch>-server-{d.RunningKernel ?? "$(uname -r)"}), which need no MOK."
                    : "";
                var s = new RepairSignature
                {
                    Id = RepairSignature.SecureBootRejected, Fixable = d.OsFamily == OsFamily.Debian || d.OsFamily == OsFamily.Rhel, RebootRequired = true,
                    Title = "Secure Boot rejects the nvidia module",
                    Explanation = "The kernel refuses the nvidia module (\"Key was rejected by service\"): it is unsigned or signed by a key not in the MOK list. "
                        + "The repair queues the DKMS signing key for enrolment; at the next boot choose 'Enroll MOK' in MokManager, 'Continue', 'Yes', and type the password; then run again with -Resume." + prebuilt,
                };
                Add(s, rejected, unsigned, loaded);
            }

            // 6. CUDA toolkit, driver and the venv's torch out of step: a proposal, never an automatic change.
            var toolkit = Failing("cuda.toolkit");
            var torch = Failing("python.torch.cuda");
            var minimum = Failing("driver.minimum");
            if (toolkit != null || torch != null || minimum != null)
            {
                var gpu = context.Facts.Get<GpuFacts>();
                var stack = SafeStack(context);
                var proposal = new List<string>();
                if (stack?.Driver != null)
                    proposal.Add(Messages.ForFace($"Driver up: {Messages.Say("Install-AutoGlmDriver", "autoglm install-driver")} to R{stack.Driver.Branch} (≥ {stack.Driver.Minimum}), which serves CUDA {stack.Cuda}."));
                if (gpu.CudaDriverVersion != null)
                    proposal.Add(Messages.ForFace($"Or wheel down: a torch build for CUDA {gpu.CudaDriverVersion} or older (the driver {gpu.DriverVersion} serves CUDA {gpu.CudaDriverVersion}): pin it in a site matrix and run {Messages.Say("Sync-AutoGlmPythonEnvironment", "autoglm venv sync")}."));
                foreach (var r in new[] { toolkit, torch, minimum }.Where(r => r != null && r.Remediation.Length > 0))
                    proposal.Add(r!.Id + ": " + r.Remediation.Split('\n')[0]);
                var s = new RepairSignature
                {
                    Id = RepairSignature.CudaOutOfStep, Fixable = false,
                    Title = "CUDA toolkit, driver and torch build out of step",
                    Explanation = "The CUDA the software needs is newer than the driver serves (or the toolkit does not match the stack): a partial upgrade. Which side to move is a decision: the repair proposes it and changes nothing.",
                    Proposal = string.Join("\n", proposal),
                };
                Add(s, toolkit, torch, minimum);
            }

            // 7. Windows Update replaced the driver.
            if (d.OsFamily == OsFamily.Windows)
            {
                var pinned = d.PinnedPackages.Select(p => p.Split('=')).FirstOrDefault(p => p.Length == 2 && p[0] == "windows-driver")?[1];
                var installed = context.Facts.Get<GpuFacts>().DriverVersion ?? d.InstalledDriver;
                if (pinned != null && installed != null && pinned != installed)
                {
                    var s = new RepairSignature
                    {
                        Id = RepairSignature.WindowsUpdateReplacedDriver, Fixable = true, Title = "Windows Update replaced the driver",
                        Explanation = $"The pinned NVIDIA driver {pinned} was replaced by {installed}, typically by Windows Update's driver updates. The repair reinstalls {pinned} and re-applies ExcludeWUDriversInQualityUpdate.",
                    };
                    s.Evidence.Add($"pin record: windows-driver={pinned}; installed: {installed}");
                    Add(s, Failing("driver.minimum"));
                }
            }

            // Anything else failing in the driver's area: not recognised, so not touched.
            var rest = d.Results.Where(r => r.Status == CheckStatus.Fail && !claimed.Contains(r.Id)
                && (DriverCategories.Contains(r.Category) || r.Id == "python.torch.cuda")).ToList();
            if (rest.Count > 0)
            {
                var s = new RepairSignature
                {
                    Id = RepairSignature.Unrecognised, Fixable = false, Title = "A cause the repair does not recognise",
                    Explanation = "These checks fail in a way no repair signature covers, so nothing is changed for them: "
                        + string.Join("; ", rest.Select(r => $"{r.Id}: {r.Message}")) + " Send the support bundle (-CollectBundle / --collect-bundle) with your report.",
                };
                Add(s, rest.ToArray());
            }

            if (onlyChecks != null && onlyChecks.Count > 0)
                d.Signatures.RemoveAll(s => !s.Checks.Any(c => onlyChecks.Contains(c.Id, StringComparer.OrdinalIgnoreCase)));
        }

        private static Resolve.ResolvedStack? SafeStack(CheckContext c)
        {
            try { return c.Stack.Resolved ? c.Stack : null; }
            catch (AutoGlmException) { return null; }
        }

        /// <summary>Pinned packages (from the pin record) whose installed version is another.</summary>
        internal static List<(string name, string pinned, string? installed)> MovedPackages(RepairDiagnosis d)
        {
            var list = new List<(string, string, string?)>();
            if (d.OsFamily != OsFamily.Debian) return list;
            foreach (var spec in d.PinnedPackages)
            {
                var i = spec.IndexOf('=');
                var name = spec.Substring(0, i);
                var version = spec.Substring(i + 1);
                d.NvidiaPackages.TryGetValue(name, out var have);
                if (have != version) list.Add((name, spec, have));
            }
            return list;
        }
    }

    /// <summary>Which package-manager run moved a package: /var/log/apt/history.log entries.</summary>
    public static class PackageHistory
    {
        public static List<string> Explain(IHost host, IReadOnlyCollection<string> packages)
        {
            var found = new List<string>();
            foreach (var file in new[] { "/var/log/apt/history.log.1", "/var/log/apt/history.log" })
            {
                var read = host.ReadFile(file);
                if (read.Ok) found.AddRange(ParseAptHistory(read.Text!, packages));
            }
            return found;
        }

        /// <summary>One sentence per history entry that touched one of the packages, oldest first.</summary>
        public static IEnumerable<string> ParseAptHistory(string text, IReadOnlyCollection<string> packages)
        {
            foreach (var entry in Regex.Split(text.Replace("\r", ""), @"\n\s*\n"))
            {
                string? start = null, command = null, by = null;
                var changes = new List<string>();
                foreach (var line in entry.Split('\n'))
                {
                    int colon = line.IndexOf(": ", StringComparison.Ordinal);
                    if (colon <= 0) continue;
                    var key = line.Substring(0, colon);
                    var value = line.Substring(colon + 2).Trim();
                    switch (key)
                    {
                        case "Start-Date": start = Regex.Replace(value, @"\s+", " "); break;
                        case "Commandline": command = value; break;
                        case "Requested-By": by = value; break;
                        case "Upgrade":
                        case "Downgrade":
                        case "Install":
                        case "Reinstall":
                            // "name:arch (old, new), name:arch (new, automatic)"
                            foreach (Match m in Regex.Matches(value, @"([^\s,(]+?)(?::[a-z0-9]+)? \(([^)]*)\)"))
                            {
                                var name = m.Groups[1].Value;
                                if (!packages.Contains(name) && !packages.Any(p => SameFamily(p, name))) continue;
                                var versions = m.Groups[2].Value.Split(',').Select(v => v.Trim()).Where(v => v != "automatic").ToList();
                                changes.Add(key.ToLowerInvariant() + " " + name + (versions.Count == 2 ? $" {versions[0]} -> {versions[1]}" : versions.Count == 1 ? " " + versions[0] : ""));
                            }
                            break;
                    }
                }
                if (changes.Count == 0) continue;
                var who = command == null ? "a package run" : command.Contains("unattended-upgrade") ? "unattended-upgrades" : $"'{command}'";
                yield return $"{start ?? "at an unknown time"}: {who}{(by != null ? " (requested by " + by + ")" : "")} — {string.Join(", ", changes)}";
            }
        }

        // libnvidia-common-460 moved with nvidia-driver-460: the same branch's packages tell the same story.
        private static bool SameFamily(string pinned, string name)
        {
            var branch = Regex.Match(pinned, @"-(\d{3})(-|$)");
            return branch.Success && NvidiaPackages.IsBranded(name)
                && Regex.IsMatch(name, "-" + branch.Groups[1].Value + "(-|$)");
        }
    }

    /// <summary>Processes holding /dev/nvidia*, and our systemd units, read from /proc and /etc/systemd under the root.</summary>
    public static class GpuProcesses
    {
        public static List<GpuHolder> Holders(IHost host)
        {
            var list = new List<GpuHolder>();
            foreach (var pid in host.ListDirectory("/proc") ?? Array.Empty<string>())
            {
                if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) continue;
                IReadOnlyList<string>? fds;
                try { fds = host.ListDirectory($"/proc/{pid}/fd"); }
                catch (Exception ex) when (ex is UnauthorizedAccessException || ex is System.IO.IOException) { continue; }
                foreach (var fd in fds ?? Array.Empty<string>())
                {
                    string? target;
                    try { target = host.ReadLink($"/proc/{pid}/fd/{fd}"); }
                    catch (Exception ex) when (ex is UnauthorizedAccessException || ex is System.IO.IOException) { continue; }
                    if (target == null || !target.StartsWith("/dev/nvidia", StringComparison.Ordinal)) continue;
                    var comm = host.ReadFile($"/proc/{pid}/comm");
                    var cgroup = host.ReadFile($"/proc/{pid}/cgroup");
                    var unit = cgroup.Ok ? Regex.Match(cgroup.Text!, @"/([^/\n]+\.service)\s*$", RegexOptions.Multiline) : null;
                    list.Add(new GpuHolder
                    {
                        ProcessId = id, Device = target, Name = comm.Ok ? comm.Text!.Trim() : "pid " + pid,
                        Unit = unit != null && unit.Success ? unit.Groups[1].Value : null,
                    });
                    break;
                }
            }
            return list;
        }

        /// <summary>Our registered units (autoglm-*.service, not the resume unit) that systemctl reports active.</summary>
        public static List<string> ActiveServices(IHost host)
        {
            var units = (host.ListDirectory("/etc/systemd/system") ?? Array.Empty<string>())
                .Where(n => n.StartsWith("autoglm-", StringComparison.Ordinal) && n.EndsWith(".service", StringComparison.Ordinal) && n != "autoglm-resume.service")
                .ToList();
            var active = new List<string>();
            foreach (var unit in units)
            {
                var r = host.Run(new[] { "systemctl", "is-active", unit }, TimeSpan.FromSeconds(10));
                if (r.Stdout.Trim() == "active") active.Add(unit);
            }
            return active;
        }
    }
}
