using System;
using System.Collections.Generic;
using System.Linq;
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
        private static readonly string[] ModuleRules = { "open-required", "proprietary-required", "either" };
        private static readonly string[] Stages = { "base", "override" };

        public static void Validate(CompatibilityMatrix m)
        {
            foreach (var c in m.CudaReleases)
            {
                Cuda(c, c.Version, "version");
                if (c.LinuxDriver == null && c.DriverBranch == null)
                    Fail(c, "the release names neither 'linuxDriver' nor 'driverBranch'", "Add the minimum Linux driver from NVIDIA's Table 3, or the branch NVIDIA names");
                if (c.LinuxDriver != null) Driver(c, c.LinuxDriver, "linuxDriver");
                if (c.WindowsDriver != null) Driver(c, c.WindowsDriver, "windowsDriver");
            }
            foreach (var f in m.CudaFamilies)
            {
                if (f.Major <= 0) Fail(f, $"major is {f.Major}", "Give the CUDA major version, e.g. 12");
                Driver(f, f.LinuxDriver, "linuxDriver");
                if (f.WindowsDriver != null) Driver(f, f.WindowsDriver, "windowsDriver");
            }
            foreach (var b in m.DriverBranches)
            {
                if (b.Branch < 100) Fail(b, $"branch is {b.Branch}", "Give the branch number, e.g. 535");
                OneOf(b, b.Type, "type", BranchTypes);
                if (b.EndOfLife != null) Date(b, b.EndOfLife, "endOfLife");
                if (b.Cuda != null) Cuda(b, b.Cuda, "cuda");
            }
            foreach (var p in m.DriverPackaging)
            {
                OneOf(p, p.Family, "family", Families);
                OneOf(p, p.Pin, "pin", Pins);
                Specifier(p, p.Branches, "branches");
            }
            var archIds = new HashSet<string>(m.GpuArchitectures.Select(a => a.Id), StringComparer.OrdinalIgnoreCase);
            foreach (var a in m.GpuArchitectures)
            {
                if (a.ComputeCapabilities.Count == 0) Fail(a, "the architecture lists no computeCapabilities", "List them, e.g. [\"9.0\"]");
                foreach (var cc in a.ComputeCapabilities) Capability(a, cc, "computeCapabilities");
                if (a.FirstCuda != null) Cuda(a, a.FirstCuda, "firstCuda");
                if (a.LastCuda != null) Cuda(a, a.LastCuda, "lastCuda");
                OneOf(a, a.KernelModules, "kernelModules", ModuleRules);
            }
            foreach (var g in m.Gpus)
            {
                if (!archIds.Contains(g.Architecture))
                    Fail(g, $"architecture '{g.Architecture}' names no gpuArchitectures entry", $"Use one of: {string.Join(", ", archIds)}");
                Capability(g, g.ComputeCapability, "computeCapability");
                var arch = m.GpuArchitectures.First(a => string.Equals(a.Id, g.Architecture, StringComparison.OrdinalIgnoreCase));
                if (!arch.ComputeCapabilities.Contains(g.ComputeCapability))
                    Fail(g, $"computeCapability {g.ComputeCapability} is not one of {arch.Id}'s ({string.Join(", ", arch.ComputeCapabilities)})", "Fix the capability or the architecture");
                foreach (var id in g.PciDeviceIds ?? new List<string>())
                    if (!IsPciId(id)) Fail(g, $"pciDeviceIds has '{id}'", "Write PCI device ids as 0x followed by four hex digits, e.g. 0x2330");
                if (g.MemoryGiB is double mem && mem <= 0) Fail(g, $"memoryGiB is {mem}", "Give the memory in GiB, more than 0");
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
                if (t.Versions.Count == 0) Fail(t, "the series lists no versions", "List its releases, e.g. [\"2.9.0\", \"2.9.1\"]");
                foreach (var v in t.Versions) Version(t, v, "versions");
                Specifier(t, t.Python, "python");
                foreach (var tag in t.Variants) Tag(t, tag, "variants");
                if (t.PypiDefault != null && !t.Variants.Contains(t.PypiDefault))
                    Fail(t, $"pypiDefault '{t.PypiDefault}' is not one of its variants", "Add it to 'variants' or fix the tag");
            }
            foreach (var s in m.ServerReleases)
            {
                Version(s, s.Version, "version");
                Version(s, s.Torch, "torch");
                if (m.FindTorch(s.Torch) == null)
                    Fail(s, $"torch {s.Torch} is in no torchReleases entry", "Add the torch release to its series' versions, or fix the pin");
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
                    Fail(p, $"profile '{p.Id}' has no 'requires' and extends no profile", "Add 'requires:' with at least 'python:', or 'extends: <profile id>'");
        }

        private static void Resolve(CompatibilityMatrix m, ProfileEntry p, HashSet<ProfileEntry> done, List<ProfileEntry> chain)
        {
            if (done.Contains(p)) return;
            if (chain.Contains(p))
                Fail(p, $"profile '{p.Id}' extends itself through {string.Join(" → ", chain.Select(c => c.Id).Concat(new[] { p.Id }))}",
                    "Break the cycle: a profile may extend only a profile that does not lead back to it");
            if (p.Extends != null)
            {
                var parent = m.FindProfile(p.Extends);
                if (parent == null)
                    Fail(p, $"extends '{p.Extends}', which is no profile", $"Use one of: {string.Join(", ", m.Profiles.Select(x => x.Id))}");
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
                Fail(mem, $"impossible amount: minimum {mem.Minimum}, recommended {mem.Recommended}", "The minimum must be at least 0 and the recommended level at least the minimum");
            var stack = p.Stack;
            if (stack == null) return;
            Located at = stack;
            if (stack.Server != null)
            {
                Specifier(stack.Server, stack.Server.Version, "stack.server.version");
                var spec = Pep440SpecifierSet.Parse(stack.Server.Version);
                var releases = m.ServerReleases.Where(s => string.Equals(s.Package, stack.Server.Package, StringComparison.OrdinalIgnoreCase)).ToList();
                if (releases.Count == 0)
                    Fail(stack.Server, $"profile '{p.Id}' names server package '{stack.Server.Package}', which has no serverReleases entry",
                        $"Use one of: {string.Join(", ", m.ServerReleases.Select(s => s.Package).Distinct())}, or add its releases in an override file");
                if (!releases.Any(s => spec.IsSatisfiedBy(Pep440Version.Parse(s.Version), includePrereleases: true)))
                    Fail(stack.Server, $"profile '{p.Id}' asks for {stack.Server.Package} {stack.Server.Version}; no serverReleases entry matches (known: {string.Join(", ", releases.Select(s => s.Version))})",
                        "Loosen the version, or add the release in an override file");
            }
            if (stack.Torch != null)
            {
                Specifier(stack.Torch, stack.Torch.Version, "stack.torch.version");
                var spec = Pep440SpecifierSet.Parse(stack.Torch.Version);
                if (!m.TorchReleases.SelectMany(t => t.Versions).Any(v => spec.IsSatisfiedBy(Pep440Version.Parse(v), includePrereleases: true)))
                    Fail(stack.Torch, $"profile '{p.Id}' asks for torch {stack.Torch.Version}; no torchReleases entry has such a version", "Fix the version, or add the torch release");
                foreach (var tag in stack.Torch.Variants ?? new List<string>()) Tag(stack.Torch, tag, "stack.torch.variants");
            }
            if (stack.Server == null && stack.Torch == null && r.Gpu)
                Fail(at, $"profile '{p.Id}' needs a GPU but its stack names neither 'server' nor 'torch'", "Add 'server: {package: vllm, version: \">=0.12\"}' or 'torch: {version: \"==2.0.1\"}'");
            foreach (var pkg in stack.Packages ?? new List<PinnedPackage>())
            {
                if (string.IsNullOrWhiteSpace(pkg.Name)) Fail(pkg, "a package has no name", "Add 'name:'");
                Version(pkg, pkg.Version, $"packages[{pkg.Name}].version");
                OneOf(pkg, pkg.Stage, "stage", Stages);
            }
            if (stack.DriverBranch is int branch && !m.DriverBranches.Any(b => b.Branch == branch))
                Fail(at, $"driverBranch {branch} is in no driverBranches entry", $"Use one of: {string.Join(", ", m.DriverBranches.Select(b => b.Branch))}");
        }

        private static bool IsPciId(string id) =>
            id.Length == 6 && id.StartsWith("0x", StringComparison.Ordinal) && id.Skip(2).All(Uri.IsHexDigit);

        private static void Cuda(Located e, string text, string field)
        {
            if (!CudaVersion.TryParse(text, out _)) Fail(e, $"{field} '{text}' is not a CUDA version", "Write it like 12.2 or 12.2.2");
        }

        private static void Driver(Located e, string text, string field)
        {
            if (!NvidiaDriverVersion.TryParse(text, out _)) Fail(e, $"{field} '{text}' is not an NVIDIA driver version", "Write it like 535.104.05 or 570.26");
        }

        private static void Capability(Located e, string text, string field)
        {
            if (!ComputeCapability.TryParse(text, out _)) Fail(e, $"{field} '{text}' is not a compute capability", "Write it like \"8.6\" (quoted, so YAML keeps it a string)");
        }

        private static void Tag(Located e, string text, string field)
        {
            if (!CudaVersion.TryFromWheelTag(text, out _)) Fail(e, $"{field} '{text}' is not a CUDA wheel tag", "Write it like cu118 or cu128");
        }

        private static void Version(Located e, string text, string field)
        {
            if (!Pep440Version.TryParse(text, out _)) Fail(e, $"{field} '{text}' is not a PEP 440 version", "Write an exact version like 2.9.1 or 5.0.0rc0");
        }

        private static void Specifier(Located e, string text, string field)
        {
            if (!Pep440SpecifierSet.TryParse(text, out _)) Fail(e, $"{field} '{text}' is not a PEP 440 specifier", "Write it like '>=3.10,<3.14'");
        }

        private static void Date(Located e, string text, string field)
        {
            bool ok = (text.Length == 7 || text.Length == 10) && DateTime.TryParseExact(text.Length == 7 ? text + "-01" : text, "yyyy-MM-dd",
                System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);
            if (!ok) Fail(e, $"{field} '{text}' is not a date", "Write YYYY-MM or YYYY-MM-DD");
        }

        internal static void OneOf(Located e, string value, string field, string[] allowed)
        {
            if (!allowed.Contains(value)) Fail(e, $"'{field}' is '{value}'", $"Use one of: {string.Join(", ", allowed)}");
        }

        private static void Fail(Located e, string problem, string fix) =>
            throw new MatrixException(e.Location ?? new SourceLocation("(matrix)", 0, 0), problem, fix);
    }
}
