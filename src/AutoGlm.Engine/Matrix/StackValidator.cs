using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Matrix
{
    /// <summary>
    /// Checks the stack sections after all files are merged: every version parses, every reference names an
    /// entry that exists, profiles' `extends` chains end. Each error points at the entry's line.
    /// </summary>
    internal static class StackValidator
    {
        private static readonly string[] BranchTypes = { "ltsb", "production", "new-feature", "unknown" };
        internal static readonly string[] Families = { "debian", "rhel", "windows" };
        private static readonly string[] Pins = { "apt-hold", "apt-preferences", "pinning-package", "dnf-module", "dnf-versionlock", "windows-policy" };
        private static readonly string[] Repositories = { DriverPackagingEntry.NvidiaCudaRepo, DriverPackagingEntry.DebianArchive };
        private static readonly string[] ModuleRules = { "open-required", "proprietary-required", "either" };
        private static readonly string[] Stages = { "base", "override" };

        public static void Validate(CompatibilityMatrix m)
        {
            foreach (var c in m.CudaReleases)
            {
                Cuda(c, c.Version, "version");
                if (c.LinuxDriver == null && c.DriverBranch == null)
                    Fail(c, Messages.Format("MatrixInvalid_ReleaseNamesNeitherLinuxDriver"), Messages.Format("MatrixInvalid_AddMinimumLinuxDriver"));
                if (c.LinuxDriver != null) Driver(c, c.LinuxDriver, "linuxDriver");
                if (c.WindowsDriver != null) Driver(c, c.WindowsDriver, "windowsDriver");
            }
            foreach (var f in m.CudaFamilies)
            {
                if (f.Major <= 0) Fail(f, Messages.Format("MatrixInvalid_Major", f.Major), Messages.Format("MatrixInvalid_GiveCUDAMajorVersion"));
                Driver(f, f.LinuxDriver, "linuxDriver");
                if (f.WindowsDriver != null) Driver(f, f.WindowsDriver, "windowsDriver");
            }
            foreach (var b in m.DriverBranches)
            {
                if (b.Branch < 100) Fail(b, Messages.Format("MatrixInvalid_Branch", b.Branch), Messages.Format("MatrixInvalid_GiveBranchNumberE"));
                OneOf(b, b.Type, "type", BranchTypes);
                if (b.EndOfLife != null) Date(b, b.EndOfLife, "endOfLife");
                if (b.Cuda != null) Cuda(b, b.Cuda, "cuda");
            }
            foreach (var p in m.DriverPackaging)
            {
                OneOf(p, p.Family, "family", Families);
                OneOf(p, p.Pin, "pin", Pins);
                Specifier(p, p.Branches, "branches");
                OneOf(p, p.RepositoryKind(), "repository", Repositories);
                foreach (var id in p.Os ?? new List<string>())
                {
                    var os = m.OperatingSystems.FirstOrDefault(o => string.Equals(o.Id, id, StringComparison.OrdinalIgnoreCase));
                    if (os == null || os.Family != p.Family)
                        Fail(p, Messages.Format("MatrixInvalid_PackagingOsUnknown", id, p.Family),
                            Messages.Format("MatrixInvalid_UseOne", string.Join(", ", m.OperatingSystems.Where(o => o.Family == p.Family).Select(o => o.Id))));
                }
                if (p.RepositoryKind() == DriverPackagingEntry.DebianArchive
                    && (p.Family != "debian" || p.Os == null || p.Os.Count == 0 || p.Suite == null || p.Components == null || p.Components.Count == 0 || (p.Open ?? p.Proprietary) == null))
                    Fail(p, Messages.Format("MatrixInvalid_DebianArchiveIncomplete"), Messages.Format("MatrixInvalid_DebianArchiveGive"));
            }
            var archIds = new HashSet<string>(m.GpuArchitectures.Select(a => a.Id), StringComparer.OrdinalIgnoreCase);
            foreach (var a in m.GpuArchitectures)
            {
                if (a.ComputeCapabilities.Count == 0) Fail(a, Messages.Format("MatrixInvalid_ArchitectureListsNoComputeCapabilities"), Messages.Format("MatrixInvalid_ListComputeCapabilities"));
                foreach (var cc in a.ComputeCapabilities) Capability(a, cc, "computeCapabilities");
                if (a.FirstCuda != null) Cuda(a, a.FirstCuda, "firstCuda");
                if (a.LastCuda != null) Cuda(a, a.LastCuda, "lastCuda");
                OneOf(a, a.KernelModules, "kernelModules", ModuleRules);
            }
            foreach (var c in m.GpuChips)
            {
                if (!archIds.Contains(c.Architecture))
                {
                    Fail(c, Messages.Format("MatrixInvalid_ArchitectureNamesNoGpuArchitectures", c.Architecture), Messages.Format("MatrixInvalid_UseOne", string.Join(", ", archIds)));
                    continue;
                }
                Capability(c, c.ComputeCapability, "computeCapability");
                var arch = m.GpuArchitectures.First(a => string.Equals(a.Id, c.Architecture, StringComparison.OrdinalIgnoreCase));
                if (!arch.ComputeCapabilities.Contains(c.ComputeCapability))
                    Fail(c, Messages.Format("MatrixInvalid_ComputeCapabilityNotInArchitecture", c.ComputeCapability, arch.Id, string.Join(", ", arch.ComputeCapabilities)), Messages.Format("MatrixInvalid_FixCapabilityArchitecture"));
                foreach (var chip in c.Chips)
                    if (GpuCatalogue.BaseChip(chip) != chip)
                        Fail(c, $"chips has '{chip}', which is not a base chip name", "Write chips as pci.ids names them without suffixes: GA102, not GA102GL.");
            }
            foreach (var g in m.Gpus)
            {
                if (!archIds.Contains(g.Architecture))
                    Fail(g, Messages.Format("MatrixInvalid_ArchitectureNamesNoGpuArchitectures", g.Architecture), Messages.Format("MatrixInvalid_UseOne", string.Join(", ", archIds)));
                Capability(g, g.ComputeCapability, "computeCapability");
                var arch = m.GpuArchitectures.First(a => string.Equals(a.Id, g.Architecture, StringComparison.OrdinalIgnoreCase));
                if (!arch.ComputeCapabilities.Contains(g.ComputeCapability))
                    Fail(g, Messages.Format("MatrixInvalid_ComputeCapabilityNotInArchitecture", g.ComputeCapability, arch.Id, string.Join(", ", arch.ComputeCapabilities)), Messages.Format("MatrixInvalid_FixCapabilityArchitecture"));
                foreach (var id in g.PciDeviceIds ?? new List<string>())
                    if (!IsPciId(id)) Fail(g, Messages.Format("MatrixInvalid_PciDeviceIdsHas", id), Messages.Format("MatrixInvalid_WritePCIDeviceIds"));
                if (g.MemoryGiB is double mem && mem <= 0) Fail(g, Messages.Format("MatrixInvalid_MemoryGiB", mem), Messages.Format("MatrixInvalid_GiveMemoryGiBMore"));
            }
            foreach (var w in m.WheelCoverage)
            {
                Tag(w, w.Tag, "tag");
                if (w.Torch != null) Specifier(w, w.Torch, "torch");
                foreach (var cc in w.Sass) Capability(w, cc, "sass");
                if (w.Ptx != null) Capability(w, w.Ptx, "ptx");
            }
            foreach (var t in m.TorchReleases)
            {
                if (t.Versions.Count == 0) Fail(t, Messages.Format("MatrixInvalid_SeriesListsNoVersions"), Messages.Format("MatrixInvalid_ListVersions"));
                foreach (var v in t.Versions) Version(t, v, "versions");
                Specifier(t, t.Python, "python");
                foreach (var tag in t.Variants) Tag(t, tag, "variants");
                if (t.PypiDefault != null && !t.Variants.Contains(t.PypiDefault))
                    Fail(t, Messages.Format("MatrixInvalid_PypiDefaultNotOneVariants", t.PypiDefault), Messages.Format("MatrixInvalid_AddVariantsFixTag"));
            }
            foreach (var s in m.ServerReleases)
            {
                Version(s, s.Version, "version");
                Version(s, s.Torch, "torch");
                if (m.FindTorch(s.Torch) == null)
                    Fail(s, Messages.Format("MatrixInvalid_TorchNoTorchReleasesEntry", s.Torch), Messages.Format("MatrixInvalid_AddTorchReleaseSeries"));
                Tag(s, s.Cuda, "cuda");
                if (s.Python != null) Specifier(s, s.Python, "python");
                foreach (var pin in s.Pins ?? new Dictionary<string, string>()) Version(s, pin.Value, "pins." + pin.Key);
            }
            foreach (var o in m.OperatingSystems)
            {
                if (o.Cuda != null) Specifier(o, o.Cuda, "cuda");
                foreach (var py in o.Pythons ?? new List<string>()) Version(o, py, "pythons");
            }
            foreach (var p in m.Profiles) ValidateStack(m, p);
        }

        /// <summary>Fills each profile from the one it extends, parents first; a cycle is an error.</summary>
        public static void ResolveInheritance(CompatibilityMatrix m)
        {
            var done = new HashSet<ProfileEntry>();
            foreach (var p in m.Profiles) Resolve(m, p, done, new List<ProfileEntry>());
            foreach (var p in m.Profiles)
                if (!p.HasRequires)
                    Fail(p, Messages.Format("MatrixInvalid_ProfileHasNoRequires", p.Id), Messages.Format("MatrixInvalid_AddRequiresLeastPython"));
        }

        private static void Resolve(CompatibilityMatrix m, ProfileEntry p, HashSet<ProfileEntry> done, List<ProfileEntry> chain)
        {
            if (done.Contains(p)) return;
            if (chain.Contains(p))
                Fail(p, Messages.Format("MatrixInvalid_ProfileExtendsItselfThrough", p.Id, string.Join(" → ", chain.Select(c => c.Id).Concat(new[] { p.Id }))),
                    Messages.Format("MatrixInvalid_BreakCycleProfileMay"));
            if (p.Extends != null)
            {
                var parent = m.FindProfile(p.Extends);
                if (parent == null)
                    Fail(p, Messages.Format("MatrixInvalid_ExtendsNoProfile", p.Extends), Messages.Format("MatrixInvalid_UseOne", string.Join(", ", m.Profiles.Select(x => x.Id))));
                chain.Add(p);
                Resolve(m, parent!, done, chain);
                chain.RemoveAt(chain.Count - 1);
                p.InheritFrom(parent!);
            }
            done.Add(p);
        }

        private static void ValidateStack(CompatibilityMatrix m, ProfileEntry p)
        {
            var r = p.Requires;
            if (r.GpuMemory is Amount mem && (mem.Minimum < 0 || (mem.Recommended is double rec && rec < mem.Minimum)))
                Fail(mem, Messages.Format("MatrixInvalid_ImpossibleAmountMinimumRecommended", mem.Minimum, mem.Recommended), Messages.Format("MatrixInvalid_ImpossibleAmountFix"));
            var stack = p.Stack;
            if (stack == null) return;
            Located at = stack;
            if (stack.Server != null)
            {
                Specifier(stack.Server, stack.Server.Version, "stack.server.version");
                var spec = Pep440SpecifierSet.Parse(stack.Server.Version);
                var releases = m.ServerReleases.Where(s => string.Equals(s.Package, stack.Server.Package, StringComparison.OrdinalIgnoreCase)).ToList();
                if (releases.Count == 0)
                    Fail(stack.Server, Messages.Format("MatrixInvalid_ProfileNamesServerPackage", p.Id, stack.Server.Package),
                        Messages.Format("MatrixInvalid_UseOneAddReleases", string.Join(", ", m.ServerReleases.Select(s => s.Package).Distinct())));
                if (!releases.Any(s => spec.IsSatisfiedBy(Pep440Version.Parse(s.Version), includePrereleases: true)))
                    Fail(stack.Server, Messages.Format("MatrixInvalid_ProfileAsksNoServerReleases", p.Id, stack.Server.Package, stack.Server.Version, string.Join(", ", releases.Select(s => s.Version))),
                        Messages.Format("MatrixInvalid_LoosenVersionAddRelease"));
            }
            if (stack.Torch != null)
            {
                Specifier(stack.Torch, stack.Torch.Version, "stack.torch.version");
                var spec = Pep440SpecifierSet.Parse(stack.Torch.Version);
                if (!m.TorchReleases.SelectMany(t => t.Versions).Any(v => spec.IsSatisfiedBy(Pep440Version.Parse(v), includePrereleases: true)))
                    Fail(stack.Torch, Messages.Format("MatrixInvalid_ProfileAsksTorchNo", p.Id, stack.Torch.Version), Messages.Format("MatrixInvalid_FixVersionAddTorch"));
                foreach (var tag in stack.Torch.Variants ?? new List<string>()) Tag(stack.Torch, tag, "stack.torch.variants");
            }
            if (stack.Server == null && stack.Torch == null && r.Gpu)
                Fail(at, Messages.Format("MatrixInvalid_ProfileNeedsGPUBut", p.Id), Messages.Format("MatrixInvalid_AddServerOrTorch"));
            foreach (var pkg in stack.Packages ?? new List<PinnedPackage>())
            {
                if (string.IsNullOrWhiteSpace(pkg.Name)) Fail(pkg, Messages.Format("MatrixInvalid_PackageHasNoName"), Messages.Format("MatrixInvalid_AddName"));
                Version(pkg, pkg.Version, $"packages[{pkg.Name}].version");
                OneOf(pkg, pkg.Stage, "stage", Stages);
            }
            if (stack.DriverBranch is int branch && !m.DriverBranches.Any(b => b.Branch == branch))
                Fail(at, Messages.Format("MatrixInvalid_DriverBranchNoDriverBranchesEntry", branch), Messages.Format("MatrixInvalid_UseOne", string.Join(", ", m.DriverBranches.Select(b => b.Branch))));
        }

        private static bool IsPciId(string id) =>
            id.Length == 6 && id.StartsWith("0x", StringComparison.Ordinal) && id.Skip(2).All(Uri.IsHexDigit);

        private static void Cuda(Located e, string text, string field)
        {
            if (!CudaVersion.TryParse(text, out _)) Fail(e, Messages.Format("MatrixInvalid_NotCUDAVersion", field, text), Messages.Format("MatrixInvalid_WriteCudaVersion"));
        }

        private static void Driver(Located e, string text, string field)
        {
            if (!NvidiaDriverVersion.TryParse(text, out _)) Fail(e, Messages.Format("MatrixInvalid_NotNVIDIADriverVersion", field, text), Messages.Format("MatrixInvalid_WriteDriverVersion"));
        }

        private static void Capability(Located e, string text, string field)
        {
            if (!ComputeCapability.TryParse(text, out _)) Fail(e, Messages.Format("MatrixInvalid_NotComputeCapability", field, text), Messages.Format("MatrixInvalid_WriteComputeCapability"));
        }

        private static void Tag(Located e, string text, string field)
        {
            if (!CudaVersion.TryFromWheelTag(text, out _)) Fail(e, Messages.Format("MatrixInvalid_NotCUDAWheelTag", field, text), Messages.Format("MatrixInvalid_WriteWheelTag"));
        }

        private static void Version(Located e, string text, string field)
        {
            if (!Pep440Version.TryParse(text, out _)) Fail(e, Messages.Format("MatrixInvalid_NotPEP440Version", field, text), Messages.Format("MatrixInvalid_WriteExactVersionLike"));
        }

        private static void Specifier(Located e, string text, string field)
        {
            if (!Pep440SpecifierSet.TryParse(text, out _)) Fail(e, Messages.Format("MatrixInvalid_NotPEP440Specifier", field, text), Messages.Format("MatrixInvalid_WriteSpecifier"));
        }

        private static void Date(Located e, string text, string field)
        {
            bool ok = (text.Length == 7 || text.Length == 10) && DateTime.TryParseExact(text.Length == 7 ? text + "-01" : text, "yyyy-MM-dd",
                System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);
            if (!ok) Fail(e, Messages.Format("MatrixInvalid_NotDate", field, text), Messages.Format("MatrixInvalid_WriteYYYYMMYYYY"));
        }

        internal static void OneOf(Located e, string value, string field, string[] allowed)
        {
            if (!allowed.Contains(value)) Fail(e, Messages.Format("MatrixInvalid_NotOneOf", field, value), Messages.Format("MatrixInvalid_UseOne", string.Join(", ", allowed)));
        }

        private static void Fail(Located e, string problem, string fix) =>
            throw new MatrixException(e.Location ?? new SourceLocation("(matrix)", 0, 0), problem, fix);
    }
}
