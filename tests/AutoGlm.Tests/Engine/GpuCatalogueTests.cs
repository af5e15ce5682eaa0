using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Resolve;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>
    /// The generated GPU catalogue (matrices/gpu-catalogue.tsv from pci.ids and NVIDIA's supported-gpus.json) and
    /// the chip table: a fresh server's GPUs, known only by PCI id, get a capability, a flavour and a stack.
    /// </summary>
    public class GpuCatalogueTests
    {
        private static readonly DateTime Today = new DateTime(2026, 11, 21);
        private static readonly CompatibilityMatrix Shipped = MatrixLoader.LoadDefault();

        /// <summary>The shipped matrix without its hand-typed gpus: what the catalogue and chip table know alone.</summary>
        private static CompatibilityMatrix CatalogueOnly()
        {
            var m = MatrixLoader.LoadDefault();
            m.Gpus.Clear();
            return m;
        }

        private static StackHost PciOnly(string pciDeviceId, string distro = "ubuntu", string version = "22.04") =>
            StackHost.FromJson("{\"platform\":\"linux\",\"os\":{\"distro\":\"" + distro + "\",\"version\":\"" + version + "\",\"architecture\":\"x86_64\"}," +
                "\"gpus\":[{\"pciDeviceId\":\"" + pciDeviceId + "\"}],\"pythons\":[\"3.10.12\"]}", "facts.json");

        private static ResolvedStack Resolve(CompatibilityMatrix m, string pciDeviceId, string profile = "vllm-server") =>
            StackService.Resolve(m, m.GetProfile(profile), PciOnly(pciDeviceId), new ResolveRequest { Today = Today });

        private static string All(ResolvedStack s) => string.Join("\n", s.Conflicts.Concat(s.Explanation).Concat(s.Warnings));

        // Three real device ids per architecture, Volta to Blackwell: data center, workstation, GeForce (Hopper has
        // no workstation or GeForce part: H100 PCIe and GH200 stand in). The capability is NVIDIA's for the product.
        [Theory]
        [InlineData("0x1db5", "Tesla V100-SXM2-32GB", "7.0", "proprietary")]
        [InlineData("0x1dba", "Quadro GV100", "7.0", "proprietary")]
        [InlineData("0x1d81", "TITAN V", "7.0", "proprietary")]
        [InlineData("0x1eb8", "Tesla T4", "7.5", "open")]
        [InlineData("0x1e30", "Quadro RTX 6000", "7.5", "open")]
        [InlineData("0x1e04", "GeForce RTX 2080 Ti", "7.5", "open")]
        [InlineData("0x20b0", "A100-SXM4-40GB", "8.0", "open")]
        [InlineData("0x2236", "NVIDIA A10", "8.6", "open")]
        [InlineData("0x2230", "RTX A6000", "8.6", "open")]
        [InlineData("0x2204", "GeForce RTX 3090", "8.6", "open")]
        [InlineData("0x26b9", "L40S", "8.9", "open")]
        [InlineData("0x26b1", "RTX 6000 Ada Generation", "8.9", "open")]
        [InlineData("0x2684", "GeForce RTX 4090", "8.9", "open")]
        [InlineData("0x2330", "H100 80GB HBM3", "9.0", "open")]
        [InlineData("0x2335", "H200", "9.0", "open")]
        [InlineData("0x2331", "H100 PCIe", "9.0", "open")]
        [InlineData("0x2342", "GH200", "9.0", "open")]
        [InlineData("0x2901", "B200", "10.0", "open")]
        [InlineData("0x3182", "B300", "10.3", "open")]
        [InlineData("0x2bb5", "RTX PRO 6000 Blackwell Server Edition", "12.0", "open")]
        [InlineData("0x2b85", "GeForce RTX 5090", "12.0", "open")]
        public void APciIdAloneGivesTheCapabilityTheFlavourAndAStack(string id, string name, string cc, string flavour)
        {
            var m = CatalogueOnly();
            var entry = m.FindGpu(id, null);
            Assert.NotNull(entry);
            Assert.Contains(name, entry!.Name);
            Assert.Equal(cc, entry.ComputeCapability);
            Assert.StartsWith("AutoGlm's GPU catalogue (pci.ids 2026.10.24", entry.IdentifiedBy);

            var s = Resolve(m, id);
            // The T4's 16 GB is below the model's need, but memory is not a catalogue fact (no name states it): the
            // stack resolves, with a warning that memory is unknown.
            Assert.True(s.Resolved, All(s));
            Assert.Equal(flavour, s.Driver!.Flavor);
            Assert.Contains(s.Explanation, e => e.Contains($"identified by AutoGlm's GPU catalogue") && e.Contains($"compute capability {cc}"));
            // Volta is past CUDA 12: its stack is a cu12x build on R580 at most; the others take CUDA 13.
            Assert.Equal(cc == "7.0" ? 12 : 13, AutoGlm.Engine.Versions.CudaVersion.Parse(s.Cuda!).Major);
            if (cc == "7.0") Assert.Equal(580, s.Driver.Branch);

            // The shipped matrix (hand entries with memory and notes) agrees on capability and flavour.
            var shipped = Resolve(Shipped, id);
            Assert.Equal(flavour, shipped.Driver?.Flavor ?? flavour);
            Assert.Equal(cc, Shipped.FindGpu(id, null)!.ComputeCapability);
        }

        [Fact]
        public void VoltaIsRefusedACuda13OnlyServerWithTheReason()
        {
            var m = CatalogueOnly();
            var file = Path.Combine(Path.GetTempPath(), "autoglm-cuda13-" + Guid.NewGuid().ToString("N") + ".yaml");
            File.WriteAllText(file, "schemaVersion: 1\nprofiles:\n  - id: cuda13-only\n    extends: vllm-server\n    source: https://intranet.example/pins\n    stack:\n      server: { package: vllm, version: \">=0.27\" }\n");
            try
            {
                var site = MatrixLoader.LoadDefault(new[] { file });
                site.Gpus.Clear();
                var s = StackService.Resolve(site, site.GetProfile("cuda13-only"), PciOnly("0x1dba"), new ResolveRequest { Today = Today });
                Assert.False(s.Resolved);
                Assert.Contains("Quadro GV100", All(s));
                // vllm 0.27 ships only cu130 wheels, and CUDA 13 dropped Volta.
                Assert.Contains("cu130", string.Join("\n", s.Conflicts));
                Assert.Contains("cc 7.0", string.Join("\n", s.Conflicts));
            }
            finally { File.Delete(file); }
        }

        [Theory]
        [InlineData("0x1004", "GeForce GTX 780", "470.xx")]   // Kepler
        [InlineData("0x06c0", "GeForce GTX 480", "390.xx")]   // Fermi
        public void AGpuOnlyALegacyBranchDrivesGetsASpecificRefusal(string id, string name, string branch)
        {
            var s = Resolve(Shipped, id);
            Assert.False(s.Resolved);
            var text = Assert.Single(s.Conflicts);
            Assert.Contains(name, text);
            Assert.Contains($"legacy {branch} driver branch", text);
            Assert.Contains("from Turing on", text);
        }

        [Fact]
        public void AnIdNoSourceKnowsIsRefusedWithTheOverrideToPaste()
        {
            var s = Resolve(Shipped, "0x2fff");
            Assert.False(s.Resolved);
            var text = Assert.Single(s.Conflicts);
            Assert.Contains("Unknown GPU 10de:2fff", text);
            Assert.Contains("pciDeviceIds: [\"0x2fff\"]", text);
            // The snippet is YAML a site file can take once the placeholders are filled in.
            var snippet = text.Substring(text.IndexOf("gpus:", StringComparison.Ordinal))
                .Replace("ARCHITECTURE   # one of:", "hopper #").Replace("\"X.Y\"", "\"9.0\"").Replace("WHERE-YOU-READ-IT", "https://example.com/spec");
            var file = Path.Combine(Path.GetTempPath(), "autoglm-site-gpu-" + Guid.NewGuid().ToString("N") + ".yaml");
            File.WriteAllText(file, "schemaVersion: 1\n" + snippet + "\n");
            try
            {
                var site = MatrixLoader.LoadDefault(new[] { file });
                Assert.Equal("9.0", site.FindGpu("0x2fff", null)!.ComputeCapability);
                Assert.True(Resolve(site, "0x2fff").Resolved);
            }
            finally { File.Delete(file); }
        }

        [Fact]
        public void TheShippedHandEntriesAgreeWithTheCatalogue()
        {
            Assert.Empty(Shipped.CatalogueContradictions());
            // Every chip of the chip table names devices in the catalogue (a typo would recognise nothing).
            var chips = new HashSet<string>(Shipped.Catalogue.Entries.Select(e => GpuCatalogue.BaseChip(e.Chip) ?? ""));
            foreach (var c in Shipped.GpuChips)
                foreach (var chip in c.Chips.Where(x => !new[] { "GM20B", "GP10B", "GV10B", "GA10B" }.Contains(x))) // Tegra parts: no PCI device
                    Assert.True(chips.Contains(chip), $"gpuChips '{c.Id}': {chip} names no catalogue device");
        }

        [Fact]
        public void AHandEntryThatContradictsTheCatalogueIsNamed()
        {
            var file = Path.Combine(Path.GetTempPath(), "autoglm-bad-gpu-" + Guid.NewGuid().ToString("N") + ".yaml");
            File.WriteAllText(file, "schemaVersion: 1\ngpus:\n  - id: wrong-l40s\n    name: L40S typed by hand\n    pciDeviceIds: [\"0x26b9\"]\n    architecture: ampere\n    computeCapability: \"8.6\"\n    source: https://example.com\n");
            try
            {
                var site = MatrixLoader.LoadDefault(new[] { file });
                var problem = Assert.Single(site.CatalogueContradictions());
                Assert.Contains("'wrong-l40s' says 0x26b9 is ampere 8.6", problem);
                Assert.Contains("chip AD102GL", problem);
                Assert.Contains("ada 8.9", problem);
            }
            finally { File.Delete(file); }
        }

        // ---------------------------------------------------------------- the host's own databases

        private const string FuturePciIds = "#\tVersion: 2027.03.01\n10de  NVIDIA Corporation\n\t2ffe  GB202GL [RTX PRO 7000 Blackwell]\n\t2ffd  GR100 [Rubin]\n";

        private static (GpuFacts facts, GpuDevice gpu) Probe(FixtureHost fx, string device, CompatibilityMatrix m)
        {
            fx.PciDevice("0000:17:00.0", "0x10de", device, "0x030200");
            var ctx = new ProbeContext(new LiveHost(fx.RootPath), m.GetProfile(null)) { GpuCatalogue = () => m.Catalogue };
            var facts = GpuProbes.Gpu(ctx);
            return (facts, Assert.Single(facts.Gpus));
        }

        [Fact]
        public void AnIdTheCatalogueLacksIsFoundInTheHostsPciIds()
        {
            using var fx = new FixtureHost();
            fx.File("/usr/share/hwdata/pci.ids", FuturePciIds);
            var (_, gpu) = Probe(fx, "0x2ffe", Shipped);
            Assert.Equal("RTX PRO 7000 Blackwell", gpu.Name);
            Assert.Equal("GB202GL", gpu.HostDatabase!.Chip);
            var entry = Shipped.FindGpu(gpu);
            Assert.Equal("12.0", entry!.ComputeCapability);
            Assert.Equal("blackwell-client", entry.Architecture);
            Assert.Contains("/usr/share/hwdata/pci.ids (version 2027.03.01)", entry.IdentifiedBy);
        }

        [Fact]
        public void AChipNoTableKnowsNamesTheChip()
        {
            using var fx = new FixtureHost();
            fx.File("/usr/share/misc/pci.ids", FuturePciIds);
            var (_, gpu) = Probe(fx, "0x2ffd", Shipped);
            var entry = Shipped.FindGpu(gpu);
            var why = Shipped.Unidentified(gpu.PciDeviceId, gpu.Name, null, entry);
            Assert.Contains("is chip GR100", why);
            Assert.Contains("gpuChips table does not map", why);
            Assert.Contains("pciDeviceIds: [\"0x2ffd\"]", why);
        }

        [Fact]
        public void AKnownIdReadsNoHostDatabase()
        {
            using var fx = new FixtureHost();
            fx.File("/usr/share/misc/pci.ids", "not a pci.ids file");
            var (facts, gpu) = Probe(fx, "0x26b9", Shipped);
            Assert.Null(gpu.HostDatabase);
            Assert.Empty(facts.DatabaseProblems);
            Assert.DoesNotContain("/usr/share/misc/pci.ids", facts.Sources);
        }

        [Fact]
        public void AMalformedPciIdsIsNamedWithItsLineAndTheNextSourceIsUsed()
        {
            using var fx = new FixtureHost();
            fx.File("/usr/share/hwdata/pci.ids", "#\tVersion: 2027.04.01\n10de  NVIDIA Corporation\n\t2ffe GB202GL [one space]\n");
            fx.File("/usr/share/misc/pci.ids", FuturePciIds);
            var (facts, gpu) = Probe(fx, "0x2ffe", Shipped);
            var problem = Assert.Single(facts.DatabaseProblems);
            Assert.StartsWith("/usr/share/hwdata/pci.ids:3:", problem);
            Assert.Contains("Skipped; the next GPU database is used.", problem);
            Assert.Contains("/usr/share/misc/pci.ids", gpu.IdentifiedBy);
            Assert.Equal("12.0", Shipped.FindGpu(gpu)!.ComputeCapability);
        }

        [Fact]
        public void AMalformedSupportedGpusJsonIsNamedWithItsLineAndPciIdsStillAnswers()
        {
            using var fx = new FixtureHost();
            fx.File("/usr/share/misc/pci.ids", FuturePciIds);
            fx.File("/usr/share/doc/NVIDIA_GLX-1.0/supported-gpus/supported-gpus.json", "{\n  \"chips\": [\n    {\"devid\": \"0x2FFE\", \"name\": \"NVIDIA RTX PRO 7000\",}\n  ]\n}\n");
            var (facts, gpu) = Probe(fx, "0x2ffe", Shipped);
            var problem = Assert.Single(facts.DatabaseProblems);
            Assert.StartsWith("/usr/share/doc/NVIDIA_GLX-1.0/supported-gpus/supported-gpus.json:3:", problem);
            Assert.Equal("12.0", Shipped.FindGpu(gpu)!.ComputeCapability);
        }

        [Fact]
        public void TheHostsSupportedGpusJsonGivesTheNameAndTheOpenModuleRule()
        {
            using var fx = new FixtureHost();
            fx.File("/usr/share/misc/pci.ids", FuturePciIds);
            fx.File("/usr/share/doc/NVIDIA_GLX-1.0/supported-gpus/supported-gpus.json",
                "{\"chips\": [{\"devid\": \"0x2FFE\", \"name\": \"NVIDIA RTX PRO 7000 Blackwell\", \"features\": [\"kernelopen\"]}]}");
            var (_, gpu) = Probe(fx, "0x2ffe", Shipped);
            Assert.Equal("NVIDIA RTX PRO 7000 Blackwell", gpu.Name);
            Assert.True(gpu.HostDatabase!.KernelOpen);
            Assert.Contains("supported-gpus.json", gpu.IdentifiedBy);
            Assert.Equal("open", Shipped.RequiredKernelModules("12.0", gpu.Name, Shipped.FindGpu(gpu)!.KernelOpen));
        }

        // ---------------------------------------------------------------- the catalogue format and the generator

        private const string SmallPciIds = "# header\n#\tVersion: 2026.10.24\n1002  AMD\n\t0001  Not NVIDIA\n10de  NVIDIA Corporation\n" +
            "\t2330  GH100 [H100 SXM5 80GB]\n\t\t10de 16c1  H100 SXM5 80GB\n\t22a3  GH100 [H100 NVSwitch]\n\t2684  AD102 [GeForce RTX 4090]\n" +
            "\t22ba  AD102 High Definition Audio Controller\n\t29f1  GB102\n\t0020  NV4 [Riva TNT]\n10df  Emulex\n";
        private const string SmallJson = "{\"chips\":[{\"devid\":\"0x0020\",\"name\":\"RIVA TNT\",\"legacybranch\":\"71.86.xx\",\"features\":[]}," +
            "{\"devid\":\"0x2330\",\"subdevid\":\"0x16C1\",\"subvendorid\":\"0x10DE\",\"name\":\"NVIDIA H100 80GB HBM3\",\"features\":[\"kernelopen\"]}," +
            "{\"devid\":\"0x1DB4\",\"name\":\"Tesla V100-PCIE-16GB\",\"features\":[\"vdpaufeaturesetI\"]}]}";

        private static GpuCatalogue BuildSmall() =>
            GpuCatalogue.Build(PciIdsDatabase.Parse("pci.ids", SmallPciIds), new[] { SupportedGpuList.Parse("supported-gpus.json", SmallJson, "555.58.02") });

        [Fact]
        public void TheGeneratorKeepsGpusAndDropsTheirOtherFunctions()
        {
            var c = BuildSmall();
            Assert.Equal(new[] { "0x0020", "0x1db4", "0x2330", "0x2684", "0x29f1" }, c.Entries.Select(e => e.DeviceId));
            var h100 = c.Find("0x2330")!;
            Assert.Equal(("GH100", "NVIDIA H100 80GB HBM3", 80, true), (h100.Chip, h100.Name, h100.MemoryGiB, h100.KernelOpen));
            Assert.Equal(new[] { "555.58.02" }, h100.DriverVersions);
            Assert.Equal("71.86.xx", c.Find("0x0020")!.LegacyBranch);
            Assert.False(c.Find("0x1DB4")!.KernelOpen);
            Assert.Null(c.Find("0x2684")!.KernelOpen); // not listed: unknown, not "no"
        }

        [Fact]
        public void TheGeneratorIsDeterministicAndItsOutputReadsBack()
        {
            var a = BuildSmall().Write();
            Assert.Equal(a, BuildSmall().Write());
            Assert.Equal(a, GpuCatalogue.Parse("gpu-catalogue.tsv", a).Write());
            Assert.Contains("# source: pci.ids 2026.10.24", a);
            Assert.Contains("# source: supported-gpus.json of NVIDIA driver 555.58.02", a);
        }

        [Fact]
        public void TheShippedCatalogueIsWhatTheGeneratorWrites()
        {
            var text = File.ReadAllText(Path.Combine(Repo.Root, "matrices", GpuCatalogue.FileName));
            var c = GpuCatalogue.Parse("gpu-catalogue.tsv", text);
            Assert.Equal(text, c.Write());
            Assert.True(c.Count > 1000, $"{c.Count} devices");
            Assert.Contains(c.Sources, s => s.StartsWith("pci.ids 2026.10.24", StringComparison.Ordinal));
        }

        [Theory]
        [InlineData("0x2330\tGH100\tH100\n", "gpu-catalogue.tsv:1:1")]
        [InlineData("# ok\n0x2330\tGH100\tH100\t\t\tmaybe\t80\n", "gpu-catalogue.tsv:2:1")]
        [InlineData("0x2330\tGH100\tH100\t\t\tyes\t80GB\n", "gpu-catalogue.tsv:1:1")]
        public void ABrokenCatalogueLineIsNamed(string text, string where)
        {
            var ex = Assert.Throws<MatrixException>(() => GpuCatalogue.Parse("gpu-catalogue.tsv", text));
            Assert.Equal("MatrixInvalid", ex.ErrorId);
            Assert.Contains(where, ex.Message);
            Assert.Contains("generate.sh", ex.Message);
        }

        [Theory]
        [InlineData("10de  NVIDIA Corporation\n\t2330 GH100\n", "pci.ids:2:")]
        [InlineData("1002  AMD\n\t0001  x\n", "pci.ids:3:")]
        public void ABrokenPciIdsIsNamed(string text, string where)
        {
            var ex = Assert.Throws<GpuDatabaseException>(() => PciIdsDatabase.Parse("pci.ids", text));
            Assert.Equal("GpuDatabaseInvalid", ex.ErrorId);
            Assert.StartsWith(where, ex.Message);
        }

        [Theory]
        [InlineData("{\"chips\": [\n {\"devid\": \"0x2330\"},\n {\"name\": \"no id\"}\n]}", "supported-gpus.json:3:")]
        [InlineData("[1, 2]", "supported-gpus.json:1:")]
        [InlineData("{\"chips\": [\n", "supported-gpus.json:2:")]
        public void ABrokenSupportedGpusJsonIsNamed(string text, string where)
        {
            var ex = Assert.Throws<GpuDatabaseException>(() => SupportedGpuList.Parse("supported-gpus.json", text, "x"));
            Assert.StartsWith(where, ex.Message);
        }

        [Theory]
        [InlineData("0x2330", "0x2330")]
        [InlineData("2330", "0x2330")]
        [InlineData("0x233010DE", "0x2330")]
        [InlineData("0X26B9", "0x26b9")]
        [InlineData("0x23301", null)]
        public void PciIdsAreNormalized(string id, string? expected) => Assert.Equal(expected, GpuCatalogue.NormalizeId(id));

        [Theory]
        [InlineData("GA102GL", "GA102")]
        [InlineData("TU104BM", "TU104B")]
        [InlineData("GK110B", "GK110B")]
        [InlineData("GB20B", "GB20B")]
        [InlineData("MCP04", null)]
        [InlineData("Xavier", null)]
        public void ChipsLoseTheirSuffixes(string chip, string? expected) => Assert.Equal(expected, GpuCatalogue.BaseChip(chip));

        [Fact]
        public void AChipRevisionCountsAsItsChip() => Assert.Equal("turing", Shipped.FindChip("TU104BM")!.Architecture);
    }
}
