using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace AutoGlm.Tests.Support
{
    /// <summary>One GPU of a rendered `nvidia-smi -q -x` log.</summary>
    public sealed record SmiGpu(string Name, string Architecture, string BusId, string DeviceId, long MemoryMiB, bool Persistence = true, string Ecc = "Enabled", long Bar1MiB = 131072);

    /// <summary>
    /// `nvidia-smi -q -x` documents for GPUs and drivers no capture covers (a Blackwell on an older branch, a
    /// pre-Turing GPU): the real v13 shape of the H100 log (tests/fixtures/realworld) with the values replaced,
    /// one &lt;gpu&gt; block per GPU.
    /// </summary>
    public static class SmiXml
    {
        public static string Render(string driver, string? cuda, params SmiGpu[] gpus)
        {
            var template = File.ReadAllText(FixtureHost.Realworld(FixtureHost.H100Log));
            int gpuStart = template.IndexOf("    <gpu ", System.StringComparison.Ordinal);
            int gpuEnd = template.IndexOf("    </gpu>\n", System.StringComparison.Ordinal) + "    </gpu>\n".Length;
            var head = template.Substring(0, gpuStart);
            var block = template.Substring(gpuStart, gpuEnd - gpuStart);
            head = Set(head, "driver_version", driver);
            head = Set(head, "cuda_version", cuda ?? "N/A");
            head = Set(head, "attached_gpus", gpus.Length.ToString());
            var sb = new StringBuilder(head);
            for (int i = 0; i < gpus.Length; i++)
            {
                var g = gpus[i];
                var b = Regex.Replace(block, "<gpu id=\"[^\"]*\">", $"<gpu id=\"{g.BusId}\">");
                b = Set(b, "product_name", g.Name);
                b = Set(b, "product_architecture", g.Architecture);
                b = Set(b, "uuid", $"GPU-00000000-0000-0000-0000-{i:D12}");
                b = Set(b, "minor_number", i.ToString());
                b = Set(b, "gsp_firmware_version", driver);
                b = Set(b, "pci_bus_id", g.BusId);
                b = Set(b, "pci_device_id", g.DeviceId);
                b = Set(b, "persistence_mode", g.Persistence ? "Enabled" : "Disabled");
                b = Set(b, "current_ecc", g.Ecc);
                b = Set(b, "pending_ecc", g.Ecc);
                b = Regex.Replace(b, @"(<fb_memory_usage>\s*<total>)\d+ MiB", m => m.Groups[1].Value + g.MemoryMiB + " MiB");
                b = Regex.Replace(b, @"(<bar1_memory_usage>\s*<total>)\d+ MiB", m => m.Groups[1].Value + g.Bar1MiB + " MiB");
                sb.Append(b);
            }
            return sb.Append(template.Substring(gpuEnd)).ToString();
        }

        private static string Set(string xml, string element, string value) =>
            Regex.Replace(xml, $"<{element}>[^<]*</{element}>", $"<{element}>{value}</{element}>");

        /// <summary>A /bin/sh body that prints <paramref name="xml"/> for `-q -x`.</summary>
        public static string Heredoc(string xml) => "cat <<'AUTOGLM_XML'\n" + xml.TrimEnd('\n') + "\nAUTOGLM_XML\n";
    }
}
