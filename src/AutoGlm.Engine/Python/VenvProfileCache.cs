using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Python
{
    /// <summary>
    /// What `venv sync --lock` needs from the matrix (each profile's id and install path, and which profile is the
    /// default), remembered in the state directory after an apply. It is keyed by a fingerprint of everything a
    /// matrix load reads: every shipped *.yaml and every --matrix override (path, size, modification time), and the
    /// engine assembly that parses them. While the key holds, a sync with a lock that finds the venv converged
    /// decides without parsing the matrix, whose YamlDotNet start-up is most of a no-op run (docs/perf.md). Any
    /// edited, added or removed matrix file, another override list or another AutoGlm build means a full load,
    /// which validates the matrix as always; an invalid matrix never gets here, as it fails before any apply.
    /// </summary>
    internal static class VenvProfileCache
    {
        public const string FileName = "venv-profiles.json";
        private const int Format = 1;

        public static string PathFor(ISystemHost system) => Path.Combine(system.StateDirectory, "cache", FileName);

        /// <summary>The profile <paramref name="requested"/> names (the default when null) as recorded for this key; null when the cache cannot answer.</summary>
        public static ProfileEntry? TryRead(ISystemHost system, string key, string? requested)
        {
            try
            {
                var path = PathFor(system);
                if (!File.Exists(path)) return null;
                if (!(Json.Json.Parse(File.ReadAllText(path)) is Dictionary<string, object?> root)) return null;
                if (!(root.TryGetValue("format", out var f) && Convert.ToInt32(f) == Format)) return null;
                if (!(root.TryGetValue("matrix", out var k) && k as string == key)) return null;
                var name = string.IsNullOrWhiteSpace(requested) ? root.TryGetValue("defaultProfile", out var d) ? d as string : null : requested;
                if (name == null || !(root.TryGetValue("profiles", out var p) && p is IEnumerable<object?> profiles)) return null;
                // The same match as CompatibilityMatrix.FindProfile; a name not recorded takes the full load (and its ProfileNotFound).
                var entry = profiles.OfType<Dictionary<string, object?>>()
                    .FirstOrDefault(e => e.TryGetValue("id", out var id) && string.Equals(id as string, name, StringComparison.OrdinalIgnoreCase));
                if (entry == null) return null;
                return new ProfileEntry { Id = (string)entry["id"]!, InstallPath = entry.TryGetValue("installPath", out var i) ? i as string : null };
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is InvalidCastException || ex is OverflowException)
            {
                return null; // an unreadable cache only means loading the matrix
            }
        }

        /// <summary>Records <paramref name="matrix"/>'s profiles under <paramref name="key"/> (computed before it was loaded, so an edit during the load is not hidden).</summary>
        public static void Write(StepContext context, string key, CompatibilityMatrix matrix)
        {
            var json = new Dictionary<string, object?>
            {
                ["format"] = Format,
                ["matrix"] = key,
                ["defaultProfile"] = matrix.DefaultProfile ?? matrix.Profiles.FirstOrDefault()?.Id,
                ["profiles"] = matrix.Profiles.Select(p => (object?)new Dictionary<string, object?> { ["id"] = p.Id, ["installPath"] = p.InstallPath }).ToList(),
            };
            try
            {
                AtomicFile.Write(PathFor(context.System), Json.Json.Serialize(json) + "\n");
            }
            catch (AutoGlmException ex)
            {
                context.Output.Verbose(Messages.Format("Verbose_ProfileCacheNotWritten", ex.Message));
            }
        }

        /// <summary>The fingerprint of what MatrixLoader.LoadDefault(<paramref name="overrides"/>) would read; null when it cannot be taken.</summary>
        public static string? Key(IReadOnlyCollection<string>? overrides)
        {
            var dir = MatrixLoader.FindShippedDirectory();
            var engine = typeof(VenvProfileCache).Assembly.Location;
            if (dir == null || engine.Length == 0) return null;
            var sb = new StringBuilder();
            if (!Stat(sb, "engine " + typeof(VenvProfileCache).Assembly.FullName, engine)) return null;
            sb.Append("dir ").Append(dir).Append('\n');
            foreach (var file in Directory.GetFiles(dir, "*.yaml").OrderBy(f => f, StringComparer.Ordinal)) Stat(sb, "shipped", file);
            foreach (var file in overrides ?? Array.Empty<string>())
                if (!Stat(sb, "override", Path.GetFullPath(file))) return null; // a missing override is the full load's error to report
            return Hashing.Sha256HexOfText(sb.ToString());
        }

        private static bool Stat(StringBuilder sb, string label, string path)
        {
            var info = new FileInfo(path);
            if (!info.Exists) return false;
            sb.Append(label).Append(' ').Append(path).Append(' ').Append(info.Length).Append(' ').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
            return true;
        }
    }
}
