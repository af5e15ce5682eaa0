using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Versions
{
    /// <summary>One locked distribution: the exact version and the sha256 of every file pip may pick for it.</summary>
    public sealed class LockedPackage
    {
        public LockedPackage(string name, string version, IEnumerable<string> hashes, IEnumerable<string>? files = null)
        {
            Name = PackageName.Normalize(name);
            Version = version;
            Hashes = hashes.Distinct().OrderBy(h => h, StringComparer.Ordinal).ToList();
            Files = (files ?? Enumerable.Empty<string>()).OrderBy(f => f, StringComparer.Ordinal).ToList();
        }

        public string Name { get; }
        public string Version { get; }
        public IReadOnlyList<string> Hashes { get; }
        /// <summary>The file names the hashes belong to (known when the lock was made here; empty when parsed).</summary>
        public IReadOnlyList<string> Files { get; }
    }

    /// <summary>One pip requirements file: the source options on top, then name==version with hashes.</summary>
    public sealed class LockPhase
    {
        public LockPhase(string name, IEnumerable<string> options, IEnumerable<LockedPackage> packages)
        {
            Name = name;
            Options = options.ToList();
            Packages = packages.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        }

        /// <summary>base, or override (installed after the framework, replacing what it brought).</summary>
        public string Name { get; }
        public IReadOnlyList<string> Options { get; }
        public IReadOnlyList<LockedPackage> Packages { get; }

        /// <summary>The --find-links directory, when the phase installs from a wheelhouse.</summary>
        public string? FindLinks => Options.Where(o => o.StartsWith("--find-links ", StringComparison.Ordinal)).Select(o => o.Substring(13).Trim()).FirstOrDefault();

        public string Render(IEnumerable<string> header)
        {
            var sb = new StringBuilder();
            foreach (var line in header) sb.Append("# ").Append(line).Append('\n');
            foreach (var option in Options) sb.Append(option).Append('\n');
            sb.Append('\n');
            foreach (var p in Packages)
            {
                sb.Append(p.Name).Append("==").Append(p.Version);
                foreach (var h in p.Hashes) sb.Append(" \\\n    --hash=sha256:").Append(h);
                sb.Append('\n');
            }
            return sb.ToString();
        }

        /// <summary>
        /// Reads a requirements file as pip would for --require-hashes: every requirement pinned with == to one
        /// version and carrying at least one sha256 hash; anything else is an error naming the line.
        /// </summary>
        public static LockPhase Parse(string text, string name, string path)
        {
            var options = new List<string>();
            var packages = new List<LockedPackage>();
            var logical = new List<(int line, string text)>();
            var current = new StringBuilder();
            int start = 0, number = 0;
            foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
            {
                number++;
                var line = raw;
                int hash = line.IndexOf(" #", StringComparison.Ordinal);
                if (line.TrimStart().StartsWith("#", StringComparison.Ordinal)) line = "";
                else if (hash >= 0) line = line.Substring(0, hash);
                if (current.Length == 0) start = number;
                if (line.TrimEnd().EndsWith("\\", StringComparison.Ordinal)) { current.Append(line.TrimEnd().TrimEnd('\\')).Append(' '); continue; }
                current.Append(line);
                if (current.ToString().Trim().Length > 0) logical.Add((start, current.ToString().Trim()));
                current.Clear();
            }
            foreach (var (line, entry) in logical)
            {
                if (entry.StartsWith("-", StringComparison.Ordinal)) { options.Add(entry); continue; }
                var parts = entry.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                var req = parts[0];
                int eq = req.IndexOf("==", StringComparison.Ordinal);
                if (eq <= 0 || req.IndexOf("==", eq + 2, StringComparison.Ordinal) >= 0 || req.Contains(";") || req.Contains("*")
                    || !PackageName.IsValid(req.Substring(0, eq)) || !Pep440Version.TryParse(req.Substring(eq + 2), out _))
                    throw new AutoGlmException("LockNotPinned", ErrorKind.InvalidData,
                        Messages.Format("LockNotPinned", path, line, req), path);
                var hashes = parts.Skip(1).Where(p => p.StartsWith("--hash=sha256:", StringComparison.Ordinal)).Select(p => p.Substring(14).ToLowerInvariant()).ToList();
                if (hashes.Count == 0 || hashes.Any(h => h.Length != 64 || h.Any(ch => !Uri.IsHexDigit(ch))))
                    throw new AutoGlmException("LockMissingHash", ErrorKind.InvalidData,
                        Messages.Format("LockMissingHash", path, line, req), path);
                packages.Add(new LockedPackage(req.Substring(0, eq), req.Substring(eq + 2), hashes));
            }
            return new LockPhase(name, options, packages);
        }
    }

    /// <summary>
    /// The lock for one environment: the base phase (the framework and its dependencies) and, when the profile
    /// has post-install overrides, an override phase installed after it (transformers 5.0.0rc0 after vLLM).
    /// </summary>
    public sealed class PythonLock
    {
        public const string BaseFileName = "requirements.lock";
        public const string OverrideFileName = "requirements-override.lock";

        public PythonLock(LockPhase basePhase, LockPhase? overridePhase, IEnumerable<string>? header = null)
        {
            Base = basePhase;
            Override = overridePhase != null && overridePhase.Packages.Count > 0 ? overridePhase : null;
            Header = (header ?? Enumerable.Empty<string>()).ToList();
        }

        public LockPhase Base { get; }
        public LockPhase? Override { get; }
        public IReadOnlyList<string> Header { get; }
        public IEnumerable<LockPhase> Phases => Override == null ? new[] { Base } : new[] { Base, Override };

        /// <summary>The base file's text: as read, for a parsed lock; rendered, for a new one.</summary>
        public string BaseText => _baseText ?? Base.Render(Header.Concat(new[] { Override == null ? "Install: pip install --require-hashes --no-deps -r " + BaseFileName
            : $"Phase 1 of 2; then {OverrideFileName}. Install: pip install --require-hashes --no-deps -r {BaseFileName}" }));
        public string? OverrideText => _baseText != null ? _overrideText : Override?.Render(Header.Concat(new[] { $"Phase 2 of 2, after {BaseFileName}: the profile's overrides. Install: pip install --require-hashes --no-deps -r {OverrideFileName}" }));

        /// <summary>Identifies this lock; recorded in the venv so a matching venv is recognised cheaply.</summary>
        public string Sha256 => Hashing.Sha256HexOfText(BaseText + "\0" + (OverrideText ?? ""));

        /// <summary>What the venv must hold once both phases are installed: overrides replace base versions.</summary>
        public IReadOnlyDictionary<string, string> Expected
        {
            get
            {
                var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var phase in Phases)
                    foreach (var p in phase.Packages) map[p.Name] = p.Version;
                return map;
            }
        }

        /// <summary>Reads a lock written by AutoGlm (or by hand, if it meets --require-hashes' rules).</summary>
        public static PythonLock Parse(string baseText, string basePath, string? overrideText, string? overridePath)
        {
            var b = LockPhase.Parse(baseText, "base", basePath);
            var o = overrideText == null ? null : LockPhase.Parse(overrideText, "override", overridePath ?? "override");
            return new PythonLock(b, o, Array.Empty<string>()) { _baseText = baseText, _overrideText = overrideText };
        }

        // A parsed lock keeps its own text, so its hash is the file's and not a re-rendering.
        private string? _baseText, _overrideText;
    }
}
