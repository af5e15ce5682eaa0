using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Kit
{
    /// <summary>One file of a kit: its path inside the kit, size and sha256.</summary>
    public sealed class KitFile
    {
        public string Path { get; set; } = "";
        public long Size { get; set; }
        public string Sha256 { get; set; } = "";
    }

    /// <summary>
    /// An offline kit (docs/offline-kit.md): what one site needs to install a profile with no network, made by
    /// `autoglm kit export` on a connected machine. Opening a kit checks its manifest against every file (size and
    /// sha256) and refuses a file that is missing, changed or not listed, so nothing from a tampered kit is used.
    /// </summary>
    public sealed class OfflineKit
    {
        public const string ManifestName = "manifest.json";
        public const string FormatName = "autoglm-offline-kit/1";
        public const string AptFolder = "apt";
        public const string LockPath = "python/requirements.lock";
        public const string WheelFolder = "python/wheels";
        public const string ModelManifestPath = "model/manifest.json";
        public const string ModelFolder = "model/files";
        public const string KeyringName = "repository-keyring";

        public string Directory { get; private set; } = "";
        /// <summary>sha256 of manifest.json: the kit's identity, printed at export to compare at the site.</summary>
        public string Id { get; private set; } = "";
        public string CreatedBy { get; set; } = "";
        public string Created { get; set; } = "";
        // The target the kit was built for; a host that differs is refused.
        public string Profile { get; set; } = "";
        public string Os { get; set; } = "";
        public string Architecture { get; set; } = "";
        public int? DriverBranch { get; set; }
        public string? DriverFlavor { get; set; }
        /// <summary>The branch and flavor were asked for at export (not the resolver's): the install uses them as asked.</summary>
        public bool DriverPinned { get; set; }
        public string? DriverVersion { get; set; }
        /// <summary>Where the driver packages came from (redacted); the kit's apt folder keeps that repository's signed index.</summary>
        public string? DriverSource { get; set; }
        /// <summary>The repository's public key in the kit (a mirror's or Debian's, given at export), or null when the kit carries cuda-keyring.</summary>
        public string? DriverKeyring { get; set; }
        public List<string> DriverPackages { get; } = new List<string>();
        /// <summary>Dependencies the driver repository does not carry: the host's own OS archive (or its mirror) must.</summary>
        public List<string> DriverExternal { get; } = new List<string>();
        public string? Kernel { get; set; }
        public bool CudaToolkit { get; set; }
        public string RepositoryUrl { get; set; } = "";
        public string RepositoryRef { get; set; } = "";
        public string RepositoryCommit { get; set; } = "";
        public string RepositoryBundle { get; set; } = "";
        public string? Model { get; set; }
        public bool ModelWeights { get; set; }
        /// <summary>sha256 over the shipped matrix files the kit was made with; the installing AutoGlm must ship the same.</summary>
        public string ShippedMatrix { get; set; } = "";
        public List<string> SiteMatrix { get; } = new List<string>();
        public List<KitFile> Files { get; } = new List<KitFile>();

        public bool HasDriver => DriverPackages.Count > 0;
        public bool HasModel => Model != null || Files.Any(f => f.Path == ModelManifestPath);
        public string Full(string relative) => System.IO.Path.Combine(Directory, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));
        /// <summary>The kit's apt folder as the file:// URL the driver planner reads and the host's apt source names.</summary>
        public string AptUrl() => new Uri(Full(AptFolder) + System.IO.Path.DirectorySeparatorChar).AbsoluteUri;

        /// <summary>Reads the manifest and checks every file; any difference is an error naming the file and the fix.</summary>
        public static OfflineKit Open(string directory)
        {
            if (string.IsNullOrWhiteSpace(directory) || !System.IO.Directory.Exists(directory))
                throw new AutoGlmException("KitNotFound", ErrorKind.ObjectNotFound, Messages.Format("KitNotFound", directory), directory);
            directory = System.IO.Path.GetFullPath(directory).TrimEnd(System.IO.Path.DirectorySeparatorChar);
            var manifestPath = System.IO.Path.Combine(directory, ManifestName);
            if (!File.Exists(manifestPath))
                throw new AutoGlmException("KitNotFound", ErrorKind.ObjectNotFound, Messages.Format("KitManifestMissing", directory), directory);
            var bytes = File.ReadAllBytes(manifestPath);
            var kit = Parse(directory, System.Text.Encoding.UTF8.GetString(bytes));
            kit.Id = Hashing.Sha256Hex(bytes);
            kit.Verify();
            return kit;
        }

        private static OfflineKit Parse(string directory, string text)
        {
            object? doc;
            try { doc = Json.Json.Parse(text); }
            catch (Exception ex) when (ex is FormatException || ex is InvalidDataException || ex is ArgumentException)
            {
                throw Invalid(directory, ex.Message);
            }
            if (!(doc is IDictionary<string, object?> root)) throw Invalid(directory, "not a JSON object");
            if (Str(root, "format") != FormatName) throw Invalid(directory, $"format is '{Str(root, "format")}', not '{FormatName}'");
            var kit = new OfflineKit { Directory = directory, CreatedBy = Str(root, "createdBy") ?? "", Created = Str(root, "created") ?? "" };
            var target = Obj(root, "target") ?? throw Invalid(directory, "no target");
            kit.Profile = Str(target, "profile") ?? throw Invalid(directory, "no target.profile");
            kit.Os = Str(target, "os") ?? throw Invalid(directory, "no target.os");
            kit.Architecture = Str(target, "architecture") ?? throw Invalid(directory, "no target.architecture");
            kit.DriverBranch = target.TryGetValue("driverBranch", out var b) && b is long branch ? (int)branch : (int?)null;
            kit.DriverFlavor = Str(target, "driverFlavor");
            kit.DriverPinned = target.TryGetValue("driverPinned", out var pinned) && pinned is bool isPinned && isPinned;
            kit.Kernel = Str(target, "kernel");
            if (Obj(root, "driver") is IDictionary<string, object?> driver)
            {
                kit.DriverVersion = Str(driver, "version");
                kit.DriverSource = Str(driver, "source");
                kit.DriverKeyring = Str(driver, "keyring") is string keyring ? SafeRelative(directory, keyring) : null;
                kit.CudaToolkit = driver.TryGetValue("cudaToolkit", out var c) && c is bool cuda && cuda;
                kit.DriverPackages.AddRange(Strings(driver, "packages"));
                kit.DriverExternal.AddRange(Strings(driver, "external"));
            }
            var repo = Obj(root, "repository") ?? throw Invalid(directory, "no repository");
            kit.RepositoryUrl = Str(repo, "url") ?? throw Invalid(directory, "no repository.url");
            kit.RepositoryRef = Str(repo, "ref") ?? "";
            kit.RepositoryCommit = Str(repo, "commit") ?? throw Invalid(directory, "no repository.commit");
            kit.RepositoryBundle = Str(repo, "bundle") ?? throw Invalid(directory, "no repository.bundle");
            if (Obj(root, "model") is IDictionary<string, object?> model)
            {
                kit.Model = Str(model, "model");
                kit.ModelWeights = model.TryGetValue("weights", out var w) && w is bool weights && weights;
            }
            var matrix = Obj(root, "matrix") ?? throw Invalid(directory, "no matrix");
            kit.ShippedMatrix = Str(matrix, "shipped") ?? throw Invalid(directory, "no matrix.shipped");
            kit.SiteMatrix.AddRange(Strings(matrix, "site"));
            if (!(root.TryGetValue("files", out var f) && f is IList<object?> files)) throw Invalid(directory, "no files list");
            foreach (var item in files)
            {
                if (!(item is IDictionary<string, object?> file) || Str(file, "path") is not string path || Str(file, "sha256") is not string sha
                    || !(file.TryGetValue("size", out var s) && s is long size))
                    throw Invalid(directory, "a files entry lacks path, size or sha256");
                kit.Files.Add(new KitFile { Path = SafeRelative(directory, path), Size = size, Sha256 = sha.ToLowerInvariant() });
            }
            foreach (var named in new[] { kit.RepositoryBundle }.Concat(kit.SiteMatrix).Concat(kit.DriverKeyring != null ? new[] { kit.DriverKeyring } : Array.Empty<string>()))
                if (kit.Files.All(x => x.Path != named)) throw Invalid(directory, $"'{named}' is named but not listed in files");
            return kit;
        }

        /// <summary>Every listed file exists with its size and sha256, and no file is there that the manifest does not list.</summary>
        private void Verify()
        {
            // Links are refused before anything is read: a linked folder would hide files from the unlisted check,
            // and a linked file could change after it was hashed.
            var pending = new Stack<DirectoryInfo>();
            pending.Push(new DirectoryInfo(Directory));
            while (pending.Count > 0)
                foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
                {
                    var relative = entry.FullName.Substring(Directory.Length + 1).Replace(System.IO.Path.DirectorySeparatorChar, '/');
                    if ((entry.Attributes & FileAttributes.ReparsePoint) != 0)
                        throw new AutoGlmException("KitFileUnlisted", ErrorKind.SecurityError, Messages.Format("KitLinkRefused", Directory, relative), relative);
                    if (entry is DirectoryInfo dir) pending.Push(dir);
                }
            var listed = new HashSet<string>(Files.Select(f => f.Path), StringComparer.Ordinal);
            foreach (var file in Files)
            {
                var real = Full(file.Path);
                if (!File.Exists(real))
                    throw new AutoGlmException("KitFileMissing", ErrorKind.ObjectNotFound, Messages.Format("KitFileMissing", Directory, file.Path), file.Path);
                var info = new FileInfo(real);
                string sha;
                using (var stream = File.OpenRead(real)) sha = Hashing.Sha256Hex(stream);
                if (info.Length != file.Size || sha != file.Sha256)
                    throw new AutoGlmException("KitFileTampered", ErrorKind.SecurityError,
                        Messages.Format("KitFileTampered", Directory, file.Path, info.Length, sha, file.Size, file.Sha256), file.Path);
            }
            foreach (var real in System.IO.Directory.GetFiles(Directory, "*", SearchOption.AllDirectories))
            {
                var relative = real.Substring(Directory.Length + 1).Replace(System.IO.Path.DirectorySeparatorChar, '/');
                if (relative != ManifestName && !listed.Contains(relative))
                    throw new AutoGlmException("KitFileUnlisted", ErrorKind.SecurityError, Messages.Format("KitFileUnlisted", Directory, relative), relative);
            }
        }

        /// <summary>The id the operator got at export (or from a trusted channel): a kit whose manifest differs is refused.</summary>
        public void CheckId(string? expected)
        {
            if (expected == null) return;
            var want = expected.Trim().ToLowerInvariant();
            if (want != Id)
                throw new AutoGlmException("KitIdMismatch", ErrorKind.SecurityError, Messages.Format("KitIdMismatch", Directory, Id, UntrustedInput.Escape(expected)), expected);
        }

        /// <summary>The host's OS (matrix id) and architecture must be the kit's.</summary>
        public void CheckHost(string? os, string? architecture)
        {
            if (os != null && os != Os) throw Mismatch("operating system", Os, os);
            if (architecture != null && architecture != Architecture) throw Mismatch("architecture", Architecture, architecture);
        }

        public AutoGlmException Mismatch(string what, string kit, string host) =>
            new AutoGlmException("KitMismatch", ErrorKind.InvalidOperation, Messages.Format("KitMismatch", Directory, what, kit, host), what);

        /// <summary>The host's OS id in the matrix (e.g. "debian-12") and its architecture, read as the os checks read them.</summary>
        public static (string? Distro, string? Version, string? Architecture) ReadHost(IHost host, TimeSpan timeout)
        {
            var read = host.ReadFile("/etc/os-release");
            if (!read.Ok) read = host.ReadFile("/usr/lib/os-release");
            string? distro = null, version = null;
            if (read.Ok)
            {
                var map = LinuxProbes.ParseOsRelease(read.Text!);
                distro = map.TryGetValue("ID", out var id) ? id.ToLowerInvariant() : null;
                version = map.TryGetValue("VERSION_ID", out var v) ? v : null;
            }
            var arch = host.ReadFile("/proc/sys/kernel/arch");
            string? architecture = arch.Ok ? arch.Text!.Trim() : null;
            if (architecture == null)
            {
                var uname = host.Run(new[] { "uname", "-m" }, timeout);
                if (uname.Succeeded) architecture = uname.Stdout.Trim();
            }
            return (distro, version, architecture);
        }

        /// <summary>What the kit holds, for `autoglm kit verify` and the export's report.</summary>
        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["kit"] = Directory,
            ["id"] = Id,
            ["createdBy"] = CreatedBy,
            ["created"] = Created,
            ["target"] = new Dictionary<string, object?>
            {
                ["profile"] = Profile, ["os"] = Os, ["architecture"] = Architecture, ["driverBranch"] = DriverBranch, ["driverFlavor"] = DriverFlavor, ["driverPinned"] = DriverPinned, ["kernel"] = Kernel,
            },
            ["driver"] = new Dictionary<string, object?>
            {
                ["version"] = DriverVersion, ["source"] = DriverSource, ["keyring"] = DriverKeyring, ["cudaToolkit"] = CudaToolkit, ["packages"] = DriverPackages.ToList(), ["external"] = DriverExternal.ToList(),
            },
            ["repository"] = new Dictionary<string, object?> { ["url"] = RepositoryUrl, ["ref"] = RepositoryRef, ["commit"] = RepositoryCommit, ["bundle"] = RepositoryBundle },
            ["model"] = new Dictionary<string, object?> { ["model"] = Model, ["weights"] = ModelWeights },
            ["matrix"] = new Dictionary<string, object?> { ["shipped"] = ShippedMatrix, ["site"] = SiteMatrix.ToList() },
            ["files"] = Files.Count,
            ["bytes"] = Files.Sum(f => f.Size),
        };

        /// <summary>The manifest as written into the kit.</summary>
        internal string ManifestText()
        {
            var doc = ToJson();
            doc.Remove("kit");
            doc.Remove("id");
            doc.Remove("bytes");
            var ordered = new Dictionary<string, object?> { ["format"] = FormatName };
            foreach (var kv in doc) ordered[kv.Key] = kv.Value;
            ordered["files"] = Files.Select(f => (object?)new Dictionary<string, object?> { ["path"] = f.Path, ["size"] = f.Size, ["sha256"] = f.Sha256 }).ToList();
            return Json.Json.Serialize(ordered) + "\n";
        }

        public string Summary() => string.Format(CultureInfo.InvariantCulture,
            "Offline kit {0}\n  id (sha256 of manifest.json): {1}\n  made by {2} on {3}\n  target: {4} {5}, profile {6}{7}\n  driver: {8}\n  repository: {9} at {10}\n  model: {11}\n  files: {12}, {13:0.0} MB",
            Directory, Id, CreatedBy, Created, Os, Architecture, Profile,
            DriverBranch != null ? $", driver R{DriverBranch} {DriverFlavor}" : "",
            HasDriver ? $"{DriverVersion} ({DriverPackages.Count} packages{(DriverExternal.Count > 0 ? $"; from the OS archive: {string.Join(", ", DriverExternal)}" : "")})" : "none",
            RepositoryUrl, RepositoryCommit, HasModel ? (Model ?? "manifest") + (ModelWeights ? " with weights" : " (manifest only)") : "none",
            Files.Count, Files.Sum(f => f.Size) / 1e6);

        /// <summary>A path from the manifest: relative, inside the kit, no "..": a hostile manifest cannot point outside.</summary>
        internal static string SafeRelative(string directory, string path)
        {
            var parts = path.Split('/');
            if (path.Length == 0 || path.StartsWith("/", StringComparison.Ordinal) || path.Contains('\\') || path.Contains(':')
                || parts.Any(p => p.Length == 0 || p == "." || p == "..") || path.Any(char.IsControl))
                throw Invalid(directory, $"the path '{UntrustedInput.Escape(path)}' is not a plain relative path inside the kit");
            return path;
        }

        private static AutoGlmException Invalid(string directory, string why) =>
            new AutoGlmException("KitManifestInvalid", ErrorKind.InvalidData, Messages.Format("KitManifestInvalid", directory, why), directory);

        private static string? Str(IDictionary<string, object?> o, string key) => o.TryGetValue(key, out var v) ? v as string : null;
        private static IDictionary<string, object?>? Obj(IDictionary<string, object?> o, string key) => o.TryGetValue(key, out var v) ? v as IDictionary<string, object?> : null;
        private static IEnumerable<string> Strings(IDictionary<string, object?> o, string key) =>
            o.TryGetValue(key, out var v) && v is IList<object?> list ? list.OfType<string>() : Enumerable.Empty<string>();
    }
}
