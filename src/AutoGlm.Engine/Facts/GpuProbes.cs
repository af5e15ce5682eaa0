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
    public static partial class GpuProbes
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
            if (ctx.Host.Platform != HostPlatform.Windows) GpuDatabases.Identify(ctx, facts);

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
            if (RejectsAField(run))
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

        /// <summary>nvidia-smi refused a --query-gpu field it does not know: 'Field "compute_cap" is not a valid field to query.', exit 2.</summary>
        internal static bool RejectsAField(CommandResult run) =>
            run.Status == CommandStatus.Completed && run.ExitCode != 0 && (run.Stdout + run.Stderr).IndexOf("is not a valid field", StringComparison.OrdinalIgnoreCase) >= 0;

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
            else if (output.IndexOf("couldn't find libnvidia-ml.so", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                // The real nvidia-smi without its library: "NVIDIA-SMI couldn't find libnvidia-ml.so library in your system. ...", exit 12.
                code = Nvml.LibraryNotFound;
                cause = "it could not find libnvidia-ml.so (NVML_ERROR_LIBRARY_NOT_FOUND); the NVIDIA user-space driver is not installed or is incomplete";
            }
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
    }
}
