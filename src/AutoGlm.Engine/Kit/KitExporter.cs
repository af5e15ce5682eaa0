using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Git;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Platforms;
using AutoGlm.Engine.Python;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Kit
{
    /// <summary>What `autoglm kit export` and Export-AutoGlmOfflineKit ask.</summary>
    public sealed class KitExportRequest : ProfileRequest
    {
        /// <summary>The kit's folder; made new (an existing non-empty one only with Force).</summary>
        public string Output { get; set; } = "";
        /// <summary>The target host's facts (docs/resolve.md): its OS, architecture and GPUs choose the driver.</summary>
        public string FactsFile { get; set; } = "";
        /// <summary>The target's kernel release: its headers are added to the kit when the driver repository has them.</summary>
        public string? Kernel { get; set; }
        /// <summary>The driver repository to take the packages from: NVIDIA's for the target by default, or a mirror.</summary>
        public string? DriverRepositoryUrl { get; set; }
        /// <summary>The driver repository's public key, when it is not signed by NVIDIA's cuda-keyring (a mirror, Debian's archive); carried in the kit.</summary>
        public string? DriverRepositoryKeyring { get; set; }
        public bool CudaToolkit { get; set; }
        /// <summary>The driver branch and flavor instead of the resolver's choice; the install from the kit then uses them too.</summary>
        public int? DriverBranch { get; set; }
        public string? Flavor { get; set; }
        /// <summary>The hash-locked requirements (`autoglm venv lock --facts`), and a wheelhouse holding every locked wheel.</summary>
        public string LockFile { get; set; } = "";
        public string Wheelhouse { get; set; } = "";
        public string? RepositoryUrl { get; set; }
        public string? Ref { get; set; }
        public bool AllowLocalRepository { get; set; }
        /// <summary>The model's manifest (sizes and sha256); with ModelPath the weights themselves are added.</summary>
        public string? ModelManifest { get; set; }
        public string? ModelPath { get; set; }
        public bool Force { get; set; }
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(300);
    }

    /// <summary>
    /// Builds an offline kit on a connected machine. The driver part keeps the source repository's own signed index
    /// (InRelease, Release, Packages) byte for byte and adds the .debs the plan installs with their dependencies that
    /// the repository carries, so on the site apt still checks the publisher's signature and the install plans the
    /// kit exactly as it plans the repository. Built in a temporary sibling and renamed into place.
    /// </summary>
    public static class KitExporter
    {
        public const string Activity = "Export-AutoGlmOfflineKit";

        public static OfflineKit Export(KitExportRequest r, IEngineOutput output)
        {
            // ---- inputs, all checked before anything is downloaded or written
            if (string.IsNullOrWhiteSpace(r.Output)) throw Required("Output", "--out");
            if (string.IsNullOrWhiteSpace(r.FactsFile)) throw Required("FactsFile", "--facts");
            if (string.IsNullOrWhiteSpace(r.LockFile)) throw Required("LockFile", "--lock");
            if (string.IsNullOrWhiteSpace(r.Wheelhouse)) throw Required("Wheelhouse", "--wheelhouse");
            var outputDir = Path.GetFullPath(r.Output).TrimEnd(Path.DirectorySeparatorChar);
            if (Directory.Exists(outputDir) && Directory.EnumerateFileSystemEntries(outputDir).Any()
                && (!r.Force || !(File.Exists(Path.Combine(outputDir, OfflineKit.ManifestName)) && File.ReadAllText(Path.Combine(outputDir, OfflineKit.ManifestName)).Contains(OfflineKit.FormatName))))
                throw new AutoGlmException("KitOutputExists", ErrorKind.ResourceExists,
                    r.Force ? Messages.Format("KitOutputNotAKit", outputDir) : Messages.Format("KitOutputExists", outputDir), outputDir);
            if (!File.Exists(r.FactsFile))
                throw new AutoGlmException("FactsFileNotFound", ErrorKind.ObjectNotFound, Messages.Format("KitFactsNotFound", r.FactsFile), r.FactsFile);
            if (!Directory.Exists(r.Wheelhouse))
                throw new AutoGlmException("WheelhouseNotFound", ErrorKind.ObjectNotFound, Messages.Format("WheelhouseNotFound_Install", r.Wheelhouse), r.Wheelhouse);
            if (r.ModelPath != null && r.ModelManifest == null)
                throw new AutoGlmException("ModelOptionsIncomplete", ErrorKind.InvalidArgument, Messages.Format("ModelOptionsIncomplete_NoManifest"), "ModelManifest");
            if (r.Kernel != null && !Regex.IsMatch(r.Kernel, @"^[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}$"))
                throw new AutoGlmException("KernelReleaseInvalid", ErrorKind.InvalidArgument, Messages.Format("KitKernelInvalid", UntrustedInput.Escape(r.Kernel)), r.Kernel);
            var (matrix, profile) = r.LoadProfile();
            var facts = ReadFacts(r.FactsFile);
            var os = facts.Distro == null || facts.Version == null ? null : matrix.FindOperatingSystem(facts.Distro, facts.Version);
            if (os == null)
                throw new AutoGlmException("UnsupportedOperatingSystem", ErrorKind.NotImplemented,
                    Messages.Format("KitOsUnknown", r.FactsFile, facts.Distro ?? "?", facts.Version ?? "?"), r.FactsFile);
            var architecture = facts.Architecture ?? "x86_64";
            var pythonLock = VenvService.ReadLock(r.LockFile);
            VenvSyncStep.VerifyWheelhouse(pythonLock, r.Wheelhouse, r.LockFile);
            var url = GitUrl.Parse(r.RepositoryUrl ?? profile.Repository?.Url ?? throw new AutoGlmException("RepositoryUrlMissing", ErrorKind.InvalidArgument,
                Messages.Format("RepositoryUrlMissing", profile.Id), profile.Id), r.AllowLocalRepository, "repository URL (--repository-url)");
            var pinnedRef = r.Ref ?? profile.Repository?.Ref ?? "main";
            if (!RepositoryMigrator.IsSafeRef(pinnedRef))
                throw new AutoGlmException("RepositoryRefInvalid", ErrorKind.InvalidArgument, Messages.Format("RepositoryRefInvalid", UntrustedInput.Escape(GitUrl.MaskText(pinnedRef))), pinnedRef);
            var manifest = r.ModelManifest == null ? null : Deploy.ModelManifest.Load(r.ModelManifest);

            var kit = new OfflineKit
            {
                CreatedBy = "AutoGlm " + EngineInfo.Version, Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                Profile = profile.Id, Os = os.Id, Architecture = architecture, Kernel = r.Kernel, CudaToolkit = r.CudaToolkit,
            };
            var parent = Path.GetDirectoryName(outputDir) ?? ".";
            Directory.CreateDirectory(parent);
            var build = Path.Combine(parent, "." + Path.GetFileName(outputDir) + ".autoglm-kit-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(build);
            var scratch = Path.Combine(Path.GetTempPath(), "autoglm-kit-" + Guid.NewGuid().ToString("N"));
            try
            {
                // ---- driver: the packages the target's plan installs, from the repository it plans against
                if (profile.Requires.Gpu)
                {
                    if (os.OsFamily != OsFamily.Debian)
                        throw new AutoGlmException("KitNotSupported", ErrorKind.NotImplemented, Messages.Format("KitNotSupported_Family", os.Id, os.Family), os.Id);
                    output.Progress(Activity, "driver: planning for the target", 5);
                    ExportDriver(r, kit, build, scratch, output);
                }

                // ---- Python: the lock and exactly the wheels it names
                output.Progress(Activity, "python: copying the locked wheels", 40);
                Copy(r.LockFile, Path.Combine(build, OfflineKit.LockPath));
                var overridePath = VenvService.OverridePathFor(r.LockFile);
                if (overridePath != null && File.Exists(overridePath) && File.ReadAllText(r.LockFile).Contains(Path.GetFileName(overridePath)))
                    Copy(overridePath, Path.Combine(build, "python", PythonLock.OverrideFileName));
                var wheels = Path.Combine(build, OfflineKit.WheelFolder);
                Directory.CreateDirectory(wheels);
                foreach (var wheel in LockedWheels(pythonLock, r.Wheelhouse)) Copy(wheel, Path.Combine(wheels, Path.GetFileName(wheel)));

                // ---- the repository at the pinned commit, as a git bundle
                output.Progress(Activity, "repository: bundling " + url.Display, 60);
                ExportRepository(url, pinnedRef, kit, build, scratch, r.CommandTimeout);

                // ---- the model: the manifest, and the weights when given
                if (manifest != null)
                {
                    output.Progress(Activity, "model: copying", 75);
                    kit.Model = manifest.Model;
                    Copy(r.ModelManifest!, Path.Combine(build, OfflineKit.ModelManifestPath));
                    if (r.ModelPath != null)
                    {
                        foreach (var file in manifest.Files)
                        {
                            var source = Path.Combine(r.ModelPath, file.Path);
                            var sha = File.Exists(source) ? Sha(source) : null;
                            if (sha == null || new FileInfo(source).Length != file.Size || sha != file.Sha256)
                                throw new AutoGlmException("ModelWeightsMissing", ErrorKind.InvalidData,
                                    Messages.Format("KitModelFileBad", r.ModelPath, file.Path, r.ModelManifest!), file.Path);
                            Copy(source, Path.Combine(build, OfflineKit.ModelFolder, file.Path));
                        }
                        kit.ModelWeights = true;
                    }
                }

                // ---- the matrix in use: the shipped files' digest (the installing AutoGlm must ship the same) and the site files
                var shipped = MatrixLoader.FindShippedDirectory() ?? throw new AutoGlmException("MatrixNotFound", ErrorKind.ObjectNotFound, Messages.Format("MatrixNotFound"));
                kit.ShippedMatrix = ShippedMatrixDigest(shipped);
                int n = 0;
                foreach (var site in r.MatrixPaths ?? Array.Empty<string>())
                {
                    var relative = $"matrix/site/{++n:00}-{Path.GetFileName(site)}";
                    Copy(site, Path.Combine(build, relative.Replace('/', Path.DirectorySeparatorChar)));
                    kit.SiteMatrix.Add(relative);
                }

                // ---- the manifest: every file with its size and sha256
                output.Progress(Activity, "manifest: hashing every file", 90);
                foreach (var file in Directory.GetFiles(build, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
                    kit.Files.Add(new KitFile { Path = file.Substring(build.Length + 1).Replace(Path.DirectorySeparatorChar, '/'), Size = new FileInfo(file).Length, Sha256 = Sha(file) });
                AtomicFile.Write(Path.Combine(build, OfflineKit.ManifestName), kit.ManifestText(), 0x1A4);

                // ---- into place: an old kit is replaced only with Force, and only once the new one is complete
                if (Directory.Exists(outputDir))
                {
                    var old = build + ".old";
                    Directory.Move(outputDir, old);
                    try { Directory.Move(build, outputDir); }
                    catch (IOException) { Directory.Move(old, outputDir); throw; }
                    Deploy.GitCloneStep.DeleteTree(old);
                }
                else Directory.Move(build, outputDir);
                output.Progress(Activity, "done", -1);
                return OfflineKit.Open(outputDir);
            }
            finally
            {
                if (Directory.Exists(build)) Deploy.GitCloneStep.DeleteTree(build);
                if (Directory.Exists(scratch)) Deploy.GitCloneStep.DeleteTree(scratch);
            }
        }

        private static void ExportDriver(KitExportRequest r, OfflineKit kit, string build, string scratch, IEngineOutput output)
        {
            // The plan is made for the target's facts in an empty root: nothing of this machine (its kernels, pins) leaks in.
            var root = Path.Combine(scratch, "target");
            Directory.CreateDirectory(Path.Combine(root, "proc", "sys", "kernel"));
            if (r.Kernel != null) File.WriteAllText(Path.Combine(root, "proc", "sys", "kernel", "osrelease"), r.Kernel + "\n");
            var system = new LiveSystem(root);
            var request = new DriverInstallRequest
            {
                Profile = r.Profile, MatrixPaths = r.MatrixPaths, FactsFile = r.FactsFile, RepositoryUrl = r.DriverRepositoryUrl, RepositoryKeyring = r.DriverRepositoryKeyring,
                Branch = r.DriverBranch, Flavor = r.Flavor, CommandTimeout = r.CommandTimeout,
            };
            var plans = new List<ChangePlan> { DriverPlanner.PlanDriver(request, system, output) };
            if (r.CudaToolkit) plans.Add(DriverPlanner.PlanCuda(request, system, output));
            kit.DriverBranch = request.ChosenBranch;
            kit.DriverFlavor = request.ChosenFlavor;
            kit.DriverPinned = r.DriverBranch != null || r.Flavor != null;
            var install = plans[0].Steps.OfType<AptInstallStep>().FirstOrDefault(s => s.Id == "driver.install");
            kit.DriverVersion = install?.Packages.FirstOrDefault()?.Version;

            // The repository the plan read: its index and files.
            var repo = request.Repository ?? AptRepository.Load(r.DriverRepositoryUrl ?? NvidiaUrlFor(r, kit), r.CommandTimeout);
            kit.DriverSource = AptRepository.Redact(repo.Url) + (repo.Suite != null ? $" {repo.Suite} {string.Join(" ", repo.Components ?? Array.Empty<string>())}" : "");
            var wanted = new List<AptIndexEntry>();
            var external = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var step in plans.SelectMany(p => p.Steps))
            {
                if (step is KeyringStep keyring) wanted.Add(keyring.Entry);
                else if (step is AptInstallStep installStep)
                    foreach (var p in installStep.Packages)
                    {
                        var entry = p.Version != null ? repo.Find(p.Name, p.Version) : repo.Newest(p.Name);
                        if (entry != null) wanted.Add(entry);
                        else external.Add(p.Name);
                    }
            }
            var closure = Closure(repo, wanted, external);
            output.Progress(Activity, $"driver: downloading {closure.Count} packages", 15);
            var apt = Path.Combine(build, OfflineKit.AptFolder);
            Directory.CreateDirectory(apt);
            // The index as the publisher signed it: apt on the site checks the same signature it would online. A flat
            // repository keeps it at its top; a suite one (Debian's archive) under dists/SUITE/, with one index per component.
            var signed = false;
            var metadata = new List<string>();
            var top = repo.Suite == null ? "" : $"dists/{repo.Suite}/";
            foreach (var name in new[] { "InRelease", "Release", "Release.gpg" }) metadata.Add(top + name);
            var arch = AptRepository.DebianArchitecture(kit.Architecture);
            foreach (var index in repo.Suite == null ? new[] { "" } : (repo.Components ?? Array.Empty<string>()).Select(c => $"{top}{c}/binary-{arch}/"))
                foreach (var name in new[] { "Packages", "Packages.gz", "Packages.xz" }) metadata.Add(index + name);
            foreach (var relative in metadata)
            {
                byte[] bytes;
                try { bytes = AptRepository.Fetch(repo.Url + relative, r.CommandTimeout); }
                catch (Exception ex) when (ex is IOException || ex is System.Net.Http.HttpRequestException || ex is UnauthorizedAccessException) { continue; }
                var target = Path.Combine(apt, relative.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllBytes(target, bytes);
                if (relative.EndsWith("InRelease", StringComparison.Ordinal) || relative.EndsWith("Release.gpg", StringComparison.Ordinal)) signed = true;
            }
            if (r.DriverRepositoryKeyring != null)
            {
                kit.DriverKeyring = OfflineKit.AptFolder + "/" + OfflineKit.KeyringName;
                File.Copy(r.DriverRepositoryKeyring, Path.Combine(apt, OfflineKit.KeyringName));
            }
            if (!signed)
                throw new AutoGlmException("KitRepositoryUnsigned", ErrorKind.SecurityError, Messages.Format("KitRepositoryUnsigned", kit.DriverSource), kit.DriverSource);
            foreach (var entry in closure)
            {
                var relative = OfflineKit.SafeRelative(build, entry.Filename.StartsWith("./", StringComparison.Ordinal) ? entry.Filename.Substring(2) : entry.Filename);
                byte[] bytes;
                try { bytes = AptRepository.Fetch(repo.FileUrl(entry), r.CommandTimeout); }
                catch (Exception ex) when (ex is IOException || ex is System.Net.Http.HttpRequestException || ex is UnauthorizedAccessException)
                {
                    throw new AutoGlmException("RepositoryUnreachable", ErrorKind.ResourceUnavailable, Messages.Format("StepFailed_PackageDownload", AptRepository.Redact(repo.FileUrl(entry)), ex.Message), entry.Package);
                }
                var sha = Hashing.Sha256Hex(bytes);
                if (entry.Sha256.Length == 0 || sha != entry.Sha256)
                    throw new AutoGlmException("KitPackageHashMismatch", ErrorKind.SecurityError,
                        Messages.Format("StepFailed_PackageHashMismatch", entry.Filename, sha, entry.Sha256.Length > 0 ? entry.Sha256 : "(none in the index)"), entry.Package);
                var target = Path.Combine(apt, relative.Replace('/', Path.DirectorySeparatorChar));
                // An index whose Filename names the signed index, the key or another package's file is refused, never written over.
                if (File.Exists(target) || !relative.EndsWith(".deb", StringComparison.Ordinal))
                    throw new AutoGlmException("KitPackageHashMismatch", ErrorKind.SecurityError, Messages.Format("KitPackagePathUnsafe", kit.DriverSource, entry.Package, UntrustedInput.Escape(entry.Filename)), entry.Package);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllBytes(target, bytes);
                kit.DriverPackages.Add(entry.Package + "=" + entry.Version);
            }
            kit.DriverExternal.AddRange(external);
        }

        private static string NvidiaUrlFor(KitExportRequest r, OfflineKit kit)
        {
            var (matrix, _) = r.LoadProfile();
            var os = matrix.OperatingSystems.First(o => o.Id == kit.Os);
            if (os.CudaRepo == null)
                throw new AutoGlmException("RepositoryUnknown", ErrorKind.InvalidArgument, Messages.Format("RepositoryUnknown", os.Id), os.Id);
            return AptRepository.NvidiaUrl(os.CudaRepo, kit.Architecture);
        }

        /// <summary>
        /// The packages and, recursively, their Depends and Pre-Depends that the repository carries (the newest
        /// version that satisfies the relation); a dependency it does not carry is the OS archive's, named in <paramref name="external"/>.
        /// </summary>
        internal static List<AptIndexEntry> Closure(AptRepository repo, IEnumerable<AptIndexEntry> roots, ISet<string> external)
        {
            var chosen = new Dictionary<string, AptIndexEntry>(StringComparer.Ordinal);
            // The names the chosen packages are or provide: an alternative one of them satisfies needs nothing more
            // (nvidia-driver's "nvidia-kernel-dkms | nvidia-kernel-VERSION" is met by the nvidia-open-kernel-dkms the plan names).
            var satisfied = new HashSet<string>(StringComparer.Ordinal);
            void Choose(AptIndexEntry e)
            {
                chosen[e.Package + "=" + e.Version] = e;
                satisfied.Add(e.Package);
                foreach (var p in ProvidedNames(e)) satisfied.Add(p);
            }
            var queue = new Queue<AptIndexEntry>();
            foreach (var root in roots) { Choose(root); queue.Enqueue(root); }
            while (queue.Count > 0)
            {
                var e = queue.Dequeue();
                foreach (var group in (e.PreDepends + "," + e.Depends).Split(',').Select(g => g.Trim()).Where(g => g.Length > 0))
                {
                    var alternatives = group.Split('|')
                        .Select(a => Regex.Match(a.Trim(), @"^([a-z0-9][a-z0-9.+-]*)(?::[a-z0-9-]+)?\s*(?:\(\s*(<<|<=|=|>=|>>)\s*([^)\s]+)\s*\))?"))
                        .Where(m => m.Success).ToList();
                    if (alternatives.Count == 0 || alternatives.Any(m => satisfied.Contains(m.Groups[1].Value))) continue;
                    AptIndexEntry? pick = null;
                    foreach (var m in alternatives)
                    {
                        pick = repo.Entries.Where(x => x.Package == m.Groups[1].Value && (!m.Groups[2].Success || Satisfies(x.Version, m.Groups[2].Value, m.Groups[3].Value)))
                            .OrderByDescending(x => DebianVersion.Parse(x.Version)).FirstOrDefault()
                            // A virtual name (nvidia-open-kernel-support--v1): the newest package that provides it.
                            ?? (m.Groups[2].Success ? null : repo.Entries.Where(x => ProvidedNames(x).Contains(m.Groups[1].Value))
                                .OrderByDescending(x => DebianVersion.Parse(x.Version)).FirstOrDefault());
                        if (pick != null) break;
                    }
                    if (pick == null) { external.Add(string.Join(" | ", alternatives.Select(m => m.Groups[1].Value))); continue; }
                    if (chosen.ContainsKey(pick.Package + "=" + pick.Version)) continue;
                    Choose(pick);
                    queue.Enqueue(pick);
                }
            }
            return chosen.Values.OrderBy(e => e.Package, StringComparer.Ordinal).ToList();
        }

        private static IEnumerable<string> ProvidedNames(AptIndexEntry e) =>
            e.Provides.Split(',').Select(x => Regex.Match(x.Trim(), @"^[a-z0-9][a-z0-9.+-]*").Value).Where(x => x.Length > 0);

        private static bool Satisfies(string version, string relation, string wanted)
        {
            if (!DebianVersion.TryParse(version, out var have) || !DebianVersion.TryParse(wanted, out var want)) return false;
            int c = have.CompareTo(want);
            return relation switch { "<<" => c < 0, "<=" => c <= 0, "=" => c == 0, ">=" => c >= 0, ">>" => c > 0, _ => false };
        }

        private static void ExportRepository(GitUrl url, string pinnedRef, OfflineKit kit, string build, string scratch, TimeSpan timeout)
        {
            var system = new LiveSystem("/");
            var mirror = Path.Combine(scratch, "repository.git");
            Directory.CreateDirectory(scratch);
            Git(system, timeout, new[] { "git", "-c", "core.sshCommand=ssh -o BatchMode=yes", "clone", "--quiet", "--mirror", "--", url.Raw, mirror }, url);
            var commit = system.Run(new[] { "git", "-C", mirror, "rev-parse", "--verify", "--quiet", pinnedRef + "^{commit}" }, timeout);
            if (!commit.Succeeded)
                throw new AutoGlmException("RepositoryRefNotFound", ErrorKind.ObjectNotFound, Messages.Format("KitRefNotFound", url.Display, pinnedRef), pinnedRef);
            // The manifest names the repository without credentials (the masked form would not parse at the site).
            kit.RepositoryUrl = url.HasCredentials && Uri.TryCreate(url.Raw, UriKind.Absolute, out var u)
                ? new UriBuilder(u) { UserName = "", Password = "" }.Uri.AbsoluteUri : url.Display;
            kit.RepositoryRef = pinnedRef;
            kit.RepositoryCommit = commit.Stdout.Trim();
            kit.RepositoryBundle = "git/" + url.Name + ".bundle";
            var bundle = Path.Combine(build, "git", url.Name + ".bundle");
            Directory.CreateDirectory(Path.GetDirectoryName(bundle)!);
            // The commit on a branch of its own: a clone of the bundle takes branches and tags only, and a commit reachable
            // only from another ref (refs/pull/*) would not come along.
            Git(system, timeout, new[] { "git", "-C", mirror, "branch", "--force", "autoglm-kit", kit.RepositoryCommit }, url);
            Git(system, timeout, new[] { "git", "-C", mirror, "bundle", "create", "--quiet", bundle, "--branches", "--tags" }, url);
            Git(system, timeout, new[] { "git", "-C", mirror, "bundle", "verify", "--quiet", bundle }, url);
        }

        private static void Git(ISystemHost system, TimeSpan timeout, IReadOnlyList<string> argv, GitUrl url)
        {
            var result = system.Run(argv, timeout);
            if (!result.Succeeded)
                throw new AutoGlmException("RepositoryUnreachable", ErrorKind.ResourceUnavailable,
                    Messages.Format("KitGitFailed", url.Display, GitUrl.MaskText(result.Describe())), url.Display);
        }

        /// <summary>The wheels a lock names (the one whose sha256 it allows for each package); the wheelhouse was verified before.</summary>
        private static IEnumerable<string> LockedWheels(PythonLock pythonLock, string wheelhouse)
        {
            var wheels = Directory.GetFiles(wheelhouse, "*.whl").Select(p => WheelFile.TryParse(Path.GetFileName(p), p)).Where(w => w != null).ToLookup(w => w!.Name);
            foreach (var p in pythonLock.Phases.SelectMany(phase => phase.Packages))
            {
                var version = Pep440Version.Parse(p.Version).ToString();
                var file = wheels[p.Name].First(f => f!.Version.ToString() == version && p.Hashes.Contains(WheelReader.Sha256(f.Location)));
                yield return file!.Location;
            }
        }

        /// <summary>sha256 over "name sha256" lines of the shipped matrix folder's files, in name order.</summary>
        public static string ShippedMatrixDigest(string directory) =>
            Hashing.Sha256HexOfText(string.Concat(Directory.GetFiles(directory).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || Path.GetFileName(f) == GpuCatalogue.FileName)
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).Select(f => Path.GetFileName(f) + " " + Sha(f) + "\n")));

        private static (string? Distro, string? Version, string? Architecture) ReadFacts(string path)
        {
            object? doc;
            try { doc = Json.Json.Parse(File.ReadAllText(path)); }
            catch (Exception ex) when (ex is FormatException || ex is InvalidDataException || ex is ArgumentException)
            {
                throw new AutoGlmException("FactsFileInvalid", ErrorKind.InvalidData, Messages.Format("KitFactsInvalid", path, ex.Message), path);
            }
            var os = (doc as IDictionary<string, object?>)?.TryGetValue("os", out var o) == true ? o as IDictionary<string, object?> : null;
            string? S(string key) => os != null && os.TryGetValue(key, out var v) ? v as string : null;
            return (S("distro")?.ToLowerInvariant(), S("version"), S("architecture"));
        }

        private static AutoGlmException Required(string parameter, string option) =>
            new AutoGlmException("KitOptionMissing", ErrorKind.InvalidArgument, Messages.ForFace(Messages.Format("KitOptionMissing", Messages.Say("-" + parameter, option))), parameter);

        private static void Copy(string from, string to)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to, overwrite: true);
        }

        private static string Sha(string path)
        {
            using var stream = File.OpenRead(path);
            return Hashing.Sha256Hex(stream);
        }
    }
}
