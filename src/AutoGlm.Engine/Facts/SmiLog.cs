using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// `nvidia-smi -q -x`: the nvidia_smi_log document (DTDs nvsmi_device_v10 to v13; older drivers print no
    /// DOCTYPE). Only the elements AutoGlm reads, by their DTD names:
    /// driver_version / cuda_version (deprecated from 610, which adds kmd_version / cuda_umd_version), and per
    /// gpu: product_name, uuid, pci/pci_bus_id, pci/pci_device_id ("233010DE": device then vendor),
    /// fb_memory_usage/total and bar1_memory_usage/total ("81559 MiB"), persistence_mode, ecc_mode/current_ecc.
    /// </summary>
    public sealed class SmiLog
    {
        public string? DriverVersion { get; private set; }
        public string? CudaVersion { get; private set; }
        public List<SmiLogGpu> Gpus { get; } = new List<SmiLogGpu>();

        /// <summary>The document in <paramref name="stdout"/>, or null; <paramref name="outside"/> is the text around it (warnings, errors).</summary>
        public static SmiLog? Parse(string stdout, out string outside)
        {
            outside = stdout;
            int start = stdout.IndexOf("<?xml", StringComparison.Ordinal);
            if (start < 0) start = stdout.IndexOf("<nvidia_smi_log", StringComparison.Ordinal);
            const string close = "</nvidia_smi_log>";
            int end = stdout.LastIndexOf(close, StringComparison.Ordinal);
            if (start < 0 || end < start) return null;
            end += close.Length;
            outside = stdout.Substring(0, start) + stdout.Substring(end);
            XDocument doc;
            try
            {
                // The DOCTYPE names a DTD file nvidia-smi does not ship: never fetched, never processed.
                var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null };
                using var reader = XmlReader.Create(new StringReader(stdout.Substring(start, end - start)), settings);
                doc = XDocument.Load(reader);
            }
            catch (XmlException)
            {
                return null;
            }
            var root = doc.Root;
            if (root == null || root.Name.LocalName != "nvidia_smi_log") return null;
            var log = new SmiLog
            {
                DriverVersion = Version(Text(root, "kmd_version")) ?? Version(Text(root, "driver_version")),
                CudaVersion = Version(Text(root, "cuda_umd_version")) ?? Version(Text(root, "cuda_version")),
            };
            foreach (var gpu in root.Elements("gpu"))
            {
                var device = Text(gpu, "pci", "pci_device_id");
                log.Gpus.Add(new SmiLogGpu
                {
                    Name = Text(gpu, "product_name"),
                    Architecture = Text(gpu, "product_architecture"),
                    Uuid = Text(gpu, "uuid"),
                    PciBusId = Text(gpu, "pci", "pci_bus_id") ?? Value(gpu.Attribute("id")?.Value),
                    // "233010DE": the device id, then the vendor id (0x10de).
                    PciDeviceId = device != null && Regex.IsMatch(device, "^(0x)?[0-9A-Fa-f]{8}$") ? "0x" + device.Substring(device.Length - 8, 4).ToLowerInvariant() : null,
                    MemoryMiB = MiB(Text(gpu, "fb_memory_usage", "total")),
                    Bar1MiB = MiB(Text(gpu, "bar1_memory_usage", "total")),
                    PersistenceMode = Flag(Text(gpu, "persistence_mode")),
                    EccEnabled = Flag(Text(gpu, "ecc_mode", "current_ecc")),
                });
            }
            return log;
        }

        private static string? Text(XElement e, params string[] path)
        {
            XElement? at = e;
            foreach (var name in path) at = at?.Element(name);
            return Value(at?.Value);
        }

        /// <summary>"N/A", "[N/A]", "Not Supported", "[Not Supported]", "Unknown Error", "GPU is lost" mean: no value.</summary>
        private static string? Value(string? text)
        {
            var t = text?.Trim();
            if (string.IsNullOrEmpty(t) || t == "N/A" || t!.StartsWith("[", StringComparison.Ordinal) || t == "Not Supported"
                || t.IndexOf("Unknown Error", StringComparison.OrdinalIgnoreCase) >= 0 || t.IndexOf("GPU is lost", StringComparison.OrdinalIgnoreCase) >= 0)
                return null;
            return t;
        }

        /// <summary>"610.43.02", "13.3"; a note after the number ("[Deprecated ...]") is dropped.</summary>
        private static string? Version(string? text)
        {
            if (text == null) return null;
            var m = Regex.Match(text, @"^[0-9]+(?:\.[0-9]+)+");
            return m.Success ? m.Value : null;
        }

        private static long? MiB(string? text)
        {
            if (text == null) return null;
            var m = Regex.Match(text, @"^([0-9]+)\s*MiB$");
            return m.Success && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (long?)null;
        }

        private static bool? Flag(string? text) => text == "Enabled" ? true : text == "Disabled" ? false : (bool?)null;
    }

    /// <summary>One &lt;gpu&gt; of the log.</summary>
    public sealed class SmiLogGpu
    {
        public string? Name { get; set; }
        /// <summary>product_architecture (R510+ logs): "Volta", "Ada Lovelace", "Hopper", "Blackwell".</summary>
        public string? Architecture { get; set; }
        public string? Uuid { get; set; }
        public string? PciBusId { get; set; }
        /// <summary>"0x2330", as sysfs writes it.</summary>
        public string? PciDeviceId { get; set; }
        public long? MemoryMiB { get; set; }
        public long? Bar1MiB { get; set; }
        public bool? PersistenceMode { get; set; }
        public bool? EccEnabled { get; set; }
    }
}
