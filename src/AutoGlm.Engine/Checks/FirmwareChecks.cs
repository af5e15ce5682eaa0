using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Checks
{
    /// <summary>Platform firmware: identity and BIOS, the GPUs' BAR1 aperture (Above 4G decoding / Resizable BAR), SR-IOV.</summary>
    public static class FirmwareChecks
    {
        public static IReadOnlyList<Check> All { get; } = new[]
        {
            new Check("firmware.bios", "firmware", CheckSeverity.Info, "System vendor, model and BIOS version/date (DMI, or Win32_BIOS on Windows).", Bios),
            new Check("firmware.bar1", "firmware", CheckSeverity.Medium, "Each GPU's BAR1 maps its memory: Above 4G decoding and Resizable BAR are on in the firmware.", Bar1),
            new Check("firmware.sriov", "firmware", CheckSeverity.Low, "SR-IOV capability of the GPUs, and whether virtual functions are enabled.", Sriov),
        };

        private static string MiB(long bytes) => bytes >= 1L << 30
            ? (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB"
            : (bytes >> 20).ToString(CultureInfo.InvariantCulture) + " MiB";

        private static string Platform(FirmwareFacts f) =>
            (f.SystemName ?? "this system") + (f.BiosVersion != null ? $", BIOS {f.BiosVersion}" + (f.BiosDate != null ? $" ({f.BiosDate})" : "") : "");

        private static Verdict Bios(CheckContext c)
        {
            var f = c.Facts.Get<FirmwareFacts>();
            const string expected = "vendor, model and BIOS known";
            if (!f.Known) return Verdict.Unknown(f, expected);
            if (f.SystemName == null && f.BiosVersion == null)
                return new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Source = f.SourceText,
                    Message = "The firmware identity could not be read (no DMI data: /sys/class/dmi/id is missing or empty, as on some VMs and ARM boards)." };
            var observed = Platform(f) + (f.BiosVendor != null ? $"; BIOS vendor {f.BiosVendor}" : "");
            return Verdict.Pass(observed, expected, $"Platform: {observed}.", f.SourceText);
        }

        /// <summary>Where vendors put the option in their setup menus (the name differs by vendor).</summary>
        private static string SetupHint(string? vendor)
        {
            var v = vendor ?? "";
            if (v.IndexOf("Dell", StringComparison.OrdinalIgnoreCase) >= 0) return "System BIOS > Integrated Devices > 'Memory Mapped I/O above 4 GB': Enabled";
            if (v.IndexOf("Supermicro", StringComparison.OrdinalIgnoreCase) >= 0) return "Advanced > PCIe/PCI/PnP Configuration > 'Above 4G Decoding': Enabled and 'Re-Size BAR Support': Enabled";
            return "enable 'Above 4G Decoding' (also called 'Memory Mapped I/O above 4GB' or 'MMIO High') and 'Resizable BAR' / 'Re-Size BAR Support'";
        }

        private static Verdict Bar1(CheckContext c)
        {
            var f = c.Facts.Get<FirmwareFacts>();
            const string expected = "BAR1 at least the GPU's memory (large BAR)";
            if (!c.Profile.Requires.Gpu) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!f.Known) return Verdict.Unknown(f, expected);
            if (f.Gpus.Count == 0) return Verdict.Skip("No NVIDIA GPU on PCI (see gpu.present).", expected);
            var known = f.Gpus.Where(g => g.Bar1Bytes != null).ToList();
            if (known.Count == 0)
                return new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Source = f.SourceText,
                    Message = "No GPU's BAR1 size is known: sysfs has no resource file for it and 'nvidia-smi -q -d MEMORY' did not answer." };
            var gpus = c.Facts.Get<GpuFacts>();
            var small = new List<string>();
            var observed = new List<string>();
            bool unassigned = false;
            foreach (var g in known)
            {
                var device = gpus.Gpus.FirstOrDefault(d => GpuProbes.SameBus(d.PciBusId, g.PciBusId))
                    ?? gpus.Gpus.FirstOrDefault(d => d.PciDeviceId != null && d.PciDeviceId == g.PciDeviceId);
                var entry = c.Matrix.FindGpu(g.PciDeviceId ?? device?.PciDeviceId, device?.Name, device?.HostDatabase, device?.IdentifiedBy);
                long? memMiB = g.FramebufferMiB ?? device?.MemoryMiB ?? (entry?.MemoryGiB is double gib ? (long)(gib * 1024) : (long?)null);
                var name = device?.Name ?? entry?.Name ?? "NVIDIA GPU";
                var where = g.PciBusId.Length > 0 ? $" at {g.PciBusId}" : "";
                var bar = g.Bar1Bytes!.Value;
                observed.Add($"{name}{where}: BAR1 {(bar == 0 ? "unassigned" : MiB(bar))}" + (memMiB != null ? $" for {MiB(memMiB.Value << 20)}" : ""));
                if (bar == 0) { unassigned = true; small.Add($"{name}{where} has no BAR1 assigned"); }
                else if (bar <= 256L << 20 && (memMiB == null || memMiB.Value > 256))
                    small.Add($"{name}{where} has a {MiB(bar)} BAR1" + (memMiB != null ? $" for {MiB(memMiB.Value << 20)} of memory" : ""));
            }
            var text = string.Join("; ", observed);
            if (small.Count == 0)
                return Verdict.Pass(text, expected, $"BAR1 is large on every GPU ({text}): Above 4G decoding is on.", f.SourceText);
            var remedy = $"Reboot into the firmware setup of {Platform(f)} and {SetupHint(f.SystemVendor ?? f.BiosVendor)}; then power-cycle.\n"
                + "# if the option is missing, update the BIOS: the vendor's release notes name the Resizable BAR support"
                + (c.Facts.Host.Platform == HostPlatform.Windows ? "" : "\n# check after the reboot: sudo lspci -vv -d 10de: | grep -i -e 'Region 1' -e 'BAR 1'");
            return new Verdict
            {
                Status = unassigned ? CheckStatus.Fail : CheckStatus.Warn, Observed = text, Expected = expected, Source = f.SourceText,
                Severity = unassigned ? CheckSeverity.High : (CheckSeverity?)null,
                Message = string.Join("; ", small) + (unassigned
                    ? ". The firmware could not map the GPU's memory aperture: the driver cannot use the GPU (Linux: 'BAR1 is 0M', Windows: Code 12). Above 4G decoding is off."
                    : ". The firmware maps only a 256 MiB window of GPU memory (Above 4G decoding or Resizable BAR is off): peer-to-peer and GPUDirect transfers suffer and data-center GPUs expect the full aperture."),
                Remediation = remedy,
            };
        }

        private static Verdict Sriov(CheckContext c)
        {
            var f = c.Facts.Get<FirmwareFacts>();
            const string expected = "no virtual functions taking the GPU";
            if (!c.Profile.Requires.Gpu) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!f.Known) return Verdict.Unknown(f, expected);
            if (c.Facts.Host.Platform == HostPlatform.Windows) return Verdict.Skip("SR-IOV state is read from sysfs (Linux only).", expected);
            if (f.Gpus.Count == 0) return Verdict.Skip("No NVIDIA GPU on PCI (see gpu.present).", expected);
            var capable = f.Gpus.Where(g => g.SriovTotalVfs > 0).ToList();
            if (capable.Count == 0) return Verdict.Pass("no SR-IOV capability", expected, "No GPU advertises SR-IOV (sriov_totalvfs): it serves as one physical device.", f.SourceText);
            var observed = string.Join("; ", capable.Select(g => $"{g.PciBusId}: {g.SriovNumVfs ?? 0} of {g.SriovTotalVfs} VFs enabled"));
            var enabled = capable.Where(g => g.SriovNumVfs > 0).ToList();
            if (enabled.Count == 0)
                return Verdict.Pass(observed, expected, $"SR-IOV capable ({observed}); no virtual functions are enabled, so the host uses the GPUs directly.", f.SourceText);
            return new Verdict
            {
                Status = CheckStatus.Warn, Observed = observed, Expected = expected, Source = f.SourceText,
                Message = $"Virtual functions are enabled ({observed}): the GPU is set up for VMs (vGPU / SR-IOV), and serving on the host competes with them.",
                Remediation = string.Join("\n", enabled.Select(g => $"echo 0 | sudo tee /sys/bus/pci/devices/{g.PciBusId}/sriov_numvfs   # if no VM uses it")),
            };
        }
    }
}
