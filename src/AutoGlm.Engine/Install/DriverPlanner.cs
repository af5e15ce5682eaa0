using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Platforms;
using AutoGlm.Engine.Resolve;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Install
{
    /// <summary>What Install-AutoGlmDriver / Install-AutoGlmCuda and `autoglm install-driver|install-cuda` ask.</summary>
    public sealed class DriverInstallRequest : ProfileRequest
    {
        /// <summary>Describe the host from a facts file (planning for another machine; -WhatIf only).</summary>
        public string? FactsFile { get; set; }
        /// <summary>Overrides the resolver's branch (e.g. 570); must be in the matrix and serve the stack's CUDA.</summary>
        public int? Branch { get; set; }
        /// <summary>Overrides the newest version of the branch in the repository (e.g. 570.195.03).</summary>
        public string? Version { get; set; }
        /// <summary>open or proprietary; overrides the resolver's choice within what the GPUs allow.</summary>
        public string? Flavor { get; set; }
        /// <summary>NVIDIA's CUDA repository by default; a site mirror (https, http or file URL) for air-gapped hosts.</summary>
        public string? RepositoryUrl { get; set; }
        /// <summary>
        /// The repository's signing key (a file: binary or ASCII-armored OpenPGP public key) instead of NVIDIA's cuda-keyring
        /// package, for a site mirror or an offline kit signed by its own key. apt only.
        /// </summary>
        public string? RepositoryKeyring { get; set; }
        /// <summary>The toolkit to install ("12.8"); the resolved stack's CUDA by default.</summary>
        public string? CudaVersion { get; set; }
        /// <summary>Windows: the NVIDIA driver or CUDA installer (a local path or URL).</summary>
        public string? InstallerPath { get; set; }
        public bool AllowMinorVersionCompatibility { get; set; }
        public DateTime? Today { get; set; }
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>
        /// The plan is only previewed (-WhatIf): a repository that cannot be read does not stop it; the steps whose
        /// versions come from it say they are resolved at apply time (<see cref="DeferredStep"/>).
        /// </summary>
        public bool Preview { get; set; }
        /// <summary>Installing from an offline kit: a host whose stack resolves another driver branch or flavor than the kit's is refused.</summary>
        internal AutoGlm.Engine.Kit.OfflineKit? Kit { get; set; }
        /// <summary>The branch and flavor the plan chose (set while planning; the kit export records them).</summary>
        internal int ChosenBranch { get; set; }
        /// <summary>The repository the plan read (the kit export carries its signed index and files).</summary>
        internal AptRepository? Repository { get; set; }
        internal string ChosenFlavor { get; set; } = "";
    }

    /// <summary>
    /// Turns the resolved stack into install plans for the driver and the CUDA toolkit: apt (Debian,
    /// Ubuntu) from NVIDIA's repository or a mirror, dnf (RHEL, Rocky) through module streams or
    /// versionlock, and the silent installers on Windows. Bad input fails here, before anything changes.
    /// One file (about 490 lines) on purpose: the three package systems side by side show where their plans differ.
    /// </summary>
    public static class DriverPlanner
    {
        private sealed class Context
        {
            public CompatibilityMatrix Matrix = null!;
            public StackHost Host = null!;
            public OperatingSystemEntry Os = null!;
            public ResolvedStack Stack = null!;
            public int Branch;
            public string Flavor = "";
            public DriverBranchEntry BranchEntry = null!;
            public List<string> Notes = new List<string>();
            public TimeSpan CommandTimeout;
            /// <summary>The key given with -RepositoryKeyring, ASCII-armored, and the file it came from; null: NVIDIA's cuda-keyring.</summary>
            public string? Keyring;
            public string? KeyringFile;
        }

        public static ChangePlan PlanDriver(DriverInstallRequest request, ISystemHost system, IEngineOutput output)
        {
            var c = Prepare(request, system, output, replacingDriver: true);
            switch (c.Os.OsFamily)
            {
                case OsFamily.Debian: return AptDriverPlan(c, request, system);
                case OsFamily.Rhel: return DnfDriverPlan(c, request, system);
                case OsFamily.Windows: return WindowsDriverPlan(c, request, system);
                default: throw Unsupported(c.Os.Id, c.Os.Family);
            }
        }

        public static ChangePlan PlanCuda(DriverInstallRequest request, ISystemHost system, IEngineOutput output)
        {
            var c = Prepare(request, system, output, replacingDriver: false);
            var cuda = request.CudaVersion ?? c.Stack.Cuda
                ?? throw new AutoGlmException("CudaVersionUnknown", ErrorKind.InvalidArgument, Messages.Format("CudaVersionUnknown"), request.Profile);
            if (!CudaVersion.TryParse(cuda, out var cudaVersion) || !c.Matrix.CudaReleases.Any(r => CudaVersion.Parse(r.Version).Major == cudaVersion.Major && CudaVersion.Parse(r.Version).Minor == cudaVersion.Minor))
                throw new AutoGlmException("UnknownCudaVersion", ErrorKind.InvalidArgument,
                    Messages.Format("UnknownCudaVersion", cuda, string.Join(", ", c.Matrix.CudaReleases.Select(r => MajorMinor(r.Version)).Distinct())), cuda);
            var minimum = new StackResolver(c.Matrix).DriverMinimum(cudaVersion, c.Os.OsFamily == OsFamily.Windows);
            var driver = c.Host.InstalledDriver;
            if (minimum != null && driver != null && driver.CompareTo(minimum) < 0)
                throw new AutoGlmException("CudaNeedsNewerDriver", ErrorKind.InvalidArgument,
                    Messages.Format("CudaNeedsNewerDriver", MajorMinor(cuda), minimum, driver), cuda);
            if (minimum != null && driver == null) c.Notes.Add($"No driver is installed; CUDA {MajorMinor(cuda)} needs {minimum} or newer (Install-AutoGlmDriver).");
            var mm = MajorMinor(cuda);
            switch (c.Os.OsFamily)
            {
                case OsFamily.Debian:
                {
                    var apt = new AptTool(system);
                    var repo = LoadRepo(c, request);
                    var package = "cuda-toolkit-" + mm.Replace('.', '-');
                    if (repo.Unreadable != null)
                    {
                        var deferred = DeferredRepositorySteps(c, system, apt, repo);
                        deferred.Add(new DeferredStep("cuda.install", "install-packages", package, $"Install the CUDA {mm} toolkit at the newest {package} in the repository's index.",
                            repo.Deferral, apt.AptGet("install", "-y", "--no-install-recommends", package + "=<version from the index>")));
                        deferred.Add(new AptHoldStep("cuda.hold", $"Hold {package} so upgrades cannot move it.", apt, new[] { package }));
                        deferred.Add(CudaProfileStep(mm));
                        return new ChangePlan("install-cuda", $"CUDA toolkit {mm} (version resolved at apply time), held", deferred, c.Notes);
                    }
                    var entry = repo.Newest(package) ?? throw NotInRepository(package, repo);
                    var steps = RepositorySteps(c, system, apt, repo, entry);
                    steps.Add(new AptInstallStep("cuda.install", $"Install the CUDA {mm} toolkit at {entry.Version}.", apt, new[] { new PackageVersion(package, entry.Version) }));
                    steps.Add(new AptHoldStep("cuda.hold", $"Hold {package} so upgrades cannot move it.", apt, new[] { package }));
                    steps.Add(CudaProfileStep(mm));
                    return new ChangePlan("install-cuda", $"CUDA toolkit {mm} ({entry.Version}), held", steps, c.Notes);
                }
                case OsFamily.Rhel:
                {
                    var package = "cuda-toolkit-" + mm.Replace('.', '-');
                    var steps = DnfRepositorySteps(c, request);
                    steps.Add(RpmStep("cuda.install", $"Install the CUDA {mm} toolkit.", new[] { package }, new[] { "dnf", "install", "-y", package }));
                    steps.Add(new CommandStep("cuda.versionlock", "hold-packages", package, $"Lock {package} with dnf versionlock.",
                        new IReadOnlyList<string>[] { new[] { "dnf", "install", "-y", "python3-dnf-plugin-versionlock" }, new[] { "dnf", "versionlock", "add", package } },
                        ctx => Contains(ctx, new[] { "dnf", "versionlock", "list" }, package)));
                    steps.Add(CudaProfileStep(mm));
                    return new ChangePlan("install-cuda", $"CUDA toolkit {mm}, version-locked", steps, c.Notes);
                }
                case OsFamily.Windows:
                {
                    var installer = request.InstallerPath ?? throw new AutoGlmException("InstallerRequired", ErrorKind.InvalidArgument,
                        Messages.Format("InstallerRequired_Cuda", mm), "InstallerPath");
                    var steps = new List<PlanStep>
                    {
                        PendingRebootStep(),
                        new WindowsInstallerStep("cuda.install", $"Install the CUDA {mm} toolkit silently.", installer, new[] { "-s", "-n" },
                            new[] { "reg.exe", "query", $@"HKLM\SOFTWARE\NVIDIA Corporation\GPU Computing Toolkit\CUDA\v{mm}" }),
                    };
                    return new ChangePlan("install-cuda", $"CUDA toolkit {mm}", steps, c.Notes);
                }
                default: throw Unsupported(c.Os.Id, c.Os.Family);
            }
        }

        // ------------------------------------------------------------------ shared preparation and validation

        /// <param name="replacingDriver">The plan replaces the driver, so the installed one (and its hold) does not constrain the stack.</param>
        private static Context Prepare(DriverInstallRequest request, ISystemHost system, IEngineOutput output, bool replacingDriver)
        {
            var (matrix, profile) = request.LoadProfile();
            var resolveRequest = new ResolveRequest
            {
                Profile = profile.Id, FactsFile = request.FactsFile, Root = request.FactsFile == null ? system.Root : null,
                AllowMinorVersionCompatibility = request.AllowMinorVersionCompatibility, CommandTimeout = request.CommandTimeout, Today = request.Today,
            };
            var host = StackService.Host(resolveRequest, profile, output, matrix);
            if (host.Distro == null || host.OsVersion == null)
                throw new AutoGlmException("OperatingSystemUnknown", ErrorKind.ObjectNotFound,
                    Messages.Format("OperatingSystemUnknown"), system.Root);
            var os = matrix.FindOperatingSystem(host.Distro, host.OsVersion);
            if (os == null || os.Support == "unsupported")
                throw new AutoGlmException("UnsupportedOperatingSystem", ErrorKind.NotImplemented,
                    Messages.Format("UnsupportedOperatingSystem", host.Distro, host.OsVersion, string.Join(", ", matrix.OperatingSystems.Where(o => o.Support != "unsupported").Select(o => o.Id))), host.Distro + " " + host.OsVersion);
            if (host.Gpus.Count == 0)
                throw new AutoGlmException("NoNvidiaGpu", ErrorKind.ObjectNotFound,
                    Messages.Format("NoNvidiaGpu", (host.GpusUnknownReason != null ? " (" + host.GpusUnknownReason + ")" : "")), "gpu");
            var installedDriver = host.InstalledDriver;
            if (replacingDriver)
            {
                host.DriverVersion = null;
                host.DriverFlavor = null;
                host.DriverPinnedBy = null;
            }
            var stack = StackService.Resolve(matrix, profile, host, resolveRequest);
            if (!stack.Resolved)
                throw new AutoGlmException("NoStackFits", ErrorKind.InvalidOperation,
                    Messages.Format("NoStackFits", profile.Id, string.Join("; ", stack.Conflicts)), profile.Id);
            if (stack.Driver == null)
                throw new AutoGlmException("NoNvidiaGpu", ErrorKind.ObjectNotFound,
                    Messages.Format("NoNvidiaGpu", (host.GpusUnknownReason != null ? " (" + host.GpusUnknownReason + ")" : "")), "gpu");
            var c = new Context { Matrix = matrix, Host = host, Os = os, Stack = stack, CommandTimeout = request.CommandTimeout };
            c.Notes.AddRange(stack.Warnings);
            if (os.Support == "deprecated") c.Notes.Add($"{os.Name ?? os.Id} is deprecated for CUDA: plan a move to a supported release.");

            c.Branch = request.Branch ?? stack.Driver.Branch;
            c.BranchEntry = matrix.DriverBranches.FirstOrDefault(b => b.Branch == c.Branch)
                ?? throw new AutoGlmException("UnknownDriverBranch", ErrorKind.InvalidArgument,
                    Messages.Format("UnknownDriverBranch", c.Branch, string.Join(", ", matrix.DriverBranches.Select(b => "R" + b.Branch))), c.Branch);
            var minimum = NvidiaDriverVersion.Parse(stack.Driver.Minimum);
            if (c.Branch < minimum.Major)
                throw new AutoGlmException("DriverBranchTooOld", ErrorKind.InvalidArgument,
                    Messages.Format("DriverBranchTooOld", c.Branch, stack.Cuda, profile.Id, minimum, stack.Driver.Branch), c.Branch);
            // An offline kit holds one branch: a host that needs another is told so before the kit's version is checked against it.
            if (request.Kit != null && request.Kit.DriverBranch != null && request.Kit.DriverBranch != c.Branch)
                throw request.Kit.Mismatch("driver branch", "R" + request.Kit.DriverBranch, "R" + c.Branch);
            if (request.Version != null)
            {
                if (!NvidiaDriverVersion.TryParse(request.Version, out var v) || v.Major != c.Branch)
                    throw new AutoGlmException("DriverVersionInvalid", ErrorKind.InvalidArgument,
                        Messages.Format("DriverVersionInvalid", request.Version, c.Branch), request.Version);
                if (v.CompareTo(minimum) < 0)
                    throw new AutoGlmException("DriverBranchTooOld", ErrorKind.InvalidArgument,
                        Messages.Format("DriverBranchTooOld_Version", v, stack.Cuda, minimum), request.Version);
            }

            c.Flavor = request.Flavor ?? stack.Driver.Flavor;
            if (c.Flavor != "open" && c.Flavor != "proprietary")
                throw new AutoGlmException("DriverFlavorInvalid", ErrorKind.InvalidArgument, Messages.Format("DriverFlavorInvalid", c.Flavor), c.Flavor);
            foreach (var gpu in host.Gpus)
            {
                // A GPU seen only on PCI (no driver yet) has no reported capability: the matrix knows its architecture's.
                var entry = matrix.FindGpu(gpu.PciDeviceId, gpu.Name, gpu.HostDatabase, gpu.IdentifiedBy);
                var cc = gpu.ComputeCapability ?? (entry?.ComputeCapability is string known && known.Length > 0 ? known : null);
                var required = matrix.RequiredKernelModules(cc, gpu.Name ?? entry?.Name, entry?.KernelOpen);
                if (required != null && required != "either" && required != c.Flavor)
                    throw new AutoGlmException("DriverFlavorUnsupported", ErrorKind.InvalidArgument,
                        Messages.Format("DriverFlavorUnsupported_Gpu", gpu.Name ?? "GPU", cc, required, c.Flavor), c.Flavor);
            }
            if (c.Flavor == "open" && !c.BranchEntry.OpenModules && c.Os.OsFamily != OsFamily.Windows)
                throw new AutoGlmException("DriverFlavorUnsupported", ErrorKind.InvalidArgument,
                    Messages.Format("DriverFlavorUnsupported_Branch", c.Branch), c.Flavor);
            request.ChosenBranch = c.Branch;
            request.ChosenFlavor = c.Flavor;
            if (request.Kit != null && request.Kit.DriverFlavor != null && request.Kit.DriverFlavor != c.Flavor)
                throw request.Kit.Mismatch("driver flavor", request.Kit.DriverFlavor, c.Flavor);
            if (request.RepositoryKeyring != null)
            {
                if (c.Os.OsFamily != OsFamily.Debian)
                    throw new AutoGlmException("RepositoryKeyringAptOnly", ErrorKind.InvalidArgument,
                        Messages.Format("RepositoryKeyringAptOnly", c.Os.Id), request.RepositoryKeyring);
                // Read and checked here, before any repository is read and before anything changes; also in a preview.
                c.Keyring = RepositoryKeyring.Load(request.RepositoryKeyring);
                c.KeyringFile = request.RepositoryKeyring;
            }
            return c;
        }

        private static AutoGlmException Unsupported(string os, string family) =>
            new AutoGlmException("UnsupportedOperatingSystem", ErrorKind.NotImplemented, Messages.Format("UnsupportedOperatingSystem_NoInstallPath", os, family), os);

        private static AutoGlmException NotInRepository(string package, AptRepository repo) =>
            new AutoGlmException("PackageNotInRepository", ErrorKind.ObjectNotFound,
                Messages.Format("PackageNotInRepository", AptRepository.Redact(repo.Url), package), package);

        private static string MajorMinor(string version)
        {
            var parts = version.Split('.');
            return parts.Length >= 2 ? parts[0] + "." + parts[1] : version;
        }

        private static string Upstream(string debianVersion) => DebianVersion.Parse(debianVersion).Upstream;

        // ------------------------------------------------------------------ apt

        private static AptRepository LoadRepo(Context c, DriverInstallRequest request)
        {
            if (request.RepositoryUrl == null && c.Os.CudaRepo == null)
                throw new AutoGlmException("RepositoryUnknown", ErrorKind.InvalidArgument, Messages.Format("RepositoryUnknown", c.Os.Id), c.Os.Id);
            var url = request.RepositoryUrl ?? AptRepository.NvidiaUrl(c.Os.CudaRepo!, c.Host.Architecture ?? "x86_64");
            try
            {
                return request.Repository = AptRepository.Load(url, request.CommandTimeout);
            }
            catch (AutoGlmException ex) when (request.Preview && ex.ErrorId == "RepositoryUnreachable")
            {
                // A preview needs no network: the plan is complete, and says which versions the apply reads from the index.
                var repo = AptRepository.Unread(url, ex.Message);
                c.Notes.Add($"{AptRepository.Redact(repo.Url)} could not be read, so the exact versions are resolved from it at apply time (the steps marked so). " +
                    "This preview needs no network; applying does, or a reachable mirror (-RepositoryUrl / --repository-url).");
                return repo;
            }
        }

        /// <summary>The repository steps of a preview whose repository could not be read: the keyring's version is not known yet.</summary>
        private static List<PlanStep> DeferredRepositorySteps(Context c, ISystemHost system, AptTool apt, AptRepository repo)
        {
            return new List<PlanStep>
            {
                c.Keyring != null ? RepositoryKeyring.Step(c.Keyring, c.KeyringFile!) :
                new DeferredStep("repo.keyring", "install-packages", "cuda-keyring",
                    $"Install NVIDIA's repository signing key: the newest cuda-keyring in the repository's index, downloaded from {AptRepository.Redact(repo.Url)} and checked against the index's SHA-256; then the key's expiry is checked.",
                    repo.Deferral, apt.Dpkg("-i", "/var/lib/autoglm/downloads/cuda-keyring_<version from the index>_all.deb")),
                SourceStep(c, system, repo),
                UpdateStep(apt, ctx => StepCheck.Needed(repo.Deferral)),
            };
        }

        private static List<PlanStep> RepositorySteps(Context c, ISystemHost system, AptTool apt, AptRepository repo, AptIndexEntry probe)
        {
            return new List<PlanStep>
            {
                c.Keyring != null ? RepositoryKeyring.Step(c.Keyring, c.KeyringFile!)
                    : new KeyringStep(apt, repo, repo.Newest("cuda-keyring") ?? throw NotInRepository("cuda-keyring", repo)),
                SourceStep(c, system, repo),
                UpdateStep(apt, ctx => ctx.Run(apt.AptCache("show", $"{probe.Package}={probe.Version}"), check: false).Succeeded
                    ? StepCheck.Satisfied($"apt knows {probe.Package} {probe.Version}")
                    : StepCheck.Needed($"apt does not know {probe.Package} {probe.Version} yet")),
            };
        }

        // apt reads signed-by as a real path, also when pointed at an isolated root.
        private static PlanStep SourceStep(Context c, ISystemHost system, AptRepository repo) =>
            new WriteFileStep("repo.source", c.Keyring != null ? "Add the driver repository, signed by the key given for it." : "Add NVIDIA's CUDA repository, signed by its keyring.",
                new PlannedFile("/etc/apt/sources.list.d/autoglm-cuda.list", "# Written by AutoGlm: NVIDIA's CUDA repository (or the site's mirror of it).\n" +
                    $"deb [signed-by={system.MapPath(c.Keyring != null ? RepositoryKeyring.KeyringPath : KeyringStep.KeyringPath)}] {repo.SourceLocation}\n", 0x1A4));

        /// <summary>Debian's archive keyring (package debian-archive-keyring, on every Debian system) signs deb.debian.org.</summary>
        public const string DebianArchiveKeyringPath = "/usr/share/keyrings/debian-archive-keyring.gpg";
        public const string DebianSourcePath = "/etc/apt/sources.list.d/autoglm-debian-nvidia.list";

        // ------------------------------------------------------------------ apt: Debian's own packages (debian-archive)

        /// <summary>
        /// Debian's archive, or a mirror given with --repository-url: a suite mirror (dists/SUITE/...) or a flat one (Packages
        /// at its root, as an offline kit or the tests build). Flat is tried first for a given URL, then the suite layout.
        /// </summary>
        private static AptRepository LoadDebianRepo(Context c, DriverInstallRequest request, DriverPackagingEntry packaging)
        {
            var arch = AptRepository.DebianArchitecture(c.Host.Architecture);
            var url = request.RepositoryUrl ?? AptRepository.DebianArchiveUrl;
            var components = packaging.Components!;
            try
            {
                if (request.RepositoryUrl != null)
                {
                    try { return request.Repository = AptRepository.Load(url, request.CommandTimeout); }
                    catch (AutoGlmException ex) when (ex.ErrorId == "RepositoryUnreachable") { /* not flat: try the suite layout */ }
                }
                return request.Repository = AptRepository.LoadSuite(url, packaging.Suite!, components, arch, request.CommandTimeout);
            }
            catch (AutoGlmException ex) when (request.Preview && ex.ErrorId == "RepositoryUnreachable")
            {
                var repo = AptRepository.UnreadSuite(url, packaging.Suite!, components, ex.Message);
                c.Notes.Add($"{AptRepository.Redact(repo.Url)} could not be read, so the exact versions are resolved from it at apply time (the steps marked so). " +
                    "This preview needs no network; applying does, or a reachable mirror (-RepositoryUrl / --repository-url).");
                return repo;
            }
        }

        private static ChangePlan DebianArchiveDriverPlan(Context c, DriverInstallRequest request, ISystemHost system, AptTool apt, DriverPackagingEntry packaging)
        {
            string B(string x) => x.Replace("{branch}", c.Branch.ToString(CultureInfo.InvariantCulture));
            var meta = B((c.Flavor == "open" ? packaging.Open : packaging.Proprietary) ?? packaging.Open ?? packaging.Proprietary!);
            var kernel = (c.Flavor == "open" ? packaging.OpenKernel : packaging.ProprietaryKernel) is string k ? B(k) : null;
            // The names that move together: the driver, its kernel module package (the open one must be named: nvidia-driver's
            // Depends prefers nvidia-kernel-dkms), and the pieces that must equal the module (firmware, libcuda1, NVML, nvidia-smi).
            var names = new List<string> { meta };
            if (kernel != null) names.Add(kernel);
            foreach (var w in packaging.WithPackages ?? new List<string>()) if (!names.Contains(B(w))) names.Add(B(w));
            var recorded = system.ReadFile(PinRecordPath);
            var pinned = request.Version ?? (recorded.Ok && request.Branch == null ? RecordedVersion(recorded.Text!, meta) : null);
            bool InBranch(string v) => Upstream(v).StartsWith(c.Branch + ".", StringComparison.Ordinal) && (pinned == null || Upstream(v) == pinned);
            var repo = LoadDebianRepo(c, request, packaging);
            var keyringPath = c.Keyring != null ? RepositoryKeyring.KeyringPath : DebianArchiveKeyringPath;
            var steps = new List<PlanStep>();
            if (c.Keyring != null) steps.Add(RepositoryKeyring.Step(c.Keyring, c.KeyringFile!));
            steps.Add(new WriteFileStep("repo.source", $"Add Debian's {packaging.Suite} {string.Join(" ", packaging.Components!)} (or the site's mirror of it), signed by {keyringPath}.",
                new PlannedFile(DebianSourcePath, $"# Written by AutoGlm: Debian's own NVIDIA packages ({packaging.Suite} {string.Join(" ", packaging.Components!)}).\n" +
                    $"deb [signed-by={system.MapPath(keyringPath)}] {repo.SourceLocation}\n", 0x1A4)));
            c.Notes.Add($"R{c.Branch} on {c.Os.Name ?? c.Os.Id} comes from Debian's own packages ({meta}, {packaging.Suite}; matrix entry {packaging.Id}), not NVIDIA's CUDA repository.");

            if (repo.Unreadable != null)
            {
                var wanted = pinned ?? $"the newest R{c.Branch} version";
                steps.Add(UpdateStep(apt, ctx => StepCheck.Needed(repo.Deferral)));
                steps.Add(new DeferredStep("driver.pin", "write-file", "/etc/apt/preferences.d/autoglm-nvidia-driver",
                    $"Pin {string.Join(" ", names)} to {wanted} in the repository's index before installing them (priority 1001).", repo.Deferral));
                var deferredMok = HostDriverSteps(c, system, apt, steps);
                steps.Add(new DeferredStep("driver.install", "install-packages", string.Join(" ", names), $"Install Debian's NVIDIA {c.Flavor} driver {wanted} (R{c.Branch}).", repo.Deferral,
                    apt.AptGet(new[] { "install", "-y", "--no-install-recommends", "--allow-downgrades", "--allow-change-held-packages" }.Concat(names.Select(n => n + "=<version from the index>")).ToArray())));
                steps.Add(new AptHoldStep("driver.hold", "Hold the driver packages so apt upgrades cannot move them.", apt, names));
                steps.Add(new DeferredStep("driver.record", "write-file", PinRecordPath, "Record the pinned driver, so a later run restores exactly this version.", repo.Deferral));
                var expected = pinned ?? c.Branch + ".";
                steps.Add(new DriverVerifyStep(expected, RebootReason(system, expected, deferredMok), system));
                return new ChangePlan("install-driver", $"NVIDIA driver {wanted} ({c.Flavor}, R{c.Branch}, Debian {packaging.Suite}), pinned; versions resolved at apply time", steps, c.Notes);
            }

            var metaEntry = repo.Newest(meta, InBranch)
                ?? throw new AutoGlmException("DriverVersionNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("DriverVersionNotFound", AptRepository.Redact(repo.Url), meta, (request.Version ?? "R" + c.Branch), string.Join(", ", repo.Entries.Where(e => e.Package == meta).Select(e => e.Version))), request.Version ?? meta);
            var version = Upstream(metaEntry.Version);
            var minimum = NvidiaDriverVersion.Parse(c.Stack.Driver!.Minimum);
            if (NvidiaDriverVersion.Parse(version).CompareTo(minimum) < 0)
                throw new AutoGlmException("DriverBranchTooOld", ErrorKind.InvalidArgument, Messages.Format("DriverBranchTooOld_Repository", c.Branch, version, minimum, c.Stack.Cuda), version);
            // Every name at the driver's exact Debian version: one source package (nvidia-graphics-drivers) builds them all.
            var held = new List<PackageVersion>();
            foreach (var n in names)
            {
                if (repo.Find(n, metaEntry.Version) != null) held.Add(new PackageVersion(n, metaEntry.Version));
                else if (n == kernel) throw NotInRepository($"{n}={metaEntry.Version}", repo);
                else c.Notes.Add($"{n} {metaEntry.Version} is not in {AptRepository.Redact(repo.Url)}: it is neither installed nor pinned by this plan.");
            }
            steps.Add(UpdateStep(apt, ctx => ctx.Run(apt.AptCache("show", $"{metaEntry.Package}={metaEntry.Version}"), check: false).Succeeded
                ? StepCheck.Satisfied($"apt knows {metaEntry.Package} {metaEntry.Version}")
                : StepCheck.Needed($"apt does not know {metaEntry.Package} {metaEntry.Version} yet")));
            steps.Add(new WriteFileStep("driver.pin", $"Pin Debian's driver packages to {metaEntry.Version} before installing them (priority 1001 also brings a moved package back).",
                new PlannedFile("/etc/apt/preferences.d/autoglm-nvidia-driver",
                    "# Written by AutoGlm: keep the NVIDIA driver at the version the compatibility matrix resolved.\n" +
                    $"Package: {string.Join(" ", held.Select(h => h.Name))}\nPin: version {metaEntry.Version}\nPin-Priority: 1001\n", 0x1A4)));
            bool mok = HostDriverSteps(c, system, apt, steps);
            steps.Add(new AptInstallStep("driver.install", $"Install Debian's NVIDIA {c.Flavor} driver {version} (R{c.Branch}, {packaging.Suite}) with {kernel ?? "its kernel module"}.", apt, held));
            steps.Add(new AptHoldStep("driver.hold", "Hold the driver packages so apt upgrades cannot move them.", apt, held.Select(h => h.Name).ToList()));
            steps.Add(new WriteFileStep("driver.record", "Record the pinned driver, so a later run restores exactly this version.",
                new PlannedFile(PinRecordPath, "# Written by AutoGlm: the driver version install-driver pinned.\n" + string.Join("", held.Select(h => h.Spec + "\n")), 0x1A4)));
            steps.Add(new DriverVerifyStep(version, RebootReason(system, version, mok), system));
            if (pinned != null && request.Version == null) c.Notes.Add($"Keeping the driver pinned earlier ({pinned}, recorded in {PinRecordPath}); pass -DriverVersion or -Branch to move it.");
            return new ChangePlan("install-driver", $"NVIDIA driver {version} ({c.Flavor}, R{c.Branch}, Debian {packaging.Suite}), pinned", steps, c.Notes);
        }

        private static PlanStep UpdateStep(AptTool apt, Func<StepContext, StepCheck> test) =>
            new CommandStep("repo.update", "run", "apt lists", "Refresh the package lists; apt checks the repository's signature against the keyring.",
                new[] { apt.AptGet("update") }, test);

        private static ChangePlan AptDriverPlan(Context c, DriverInstallRequest request, ISystemHost system)
        {
            var apt = new AptTool(system);
            var packaging = c.Matrix.FindPackaging("debian", c.Branch, c.Os.Id)
                ?? throw new AutoGlmException("DriverPackagingUnknown", ErrorKind.NotImplemented, Messages.Format("DriverPackagingUnknown_Apt", c.Branch), c.Branch);
            if (packaging.RepositoryKind() == DriverPackagingEntry.DebianArchive) return DebianArchiveDriverPlan(c, request, system, apt, packaging);
            string B(string s) => s.Replace("{branch}", c.Branch.ToString(CultureInfo.InvariantCulture));
            var meta = B((c.Flavor == "open" ? packaging.Open : packaging.Proprietary) ?? packaging.Open
                ?? throw new AutoGlmException("DriverPackagingUnknown", ErrorKind.NotImplemented, Messages.Format("DriverPackagingUnknown_Flavor", c.Flavor, c.Branch), c.Branch));
            // Re-running restores the version pinned last time (recorded below) unless another is asked for.
            var recorded = system.ReadFile(PinRecordPath);
            var pinned = request.Version ?? (recorded.Ok && request.Branch == null ? RecordedVersion(recorded.Text!, meta) : null);
            bool InBranch(string v) => Upstream(v).StartsWith(c.Branch + ".", StringComparison.Ordinal)
                && (pinned == null || Upstream(v) == pinned);
            var repo = LoadRepo(c, request);
            if (repo.Unreadable != null) return DeferredAptDriverPlan(c, system, apt, repo, packaging, meta, pinned, B);
            var metaEntry = repo.Newest(meta, InBranch)
                ?? throw new AutoGlmException("DriverVersionNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("DriverVersionNotFound", AptRepository.Redact(repo.Url), meta, (request.Version ?? "R" + c.Branch), string.Join(", ", repo.Entries.Where(e => e.Package == meta).Select(e => e.Version))), request.Version ?? meta);
            var version = Upstream(metaEntry.Version);
            var minimum = NvidiaDriverVersion.Parse(c.Stack.Driver!.Minimum);
            if (NvidiaDriverVersion.Parse(version).CompareTo(minimum) < 0)
                throw new AutoGlmException("DriverBranchTooOld", ErrorKind.InvalidArgument, Messages.Format("DriverBranchTooOld_Repository", c.Branch, version, minimum, c.Stack.Cuda), version);

            // The packages to pin and hold: the meta package plus the libraries NVIDIA's packaging names, at the same version.
            var held = new List<PackageVersion> { new PackageVersion(meta, metaEntry.Version) };
            foreach (var argv in packaging.PinCommands ?? new List<List<string>>())
                foreach (var name in argv.Skip(2).Select(B).Where(n => !n.StartsWith("-", StringComparison.Ordinal)))
                    if (packaging.Pin == "apt-hold" && repo.Find(name, metaEntry.Version) != null && held.All(h => h.Name != name))
                        held.Add(new PackageVersion(name, metaEntry.Version));

            var steps = RepositorySteps(c, system, apt, repo, metaEntry);
            if (packaging.Pin == "pinning-package")
            {
                var pinName = NvidiaPackages.PinningPrefix + c.Branch;
                var pin = repo.Newest(pinName) ?? throw NotInRepository(pinName, repo);
                steps.Add(new AptInstallStep("driver.pin", $"Pin the driver to branch R{c.Branch} with NVIDIA's pinning package, before the driver is installed.", apt, new[] { new PackageVersion(pinName, pin.Version) }));
            }
            else
            {
                steps.Add(new WriteFileStep("driver.pin", $"Pin the driver packages to {metaEntry.Version} before installing them (priority 1001 also brings a moved package back).",
                    new PlannedFile("/etc/apt/preferences.d/autoglm-nvidia-driver",
                        "# Written by AutoGlm: keep the NVIDIA driver at the version the compatibility matrix resolved.\n" +
                        $"Package: {string.Join(" ", held.Select(h => h.Name))}\nPin: version {metaEntry.Version}\nPin-Priority: 1001\n", 0x1A4)));
            }

            bool mok = HostDriverSteps(c, system, apt, steps);
            steps.Add(new AptInstallStep("driver.install", $"Install the NVIDIA {c.Flavor} driver {version} (R{c.Branch}).", apt, held));
            steps.Add(new AptHoldStep("driver.hold", "Hold the driver packages so apt upgrades cannot move them.", apt, held.Select(h => h.Name).ToList()));
            steps.Add(new WriteFileStep("driver.record", "Record the pinned driver, so a later run restores exactly this version.",
                new PlannedFile(PinRecordPath, "# Written by AutoGlm: the driver version install-driver pinned.\n" + string.Join("", held.Select(h => h.Spec + "\n")), 0x1A4)));
            steps.Add(new DriverVerifyStep(version, RebootReason(system, version, mok), system));
            if (pinned != null && request.Version == null) c.Notes.Add($"Keeping the driver pinned earlier ({pinned}, recorded in {PinRecordPath}); pass -DriverVersion or -Branch to move it.");
            return new ChangePlan("install-driver", $"NVIDIA driver {version} ({c.Flavor}, R{c.Branch}), pinned", steps, c.Notes);
        }

        /// <summary>
        /// The driver plan of a preview whose repository could not be read: every step the apply will take, the ones
        /// that need the index's exact version marked as resolved at apply time.
        /// </summary>
        private static ChangePlan DeferredAptDriverPlan(Context c, ISystemHost system, AptTool apt, AptRepository repo, DriverPackagingEntry packaging,
            string meta, string? pinned, Func<string, string> branch)
        {
            var wanted = pinned ?? $"the newest R{c.Branch} version";
            // The libraries NVIDIA's packaging pins with the meta package; which of them the repository has is known at apply time.
            var names = new List<string> { meta };
            foreach (var argv in packaging.PinCommands ?? new List<List<string>>())
                foreach (var name in argv.Skip(2).Select(branch).Where(n => !n.StartsWith("-", StringComparison.Ordinal)))
                    if (packaging.Pin == "apt-hold" && !names.Contains(name)) names.Add(name);
            var steps = DeferredRepositorySteps(c, system, apt, repo);
            steps.Add(packaging.Pin == "pinning-package"
                ? new DeferredStep("driver.pin", "install-packages", NvidiaPackages.PinningPrefix + c.Branch,
                    $"Pin the driver to branch R{c.Branch} with NVIDIA's pinning package, before the driver is installed.", repo.Deferral,
                    apt.AptGet("install", "-y", NvidiaPackages.PinningPrefix + c.Branch + "=<version from the index>"))
                : new DeferredStep("driver.pin", "write-file", "/etc/apt/preferences.d/autoglm-nvidia-driver",
                    $"Pin {string.Join(" ", names)} to {wanted} in the repository's index before installing them (priority 1001).", repo.Deferral));
            var mok = HostDriverSteps(c, system, apt, steps);
            steps.Add(new DeferredStep("driver.install", "install-packages", string.Join(" ", names),
                $"Install the NVIDIA {c.Flavor} driver {wanted} (R{c.Branch}).", repo.Deferral,
                apt.AptGet(new[] { "install", "-y", "--no-install-recommends", "--allow-downgrades", "--allow-change-held-packages" }.Concat(names.Select(n => n + "=<version from the index>")).ToArray())));
            steps.Add(new AptHoldStep("driver.hold", "Hold the driver packages so apt upgrades cannot move them.", apt, names));
            steps.Add(new DeferredStep("driver.record", "write-file", PinRecordPath, "Record the pinned driver, so a later run restores exactly this version.", repo.Deferral));
            var version = pinned ?? c.Branch + ".";
            steps.Add(new DriverVerifyStep(version, RebootReason(system, version, mok), system));
            return new ChangePlan("install-driver", $"NVIDIA driver {wanted} ({c.Flavor}, R{c.Branch}), pinned; versions resolved at apply time", steps, c.Notes);
        }

        /// <summary>Kernel headers and DKMS, the nouveau blacklist, unattended-upgrades and the MOK step; true when the MOK step was added.</summary>
        private static bool HostDriverSteps(Context c, ISystemHost system, AptTool apt, List<PlanStep> steps)
        {
            var kernels = Kernels(system);
            var headerPackages = new List<PackageVersion>();
            foreach (var k in kernels.Distinct())
            {
                headerPackages.Add(new PackageVersion((c.Os.KernelHeaders ?? "linux-headers-{kernel}").Replace("{kernel}", k), null));
            }
            headerPackages.Add(new PackageVersion("dkms", null));
            steps.Add(new AptInstallStep("kernel.headers", $"Install DKMS and the kernel headers for {(kernels.Count > 0 ? string.Join(" and ", kernels.Distinct()) : "the running kernel")} (running and newest installed), so the module builds now and after the next boot.",
                apt, headerPackages));

            steps.Add(NouveauBlacklistStep(OsFamily.Debian));
            steps.Add(UnattendedUpgradesStep());
            var mok = SecureBootStep(c, system, c.CommandTimeout);
            if (mok != null) steps.Add(mok);
            return mok != null;
        }

        public const string PinRecordPath = "/var/lib/autoglm/pins/driver";

        /// <summary>The nouveau blacklist and the initramfs rebuild that makes it stick (also used by the driver repair).</summary>
        internal static PlanStep NouveauBlacklistStep(OsFamily family) =>
            new FileThenRunStep("nouveau.blacklist", "Keep nouveau off the GPU and rebuild the initramfs without it.",
                new PlannedFile("/etc/modprobe.d/autoglm-blacklist-nouveau.conf", "# Written by AutoGlm: nouveau must not claim the NVIDIA GPU.\nblacklist nouveau\noptions nouveau modeset=0\n", 0x1A4),
                new[] { family == OsFamily.Rhel ? (IReadOnlyList<string>)new[] { "dracut", "-f" } : new[] { "update-initramfs", "-u" } });

        /// <summary>unattended-upgrades leaves the NVIDIA driver and CUDA packages alone (also a repair prevention step).</summary>
        internal static PlanStep UnattendedUpgradesStep() =>
            new WriteFileStep("driver.unattended-upgrades", "Keep unattended-upgrades away from the NVIDIA driver and CUDA packages.",
                new PlannedFile("/etc/apt/apt.conf.d/51autoglm-nvidia",
                    "// Written by AutoGlm: the NVIDIA driver and CUDA are pinned; upgrade them with Install-AutoGlmDriver.\n" +
                    "Unattended-Upgrade::Package-Blacklist {\n    \"nvidia-\";\n    \"libnvidia-\";\n    \"cuda-\";\n};\n", 0x1A4));

        /// <summary>The DKMS signing key's MOK enrolment step for a distribution (Ubuntu: shim-signed's key; others: DKMS's own).</summary>
        internal static MokStep MokStepFor(string? distro) => distro == "ubuntu"
            ? new MokStep("/var/lib/shim-signed/mok/MOK.priv", "/var/lib/shim-signed/mok/MOK.der")
            : new MokStep("/var/lib/dkms/mok.key", "/var/lib/dkms/mok.pub");

        private static string? RecordedVersion(string text, string package)
        {
            foreach (var line in text.Split('\n'))
            {
                var t = line.Trim();
                if (t.StartsWith(package + "=", StringComparison.Ordinal)) return Upstream(t.Substring(package.Length + 1));
            }
            return null;
        }

        /// <summary>The running kernel and the newest installed one (the next boot), newest last.</summary>
        internal static List<string> Kernels(ISystemHost system)
        {
            var list = new List<string>();
            var running = system.ReadFile("/proc/sys/kernel/osrelease");
            if (running.Ok) list.Add(running.Text!.Trim());
            var installed = (system.ListDirectory("/lib/modules") ?? Array.Empty<string>())
                .OrderBy(k => k, Comparer<string>.Create(CompareKernels)).ToList();
            if (installed.Count > 0 && !list.Contains(installed[installed.Count - 1])) list.Add(installed[installed.Count - 1]);
            return list;
        }

        // "6.8.0-45-generic" < "6.8.0-101-generic": compare the numeric runs as numbers.
        internal static int CompareKernels(string a, string b)
        {
            var x = Regex.Matches(a, @"\d+|\D+").Cast<Match>().Select(m => m.Value).ToList();
            var y = Regex.Matches(b, @"\d+|\D+").Cast<Match>().Select(m => m.Value).ToList();
            for (int i = 0; i < Math.Min(x.Count, y.Count); i++)
            {
                int r = long.TryParse(x[i], out var nx) && long.TryParse(y[i], out var ny) ? nx.CompareTo(ny) : string.CompareOrdinal(x[i], y[i]);
                if (r != 0) return r;
            }
            return x.Count.CompareTo(y.Count);
        }

        private static string? RebootReason(ISystemHost system, string version, bool mokQueued)
        {
            if (system.ListDirectory("/sys/module/nouveau") != null) return "nouveau holds the GPU until the next boot";
            var loaded = system.ReadFile("/sys/module/nvidia/version");
            if (loaded.Ok && !DriverVerifyStep.Matches(loaded.Text!.Trim(), version)) return $"driver {loaded.Text!.Trim()} is loaded and in use until the next boot";
            if (mokQueued) return "the new module signing key is enrolled at the next boot (MokManager)";
            return null;
        }

        private static PlanStep? SecureBootStep(Context c, ISystemHost system, TimeSpan timeout)
        {
            // The same reader as the secureboot probe and check, so plan and check agree.
            var sb = SecureBootState.Read(system, timeout);
            if (!sb.Known)
            {
                c.Notes.Add($"Secure Boot state unknown ({sb.UnknownReason}): if it is on, the DKMS signing key must be enrolled (mokutil --import) before the module loads.");
                return null;
            }
            if (!sb.EnforcesModuleSignatures) return null;
            // Ubuntu's DKMS signs with shim-signed's MOK; Debian's with its own key pair.
            return MokStepFor(c.Os.Distro);
        }

        private static PlanStep CudaProfileStep(string mm) =>
            new WriteFileStep("cuda.environment", $"Put CUDA {mm}'s tools and libraries on the path for login shells.",
                new PlannedFile("/etc/profile.d/autoglm-cuda.sh",
                    $"# Written by AutoGlm: CUDA {mm} from the pinned toolkit.\nexport CUDA_HOME=/usr/local/cuda-{mm}\nexport PATH=\"$CUDA_HOME/bin:$PATH\"\n", 0x1A4));

        // ------------------------------------------------------------------ dnf

        private static List<PlanStep> DnfRepositorySteps(Context c, DriverInstallRequest request)
        {
            if (request.RepositoryUrl != null) AptRepository.ValidateUrl(request.RepositoryUrl);
            var repoName = c.Os.CudaRepo ?? throw new AutoGlmException("RepositoryUnknown", ErrorKind.InvalidArgument, Messages.Format("RepositoryUnknown_Dnf", c.Os.Id), c.Os.Id);
            var baseUrl = request.RepositoryUrl ?? AptRepository.NvidiaUrl(repoName, c.Host.Architecture ?? "x86_64");
            var repoFile = $"/etc/yum.repos.d/cuda-{repoName}.repo";
            return new List<PlanStep>
            {
                new CommandStep("repo.add", "run", repoFile, "Add NVIDIA's CUDA repository (dnf checks its signature with the key the .repo file names).",
                    new IReadOnlyList<string>[] { new[] { "dnf", "config-manager", "--add-repo", (baseUrl.EndsWith("/") ? baseUrl : baseUrl + "/") + $"cuda-{repoName}.repo" } },
                    ctx => ctx.System.ReadFile(repoFile).Exists ? StepCheck.Satisfied(repoFile + " exists") : StepCheck.Needed(repoFile + " does not exist")),
            };
        }

        private static PlanStep RpmStep(string id, string description, IReadOnlyList<string> packages, IReadOnlyList<string> install) =>
            new CommandStep(id, "install-packages", string.Join(" ", packages), description, new[] { install },
                ctx => ctx.Run(new[] { "rpm", "-q" }.Concat(packages).ToList(), check: false).Succeeded
                    ? StepCheck.Satisfied(string.Join(", ", packages) + " installed")
                    : StepCheck.Needed(string.Join(", ", packages) + " not (all) installed"));

        private static StepCheck Contains(StepContext ctx, IReadOnlyList<string> argv, string needle)
        {
            var r = ctx.Run(argv, check: false);
            return r.Succeeded && r.Stdout.Contains(needle) ? StepCheck.Satisfied($"'{Hosting.ArgvText.Join(argv)}' lists {needle}") : StepCheck.Needed($"'{Hosting.ArgvText.Join(argv)}' does not list {needle}");
        }

        private static ChangePlan DnfDriverPlan(Context c, DriverInstallRequest request, ISystemHost system)
        {
            var packaging = c.Matrix.FindPackaging("rhel", c.Branch)
                ?? throw new AutoGlmException("DriverPackagingUnknown", ErrorKind.NotImplemented, Messages.Format("DriverPackagingUnknown_Dnf", c.Branch), c.Branch);
            string B(string s) => s.Replace("{branch}", c.Branch.ToString(CultureInfo.InvariantCulture));
            var steps = DnfRepositorySteps(c, request);
            var kernel = Kernels(system).FirstOrDefault() ?? "$(uname -r)";
            steps.Add(RpmStep("kernel.headers", $"Install DKMS prerequisites: kernel-devel and kernel-headers for {kernel}.",
                new[] { "kernel-devel-" + kernel, "kernel-headers-" + kernel }, new[] { "dnf", "install", "-y", "kernel-devel-" + kernel, "kernel-headers-" + kernel }));
            steps.Add(NouveauBlacklistStep(OsFamily.Rhel));
            bool streams = packaging.Pin == "dnf-module" && !(c.Os.Version.StartsWith("10", StringComparison.Ordinal));
            string version = request.Version ?? $"R{c.Branch}";
            if (streams)
            {
                var stream = B((c.Flavor == "open" ? packaging.Open : packaging.Proprietary) ?? packaging.Open!);
                steps.Add(new CommandStep("driver.install", "install-packages", stream,
                    $"Install the NVIDIA {c.Flavor} driver from the module stream {stream}; the stream pins the branch.",
                    new IReadOnlyList<string>[] { new[] { "dnf", "module", "install", "-y", stream } },
                    ctx => Contains(ctx, new[] { "dnf", "module", "list", "--installed", "nvidia-driver" }, stream.Split(':')[1])));
            }
            else
            {
                var package = c.Flavor == "open" ? "nvidia-open" : "cuda-drivers";
                c.Notes.Add($"The RHEL package name '{package}' for R{c.Branch} follows NVIDIA's apt naming from 590; NVIDIA's RHEL names for 590+ are not in the matrix's sources (unverified).");
                steps.Add(RpmStep("driver.install", $"Install the NVIDIA {c.Flavor} driver (R{c.Branch}).", new[] { package }, new[] { "dnf", "install", "-y", package }));
                steps.Add(new CommandStep("driver.pin", "hold-packages", $"*nvidia*{c.Branch}*", $"Lock the driver to R{c.Branch} with dnf versionlock.",
                    (packaging.PinCommands ?? new List<List<string>> { new List<string> { "dnf", "versionlock", "add", $"*nvidia*{c.Branch}*" } }).Select(a => (IReadOnlyList<string>)a.Select(B).ToList()).ToList(),
                    ctx => Contains(ctx, new[] { "dnf", "versionlock", "list" }, "nvidia")));
            }
            var mok = SecureBootStep(c, system, request.CommandTimeout);
            if (mok != null) steps.Insert(steps.Count - (streams ? 1 : 2), mok);
            var expected = request.Version ?? c.Branch + ".";
            steps.Add(new DriverVerifyStep(expected, RebootReason(system, expected, mok != null), system));
            c.Notes.Add(streams
                ? $"dnf picks the newest driver in the {c.Branch} stream; the stream keeps later updates inside R{c.Branch}."
                : $"dnf versionlock keeps the driver inside R{c.Branch}.");
            return new ChangePlan("install-driver", $"NVIDIA driver {version} ({c.Flavor}), pinned", steps, c.Notes);
        }

        // ------------------------------------------------------------------ windows

        private static PlanStep PendingRebootStep() =>
            new CommandStep("windows.pending-reboot", "verify", "pending reboot",
                "Make sure no reboot is pending from earlier updates: installers fail or half-install otherwise.",
                new IReadOnlyList<string>[] { new[] { "reg.exe", "query", @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending" } },
                ctx => ctx.Run(new[] { "reg.exe", "query", @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending" }, check: false).ExitCode == 1
                    && ctx.Run(new[] { "reg.exe", "query", @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired" }, check: false).ExitCode == 1
                    ? StepCheck.Satisfied("no reboot pending")
                    : StepCheck.Needed("a reboot is pending (Component Based Servicing or Windows Update)"),
                requiresReboot: true);

        private static ChangePlan WindowsDriverPlan(Context c, DriverInstallRequest request, ISystemHost system)
        {
            var installer = request.InstallerPath ?? throw new AutoGlmException("InstallerRequired", ErrorKind.InvalidArgument,
                Messages.Format("InstallerRequired_Driver", c.Branch), "InstallerPath");
            const string policyKey = @"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate";
            var steps = new List<PlanStep>
            {
                PendingRebootStep(),
                new RegistryValueStep("driver.windows-update", "Stop Windows Update from replacing the driver (ExcludeWUDriversInQualityUpdate; it holds back every driver update from Windows Update).",
                    policyKey, "ExcludeWUDriversInQualityUpdate", "1"),
                new WindowsInstallerStep("driver.install", $"Install the NVIDIA driver (R{c.Branch}) silently, without a reboot.", installer, new[] { "-s", "-noreboot", "-clean" },
                    new[] { "nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader" }),
            };
            c.Notes.Add("ExcludeWUDriversInQualityUpdate applies to all drivers on this host, not only NVIDIA's; rollback restores the previous value.");
            return new ChangePlan("install-driver", $"NVIDIA driver R{c.Branch} ({c.Flavor}), protected from Windows Update", steps, c.Notes);
        }
    }
}
