using AutoGlm.Engine.Diagnostics;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Resolve
{
    public sealed class ResolveOptions
    {
        /// <summary>The day EOL dates are judged against.</summary>
        public DateTime Today { get; set; } = DateTime.UtcNow.Date;
        /// <summary>Accept a driver that runs the stack only through minor-version compatibility (no PTX JIT).</summary>
        public bool AllowMinorVersionCompatibility { get; set; }
    }

    /// <summary>
    /// Host facts + a profile → one consistent stack: driver branch and flavour, CUDA variant, Python, exact
    /// package pins and indexes. Prefers what is installed when it fits, else the newest supported. When no
    /// stack exists, every candidate's reason is kept so the answer names the constraints that conflict.
    /// One file (over 450 lines) on purpose: it is one ordered chain of decisions, driver → CUDA → torch →
    /// server → Python, each narrowing the next, and reads best top to bottom.
    /// </summary>
    public sealed class StackResolver
    {
        private const string PyPi = "https://pypi.org/simple";
        private const string TorchIndex = "https://download.pytorch.org/whl/";

        private readonly CompatibilityMatrix _m;
        private readonly ResolveOptions _options;

        public StackResolver(CompatibilityMatrix matrix, ResolveOptions? options = null)
        {
            _m = matrix;
            _options = options ?? new ResolveOptions();
        }

        /// <summary>A GPU as the matrix knows it.</summary>
        private sealed class Gpu
        {
            public string Name = "";
            public ComputeCapability Cc = null!;
            public GpuArchitectureEntry Arch = null!;
            public double? MemoryGiB;
            /// <summary>NVIDIA's supported-gpus.json "kernelopen" for the device; null when not listed.</summary>
            public bool? KernelOpen;
        }

        /// <summary>One way to build the stack: a server release (or a bare torch version) and its wheel.</summary>
        private sealed class Candidate
        {
            public ServerReleaseEntry? Server;
            public Pep440Version TorchVersion = null!;
            public TorchReleaseEntry TorchSeries = null!;
            public List<string> Tags = new List<string>();
            public string Label => Server != null ? $"{Server.Package} {Server.Version} (torch {TorchVersion})" : $"torch {TorchVersion}";
        }

        public ResolvedStack Resolve(ProfileEntry profile, StackHost host)
        {
            var result = new ResolvedStack { Profile = profile.Id, Architecture = host.Architecture, KernelRelease = host.KernelRelease };
            var os = host.Distro == null ? null : _m.FindOperatingSystem(host.Distro, host.OsVersion ?? "");
            var family = host.HostPlatform == HostPlatform.Windows ? "windows" : os?.Family;

            if (!profile.Requires.Gpu)
            {
                result.Explanation.Add($"Profile {profile.Id} runs no model on this host: no GPU, driver or CUDA is needed.");
                var python = ChoosePython(Pep440SpecifierSet.Parse(profile.Requires.Python), host, os, out var why);
                if (python == null) result.Conflicts.Add($"{profile.Id} needs Python {profile.Requires.Python}; {why}.");
                else Accept(result, profile, python, null, null, null);
                return result;
            }

            var gpus = IdentifyGpus(profile, host, result);
            if (gpus == null) return result;

            var candidates = Candidates(profile).ToList();
            if (candidates.Count == 0)
            {
                result.Conflicts.Add($"Profile {profile.Id} names no server release or torch build the matrix has.");
                return result;
            }
            var rejections = new List<string>();
            foreach (var candidate in candidates)
            {
                var reasons = new List<string>();
                var choice = TryCandidate(profile, host, os, family, gpus, candidate, reasons, result);
                if (choice != null && result.Conflicts.Count > 0) return result; // fits but for the GPU memory
                if (choice != null)
                {
                    foreach (var r in rejections.Take(3)) result.Explanation.Add("Passed over: " + r);
                    return result;
                }
                rejections.Add($"{candidate.Label}: {string.Join("; ", reasons.Distinct())}");
            }
            // Nothing fits. The fields name the profile's preferred build, the one the first conflict is about.
            var preferred = candidates[0];
            result.Server = preferred.Server == null ? null : $"{preferred.Server.Package} {preferred.Server.Version}";
            result.Torch = preferred.TorchVersion.ToString();
            result.CudaTag = preferred.Tags.FirstOrDefault();
            result.Cuda = result.CudaTag == null ? null : CudaVersion.FromWheelTag(result.CudaTag).ToString();
            result.Conflicts.Add($"No {profile.Id} build fits this host ({candidates.Count} candidate{(candidates.Count == 1 ? "" : "s")} tried).");
            // The newest candidates and the oldest one: what the profile would prefer, and its last resort.
            var named = rejections.Count <= 4 ? rejections : rejections.Take(3).Concat(new[] { rejections[rejections.Count - 1] }).ToList();
            foreach (var r in named) result.Conflicts.Add(r);
            if (rejections.Count > 4) result.Conflicts.Add($"({rejections.Count - 4} candidates between those were refused too.)");
            return result;
        }

        private List<Gpu>? IdentifyGpus(ProfileEntry profile, StackHost host, ResolvedStack result)
        {
            if (host.Gpus.Count == 0)
            {
                result.Conflicts.Add(host.GpusUnknownReason != null
                    ? $"Profile {profile.Id} serves the model on an NVIDIA GPU, and the host's GPUs are unknown: {host.GpusUnknownReason}."
                    : $"Profile {profile.Id} serves the model on an NVIDIA GPU; this host has none. Use the phone-agent profile with a remote model endpoint, or a GPU host.");
                return null;
            }
            var gpus = new List<Gpu>();
            var unidentified = new List<string>();
            foreach (var problem in host.GpuDatabaseProblems) result.Warnings.Add(problem);
            foreach (var hg in host.Gpus)
            {
                var entry = _m.FindGpu(hg.PciDeviceId, hg.Name, hg.HostDatabase, hg.IdentifiedBy);
                var ccText = hg.ComputeCapability ?? (entry?.ComputeCapability is string known && known.Length > 0 ? known : null);
                var name = hg.Name ?? entry?.Name ?? hg.PciDeviceId ?? "GPU";
                var why = _m.Unidentified(hg.PciDeviceId, hg.Name, ccText, entry);
                if (why != null || ccText == null || !ComputeCapability.TryParse(ccText, out var cc))
                {
                    unidentified.Add(why ?? $"{name} (PCI device {hg.PciDeviceId ?? "unknown"}) reports compute capability '{ccText}', which is not a version.");
                    continue;
                }
                if (entry != null && entry.IdentifiedBy != "matrix" && hg.ComputeCapability == null)
                    result.Explanation.Add($"{name} (10de:{(hg.PciDeviceId ?? "").Replace("0x", "")}) identified by {entry.IdentifiedBy}" + (entry.Chip != null ? $": chip {entry.Chip}, compute capability {ccText}." : "."));
                var arch = _m.GpuArchitectures.FirstOrDefault(a => a.ComputeCapabilities.Contains(cc.ToString()));
                if (arch == null)
                {
                    unidentified.Add($"{name} has compute capability {cc}, which no gpuArchitectures entry lists. Add it in a " + Messages.Say("-MatrixPath", "--matrix") + " override file.");
                    continue;
                }
                double? mem = hg.MemoryMiB is long mib ? mib / 1024.0 : entry?.MemoryGiB;
                gpus.Add(new Gpu { Name = name, Cc = cc, Arch = arch, MemoryGiB = mem, KernelOpen = entry?.KernelOpen });
            }
            // Eight identical GPUs the matrix does not know make one sentence, not eight.
            foreach (var same in unidentified.GroupBy(m => m, StringComparer.Ordinal))
                result.Conflicts.Add(Messages.ForFace(same.Count() == 1 ? same.Key : $"{same.Count()} GPUs: {same.Key}"));
            if (gpus.Count < host.Gpus.Count) return null;
            var need = profile.Requires.GpuMemory;
            if (need != null)
            {
                var largest = gpus.Where(g => g.MemoryGiB != null).OrderByDescending(g => g.MemoryGiB).FirstOrDefault();
                if (largest == null)
                    result.Warnings.Add($"GPU memory is unknown; {profile.Id} needs {need.Minimum:0.#} GiB on one GPU.");
                else if (largest.MemoryGiB < need.Minimum)
                    // Recorded, and the candidates are still tried so every other conflict is named too.
                    result.Conflicts.Add($"{profile.Id} needs one GPU with at least {need.Minimum:0.#} GiB of memory (the model must fit on one); the largest here is {largest.Name} with {largest.MemoryGiB:0.#} GiB.");
            }
            var distinct = gpus.GroupBy(g => g.Name).Select(g => $"{g.Count()}× {g.Key} (cc {g.First().Cc}, {g.First().Arch.Name}{(g.First().MemoryGiB is double m ? $", {m:0.#} GiB" : "")})");
            result.Explanation.Add("GPUs: " + string.Join(", ", distinct) + ".");
            return gpus;
        }

        private IEnumerable<Candidate> Candidates(ProfileEntry profile)
        {
            var stack = profile.Stack;
            if (stack?.Server != null)
            {
                var spec = Pep440SpecifierSet.Parse(stack.Server.Version);
                foreach (var s in _m.ServerReleases
                    .Where(s => string.Equals(s.Package, stack.Server.Package, StringComparison.OrdinalIgnoreCase))
                    .Select(s => (s, v: Pep440Version.Parse(s.Version)))
                    .Where(x => spec.IsSatisfiedBy(x.v, includePrereleases: true))
                    .OrderByDescending(x => x.v))
                {
                    var series = _m.FindTorch(s.s.Torch);
                    if (series == null) continue;
                    yield return new Candidate { Server = s.s, TorchVersion = Pep440Version.Parse(s.s.Torch), TorchSeries = series, Tags = { s.s.Cuda } };
                }
            }
            else if (stack?.Torch != null)
            {
                var spec = Pep440SpecifierSet.Parse(stack.Torch.Version);
                foreach (var (series, v) in _m.TorchReleases
                    .SelectMany(t => t.Versions.Select(v => (t, v: Pep440Version.Parse(v))))
                    .Where(x => spec.IsSatisfiedBy(x.v, includePrereleases: true))
                    .OrderByDescending(x => x.v))
                {
                    var tags = stack.Torch.Variants?.Count > 0 ? stack.Torch.Variants.Where(series.Variants.Contains).ToList()
                        : series.Variants.OrderByDescending(t => CudaVersion.FromWheelTag(t)).ToList();
                    yield return new Candidate { TorchVersion = v, TorchSeries = series, Tags = tags };
                }
            }
        }

        /// <summary>Checks one candidate against the host; fills <paramref name="result"/> and returns it when it fits.</summary>
        private ResolvedStack? TryCandidate(ProfileEntry profile, StackHost host, OperatingSystemEntry? os, string? family,
            List<Gpu> gpus, Candidate c, List<string> reasons, ResolvedStack result)
        {
            if (c.Server != null && !c.Server.Platforms.Contains(host.Platform))
            {
                reasons.Add($"{c.Server.Package} runs on {string.Join(", ", c.Server.Platforms)} only, not {host.Platform}");
                return null;
            }
            var pySpec = Intersect(profile.Requires.Python, c.Server?.Python, c.TorchSeries.Python);
            var python = ChoosePython(pySpec, host, os, out var pyWhy);
            if (python == null)
            {
                reasons.Add($"needs Python {pySpec}; {pyWhy}");
                return null;
            }
            if (!ChooseFlavor(gpus, reasons, out var flavor, out var required)) return null;
            int? maxBranch = gpus.Select(g => g.Arch.LastDriverBranch).Where(b => b != null).Min();

            foreach (var tag in c.Tags)
            {
                var attempt = new List<string>();
                var variant = TryVariant(host, os, family, gpus, c, tag, flavor, required, maxBranch, attempt, out var driverNote);
                if (variant == null) { reasons.AddRange(attempt); continue; }
                var (torchTag, cuda, driver) = variant.Value;
                result.Driver = driver;
                result.Cuda = cuda.ToString();
                result.CudaTag = tag;
                result.TorchTag = torchTag;
                result.Torch = c.TorchVersion.ToString();
                result.Server = c.Server == null ? null : $"{c.Server.Package} {c.Server.Version}";
                if (c.Server != null)
                    result.Explanation.Add($"{c.Server.Package} {c.Server.Version} is the newest release {profile.Id} accepts ({profile.Stack!.Server!.Version}) that fits; it pins torch {c.TorchVersion} and its PyPI wheel is built for {tag} (source: {c.Server.Source}).");
                else
                    result.Explanation.Add($"torch {c.TorchVersion} with the {tag} wheel is the newest build {profile.Id} accepts that fits (source: {c.TorchSeries.Source}).");
                result.Explanation.Add(driverNote);
                Accept(result, profile, python, c, torchTag, tag);
                return result;
            }
            return null;
        }

        private (string torchTag, CudaVersion cuda, DriverChoice driver)? TryVariant(StackHost host, OperatingSystemEntry? os, string? family,
            List<Gpu> gpus, Candidate c, string tag, string flavor, bool flavorRequired, int? maxBranch, List<string> reasons, out string note)
        {
            note = "";
            var serverCuda = CudaVersion.FromWheelTag(tag);
            // The torch wheel: the same tag when torch publishes it, else torch's nearest lower one of the same major.
            var torchTag = c.TorchSeries.Variants.Contains(tag) ? tag
                : c.TorchSeries.Variants.Select(t => (t, v: CudaVersion.FromWheelTag(t)))
                    .Where(x => x.v.Major == serverCuda.Major && x.v <= serverCuda).OrderByDescending(x => x.v).Select(x => x.t).FirstOrDefault();
            if (torchTag == null)
            {
                reasons.Add($"torch {c.TorchVersion} publishes no CUDA {serverCuda.Major} wheel to go with {tag} (it has {string.Join(", ", c.TorchSeries.Variants)})");
                return null;
            }
            var torchCuda = CudaVersion.FromWheelTag(torchTag);
            var cuda = torchCuda > serverCuda ? torchCuda : serverCuda;
            var cudaMinor = new CudaVersion2(cuda);

            foreach (var g in gpus.GroupBy(g => g.Cc).Select(x => x.First()))
            {
                if (g.Arch.LastCuda != null && cudaMinor.After(g.Arch.LastCuda))
                {
                    reasons.Add($"{g.Name} ({g.Arch.Name}, cc {g.Cc}) is supported up to CUDA {g.Arch.LastCuda}; {tag} is CUDA {cuda} (source: {g.Arch.Source})");
                    return null;
                }
                if (g.Arch.FirstCuda != null && cudaMinor.Before(g.Arch.FirstCuda))
                {
                    reasons.Add($"{g.Name} ({g.Arch.Name}, cc {g.Cc}) needs CUDA {g.Arch.FirstCuda} or newer; {tag} is CUDA {cuda} (source: {g.Arch.Source})");
                    return null;
                }
                var coverage = Coverage(torchTag, c.TorchVersion);
                if (coverage != null && !Covers(coverage, g.Cc))
                {
                    reasons.Add($"the torch {c.TorchVersion}+{torchTag} wheel carries no code for {g.Name} (cc {g.Cc}; it covers {string.Join(", ", coverage.Sass)}{(coverage.Ptx != null ? $" + PTX {coverage.Ptx}" : "")}) (source: {coverage.Source})");
                    return null;
                }
            }
            if (os?.Cuda != null && !Pep440SpecifierSet.Parse(os.Cuda).IsSatisfiedBy(Pep440Version.Parse(cuda.ToString())))
            {
                reasons.Add($"{os.Name ?? os.Id} is supported by NVIDIA's CUDA repositories for CUDA {os.Cuda}, not {cuda} (source: {os.Source})");
                return null;
            }

            var windows = host.HostPlatform == HostPlatform.Windows;
            var full = FullDriverMinimum(cuda, windows, out var fullSource);
            var floor = FamilyFloor(cuda.Major, windows);
            if (full == null)
            {
                reasons.Add($"the matrix has no minimum {(windows ? "Windows" : "Linux")} driver for CUDA {cuda}");
                return null;
            }
            var minimum = _options.AllowMinorVersionCompatibility && floor != null && floor < full ? floor : full;
            var floorText = floor != null && floor < full ? $" (≥ {floor} with minor-version compatibility, not for PTX JIT)" : "";
            if (maxBranch is int last && full.Branch > last && !windows)
            {
                var oldest = gpus.First(g => g.Arch.LastDriverBranch == last);
                reasons.Add($"{tag} needs driver ≥ {full}, but {oldest.Name} ({oldest.Arch.Name}) is supported by driver branches up to R{last} (source: {oldest.Arch.Source})");
                return null;
            }

            var driver = new DriverChoice
            {
                Minimum = full.ToString(),
                MinimumWithMinorVersionCompatibility = floor != null && floor < full ? floor.ToString() : null,
                Flavor = flavor,
                Installed = host.DriverVersion,
            };
            var installed = host.InstalledDriver;
            bool flavorFits = !flavorRequired || host.DriverFlavor == null || windows || host.DriverFlavor == flavor;
            if (installed != null && installed >= minimum && flavorFits)
            {
                driver.Action = "keep";
                driver.Branch = installed.Branch;
                if (host.DriverFlavor != null) driver.Flavor = host.DriverFlavor;
                note = $"The installed driver {installed} meets {tag}'s minimum {full}{floorText} (source: {fullSource}); it stays.";
                if (minimum < full) note += $" It runs through minor-version compatibility only: PTX JIT and features needing a newer driver fail (source: {FamilySource(cuda.Major)}).";
            }
            else
            {
                string why = installed == null ? "no driver is installed"
                    : !flavorFits ? $"the installed {installed} uses {host.DriverFlavor} kernel modules and these GPUs need {flavor} ones"
                    : $"the installed {installed} is older than {minimum}";
                if (installed != null && host.DriverPinnedBy != null)
                {
                    reasons.Add($"{tag} needs driver ≥ {full}{floorText}; installed {installed} is held ({host.DriverPinnedBy}) and {why.Replace($"the installed {installed} ", "")}");
                    return null;
                }
                var branch = ChooseBranch(minimum, maxBranch, flavor, reasons);
                if (branch == null) return null;
                driver.Action = installed == null ? "install" : "replace";
                driver.Branch = branch.Branch;
                var packaging = family == null ? null : _m.FindPackaging(family, branch.Branch, os?.Id);
                if (packaging != null)
                {
                    driver.Package = (flavor == "open" ? packaging.Open : packaging.Proprietary ?? packaging.Open)?.Replace("{branch}", branch.Branch.ToString(CultureInfo.InvariantCulture));
                    driver.Pin = packaging.Pin;
                }
                note = $"{tag} needs driver ≥ {full}{floorText} (source: {fullSource}); {why}, so the plan installs R{branch.Branch} ({BranchText(branch)}), {flavor} kernel modules.";
            }
            return (torchTag, cuda, driver);
        }

        private static string BranchText(DriverBranchEntry b) =>
            $"{b.Type}{(b.EndOfLife != null ? ", supported until " + b.EndOfLife : "")}";

        /// <summary>
        /// The newest branch that is not past end of life and is a production or long-term branch; a profile's
        /// driverBranch wins when it fits. Falls back to newer-feature branches, then to any, saying so.
        /// </summary>
        private DriverBranchEntry? ChooseBranch(NvidiaDriverVersion minimum, int? maxBranch, string flavor, List<string> reasons)
        {
            var fitting = _m.DriverBranches
                .Where(b => b.Branch >= minimum.Branch && (maxBranch == null || b.Branch <= maxBranch))
                .Where(b => flavor != "open" || b.OpenModules)
                .OrderByDescending(b => b.Branch).ToList();
            if (fitting.Count == 0)
            {
                reasons.Add($"no driver branch in the matrix is ≥ R{minimum.Branch}{(maxBranch != null ? $" and ≤ R{maxBranch}" : "")}{(flavor == "open" ? " with open kernel modules" : "")}");
                return null;
            }
            bool Alive(DriverBranchEntry b) => b.EndOfLife == null || EndOfLife(b.EndOfLife) > _options.Today;
            return fitting.FirstOrDefault(b => Alive(b) && (b.Type == "production" || b.Type == "ltsb"))
                ?? fitting.FirstOrDefault(Alive)
                ?? fitting.First();
        }

        private static DateTime EndOfLife(string text) =>
            text.Length == 7 ? DateTime.ParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture).AddMonths(1)
                : DateTime.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);


        /// <summary>
        /// The kernel-module flavour: required by the GPUs (Blackwell open, pre-Turing proprietary) or, when any
        /// will do, open, which NVIDIA recommends for Turing and newer and makes the default from R560.
        /// </summary>
        private bool ChooseFlavor(List<Gpu> gpus, List<string> reasons, out string flavor, out bool required)
        {
            var open = gpus.Where(g => _m.RequiredKernelModules(g.Cc.ToString(), g.Name, g.KernelOpen) == "open").ToList();
            var closed = gpus.Where(g => _m.RequiredKernelModules(g.Cc.ToString(), g.Name, g.KernelOpen) == "proprietary").ToList();
            flavor = closed.Count > 0 ? "proprietary" : "open";
            required = open.Count > 0 || closed.Count > 0;
            if (open.Count > 0 && closed.Count > 0)
            {
                reasons.Add($"{open[0].Name} needs the open kernel modules and {closed[0].Name} the proprietary ones; one host cannot load both");
                return false;
            }
            return true;
        }

        private WheelCoverageEntry? Coverage(string tag, Pep440Version torch) =>
            _m.WheelCoverage.FirstOrDefault(w => w.Tag == tag && (w.Torch == null || Pep440SpecifierSet.Parse(w.Torch).IsSatisfiedBy(torch, includePrereleases: true)));

        private static bool Covers(WheelCoverageEntry coverage, ComputeCapability gpu) =>
            coverage.Sass.Any(s => ComputeCapability.Parse(s).SassRunsOn(gpu))
            || (coverage.Ptx != null && ComputeCapability.Parse(coverage.Ptx) <= gpu);

        /// <summary>The full-feature minimum driver for a CUDA version on Linux or Windows (Table 3), or null.</summary>
        public NvidiaDriverVersion? DriverMinimum(CudaVersion cuda, bool windows) => FullDriverMinimum(cuda, windows, out _);

        /// <summary>Whether a torch wheel carries code (SASS or PTX) for a GPU; null when the matrix has no coverage for it.</summary>
        public bool? WheelCovers(string tag, string torchVersion, ComputeCapability gpu)
        {
            var coverage = Coverage(tag, Pep440Version.Parse(torchVersion));
            return coverage == null ? (bool?)null : Covers(coverage, gpu);
        }

        /// <summary>The driver shipped with the GA release of the CUDA minor (Table 3): the full-feature minimum.</summary>
        private NvidiaDriverVersion? FullDriverMinimum(CudaVersion cuda, bool windows, out string source)
        {
            source = "";
            var releases = _m.CudaReleases
                .Select(r => (r, v: CudaVersion.Parse(r.Version)))
                .Where(x => x.v.Major == cuda.Major && x.v.Minor == cuda.Minor)
                .OrderBy(x => x.v).ToList();
            foreach (var (r, _) in releases)
            {
                var text = windows ? r.WindowsDriver : r.LinuxDriver;
                if (text != null) { source = r.Source; return NvidiaDriverVersion.Parse(text); }
                if (r.DriverBranch is int b) { source = r.Source; return NvidiaDriverVersion.Parse($"{b}.0"); }
            }
            if (windows)
            {
                // NVIDIA prints N/A for Windows from 13.x: the family floor is all that is published.
                var floor = FamilyFloor(cuda.Major, windows: true) ?? FullDriverMinimum(cuda, windows: false, out source);
                if (floor != null && source == "") source = FamilySource(cuda.Major);
                return floor;
            }
            return null;
        }

        private NvidiaDriverVersion? FamilyFloor(int major, bool windows)
        {
            var f = _m.CudaFamilies.FirstOrDefault(x => x.Major == major);
            var text = f == null ? null : windows ? f.WindowsDriver : f.LinuxDriver;
            return text == null ? null : NvidiaDriverVersion.Parse(text);
        }

        private string FamilySource(int major) => _m.CudaFamilies.FirstOrDefault(x => x.Major == major)?.Source ?? "";

        /// <summary>An installed interpreter in the range (newest), else one the OS packages (its system one first).</summary>
        private static PythonChoice? ChoosePython(Pep440SpecifierSet spec, StackHost host, OperatingSystemEntry? os, out string why)
        {
            why = "";
            var installed = host.Pythons
                .Select(p => (text: p, v: Pep440Version.TryParse(p, out var v) ? v : null))
                .Where(x => x.v != null && spec.IsSatisfiedBy(x.v!))
                .OrderByDescending(x => x.v).FirstOrDefault();
            if (installed.v != null)
                return new PythonChoice { Version = MajorMinor(installed.text), Installed = installed.text, Specifier = spec.ToString() };
            // On Windows the python.org installer provides any current minor; elsewhere the OS repositories decide.
            var offered = host.HostPlatform == HostPlatform.Windows ? PythonOrgMinors : os?.Pythons ?? new List<string>();
            var packaged = offered.FirstOrDefault(p => spec.IsSatisfiedBy(Pep440Version.Parse(p + ".0")));
            if (packaged != null) return new PythonChoice { Version = packaged, Specifier = spec.ToString() };
            var have = host.Pythons.Count == 0 ? "no Python is installed" : "the host has Python " + string.Join(", ", host.Pythons);
            var repo = os == null ? "the OS is not in the matrix, so no packaged Python is known"
                : os.Pythons == null ? $"the matrix lists no Python packages for {os.Name ?? os.Id}"
                : $"{os.Name ?? os.Id} packages Python {string.Join(", ", os.Pythons)} only";
            why = $"{have}, and {repo}. Install a Python in that range (python.org or a maintained backport), or use an OS release that packages one";
            return null;
        }

        private static readonly List<string> PythonOrgMinors = new List<string> { "3.13", "3.12", "3.11", "3.10", "3.9", "3.8" };

        private static string MajorMinor(string version)
        {
            var parts = version.Split('.');
            return parts.Length >= 2 ? parts[0] + "." + parts[1] : version;
        }

        private static Pep440SpecifierSet Intersect(params string?[] specs) =>
            Pep440SpecifierSet.Parse(string.Join(",", specs.Where(s => !string.IsNullOrWhiteSpace(s))
                .SelectMany(s => s!.Split(',')).Select(s => s.Trim()).Distinct()));

        /// <summary>Fills python, packages and indexes of a stack that fits.</summary>
        private void Accept(ResolvedStack result, ProfileEntry profile, PythonChoice python, Candidate? c, string? torchTag, string? serverTag)
        {
            result.Python = python;
            result.Explanation.Add(python.Installed != null
                ? $"Python {python.Installed} (installed) satisfies {python.Specifier}."
                : $"No installed Python satisfies {python.Specifier}; the plan installs Python {python.Version}.");
            if (c != null)
            {
                bool torchFromPyPi = torchTag == c.TorchSeries.PypiDefault;
                string? torchIndex = torchFromPyPi ? null : TorchIndex + torchTag;
                result.Packages.Add(new StackPackage { Name = "torch", Version = torchFromPyPi ? c.TorchVersion.ToString() : $"{c.TorchVersion}+{torchTag}", Index = torchIndex });
                if (torchIndex != null) result.IndexUrls.Add(torchIndex);
                result.Explanation.Add(torchFromPyPi
                    ? $"torch {c.TorchVersion} from PyPI is the {torchTag} build (PyPI default for {c.TorchSeries.Series})."
                    : $"torch {c.TorchVersion}+{torchTag} comes from {torchIndex} (PyPI's default for {c.TorchSeries.Series} is {c.TorchSeries.PypiDefault ?? "unknown"}).");
                if (c.Server != null)
                {
                    result.Packages.Add(new StackPackage { Name = c.Server.Package, Version = c.Server.Version });
                    foreach (var pin in c.Server.Pins ?? new Dictionary<string, string>())
                        result.Packages.Add(new StackPackage { Name = pin.Key, Version = pin.Value });
                }
            }
            foreach (var pkg in profile.Stack?.Packages ?? new List<PinnedPackage>())
            {
                var existing = result.Packages.FirstOrDefault(p => string.Equals(Normalize(p.Name), Normalize(pkg.Name), StringComparison.Ordinal));
                if (existing != null && existing.Version != pkg.Version)
                {
                    if (pkg.Stage != "override")
                    {
                        result.Conflicts.Add($"{pkg.Name}: profile {profile.Id} pins {pkg.Version}, but {result.Server ?? "the stack"} pins {existing.Version}. Mark the profile's pin 'stage: override' if upstream asks to reinstall it afterwards.");
                        continue;
                    }
                    result.Warnings.Add($"{pkg.Name} {pkg.Version} replaces {existing.Version} after {result.Server ?? "the stack"} is installed, as {pkg.Source ?? profile.Source} asks; pip will report the conflict.");
                    existing.Version = pkg.Version;
                    existing.Stage = "override";
                    continue;
                }
                if (existing == null) result.Packages.Add(new StackPackage { Name = pkg.Name, Version = pkg.Version, Stage = pkg.Stage });
            }
            result.IndexUrls.Insert(0, PyPi);
        }

        /// <summary>PEP 503 name normalisation: case, and runs of -_. are one.</summary>
        private static string Normalize(string name) =>
            System.Text.RegularExpressions.Regex.Replace(name, "[-_.]+", "-").ToLowerInvariant();

        /// <summary>Compares a CUDA version with a "major.minor" bound at minor precision.</summary>
        private readonly struct CudaVersion2
        {
            private readonly CudaVersion _v;
            public CudaVersion2(CudaVersion v) { _v = v; }
            private int Cmp(string bound)
            {
                var b = CudaVersion.Parse(bound);
                return _v.Major != b.Major ? _v.Major.CompareTo(b.Major) : _v.Minor.CompareTo(b.Minor);
            }
            public bool After(string bound) => Cmp(bound) > 0;
            public bool Before(string bound) => Cmp(bound) < 0;
        }
    }
}
