using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// Lets a venv that nothing touched be read without starting Python. A sync, after it verified the new venv
    /// through importlib.metadata, records that answer together with a fingerprint of everything the answer
    /// depends on: the interpreter (the venv's python and the base executable: path, size, mtime), pyvenv.cfg,
    /// the PYTHONPATH/PYTHONHOME the probe would inherit, and in site-packages every metadata entry
    /// (*.dist-info, *.egg-info, *.egg: name, METADATA/PKG-INFO and RECORD size and mtime), every .pth file's
    /// text and torch/version.py. importlib.metadata finds distributions only through those, so an unchanged
    /// fingerprint means an unchanged answer; any difference (pip installing or removing anything, a replaced
    /// interpreter) means Python is asked again. A venv the fingerprint cannot cover (system site-packages, a
    /// .pth that adds directories) is always asked.
    /// </summary>
    public static class VenvStamp
    {
        public const string FileName = ".autoglm-stamp.json";
        private const int Format = 1;
        private static readonly string[] MetadataSuffixes = { ".dist-info", ".egg-info", ".egg" };

        /// <summary>Records the verified <paramref name="state"/> of the venv at (host path) <paramref name="venv"/>.</summary>
        internal static void Write(IHost host, string venv, VenvState state)
        {
            var path = Path.Combine(host.MapPath(venv), FileName);
            var fingerprint = Fingerprint(host, venv);
            if (fingerprint == null)
            {
                if (File.Exists(path)) File.Delete(path);
                return;
            }
            var json = new Dictionary<string, object?>
            {
                ["format"] = Format,
                ["fingerprint"] = fingerprint,
                ["python"] = state.PythonVersion,
                ["torchCuda"] = state.TorchCuda,
                ["packages"] = state.Packages.ToDictionary(kv => kv.Key, kv => (object?)kv.Value),
            };
            File.WriteAllText(path, Json.Json.Serialize(json) + "\n");
        }

        /// <summary>Fills <paramref name="state"/> from the stamp when the venv still has the recorded fingerprint.</summary>
        internal static bool TryRead(IHost host, string venv, VenvState state)
        {
            try
            {
                var path = Path.Combine(host.MapPath(venv), FileName);
                if (!File.Exists(path)) return false;
                if (!(Json.Json.Parse(File.ReadAllText(path)) is Dictionary<string, object?> root)) return false;
                if (!(root.TryGetValue("format", out var f) && Convert.ToInt32(f) == Format)) return false;
                if (!(root.TryGetValue("fingerprint", out var recorded) && recorded is string r) || r != Fingerprint(host, venv)) return false;
                if (!(root.TryGetValue("packages", out var p) && p is Dictionary<string, object?> packages)) return false;
                state.PythonVersion = root.TryGetValue("python", out var v) ? v as string : null;
                state.TorchCuda = root.TryGetValue("torchCuda", out var c) ? c as string : null;
                state.Packages.Clear();
                foreach (var kv in packages) if (kv.Value is string version) state.Packages[kv.Key] = version;
                return true;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is InvalidCastException || ex is OverflowException)
            {
                return false; // an unreadable stamp only means asking Python
            }
        }

        /// <summary>The sha256 of what importlib.metadata's answer depends on; null when that cannot be covered cheaply.</summary>
        internal static string? Fingerprint(IHost host, string venv)
        {
            bool windows = host.Platform == HostPlatform.Windows;
            var realVenv = host.MapPath(venv);
            var sb = new StringBuilder();
            var cfgPath = Path.Combine(realVenv, "pyvenv.cfg");
            if (!File.Exists(cfgPath)) return null;
            var cfg = File.ReadAllText(cfgPath);
            if (Value(cfg, "include-system-site-packages")?.Equals("true", StringComparison.OrdinalIgnoreCase) == true) return null;
            sb.Append("cfg ").Append(cfg).Append('\n');
            sb.Append("env ").Append(host.GetEnvironmentVariable("PYTHONPATH")).Append('|').Append(host.GetEnvironmentVariable("PYTHONHOME")).Append('\n');

            var python = windows ? Path.Combine(realVenv, "Scripts", "python.exe") : Path.Combine(realVenv, "bin", "python");
            // The venv's python is usually a link to the base interpreter: the link itself, then what it finally names.
            if (!Stat(sb, "python", python)) return null;
            sb.Append("link ").Append(host.ReadLink(VenvProbe.PythonPath(host, venv))).Append('\n');
            Stat(sb, "python-target", FinalTarget(python));
            if (Value(cfg, "executable") is string exe) Stat(sb, "base", FinalTarget(exe));
            else if (Value(cfg, "home") is string home) Stat(sb, "base", FinalTarget(Path.Combine(home, windows ? "python.exe" : "python3")));

            var sites = SitePackages(realVenv, windows).ToList();
            if (sites.Count == 0) return null;
            foreach (var site in sites)
            {
                sb.Append("site ").Append(site.Substring(realVenv.Length)).Append('\n');
                foreach (var entry in Directory.EnumerateFileSystemEntries(site).OrderBy(e => e, StringComparer.Ordinal))
                {
                    var name = Path.GetFileName(entry);
                    var lower = name.ToLowerInvariant();
                    if (lower.EndsWith(".pth", StringComparison.Ordinal))
                    {
                        var text = File.ReadAllText(entry);
                        // A .pth line that is not an import adds a directory to sys.path, whose distributions we do not stat.
                        if (text.Split('\n').Select(l => l.Trim()).Any(l => l.Length > 0 && !l.StartsWith("#", StringComparison.Ordinal) && !l.StartsWith("import ", StringComparison.Ordinal) && !l.StartsWith("import\t", StringComparison.Ordinal)))
                            return null;
                        sb.Append("pth ").Append(name).Append(' ').Append(Hashing.Sha256HexOfText(text)).Append('\n');
                    }
                    else if (MetadataSuffixes.Any(s => lower.EndsWith(s, StringComparison.Ordinal)))
                    {
                        sb.Append("dist ").Append(name).Append('\n');
                        if (Directory.Exists(entry))
                        {
                            foreach (var file in new[] { "METADATA", "PKG-INFO", "RECORD", Path.Combine("EGG-INFO", "PKG-INFO") })
                                Stat(sb, file, Path.Combine(entry, file));
                        }
                        else Stat(sb, "file", entry);
                    }
                }
                Stat(sb, "torch", Path.Combine(site, "torch", "version.py"));
            }
            return Hashing.Sha256HexOfText(sb.ToString());
        }

        private static IEnumerable<string> SitePackages(string realVenv, bool windows)
        {
            if (windows)
            {
                var site = Path.Combine(realVenv, "Lib", "site-packages");
                if (Directory.Exists(site)) yield return site;
                yield break;
            }
            foreach (var lib in new[] { "lib", "lib64" })
            {
                var dir = Path.Combine(realVenv, lib);
                // lib64 is usually a link to lib: the same directory once is enough.
                if (!Directory.Exists(dir) || (lib == "lib64" && new DirectoryInfo(dir).Attributes.HasFlag(FileAttributes.ReparsePoint))) continue;
                foreach (var version in Directory.GetDirectories(dir, "python*").OrderBy(d => d, StringComparer.Ordinal))
                {
                    var site = Path.Combine(version, "site-packages");
                    if (Directory.Exists(site)) yield return site;
                }
            }
        }

        /// <summary>Size and modification time (to the tick) of a file, following links; "absent" when there is none.</summary>
        private static bool Stat(StringBuilder sb, string label, string path)
        {
            var info = new FileInfo(path);
            sb.Append(label).Append(' ').Append(path).Append(' ');
            if (!info.Exists) { sb.Append("absent\n"); return false; }
            sb.Append(info.Length).Append(' ').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
            return true;
        }

        // FileSystemInfo.LinkTarget (.NET 6+), read by reflection as LiveHost does: this assembly targets netstandard2.0.
        private static readonly System.Reflection.PropertyInfo? LinkTarget = typeof(FileSystemInfo).GetProperty("LinkTarget");

        /// <summary>The file a chain of symbolic links ends at (stat on a link describes the link, not its target).</summary>
        private static string FinalTarget(string path)
        {
            for (int hops = 0; hops < 40 && LinkTarget?.GetValue(new FileInfo(path)) is string target; hops++)
                path = Path.Combine(Path.GetDirectoryName(path) ?? "/", target);
            return path;
        }

        private static string? Value(string cfg, string key)
        {
            foreach (var line in cfg.Split('\n'))
            {
                int eq = line.IndexOf('=');
                if (eq > 0 && line.Substring(0, eq).Trim() == key) return line.Substring(eq + 1).Trim();
            }
            return null;
        }
    }
}
