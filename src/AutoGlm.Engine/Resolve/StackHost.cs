using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Resolve
{
    public sealed class HostGpu
    {
        public string? Name { get; set; }
        public string? PciDeviceId { get; set; }
        public string? ComputeCapability { get; set; }
        public long? MemoryMiB { get; set; }
        /// <summary>What the host's own GPU databases said of it (a PCI-only GPU AutoGlm's catalogue lacks).</summary>
        public Matrix.GpuCatalogueEntry? HostDatabase { get; set; }
        public string? IdentifiedBy { get; set; }
    }

    /// <summary>
    /// What the resolver knows of a host: built from probed facts (a live root or a snapshot) or read from a
    /// facts file (--facts), so a stack can be resolved for a machine one is not on.
    /// </summary>
    public sealed class StackHost
    {
        /// <summary>linux or windows: the text of a facts file and of the matrix's server platforms.</summary>
        public string Platform { get; set; } = "linux";

        /// <summary><see cref="Platform"/> for comparisons: anything but "windows" is Linux.</summary>
        internal HostPlatform HostPlatform => HostPlatforms.Parse(Platform);
        public string? Distro { get; set; }
        public string? OsVersion { get; set; }
        public string? Architecture { get; set; }
        /// <summary>The running kernel's release (uname -r, /proc/sys/kernel/osrelease); null when not known.</summary>
        public string? KernelRelease { get; set; }
        public List<HostGpu> Gpus { get; } = new List<HostGpu>();
        /// <summary>Why the GPUs are not known, when they are not (then an empty list proves nothing).</summary>
        public string? GpusUnknownReason { get; set; }
        /// <summary>Host GPU databases that could not be read (file and line); each was skipped.</summary>
        public List<string> GpuDatabaseProblems { get; } = new List<string>();
        public string? DriverVersion { get; set; }
        public string? DriverFlavor { get; set; }
        /// <summary>apt-hold, dnf-versionlock...: the installed driver may not move. Null when not pinned.</summary>
        public string? DriverPinnedBy { get; set; }
        /// <summary>
        /// The installed driver as an NVIDIA version; on Windows also from the Win32_VideoController form
        /// (31.0.15.4633 = 546.33). Null when none is installed or the text cannot be read.
        /// </summary>
        public NvidiaDriverVersion? InstalledDriver =>
            DriverVersion == null ? null
            : HostPlatform == HostPlatform.Windows && WindowsDriverVersion.TryParse(DriverVersion, out var w) ? w.ToNvidiaVersion()
            : NvidiaDriverVersion.TryParse(DriverVersion, out var n) ? n : null;

        /// <summary>Python versions of the interpreters present ("3.10.12").</summary>
        public List<string> Pythons { get; } = new List<string>();

        public static StackHost FromFacts(HostFacts facts)
        {
            var host = new StackHost { Platform = facts.Host.Platform.ToText() };
            var os = facts.Get<OsFacts>();
            host.Distro = os.Distro;
            host.OsVersion = os.VersionId;
            host.Architecture = os.Architecture;
            host.KernelRelease = os.Kernel;
            var gpus = facts.Get<GpuFacts>();
            if (!gpus.Known && gpus.Gpus.Count == 0) host.GpusUnknownReason = gpus.UnknownReason;
            foreach (var g in gpus.Gpus)
                host.Gpus.Add(new HostGpu { Name = g.Name, PciDeviceId = g.PciDeviceId, ComputeCapability = g.ComputeCapability, MemoryMiB = g.MemoryMiB, HostDatabase = g.HostDatabase, IdentifiedBy = g.IdentifiedBy });
            host.GpuDatabaseProblems.AddRange(gpus.DatabaseProblems);
            var driver = facts.Get<DriverFacts>();
            host.DriverVersion = gpus.DriverVersion ?? driver.LoadedModuleVersion ?? driver.InstalledVersion;
            host.DriverFlavor = driver.Flavor;
            host.DriverPinnedBy = driver.PinnedBy;
            foreach (var py in facts.Get<PythonFacts>().Interpreters)
                if (py.Version != null && !host.Pythons.Contains(py.Version)) host.Pythons.Add(py.Version);
            return host;
        }

        /// <summary>
        /// Reads a facts file: {"platform", "os": {"distro","version","architecture"}, "gpus": [{"name","pciDeviceId",
        /// "computeCapability","memoryMiB"}], "driver": {"version","flavor","pinnedBy"}, "pythons": ["3.10.12"]}.
        /// </summary>
        public static StackHost FromJson(string text, string file)
        {
            object? doc;
            try { doc = Json.Json.Parse(text); }
            catch (FormatException ex) { throw Bad(file, ex.Message); }
            if (!(doc is Dictionary<string, object?> root)) throw Bad(file, Messages.Format("FactsFileInvalid_TopLevelNotJSON"));
            var host = new StackHost();
            foreach (var key in root.Keys)
                if (!new[] { "platform", "os", "gpus", "driver", "pythons", "$comment" }.Contains(key))
                    throw Bad(file, Messages.Format("FactsFileInvalid_UnknownKeyKnownPlatform", key));
            host.Platform = Str(root, "platform", file) ?? "linux";
            if (host.Platform != "linux" && host.Platform != "windows") throw Bad(file, Messages.Format("FactsFileInvalid_PlatformUseLinuxWindows", host.Platform));
            if (root.TryGetValue("os", out var osv))
            {
                if (!(osv is Dictionary<string, object?> os)) throw Bad(file, Messages.Format("FactsFileInvalid_OsNotObject"));
                host.Distro = Str(os, "distro", file);
                host.OsVersion = Str(os, "version", file);
                host.Architecture = Str(os, "architecture", file);
            }
            if (root.TryGetValue("gpus", out var gv))
            {
                if (!(gv is List<object?> list)) throw Bad(file, Messages.Format("FactsFileInvalid_GpusNotList"));
                foreach (var item in list)
                {
                    if (!(item is Dictionary<string, object?> g)) throw Bad(file, Messages.Format("FactsFileInvalid_EntryGpusNotObject"));
                    long? mem = null;
                    if (g.TryGetValue("memoryMiB", out var m) && m != null)
                        mem = m is long l ? l : m is double d ? (long)d : throw Bad(file, Messages.Format("FactsFileInvalid_GpusMemoryMiBNotNumber"));
                    host.Gpus.Add(new HostGpu { Name = Str(g, "name", file), PciDeviceId = Str(g, "pciDeviceId", file), ComputeCapability = Str(g, "computeCapability", file), MemoryMiB = mem });
                }
            }
            else host.GpusUnknownReason = $"the facts file {file} has no 'gpus'";
            if (root.TryGetValue("driver", out var dv) && dv != null)
            {
                if (!(dv is Dictionary<string, object?> drv)) throw Bad(file, Messages.Format("FactsFileInvalid_DriverNotObject"));
                host.DriverVersion = Str(drv, "version", file);
                host.DriverFlavor = Str(drv, "flavor", file);
                host.DriverPinnedBy = Str(drv, "pinnedBy", file);
            }
            if (root.TryGetValue("pythons", out var pv))
            {
                if (!(pv is List<object?> pys)) throw Bad(file, Messages.Format("FactsFileInvalid_PythonsNotList"));
                foreach (var p in pys) host.Pythons.Add(p as string ?? throw Bad(file, Messages.Format("FactsFileInvalid_PythonsHoldsValueNot")));
            }
            return host;
        }

        private static string? Str(Dictionary<string, object?> map, string key, string file)
        {
            if (!map.TryGetValue(key, out var v) || v == null) return null;
            return v switch
            {
                string s => s,
                long l => l.ToString(CultureInfo.InvariantCulture),
                double d => d.ToString(CultureInfo.InvariantCulture),
                _ => throw Bad(file, Messages.Format("FactsFileInvalid_NotString", key)),
            };
        }

        private static AutoGlmException Bad(string file, string problem) =>
            new AutoGlmException("FactsFileInvalid", ErrorKind.InvalidData,
                Messages.Format("FactsFileInvalid", file, problem), file);
    }
}
