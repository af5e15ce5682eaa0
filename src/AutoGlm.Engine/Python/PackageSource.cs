using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Python
{
    /// <summary>
    /// Where distributions come from: an offline wheelhouse (--find-links DIR, --no-index), or a PEP 503
    /// simple index (the user's, a mirror from PIP_INDEX_URL or pip.conf, or PyPI) with extra indexes
    /// (the PyTorch CUDA index for the chosen variant).
    /// </summary>
    public sealed class PackageSource
    {
        public const string PyPi = "https://pypi.org/simple";

        private PackageSource(string? wheelhouse, string? indexUrl, IReadOnlyList<string> extraIndexUrls, string origin)
        {
            Wheelhouse = wheelhouse;
            IndexUrl = indexUrl;
            ExtraIndexUrls = extraIndexUrls;
            Origin = origin;
        }

        /// <summary>A local directory of wheels (a real path); null when an index is used.</summary>
        public string? Wheelhouse { get; }
        public string? IndexUrl { get; }
        public IReadOnlyList<string> ExtraIndexUrls { get; }
        /// <summary>Where the choice came from, for the plan's notes ("--index-url", "PIP_INDEX_URL", "/etc/pip.conf").</summary>
        public string Origin { get; }

        public static PackageSource FromWheelhouse(string directory)
        {
            if (!Directory.Exists(directory))
                throw new AutoGlmException("WheelhouseNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("WheelhouseNotFound_Lock", directory), directory);
            return new PackageSource(Path.GetFullPath(directory), null, Array.Empty<string>(), "--wheelhouse");
        }

        public static PackageSource FromIndex(string indexUrl, IEnumerable<string> extraIndexUrls, string origin)
        {
            var main = CheckUrl(indexUrl, origin);
            var extras = extraIndexUrls.Select(u => CheckUrl(u, "the stack's extra index")).Where(u => u != main).Distinct().ToList();
            return new PackageSource(null, main, extras, origin);
        }

        /// <summary>
        /// The index pip itself would use: an explicit URL, else PIP_INDEX_URL, else pip.conf's [global]
        /// index-url (/etc/pip.conf, then the user's ~/.config/pip/pip.conf and ~/.pip/pip.conf, later wins), else PyPI.
        /// </summary>
        public static PackageSource Discover(IHost host, string? indexUrl, IEnumerable<string> extraIndexUrls)
        {
            if (indexUrl != null) return FromIndex(indexUrl, extraIndexUrls, "--index-url");
            var env = host.GetEnvironmentVariable("PIP_INDEX_URL");
            if (!string.IsNullOrWhiteSpace(env)) return FromIndex(env!.Trim(), extraIndexUrls, "PIP_INDEX_URL");
            string? found = null, origin = null;
            var home = host.GetEnvironmentVariable("HOME");
            var files = new List<string> { "/etc/xdg/pip/pip.conf", "/etc/pip.conf" };
            if (!string.IsNullOrEmpty(home) && home!.StartsWith("/", StringComparison.Ordinal))
                files.AddRange(new[] { home.TrimEnd('/') + "/.pip/pip.conf", home.TrimEnd('/') + "/.config/pip/pip.conf" });
            foreach (var file in files)
            {
                var read = host.ReadFile(file);
                if (!read.Ok) continue;
                var url = PipConfIndexUrl(read.Text!);
                if (url != null) { found = url; origin = file; }
            }
            return found != null ? FromIndex(found, extraIndexUrls, origin!) : FromIndex(PyPi, extraIndexUrls, "PyPI (no mirror configured)");
        }

        /// <summary>index-url from pip.conf's [global] (or [install]) section; INI syntax, ';' and '#' comments.</summary>
        public static string? PipConfIndexUrl(string text)
        {
            string section = "";
            string? global = null, install = null;
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#' || line[0] == ';') continue;
                if (line[0] == '[' && line.EndsWith("]", StringComparison.Ordinal)) { section = line.Substring(1, line.Length - 2).Trim().ToLowerInvariant(); continue; }
                int eq = line.IndexOfAny(new[] { '=', ':' });
                if (eq <= 0) continue;
                var key = line.Substring(0, eq).Trim().ToLowerInvariant().Replace('_', '-');
                if (key != "index-url") continue;
                var value = line.Substring(eq + 1).Trim();
                if (section == "global") global = value;
                else if (section == "install") install = value;
            }
            return install ?? global;
        }

        /// <summary>
        /// Accepts http(s) and file URLs only. Credentials are refused in the lock (pip reads them from
        /// ~/.netrc or a keyring) and masked in every message.
        /// </summary>
        public static string CheckUrl(string url, string origin)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !(uri.Scheme == "http" || uri.Scheme == "https" || uri.Scheme == "file"))
                throw new AutoGlmException("IndexUrlInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("IndexUrlInvalid_Scheme", Mask(url), origin), Mask(url));
            if (url.IndexOfAny(new[] { '\n', '\r', ' ', '\t' }) >= 0)
                throw new AutoGlmException("IndexUrlInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("IndexUrlInvalid_WhiteSpace", Mask(url), origin), Mask(url));
            if (uri.UserInfo.Length > 0)
                throw new AutoGlmException("IndexUrlHasCredentials", ErrorKind.SecurityError,
                    Messages.Format("IndexUrlHasCredentials", Mask(url), origin), Mask(url));
            return url.TrimEnd('/');
        }

        /// <summary>The URL with any user:password replaced by ****.</summary>
        public static string Mask(string url) => Redaction.Url(url);

        /// <summary>The option lines at the top of a lock file: pip reads them from the file itself.</summary>
        public IReadOnlyList<string> LockOptions()
        {
            var lines = new List<string>();
            if (Wheelhouse != null)
            {
                lines.Add("--no-index");
                lines.Add("--find-links " + Wheelhouse);
            }
            else
            {
                lines.Add("--index-url " + IndexUrl);
                lines.AddRange(ExtraIndexUrls.Select(u => "--extra-index-url " + u));
            }
            lines.Add("--only-binary :all:");
            return lines;
        }

        public string Describe() => Wheelhouse != null ? $"the wheelhouse {Wheelhouse}" :
            $"the index {IndexUrl}{(ExtraIndexUrls.Count > 0 ? " with " + string.Join(", ", ExtraIndexUrls) : "")} ({Origin})";
    }
}
