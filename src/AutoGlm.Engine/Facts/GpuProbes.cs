using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// GPU, driver, DKMS, Secure Boot and IOMMU probes (Linux). Files are read through the host, so a
    /// root or snapshot works; tools run through the host, so snapshots record and replay them. NVML is
    /// the one read that bypasses the host: it is used only when <see cref="ProbeContext.NvmlLibrary"/>
    /// is set (the live host), and a recording run also asks nvidia-smi so its replay has an answer.
    /// </summary>
    public static class GpuProbes
    {
        public static IReadOnlyList<Probe> All { get; } = new[]
        {
            Probe.Of("gpu", Gpu),
            Probe.Of("driver", Driver),
            Probe.Of("dkms", Dkms),
            Probe.Of("secureboot", SecureBoot),
            Probe.Of("iommu", Iommu),
        };

        /// <summary>
        /// The one nvidia-smi call of a check run: the whole log as XML (nvsmi_device_v10..v13 DTDs). It carries the
        /// driver and CUDA versions (610+: kmd_version, cuda_umd_version), and per GPU the name, UUID, bus and device
        /// id, memory, BAR1, persistence and ECC mode, on every driver branch (the CSV query lacks the CUDA version,
        /// so it needed the table as a second call, and compute_cap only exists from about 510).
        /// </summary>
        public static readonly string[] SmiLogArgv = { "nvidia-smi", "-q", "-x" };

        /// <summary>The nvidia-smi query of snapshots recorded before the XML log (replayed, never run): the column order of the fixtures taken from real captures.</summary>
        internal static readonly string[] SmiFields = { "name", "uuid", "pci.bus_id", "driver_version", "memory.total", "compute_cap", "persistence_mode", "ecc.mode.current" };

        internal static string[] SmiQuery(bool withComputeCap) => new[]
        {
            "nvidia-smi",
            "--query-gpu=" + string.Join(",", withComputeCap ? SmiFields : SmiFields.Where(f => f != "compute_cap")),
            "--format=csv,noheader,nounits",
        };

        // ---------------------------------------------------------------- GPUs

        public static GpuFacts Gpu(ProbeContext ctx)
        {
            var facts = new GpuFacts();
            var pciKnown = ReadPci(ctx, facts);

            NvmlAnswer? nvml = null;
            if (ctx.NvmlLibrary != null)
            {
                nvml = Nvml.Query(ctx.NvmlLibrary, ctx.CommandTimeout);
                facts.Sources.Add("NVML (" + ctx.NvmlLibrary + ")");
                facts.QuerySource = "nvml";
                if (nvml.Ok)
                {
                    facts.DriverVersion = nvml.DriverVersion;
                    if (nvml.CudaDriverVersion is int c && c > 0 && c % 10 == 0) facts.CudaDriverVersion = $"{c / 1000}.{c % 1000 / 10}";
                    facts.Gpus.AddRange(nvml.Gpus);
                }
                else
                {
                    facts.QueryError = nvml.Error;
                    facts.QueryErrorCode = nvml.ReturnCode >= 0 ? nvml.ReturnCode : (int?)null;
                    facts.QueryTimedOut = nvml.ReturnCode < 0;
                }
            }

            // nvidia-smi when NVML is not used or failed; also while recording, so a replay has an answer.
            bool nvmlAnswered = nvml != null && nvml.Ok;
            if (!nvmlAnswered || ctx.Host is RecordingHost)
            {
                var smi = new GpuFacts();
                QuerySmi(ctx, smi);
                facts.Sources.AddRange(smi.Sources);
                facts.LibraryVersion ??= smi.LibraryVersion;
                // When both failed, NVML's own return code is the sharper diagnosis (unless NVML was simply absent).
                bool keepNvmlError = nvml != null && !nvml.Ok && nvml.ReturnCode != Nvml.LibraryNotFound && smi.QueryError != null;
                if (!nvmlAnswered && !keepNvmlError)
                {
                    facts.QuerySource = smi.QuerySource;
                    facts.QueryError = smi.QueryError;
                    facts.QueryErrorCode = smi.QueryErrorCode;
                    facts.QueryTimedOut = smi.QueryTimedOut;
                    facts.DriverVersion = smi.DriverVersion;
                    facts.CudaDriverVersion = smi.CudaDriverVersion;
                    facts.Gpus.AddRange(smi.Gpus);
                }
            }

            // Device ids for GPUs the driver described, from PCI by bus id.
            foreach (var gpu in facts.Gpus.Where(g => g.PciDeviceId == null && g.PciBusId != null))
                gpu.PciDeviceId = facts.PciGpus.FirstOrDefault(p => SameBus(p.PciBusId, gpu.PciBusId))?.PciDeviceId;
            // Windows names no bus in a PnP id: when the counts agree, the device ids follow nvidia-smi's order.
            if (ctx.Host.Platform == HostPlatform.Windows && facts.PciGpus.Count == facts.Gpus.Count)
                for (int i = 0; i < facts.Gpus.Count; i++) facts.Gpus[i].PciDeviceId ??= facts.PciGpus[i].PciDeviceId;
            // GPUs present without a working driver still count: the checks can say which and why.
            if (facts.Gpus.Count == 0) facts.Gpus.AddRange(facts.PciGpus);

            if (!pciKnown && facts.QuerySource == null)
                facts.UnknownReason = "neither /sys/bus/pci/devices nor 'lspci' could list PCI devices, and no NVIDIA driver interface answered";
            return facts;
        }

        /// <summary>PCI bus ids compare by value: NVML writes an 8-digit domain and upper case, sysfs 4 digits.</summary>
        internal static bool SameBus(string? a, string? b) => a != null && b != null && NormalizeBus(a) == NormalizeBus(b);

        internal static string NormalizeBus(string id)
        {
            var m = Regex.Match(id.Trim(), @"^(?:([0-9A-Fa-f]+):)?([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})\.([0-7])$");
            if (!m.Success) return id.Trim().ToLowerInvariant();
            var domain = m.Groups[1].Success ? Convert.ToUInt32(m.Groups[1].Value, 16) : 0;
            return $"{domain:x4}:{m.Groups[2].Value.ToLowerInvariant()}:{m.Groups[3].Value.ToLowerInvariant()}.{m.Groups[4].Value}";
        }

        private static bool ReadPci(ProbeContext ctx, GpuFacts facts)
        {
            if (ctx.Host.Platform == HostPlatform.Windows) return WindowsProbes.ReadPci(ctx, facts);
            var host = ctx.Host;
            var devices = host.ListDirectory("/sys/bus/pci/devices");
            if (devices != null)
            {
                facts.Sources.Add("/sys/bus/pci/devices");
                foreach (var dev in devices)
                {
                    var vendor = host.ReadFile($"/sys/bus/pci/devices/{dev}/vendor");
                    if (!vendor.Ok || vendor.Text!.Trim().ToLowerInvariant() != "0x10de") continue;
                    var cls = host.ReadFile($"/sys/bus/pci/devices/{dev}/class");
                    // Class 0x03xxxx: display controllers (VGA 0300, 3D 0302). NVSwitch (0x0680) and audio are not GPUs.
                    if (!cls.Ok || !cls.Text!.Trim().ToLowerInvariant().StartsWith("0x03", StringComparison.Ordinal)) continue;
                    var device = host.ReadFile($"/sys/bus/pci/devices/{dev}/device");
                    facts.PciGpus.Add(new GpuDevice
                    {
                        Index = facts.PciGpus.Count,
                        PciBusId = dev,
                        PciDeviceId = device.Ok ? device.Text!.Trim().ToLowerInvariant() : null,
                        Source = "pci",
                    });
                }
                return true;
            }
            var lspci = ctx.Run("lspci", "-nn", "-D");
            facts.Sources.Add("lspci -nn -D");
            if (!lspci.Succeeded) return false;
            facts.PciGpus.AddRange(ParseLspci(lspci.Stdout));
            return true;
        }

        /// <summary>NVIDIA display controllers from `lspci -nn` output: "BUS Class [03xx]: Name [10de:DEV]".</summary>
        internal static List<GpuDevice> ParseLspci(string text)
        {
            var list = new List<GpuDevice>();
            foreach (var line in text.Split('\n'))
            {
                var m = Regex.Match(line, @"^(\S+)\s+[^\[]*\[(03[0-9a-fA-F]{2})\]:\s*(.*?)\s*\[10de:([0-9a-fA-F]{4})\]");
                if (!m.Success) continue;
                list.Add(new GpuDevice
                {
                    Index = list.Count,
                    PciBusId = m.Groups[1].Value,
                    PciDeviceId = "0x" + m.Groups[4].Value.ToLowerInvariant(),
                    Name = m.Groups[3].Value.Length > 0 ? m.Groups[3].Value : null,
                    Source = "pci",
                });
            }
            return list;
        }

        private static void QuerySmi(ProbeContext ctx, GpuFacts facts)
        {
            CommandResult run;
            try { run = ctx.NvidiaSmiLog(); }
            catch (SnapshotGapException) when (ctx.Host is SnapshotHost)
            {
                // A snapshot recorded before the XML log holds the CSV query and the table instead.
                QuerySmiLegacy(ctx, facts);
                return;
            }
            facts.Sources.Add(ArgvText.Join(SmiLogArgv));
            facts.QuerySource = "nvidia-smi";
            ApplySmiLog(run, facts);
        }

        /// <summary>Turns an `nvidia-smi -q -x` run into GPUs and versions, or into a QueryError with its cause.</summary>
        internal static void ApplySmiLog(CommandResult run, GpuFacts facts)
        {
            if (run.Status != CommandStatus.Completed)
            {
                facts.QueryError = run.Describe();
                facts.QueryTimedOut = run.Status == CommandStatus.TimedOut;
                if (run.Status == CommandStatus.NotFound) facts.QueryError += "; the NVIDIA user-space driver is not installed";
                return;
            }
            var log = SmiLog.Parse(run.Stdout, out var outside);
            // The failure texts (mismatch, no driver, GPU lost) are printed instead of, or around, the XML.
            var error = ClassifySmiError((outside + "\n" + run.Stderr).Trim(), run.ExitCode, facts);
            if (error != null) { facts.QueryError = error; return; }
            if (log == null || log.Gpus.Count == 0)
            {
                facts.QueryError = $"'{run.CommandLine}' printed no GPU: {FirstLine((run.Stdout + "\n" + run.Stderr).Trim())}";
                return;
            }
            facts.DriverVersion = log.DriverVersion;
            facts.CudaDriverVersion = log.CudaVersion;
            foreach (var g in log.Gpus)
            {
                facts.Gpus.Add(new GpuDevice
                {
                    Index = facts.Gpus.Count, Name = g.Name, Architecture = g.Architecture, Uuid = g.Uuid, PciBusId = g.PciBusId, PciDeviceId = g.PciDeviceId,
                    MemoryMiB = g.MemoryMiB, PersistenceMode = g.PersistenceMode, EccEnabled = g.EccEnabled, Source = "nvidia-smi",
                });
            }
        }

        private static void QuerySmiLegacy(ProbeContext ctx, GpuFacts facts)
        {
            var argv = SmiQuery(true);
            var run = ctx.Run(argv);
            // compute_cap exists only in newer drivers (about 510+): ask again without it.
            if (run.Status == CommandStatus.Completed && run.ExitCode != 0 && (run.Stdout + run.Stderr).IndexOf("is not a valid field", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                argv = SmiQuery(false);
                run = ctx.Run(argv);
            }
            facts.Sources.Add(ArgvText.Join(argv));
            facts.QuerySource = "nvidia-smi";
            ApplySmiQuery(run, argv[1].Substring("--query-gpu=".Length).Split(','), facts);
            if (facts.QueryError != null) return;

            // The CUDA driver version is only in the table header ("CUDA Version: 12.2" / 610+: "CUDA UMD Version: 13.3").
            var table = ctx.Run("nvidia-smi");
            facts.Sources.Add("nvidia-smi");
            if (table.Succeeded) facts.CudaDriverVersion = ParseSmiCudaVersion(table.Stdout);
        }

        internal static string? ParseSmiCudaVersion(string table)
        {
            var m = Regex.Match(table, @"CUDA (?:UMD )?Version:\s*([0-9]+\.[0-9]+)");
            return m.Success ? m.Groups[1].Value : null;
        }

        /// <summary>Turns an nvidia-smi query run into GPUs, or into a QueryError with its cause.</summary>
        internal static void ApplySmiQuery(CommandResult run, IReadOnlyList<string> fields, GpuFacts facts)
        {
            if (run.Status != CommandStatus.Completed)
            {
                facts.QueryError = run.Describe();
                facts.QueryTimedOut = run.Status == CommandStatus.TimedOut;
                if (run.Status == CommandStatus.NotFound) facts.QueryError += "; the NVIDIA user-space driver is not installed";
                return;
            }
            var output = (run.Stdout + "\n" + run.Stderr).Trim();
            var error = ClassifySmiError(output, run.ExitCode, facts);
            if (error != null) { facts.QueryError = error; return; }
            foreach (var line in run.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
            {
                var cells = line.Split(',').Select(c => c.Trim()).ToArray();
                if (cells.Length != fields.Count) continue;
                var gpu = new GpuDevice { Index = facts.Gpus.Count, Source = "nvidia-smi" };
                for (int i = 0; i < fields.Count; i++)
                {
                    var v = SmiValue(cells[i]);
                    switch (fields[i])
                    {
                        case "index": if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var idx)) gpu.Index = idx; break;
                        case "name": gpu.Name = v; break;
                        case "uuid": gpu.Uuid = v; break;
                        case "pci.bus_id": gpu.PciBusId = v; break;
                        case "driver_version": facts.DriverVersion ??= v; break;
                        case "memory.total":
                            // nounits drops " MiB"; tolerate it anyway.
                            var mem = v?.Replace("MiB", "").Trim();
                            if (long.TryParse(mem, NumberStyles.None, CultureInfo.InvariantCulture, out var mib)) gpu.MemoryMiB = mib;
                            break;
                        case "compute_cap": gpu.ComputeCapability = v; break;
                        case "persistence_mode": gpu.PersistenceMode = v == null ? (bool?)null : v == "Enabled"; break;
                        case "ecc.mode.current": gpu.EccEnabled = v == null ? (bool?)null : v == "Enabled"; break;
                    }
                }
                facts.Gpus.Add(gpu);
            }
            if (facts.Gpus.Count == 0)
                facts.QueryError = $"'{run.CommandLine}' printed no GPU rows: {FirstLine(output)}";
        }

        /// <summary>"[N/A]", "N/A", "[Not Supported]" and deprecation notes mean: no value.</summary>
        private static string? SmiValue(string cell) =>
            cell.Length == 0 || cell == "N/A" || (cell.StartsWith("[", StringComparison.Ordinal) && cell.EndsWith("]", StringComparison.Ordinal)) ? null : cell;

        /// <summary>The cause behind nvidia-smi's failure texts (exit codes follow nvmlReturn_t); null when it answered.</summary>
        internal static string? ClassifySmiError(string output, int exitCode, GpuFacts facts)
        {
            var lib = Regex.Match(output, @"NVML library version:\s*([0-9.]+)");
            if (lib.Success) facts.LibraryVersion = lib.Groups[1].Value;
            int? code = null;
            string? cause = null;
            if (output.IndexOf("Driver/library version mismatch", StringComparison.OrdinalIgnoreCase) >= 0)
            { code = Nvml.LibRmVersionMismatch; cause = Nvml.Cause(Nvml.LibRmVersionMismatch); }
            else if (output.IndexOf("couldn't communicate with the NVIDIA driver", StringComparison.OrdinalIgnoreCase) >= 0)
            { code = Nvml.DriverNotLoaded; cause = Nvml.Cause(Nvml.DriverNotLoaded); }
            else if (output.IndexOf("No devices were found", StringComparison.OrdinalIgnoreCase) >= 0)
            { code = Nvml.NotFound; cause = "the driver is loaded but sees no NVIDIA GPU (No devices were found); see dmesg for NVRM errors"; }
            else if (output.IndexOf("Unable to determine the device handle", StringComparison.OrdinalIgnoreCase) >= 0)
            { code = Nvml.GpuIsLost; cause = "a GPU is not reachable: " + FirstLine(output) + " (often fallen off the bus; see dmesg for Xid 79)"; }
            else if (output.IndexOf("Insufficient Permissions", StringComparison.OrdinalIgnoreCase) >= 0)
            { code = Nvml.NoPermission; cause = Nvml.Cause(Nvml.NoPermission); }
            else if (output.IndexOf("Failed to initialize NVML", StringComparison.OrdinalIgnoreCase) >= 0)
            { code = exitCode != 0 ? exitCode : Nvml.Unknown; cause = "NVML could not start: " + FirstLine(output); }
            else if (exitCode != 0)
            { code = exitCode; cause = $"nvidia-smi exited with code {exitCode}: {FirstLine(output)}"; }
            if (cause == null) return null;
            facts.QueryErrorCode = code;
            return "nvidia-smi: " + cause;
        }

        private static string FirstLine(string text)
        {
            text = text.Trim();
            int nl = text.IndexOf('\n');
            return nl >= 0 ? text.Substring(0, nl).TrimEnd('\r') : text;
        }

        // ---------------------------------------------------------------- driver

        public static DriverFacts Driver(ProbeContext ctx)
        {
            var host = ctx.Host;
            var facts = new DriverFacts();

            var version = host.ReadFile("/proc/driver/nvidia/version");
            if (version.Ok)
            {
                facts.Sources.Add(version.Path);
                ParseProcVersion(version.Text!, out var v, out var flavor);
                facts.LoadedModuleVersion = v;
                facts.Flavor = flavor;
            }
            else
            {
                var sys = host.ReadFile("/sys/module/nvidia/version");
                if (sys.Ok) { facts.LoadedModuleVersion = sys.Text!.Trim(); facts.Sources.Add(sys.Path); }
            }

            var modules = host.ReadFile("/proc/modules");
            if (modules.Ok) { facts.LoadedModules = ParseModuleList(modules.Text!); facts.Sources.Add(modules.Path); }
            else
            {
                var lsmod = ctx.Run("lsmod");
                if (lsmod.Succeeded) { facts.LoadedModules = ParseModuleList(lsmod.Stdout); facts.Sources.Add("lsmod"); }
            }

            facts.NouveauBlacklistedBy = FindNouveauBlacklist(host);

            var kernel = host.ReadFile("/proc/sys/kernel/osrelease");
            var argv = new List<string> { "modinfo" };
            if (host.Root != "/") { argv.Add("-b"); argv.Add(host.MapPath("/")); }
            if (kernel.Ok) { argv.Add("-k"); argv.Add(kernel.Text!.Trim()); }
            argv.Add("nvidia");
            var modinfo = ctx.Run(argv.ToArray());
            facts.Sources.Add(ArgvText.Join(argv));
            if (modinfo.Succeeded) ApplyModinfo(modinfo.Stdout, facts);
            else facts.ModinfoError = modinfo.Describe();
            if (facts.Flavor == null && facts.ModuleLicense != null) facts.Flavor = FlavorFromLicense(facts.ModuleLicense);

            ReadPackages(ctx, facts);
            return facts;
        }

        /// <summary>/proc/driver/nvidia/version: "NVRM version: NVIDIA UNIX [Open ]Kernel Module [for ARCH]  VERSION  ...".</summary>
        internal static void ParseProcVersion(string text, out string? version, out string? flavor)
        {
            version = null;
            flavor = null;
            var m = Regex.Match(text, @"NVRM version:.*?Kernel Module(?: for \S+)?\s+([0-9]+(?:\.[0-9]+)+)");
            if (!m.Success) return;
            version = m.Groups[1].Value;
            flavor = m.Value.IndexOf("Open Kernel Module", StringComparison.Ordinal) >= 0 ? "open" : "proprietary";
        }

        internal static string? FlavorFromLicense(string license) =>
            license == "NVIDIA" ? "proprietary" : license.IndexOf("MIT", StringComparison.Ordinal) >= 0 || license.IndexOf("GPL", StringComparison.Ordinal) >= 0 ? "open" : null;

        /// <summary>Module names from /proc/modules or lsmod (first column; lsmod's header is skipped).</summary>
        internal static List<string> ParseModuleList(string text) =>
            text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)
                .Select(l => l.Split(new[] { ' ', '\t' }, 2)[0]).Where(n => n != "Module").Distinct().ToList();

        internal static void ApplyModinfo(string text, DriverFacts facts)
        {
            foreach (var raw in text.Split('\n'))
            {
                int colon = raw.IndexOf(':');
                if (colon <= 0 || char.IsWhiteSpace(raw[0])) continue;
                var key = raw.Substring(0, colon).Trim();
                var value = raw.Substring(colon + 1).Trim();
                switch (key)
                {
                    case "filename": facts.ModuleFile ??= value; break;
                    case "version": facts.ModuleVersion ??= value; break;
                    case "license": facts.ModuleLicense ??= value; break;
                    case "vermagic": facts.ModuleKernel ??= value.Split(' ')[0]; break;
                    case "signer": facts.ModuleSigner ??= value; break;
                    case "sig_key": facts.ModuleSigKey ??= value; break;
                }
            }
            // modinfo prints sig_id/signer/signature only for signed modules.
            facts.ModuleSigned = facts.ModuleSigner != null || Regex.IsMatch(text, @"^sig_id:", RegexOptions.Multiline);
        }

        private static string? FindNouveauBlacklist(IHost host)
        {
            foreach (var dir in new[] { "/etc/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d", "/run/modprobe.d" })
            {
                foreach (var name in host.ListDirectory(dir) ?? Array.Empty<string>())
                {
                    if (!name.EndsWith(".conf", StringComparison.Ordinal)) continue;
                    var file = host.ReadFile(dir + "/" + name);
                    if (file.Ok && Regex.IsMatch(file.Text!, @"^\s*(blacklist\s+nouveau|install\s+nouveau\s+/bin/(false|true))\s*$", RegexOptions.Multiline))
                        return file.Path;
                }
            }
            var cmdline = host.ReadFile("/proc/cmdline");
            if (cmdline.Ok && Regex.IsMatch(cmdline.Text!, @"(^|\s)(modprobe\.blacklist|rd\.driver\.blacklist)=\S*nouveau"))
                return "/proc/cmdline";
            return null;
        }

        private static void ReadPackages(ProbeContext ctx, DriverFacts facts)
        {
            var host = ctx.Host;
            var status = host.ReadFile("/var/lib/dpkg/status");
            if (status.Ok)
            {
                facts.PackageManager = "apt";
                facts.Sources.Add(status.Path);
                var installed = ParseDpkgStatus(status.Text!);
                foreach (var p in installed.Where(p => NvidiaPackages.IsDriverPackage(p.name)))
                {
                    facts.Packages.Add(p.name + " " + p.version);
                    if (p.held) facts.HeldPackages.Add(p.name);
                }
                facts.InstalledVersion = DriverVersionOf(installed.Where(p => NvidiaPackages.IsDriverPackage(p.name)).Select(p => (p.name, p.version)));
                ApplyAptPins(host, facts, installed);
                ApplyUnattendedUpgrades(host, facts, installed);
                return;
            }
            var rpm = ctx.Run(new[] { "rpm", "-qa", "--queryformat", "%{NAME} %{VERSION}-%{RELEASE}\\n" }.Concat(NvidiaPackages.RpmQueryPatterns).ToArray());
            facts.Sources.Add("rpm -qa " + string.Join(" ", NvidiaPackages.RpmQueryPatterns.Select(p => "'" + p + "'")));
            if (!rpm.Succeeded)
            {
                facts.PackagesUnknownReason = "no dpkg database (/var/lib/dpkg/status) and " + rpm.Describe();
                return;
            }
            facts.PackageManager = "dnf";
            var list = rpm.Stdout.Split('\n').Select(l => l.Trim().Split(' ')).Where(f => f.Length == 2).Select(f => (name: f[0], version: f[1])).ToList();
            facts.Packages.AddRange(list.Select(p => p.name + " " + p.version));
            facts.InstalledVersion = DriverVersionOf(list);
            ApplyDnfPins(host, facts);
        }

        /// <summary>Upstream driver version ("535.104.05") of the best-suited package, epoch and release removed.</summary>
        internal static string? DriverVersionOf(IEnumerable<(string name, string version)> packages)
        {
            var list = packages.ToList();
            foreach (var prefix in NvidiaPackages.VersionCarriers)
            {
                foreach (var (name, version) in list.Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    var m = Regex.Match(version, @"^(?:\d+:)?(\d{3}\.\d+(?:\.\d+)?)");
                    if (m.Success) return m.Groups[1].Value;
                }
            }
            return null;
        }

        /// <summary>Installed packages from /var/lib/dpkg/status: name, version, held ("hold ok installed").</summary>
        internal static List<(string name, string version, bool held)> ParseDpkgStatus(string text)
        {
            var list = new List<(string, string, bool)>();
            foreach (var stanza in Regex.Split(text.Replace("\r", ""), @"\n\s*\n"))
            {
                string? name = null, version = null, state = null;
                foreach (var line in stanza.Split('\n'))
                {
                    if (line.StartsWith("Package:", StringComparison.Ordinal)) name = line.Substring(8).Trim();
                    else if (line.StartsWith("Version:", StringComparison.Ordinal)) version = line.Substring(8).Trim();
                    else if (line.StartsWith("Status:", StringComparison.Ordinal)) state = line.Substring(7).Trim();
                }
                if (name == null || state == null || !state.EndsWith(" installed", StringComparison.Ordinal)) continue;
                list.Add((name, version ?? "", state.StartsWith("hold ", StringComparison.Ordinal)));
            }
            return list;
        }

        private static void ApplyAptPins(IHost host, DriverFacts facts, List<(string name, string version, bool held)> installed)
        {
            // NVIDIA's own mechanism for 590+: nvidia-driver-pinning-<branch> installs an apt preferences pin.
            var pinning = installed.FirstOrDefault(p => NvidiaPackages.IsPinning(p.name));
            if (pinning.name != null)
            {
                facts.PinnedBy = "pinning-package";
                facts.PinnedTo = pinning.name.Substring(NvidiaPackages.PinningPrefix.Length);
                return;
            }
            var files = new List<string>();
            if (host.ReadFile("/etc/apt/preferences").Ok) files.Add("/etc/apt/preferences");
            files.AddRange((host.ListDirectory("/etc/apt/preferences.d") ?? Array.Empty<string>()).Select(n => "/etc/apt/preferences.d/" + n));
            foreach (var path in files)
            {
                var file = host.ReadFile(path);
                if (!file.Ok) continue;
                var pin = ParseAptPreferencesPin(file.Text!);
                if (pin != null)
                {
                    facts.PinnedBy = "apt-preferences";
                    facts.PinnedTo = pin;
                    facts.Sources.Add(path);
                    return;
                }
            }
            var held = installed.FirstOrDefault(p => p.held && NvidiaPackages.IsDriverPackage(p.name));
            if (held.name != null)
            {
                facts.PinnedBy = "apt-hold";
                var v = DriverVersionOf(installed.Where(p => p.held && NvidiaPackages.IsDriverPackage(p.name)).Select(p => (p.name, p.version)));
                facts.PinnedTo = v ?? held.version;
            }
        }

        /// <summary>
        /// The version an apt preferences file holds NVIDIA packages to: a stanza naming nvidia packages with
        /// "Pin: version X" and a priority of 1000 or more (which keeps that version even against newer ones).
        /// Negative priorities only block versions; they pin nothing.
        /// </summary>
        internal static string? ParseAptPreferencesPin(string text)
        {
            foreach (var stanza in Regex.Split(text.Replace("\r", ""), @"\n\s*\n"))
            {
                var package = Regex.Match(stanza, @"^Package:\s*(.+)$", RegexOptions.Multiline);
                var pin = Regex.Match(stanza, @"^Pin:\s*version\s+(\S+)", RegexOptions.Multiline);
                var priority = Regex.Match(stanza, @"^Pin-Priority:\s*(-?\d+)", RegexOptions.Multiline);
                if (!package.Success || !pin.Success || !priority.Success) continue;
                if (package.Groups[1].Value.IndexOf("nvidia", StringComparison.OrdinalIgnoreCase) < 0) continue;
                if (int.Parse(priority.Groups[1].Value, CultureInfo.InvariantCulture) < 1000) continue;
                return pin.Groups[1].Value.TrimEnd('*').TrimEnd('.');
            }
            return null;
        }

        private static void ApplyUnattendedUpgrades(IHost host, DriverFacts facts, List<(string name, string version, bool held)> installed)
        {
            if (!installed.Any(p => p.name == "unattended-upgrades")) { facts.UnattendedUpgradesActive = false; return; }
            var confs = (host.ListDirectory("/etc/apt/apt.conf.d") ?? Array.Empty<string>()).Select(n => "/etc/apt/apt.conf.d/" + n).ToList();
            bool enabled = false;
            foreach (var path in confs)
            {
                var file = host.ReadFile(path);
                if (!file.Ok) continue;
                var text = StripAptComments(file.Text!);
                // APT::Periodic::Unattended-Upgrade "1"; later files override earlier ones.
                var periodic = Regex.Match(text, @"APT::Periodic::Unattended-Upgrade\s+""(\d+)""");
                if (periodic.Success) enabled = periodic.Groups[1].Value != "0";
                var blacklist = Regex.Match(text, @"Unattended-Upgrade::Package-Blacklist\s*\{([^}]*)\}", RegexOptions.Singleline);
                if (blacklist.Success && facts.UnattendedUpgradesExcludedBy == null
                    && Regex.Matches(blacklist.Groups[1].Value, @"""([^""]*)""").Cast<Match>().Any(m => m.Groups[1].Value.IndexOf("nvidia", StringComparison.OrdinalIgnoreCase) >= 0))
                {
                    facts.UnattendedUpgradesExcludedBy = path + " (Package-Blacklist)";
                    facts.Sources.Add(path);
                }
            }
            facts.UnattendedUpgradesActive = enabled;
            // unattended-upgrades never upgrades held packages.
            if (facts.UnattendedUpgradesExcludedBy == null && facts.HeldPackages.Count > 0)
                facts.UnattendedUpgradesExcludedBy = "apt-mark hold (" + string.Join(", ", facts.HeldPackages) + ")";
        }

        private static string StripAptComments(string text) =>
            string.Join("\n", text.Split('\n').Select(l => l.TrimStart().StartsWith("//", StringComparison.Ordinal) || l.TrimStart().StartsWith("#", StringComparison.Ordinal) ? "" : l));

        private static void ApplyDnfPins(IHost host, DriverFacts facts)
        {
            // The versionlock plugin's list (DNF4 and DNF5 paths); '!' lines are excludes, not locks.
            foreach (var path in new[] { "/etc/dnf/plugins/versionlock.list", "/etc/dnf/versionlock.toml" })
            {
                var file = host.ReadFile(path);
                if (!file.Ok) continue;
                foreach (var line in file.Text!.Split('\n').Select(l => l.Trim()))
                {
                    if (line.Length == 0 || line[0] == '#' || line[0] == '!' || line.IndexOf("nvidia", StringComparison.OrdinalIgnoreCase) < 0) continue;
                    var v = Regex.Match(line, @"(\d{3})(?:\.\d+(?:\.\d+)?)?");
                    facts.PinnedBy = "dnf-versionlock";
                    facts.PinnedTo = v.Success ? v.Value : line;
                    facts.Sources.Add(path);
                    return;
                }
            }
            // A module stream with a branch number (535, 535-dkms, 580-open) holds that branch; latest* and open-dkms float.
            var module = host.ReadFile("/etc/dnf/modules.d/nvidia-driver.module");
            if (module.Ok)
            {
                facts.Sources.Add(module.Path);
                var stream = Regex.Match(module.Text!, @"^stream\s*=\s*(\S+)", RegexOptions.Multiline);
                var state = Regex.Match(module.Text!, @"^state\s*=\s*(\S+)", RegexOptions.Multiline);
                var branch = stream.Success ? Regex.Match(stream.Groups[1].Value, @"^(\d{3})") : Match.Empty;
                if (state.Success && state.Groups[1].Value == "enabled" && branch.Success)
                {
                    facts.PinnedBy = "dnf-module";
                    facts.PinnedTo = branch.Groups[1].Value;
                }
            }
        }

        // ---------------------------------------------------------------- DKMS

        public static DkmsFacts Dkms(ProbeContext ctx)
        {
            var facts = new DkmsFacts();
            var kernel = ctx.Host.ReadFile("/proc/sys/kernel/osrelease");
            if (kernel.Ok) { facts.RunningKernel = kernel.Text!.Trim(); facts.Sources.Add(kernel.Path); }
            var run = ctx.Run("dkms", "status");
            facts.Sources.Add("dkms status");
            if (run.Status == CommandStatus.NotFound) return facts;
            if (run.Status != CommandStatus.Completed) { facts.UnknownReason = run.Describe(); return facts; }
            facts.DkmsInstalled = true;
            facts.Entries.AddRange(ParseDkmsStatus(run.Stdout));
            var error = (run.Stdout + "\n" + run.Stderr).Split('\n').FirstOrDefault(l => l.StartsWith("Error!", StringComparison.Ordinal));
            if (error != null || run.ExitCode != 0) facts.DkmsError = error ?? run.Describe();
            return facts;
        }

        /// <summary>
        /// `dkms status`, both formats: dkms 2.x "nvidia, 535.x, KERNEL, ARCH: installed" and 3.x
        /// "nvidia/535.x, KERNEL, ARCH: installed"; "added" lines name no kernel ("nvidia/390.157: added").
        /// </summary>
        internal static List<DkmsEntry> ParseDkmsStatus(string text)
        {
            var list = new List<DkmsEntry>();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                int colon = line.LastIndexOf(": ", StringComparison.Ordinal);
                if (colon < 0 || line.StartsWith("Error!", StringComparison.Ordinal)) continue;
                // "installed (WARNING! ...)" keeps its note; the colon search must not land inside it.
                var m = Regex.Match(line, @"^([^,:/]+)(?:/|,\s*)([^,:]+)(?:,\s*([^,:]+))?(?:,\s*([^,:]+))?:\s*(.+)$");
                if (!m.Success) continue;
                list.Add(new DkmsEntry
                {
                    Module = m.Groups[1].Value.Trim(),
                    Version = m.Groups[2].Value.Trim(),
                    Kernel = m.Groups[3].Success ? m.Groups[3].Value.Trim() : null,
                    Arch = m.Groups[4].Success ? m.Groups[4].Value.Trim() : null,
                    State = m.Groups[5].Value.Trim(),
                });
            }
            return list;
        }

        // ---------------------------------------------------------------- Secure Boot

        /// <summary>Secure Boot through the one shared reader (<see cref="SecureBootState"/>), which the driver planner asks too.</summary>
        public static SecureBootFacts SecureBoot(ProbeContext ctx) => SecureBootState.Read(ctx.Host, ctx.CommandTimeout);

        /// <summary>mokutil --sb-state: "SecureBoot enabled|disabled" on stdout (exit 0); exit 255 / 1 when not supported.</summary>
        internal static void ApplyMokutil(CommandResult mok, SecureBootFacts facts)
        {
            if (mok.Status != CommandStatus.Completed)
            {
                facts.UnknownReason = $"the EFI SecureBoot variable could not be read and {mok.Describe()}";
                return;
            }
            var text = mok.Stdout + "\n" + mok.Stderr;
            if (Regex.IsMatch(text, @"SecureBoot enabled")) facts.Enabled = true;
            else if (Regex.IsMatch(text, @"SecureBoot disabled")) facts.Enabled = false;
            else if (text.IndexOf("doesn't support Secure Boot", StringComparison.Ordinal) >= 0 || text.IndexOf("EFI variables are not supported", StringComparison.Ordinal) >= 0)
            { facts.Enabled = false; facts.Uefi = text.IndexOf("EFI variables are not supported", StringComparison.Ordinal) < 0 && facts.Uefi; }
            else { facts.UnknownReason = "mokutil --sb-state gave no state: " + mok.Describe(); return; }
            facts.SetupMode = text.IndexOf("Setup Mode", StringComparison.Ordinal) >= 0;
            facts.ShimValidationDisabled = text.IndexOf("validation is disabled in shim", StringComparison.Ordinal) >= 0;
        }

        // ---------------------------------------------------------------- IOMMU

        public static IommuFacts Iommu(ProbeContext ctx)
        {
            var host = ctx.Host;
            var facts = new IommuFacts();
            var units = host.ListDirectory("/sys/class/iommu");
            if (units != null) facts.Units.AddRange(units);
            facts.Sources.Add("/sys/class/iommu");
            var groups = host.ListDirectory("/sys/kernel/iommu_groups");
            facts.Groups = groups?.Count ?? 0;
            facts.Sources.Add("/sys/kernel/iommu_groups");
            // The ACPI tables are root-only to read, but their names are listable.
            var tables = host.ListDirectory("/sys/firmware/acpi/tables");
            if (tables != null) facts.AcpiTable = tables.FirstOrDefault(t => t == "DMAR" || t == "IVRS");
            var cmdline = host.ReadFile("/proc/cmdline");
            if (cmdline.Ok)
            {
                facts.CommandLine = cmdline.Text!.Trim();
                facts.Sources.Add(cmdline.Path);
                facts.CommandLineFlags.AddRange(facts.CommandLine.Split(' ').Where(a => Regex.IsMatch(a, @"^(intel_iommu|amd_iommu|iommu)=")));
            }
            if (units == null && groups == null && !cmdline.Ok) facts.UnknownReason = "neither /sys/class/iommu, /sys/kernel/iommu_groups nor /proc/cmdline could be read";
            return facts;
        }
    }
}
