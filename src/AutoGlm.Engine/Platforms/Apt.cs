using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Platforms
{
    /// <summary>One package in a repository's Packages index.</summary>
    public sealed class AptIndexEntry
    {
        public string Package { get; set; } = "";
        public string Version { get; set; } = "";
        public string Filename { get; set; } = "";
        public string Sha256 { get; set; } = "";
        public string Depends { get; set; } = "";
        public string PreDepends { get; set; } = "";
        public string Provides { get; set; } = "";
    }

    /// <summary>
    /// A flat apt repository (NVIDIA's repos/&lt;distro&gt;/&lt;arch&gt;/ layout, or a local mirror of it), read
    /// directly so a plan can name exact versions before the repository is configured on the host.
    /// </summary>
    public sealed class AptRepository
    {
        private AptRepository(string url, List<AptIndexEntry> entries)
        {
            Url = url;
            Entries = entries;
        }

        public string Url { get; }
        public IReadOnlyList<AptIndexEntry> Entries { get; }
        /// <summary>Why the index could not be read, for a preview planned without it (<see cref="Unread"/>); null when it was read.</summary>
        public string? Unreadable { get; private set; }
        /// <summary>What a step whose version comes from this unread index says in a preview.</summary>
        public string Deferral => $"version resolved from {Redact(Url)} at apply time";

        /// <summary>A repository whose index could not be read: a preview can still be planned; nothing can be applied from it.</summary>
        public static AptRepository Unread(string url, string reason) =>
            new AptRepository(ValidateUrl(url), new List<AptIndexEntry>()) { Unreadable = reason };

        /// <summary>NVIDIA's repository for an OS entry's cudaRepo ("ubuntu2204") and architecture.</summary>
        public static string NvidiaUrl(string cudaRepo, string architecture) =>
            $"https://developer.download.nvidia.com/compute/cuda/repos/{cudaRepo}/{(architecture == "aarch64" ? "sbsa" : architecture)}/";

        /// <summary>Accepts https, http (a site mirror) and file URLs; anything else is refused before use.</summary>
        public static string ValidateUrl(string url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !(uri.Scheme == "https" || uri.Scheme == "http" || uri.Scheme == "file"))
                throw new AutoGlmException("RepositoryUrlInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryUrlInvalid_AptScheme", Redact(url), NvidiaUrl("ubuntu2204", "x86_64")), Redact(url));
            if (!string.IsNullOrEmpty(uri.UserInfo))
                throw new AutoGlmException("RepositoryUrlHasCredentials", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryUrlHasCredentials", Redact(url)), Redact(url));
            if (url.Any(c => char.IsWhiteSpace(c) || c == '[' || c == ']' || c == '#' || char.IsControl(c)))
                throw new AutoGlmException("RepositoryUrlInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryUrlInvalid_AptCharacters", Redact(url)), Redact(url));
            return url.EndsWith("/", StringComparison.Ordinal) ? url : url + "/";
        }

        public static string Redact(string url) => Diagnostics.Redaction.Url(url);

        /// <summary>Reads Packages (or Packages.gz) from the repository; an unreachable index is an error naming the URL.</summary>
        public static AptRepository Load(string url, TimeSpan timeout)
        {
            url = ValidateUrl(url);
            string? text = null;
            string? lastError = null;
            foreach (var name in new[] { "Packages.gz", "Packages" })
            {
                try
                {
                    var bytes = Fetch(url + name, timeout);
                    text = name.EndsWith(".gz", StringComparison.Ordinal) ? Gunzip(bytes) : System.Text.Encoding.UTF8.GetString(bytes);
                    break;
                }
                catch (Exception ex) when (ex is IOException || ex is HttpRequestException || ex is UnauthorizedAccessException || ex is InvalidDataException)
                {
                    lastError = ex.Message;
                }
            }
            if (text == null)
                throw new AutoGlmException("RepositoryUnreachable", ErrorKind.ResourceUnavailable,
                    Messages.Format("RepositoryUnreachable", url, lastError), url);
            return new AptRepository(url, Parse(text));
        }

        /// <summary>Debian's archive, the default source of a debian-archive driver packaging entry.</summary>
        public const string DebianArchiveUrl = "https://deb.debian.org/debian/";

        /// <summary>A suite repository's suite (bookworm) and components; null for a flat repository.</summary>
        public string? Suite { get; private set; }
        public IReadOnlyList<string>? Components { get; private set; }

        /// <summary>Debian's name for an architecture (x86_64 → amd64, aarch64 → arm64).</summary>
        public static string DebianArchitecture(string? architecture) =>
            architecture == "aarch64" ? "arm64" : architecture == null || architecture == "x86_64" ? "amd64" : architecture;

        /// <summary>
        /// Reads a suite repository (Debian's archive or a mirror of it): dists/SUITE/COMPONENT/binary-ARCH/Packages(.gz)
        /// for each component. An unreachable index is an error naming its URL.
        /// </summary>
        public static AptRepository LoadSuite(string url, string suite, IReadOnlyList<string> components, string architecture, TimeSpan timeout)
        {
            url = ValidateUrl(url);
            var entries = new List<AptIndexEntry>();
            foreach (var component in components)
            {
                var dir = $"{url}dists/{suite}/{component}/binary-{architecture}/";
                entries.AddRange(Parse(ReadIndex(dir, timeout)));
            }
            return new AptRepository(url, entries) { Suite = suite, Components = components.ToList() };
        }

        /// <summary>A suite repository whose index could not be read (a preview planned without it).</summary>
        public static AptRepository UnreadSuite(string url, string suite, IReadOnlyList<string> components, string reason) =>
            new AptRepository(ValidateUrl(url), new List<AptIndexEntry>()) { Unreadable = reason, Suite = suite, Components = components.ToList() };

        private static string ReadIndex(string dir, TimeSpan timeout)
        {
            string? lastError = null;
            foreach (var name in new[] { "Packages.gz", "Packages" })
            {
                try
                {
                    var bytes = Fetch(dir + name, timeout);
                    return name.EndsWith(".gz", StringComparison.Ordinal) ? Gunzip(bytes) : System.Text.Encoding.UTF8.GetString(bytes);
                }
                catch (Exception ex) when (ex is IOException || ex is HttpRequestException || ex is UnauthorizedAccessException || ex is InvalidDataException)
                {
                    lastError = ex.Message;
                }
            }
            throw new AutoGlmException("RepositoryUnreachable", ErrorKind.ResourceUnavailable, Messages.Format("RepositoryUnreachable", dir, lastError), dir);
        }

        /// <summary>The apt source line's location part: "URL /" for a flat repository, "URL SUITE COMPONENTS" for a suite one.</summary>
        public string SourceLocation => Suite == null ? Url + " /" : $"{Url} {Suite} {string.Join(" ", Components ?? Array.Empty<string>())}";

        public static byte[] Fetch(string url, TimeSpan timeout)
        {
            var uri = new Uri(url);
            if (uri.IsFile) return File.ReadAllBytes(uri.LocalPath);
            using var client = new HttpClient { Timeout = timeout };
            try
            {
                using var response = client.GetAsync(uri).GetAwaiter().GetResult();
                if (!response.IsSuccessStatusCode) throw new IOException($"HTTP {(int)response.StatusCode} for {url}");
                return response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            }
            catch (System.Threading.Tasks.TaskCanceledException)
            {
                throw new IOException($"no answer from {url} within {timeout.TotalSeconds:0} s");
            }
        }

        private static string Gunzip(byte[] bytes)
        {
            using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var reader = new StreamReader(input);
            return reader.ReadToEnd();
        }

        public static List<AptIndexEntry> Parse(string text)
        {
            var list = new List<AptIndexEntry>();
            foreach (var stanza in Regex.Split(text.Replace("\r", ""), @"\n\s*\n"))
            {
                var e = new AptIndexEntry();
                foreach (var line in stanza.Split('\n'))
                {
                    int colon = line.IndexOf(':');
                    if (colon <= 0 || char.IsWhiteSpace(line[0])) continue;
                    var value = line.Substring(colon + 1).Trim();
                    switch (line.Substring(0, colon))
                    {
                        case "Package": e.Package = value; break;
                        case "Version": e.Version = value; break;
                        case "Filename": e.Filename = value; break;
                        case "SHA256": e.Sha256 = value.ToLowerInvariant(); break;
                        case "Depends": e.Depends = value; break;
                        case "Pre-Depends": e.PreDepends = value; break;
                        case "Provides": e.Provides = value; break;
                    }
                }
                if (e.Package.Length > 0 && DebianVersion.TryParse(e.Version, out _)) list.Add(e);
            }
            return list;
        }

        /// <summary>The newest version of a package, optionally only those whose upstream part starts with a prefix.</summary>
        public AptIndexEntry? Newest(string package, Func<string, bool>? accept = null) =>
            Entries.Where(e => e.Package == package && (accept == null || accept(e.Version)))
                .OrderByDescending(e => DebianVersion.Parse(e.Version)).FirstOrDefault();

        public AptIndexEntry? Find(string package, string version) =>
            Entries.FirstOrDefault(e => e.Package == package && e.Version == version);

        public string FileUrl(AptIndexEntry e) => Url + e.Filename.TrimStart('.', '/');
    }

    /// <summary>
    /// apt, dpkg and apt-mark as argv. On an isolated root (tests, images) every command is pointed at
    /// the root's own configuration and dpkg database, so the machine's own are never read or written.
    /// </summary>
    public sealed class AptTool
    {
        private readonly string? _root;

        public AptTool(ISystemHost system)
        {
            _root = system.Root == "/" ? null : system.Root;
        }

        public bool Isolated => _root != null;

        /// <summary>Wait for another package manager instead of failing at once; apt names the holder while it waits.</summary>
        public const int LockTimeoutSeconds = 300;

        private IEnumerable<string> AptOptions()
        {
            if (_root == null) yield break;
            foreach (var o in new[]
            {
                "Dir=" + _root,
                "Dir::State::status=" + Path.Combine(_root, "var/lib/dpkg/status"),
                "DPkg::Options::=--root=" + _root,
                "DPkg::Options::=--force-not-root",
                "APT::Sandbox::User=root",
            })
            {
                yield return "-o";
                yield return o;
            }
        }

        public IReadOnlyList<string> AptGet(params string[] args) =>
            new[] { "apt-get" }.Concat(AptOptions()).Concat(new[] { "-q", "-o", $"DPkg::Lock::Timeout={LockTimeoutSeconds}" }).Concat(args).ToList();

        public IReadOnlyList<string> AptCache(params string[] args) => new[] { "apt-cache" }.Concat(AptOptions()).Concat(args).ToList();

        public IReadOnlyList<string> AptMark(params string[] args) => new[] { "apt-mark" }.Concat(AptOptions()).Concat(args).ToList();

        public IReadOnlyList<string> Dpkg(params string[] args) =>
            new[] { "dpkg" }.Concat(_root == null ? Array.Empty<string>() : new[] { "--root=" + _root, "--force-not-root" }).Concat(args).ToList();

        /// <summary>Installed packages (name → version, held) from the dpkg database under the root.</summary>
        public static Dictionary<string, (string Version, bool Held)> Installed(IHost host)
        {
            var status = host.ReadFile("/var/lib/dpkg/status");
            var map = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
            if (!status.Ok) return map;
            foreach (var (name, version, held) in GpuProbes.ParseDpkgStatus(status.Text!)) map[name] = (version, held);
            return map;
        }
    }
}
