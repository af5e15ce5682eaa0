using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Facts
{
    /// <summary>DMI identity, and each NVIDIA GPU's BAR1 and SR-IOV capability (sysfs, else nvidia-smi -q).</summary>
    public static class FirmwareProbes
    {
        /// <summary>What snapshots recorded before the shared XML log hold for BAR1 (replayed, never run).</summary>
        internal static readonly string[] SmiMemoryQuery = { "nvidia-smi", "-q", "-d", "MEMORY" };

        public static FirmwareFacts Firmware(ProbeContext ctx)
        {
            var facts = new FirmwareFacts();
            if (ctx.Host.Platform == HostPlatform.Windows) WindowsProbes.ApplyFirmware(WindowsProbes.Cim(ctx), facts);
            else ReadLinux(ctx.Host, facts);
            if (!facts.Known) return facts;

            // sysfs gives BAR1 for every GPU it lists; nvidia-smi's log (the same run the GPU probe reads) fills the
            // rest (Windows, or no sysfs).
            if (facts.Gpus.Count == 0 || facts.Gpus.Any(g => g.Bar1Bytes == null))
            {
                var answers = SmiMemory(ctx, out var source);
                if (answers != null)
                {
                    facts.Sources.Add(source);
                    for (int i = 0; i < answers.Count; i++)
                    {
                        var a = answers[i];
                        // Match by bus id where sysfs named the GPU; on Windows (no bus ids) by order.
                        var gpu = facts.Gpus.FirstOrDefault(g => GpuProbes.SameBus(g.PciBusId, a.bus))
                            ?? (facts.Gpus.All(g => g.PciBusId.Length == 0) && i < facts.Gpus.Count ? facts.Gpus[i] : null);
                        if (gpu == null) { gpu = new GpuPciResources { PciBusId = a.bus ?? "" }; facts.Gpus.Add(gpu); }
                        if (gpu.PciBusId.Length == 0 && a.bus != null) gpu.PciBusId = a.bus;
                        gpu.FramebufferMiB = a.fbMiB ?? gpu.FramebufferMiB;
                        if (gpu.Bar1Bytes == null && a.bar1MiB != null) { gpu.Bar1Bytes = a.bar1MiB.Value << 20; gpu.Bar1Source = "nvidia-smi -q"; }
                    }
                }
            }
            return facts;
        }

        /// <summary>Per GPU: bus, framebuffer and BAR1 totals from the shared `nvidia-smi -q -x`; null when it did not answer.</summary>
        private static List<(string? bus, long? fbMiB, long? bar1MiB)>? SmiMemory(ProbeContext ctx, out string source)
        {
            CommandResult run;
            try { run = ctx.NvidiaSmiLog(); }
            catch (SnapshotGapException) when (ctx.Host is SnapshotHost)
            {
                // A snapshot recorded before the XML log holds `nvidia-smi -q -d MEMORY` instead.
                source = string.Join(" ", SmiMemoryQuery);
                var legacy = ctx.Run(SmiMemoryQuery);
                return legacy.Succeeded ? ParseSmiMemory(legacy.Stdout) : null;
            }
            source = ArgvText.Join(GpuProbes.SmiLogArgv);
            if (!run.Succeeded) return null;
            var log = SmiLog.Parse(run.Stdout, out _);
            return log?.Gpus.Select(g => (g.PciBusId, g.MemoryMiB, g.Bar1MiB)).ToList();
        }

        private static void ReadLinux(IHost host, FirmwareFacts facts)
        {
            string? Dmi(string name)
            {
                var read = host.ReadFile("/sys/class/dmi/id/" + name);
                var text = read.Ok ? read.Text!.Trim() : null;
                // Board makers leave placeholders in unused DMI fields.
                return string.IsNullOrEmpty(text) || text == "To Be Filled By O.E.M." || text == "Default string" ? null : text;
            }
            facts.SystemVendor = Dmi("sys_vendor");
            facts.ProductName = Dmi("product_name");
            facts.BiosVendor = Dmi("bios_vendor");
            facts.BiosVersion = Dmi("bios_version");
            facts.BiosDate = Dmi("bios_date");
            facts.Sources.Add("/sys/class/dmi/id");

            var devices = host.ListDirectory("/sys/bus/pci/devices");
            if (devices == null) return;
            facts.Sources.Add("/sys/bus/pci/devices/*/resource, sriov_totalvfs");
            foreach (var dev in devices)
            {
                string? Read(string file) { var r = host.ReadFile($"/sys/bus/pci/devices/{dev}/{file}"); return r.Ok ? r.Text!.Trim() : null; }
                if (Read("vendor")?.ToLowerInvariant() != "0x10de") continue;
                if (!(Read("class")?.ToLowerInvariant().StartsWith("0x03", StringComparison.Ordinal) ?? false)) continue;
                var gpu = new GpuPciResources { PciBusId = dev, PciDeviceId = Read("device")?.ToLowerInvariant() };
                var resource = Read("resource");
                if (resource != null) { gpu.Bar1Bytes = Bar1FromResource(resource); gpu.Bar1Source = "sysfs resource"; }
                if (int.TryParse(Read("sriov_totalvfs"), NumberStyles.None, CultureInfo.InvariantCulture, out var total)) gpu.SriovTotalVfs = total;
                if (int.TryParse(Read("sriov_numvfs"), NumberStyles.None, CultureInfo.InvariantCulture, out var num)) gpu.SriovNumVfs = num;
                facts.Gpus.Add(gpu);
            }
        }

        private const ulong IoResourceMem = 0x200, IoResourcePrefetch = 0x2000;

        /// <summary>
        /// BAR1 from a sysfs resource file ("0xSTART 0xEND 0xFLAGS" per BAR, line N = BAR N). NVIDIA GPUs put
        /// the framebuffer aperture in BAR1; when line 1 is empty the largest prefetchable memory BAR of
        /// BARs 0-5 above 32 MiB is taken (layouts differ). 0 when the firmware assigned no such BAR at all.
        /// </summary>
        internal static long Bar1FromResource(string text)
        {
            var bars = new List<(ulong size, ulong flags)>();
            foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Take(6))
            {
                var f = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 3) { bars.Add((0, 0)); continue; }
                ulong start = Hex(f[0]), end = Hex(f[1]), flags = Hex(f[2]);
                bars.Add((end > start ? end - start + 1 : 0, flags));
            }
            bool Memory((ulong size, ulong flags) b) => b.size > 0 && (b.flags & IoResourceMem) != 0;
            if (bars.Count > 1 && Memory(bars[1])) return (long)bars[1].size;
            // BAR3 (32 MiB) is the only other prefetchable BAR of an NVIDIA GPU: anything that small is not BAR1.
            var prefetch = bars.Where(b => Memory(b) && (b.flags & IoResourcePrefetch) != 0).Select(b => b.size).DefaultIfEmpty(0UL).Max();
            return prefetch > 32UL << 20 ? (long)prefetch : 0;
        }

        private static ulong Hex(string s) =>
            ulong.TryParse(s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s.Substring(2) : s, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v) ? v : 0;

        /// <summary>
        /// `nvidia-smi -q [-d MEMORY]`: per "GPU 00000000:17:00.0" section, "FB Memory Usage" and "BAR1 Memory Usage"
        /// each followed by "Total : N MiB". Only the Total under each heading counts (there are several Totals).
        /// </summary>
        internal static List<(string? bus, long? fbMiB, long? bar1MiB)> ParseSmiMemory(string text)
        {
            var list = new List<(string? bus, long? fbMiB, long? bar1MiB)>();
            string? bus = null; long? fb = null, bar1 = null; string? heading = null; bool any = false;
            void Flush() { if (any) list.Add((bus, fb, bar1)); bus = null; fb = bar1 = null; any = false; }
            foreach (var raw in text.Replace("\r", "").Split('\n'))
            {
                var gpu = Regex.Match(raw, @"^\s*GPU ([0-9A-Fa-f]+:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7])\s*$");
                if (gpu.Success) { Flush(); bus = gpu.Groups[1].Value; any = true; heading = null; continue; }
                var head = Regex.Match(raw, @"^\s*(FB Memory Usage|BAR1 Memory Usage|Conf Compute Protected Memory Usage)\s*$");
                if (head.Success) { heading = head.Groups[1].Value; continue; }
                var total = Regex.Match(raw, @"^\s*Total\s*:\s*(\d+)\s*MiB");
                if (total.Success && heading != null)
                {
                    var mib = long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture);
                    if (heading == "FB Memory Usage") fb = mib; else if (heading == "BAR1 Memory Usage") bar1 = mib;
                    any = true;
                    heading = null;
                }
            }
            Flush();
            return list;
        }
    }
}
