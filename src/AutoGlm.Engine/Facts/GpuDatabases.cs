using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// The host's own GPU databases, for GPUs seen only on PCI that AutoGlm's catalogue does not know (a
    /// card newer than our release): pci.ids (hwdata's or pciutils' copy, the newest version first) for the
    /// chip and name, NVIDIA's supported-gpus.json (left by the .run installer) for the name, legacy branch
    /// and open-module support. A file that cannot be parsed is reported with its line and skipped.
    /// </summary>
    public static class GpuDatabases
    {
        /// <summary>The matrix's entry for a GPU the probes saw: by device id, the host database's chip, or name.</summary>
        public static GpuEntry? FindGpu(this CompatibilityMatrix matrix, GpuDevice gpu) =>
            matrix.FindGpu(gpu.PciDeviceId, gpu.Name, gpu.HostDatabase, gpu.IdentifiedBy);

        public static readonly string[] PciIdsPaths = { "/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids", "/usr/share/pci.ids" };
        public static readonly string[] SupportedGpusPaths =
        {
            "/usr/share/doc/NVIDIA_GLX-1.0/supported-gpus/supported-gpus.json",
            "/usr/share/nvidia/supported-gpus/supported-gpus.json",
        };

        /// <summary>Sets Name, Chip, HostDatabase and IdentifiedBy on the PCI-only GPUs the catalogue lacks.</summary>
        public static void Identify(ProbeContext ctx, GpuFacts facts)
        {
            var pciOnly = facts.Gpus.Where(g => g.Source == "pci" && g.ComputeCapability == null && g.PciDeviceId != null).ToList();
            if (pciOnly.Count == 0) return;
            var catalogue = ctx.GpuCatalogue?.Invoke();
            var unknown = pciOnly.Where(g => catalogue?.Find(g.PciDeviceId) == null).ToList();
            if (unknown.Count == 0) return;
            var pciIds = new List<PciIdsDatabase>();
            foreach (var path in PciIdsPaths)
            {
                var read = ctx.Host.ReadFile(path);
                if (!read.Ok) continue;
                try
                {
                    var db = PciIdsDatabase.Parse(path, read.Text!);
                    // hwdata's pci.ids is often a link to pciutils' copy: keep one of the same version.
                    if (pciIds.Any(p => p.Version == db.Version && p.Devices.Count == db.Devices.Count)) continue;
                    pciIds.Add(db);
                    facts.Sources.Add(path);
                }
                catch (GpuDatabaseException ex) { facts.DatabaseProblems.Add(ex.Message + " Skipped; the next GPU database is used."); }
            }
            pciIds = pciIds.OrderByDescending(p => p.Version ?? "", StringComparer.Ordinal).ToList();
            var lists = new List<(string path, SupportedGpuList list)>();
            foreach (var path in SupportedGpusPaths)
            {
                var read = ctx.Host.ReadFile(path);
                if (!read.Ok) continue;
                try { lists.Add((path, SupportedGpuList.Parse(path, read.Text!, "installed"))); facts.Sources.Add(path); }
                catch (GpuDatabaseException ex) { facts.DatabaseProblems.Add(ex.Message + " Skipped; the next GPU database is used."); }
            }
            foreach (var gpu in unknown)
            {
                var id = GpuCatalogue.NormalizeId(gpu.PciDeviceId!);
                if (id == null) continue;
                var pci = pciIds.FirstOrDefault(p => p.Devices.ContainsKey(id));
                var (chip, pciName) = pci != null ? PciIdsDatabase.Split(pci.Devices[id]) : (null, null);
                var listed = lists.Select(l => (l.path, gpu: l.list.Gpus.FirstOrDefault(x => x.DeviceId == id))).FirstOrDefault(x => x.gpu != null);
                if (pci == null && listed.gpu == null) continue;
                var entry = new GpuCatalogueEntry
                {
                    DeviceId = id, Chip = chip, Name = listed.gpu?.Name ?? pciName,
                    LegacyBranch = listed.gpu?.LegacyBranch, KernelOpen = listed.gpu?.KernelOpen,
                    MemoryGiB = GpuCatalogue.MemoryFromName(listed.gpu?.Name ?? pciName),
                };
                gpu.HostDatabase = entry;
                gpu.Name ??= entry.Name;
                gpu.IdentifiedBy = string.Join(" and ", new[]
                {
                    pci != null ? $"the host's {pci.File} (version {pci.Version ?? "unknown"})" : null,
                    listed.gpu != null ? "the host's " + listed.path : null,
                }.Where(s => s != null));
            }
        }
    }
}
