using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Python
{
    /// <summary>A wheel file: name, exact version (local label included) and where it is.</summary>
    public sealed class WheelFile
    {
        public WheelFile(string fileName, string name, Pep440Version version, string location)
        {
            FileName = fileName;
            Name = name;
            Version = version;
            Location = location;
        }

        public string FileName { get; }
        /// <summary>Normalized distribution name.</summary>
        public string Name { get; }
        /// <summary>The exact version: 2.9.1+cu128 and 2.9.1+cpu are different files with different hashes.</summary>
        public Pep440Version Version { get; }
        /// <summary>A local path (wheelhouse) or a URL (index).</summary>
        public string Location { get; }
        /// <summary>Lower-case hex sha256; from the file (wheelhouse) or the index's hash fragment.</summary>
        public string? Sha256 { get; set; }

        /// <summary>Parses "{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl"; null for anything else.</summary>
        public static WheelFile? TryParse(string fileName, string location)
        {
            if (!fileName.EndsWith(".whl", StringComparison.OrdinalIgnoreCase)) return null;
            var parts = fileName.Substring(0, fileName.Length - 4).Split('-');
            if (parts.Length != 5 && parts.Length != 6) return null;
            if (!PackageName.IsValid(parts[0]) || !Pep440Version.TryParse(parts[1], out var version)) return null;
            return new WheelFile(fileName, PackageName.Normalize(parts[0]), version, location);
        }
    }

    /// <summary>One Requires-Dist line: name, extras, specifier, marker.</summary>
    public sealed class Requirement
    {
        private static readonly Regex Pattern = new Regex(
            @"^\s*(?<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[(?<extras>[^\]]*)\])?\s*\(?(?<spec>[^;()]*)\)?\s*(;(?<marker>.*))?$", RegexOptions.CultureInvariant);

        public string Name { get; private set; } = "";
        public Pep440SpecifierSet? Specifier { get; private set; }
        public string SpecifierText { get; private set; } = "";
        /// <summary>The PEP 508 environment marker after ';', unparsed (see <see cref="Markers"/>).</summary>
        public string? Marker { get; private set; }
        /// <summary>The extras asked of the named distribution ("foo[bar, baz]"), normalized.</summary>
        public IReadOnlyList<string> Extras { get; private set; } = Array.Empty<string>();

        public static Requirement? TryParse(string text)
        {
            var m = Pattern.Match(text);
            if (!m.Success) return null;
            var spec = m.Groups["spec"].Value.Trim();
            Pep440SpecifierSet? set = null;
            if (spec.Length > 0 && !Pep440SpecifierSet.TryParse(spec, out set)) return null;
            var marker = m.Groups["marker"].Success ? m.Groups["marker"].Value.Trim() : null;
            var extras = m.Groups["extras"].Value.Split(',').Select(e => e.Trim()).Where(e => e.Length > 0).ToList();
            if (extras.Any(e => !PackageName.IsValid(e))) return null;
            return new Requirement
            {
                Name = PackageName.Normalize(m.Groups["name"].Value), Extras = extras.Select(PackageName.Normalize).Distinct().ToList(),
                Specifier = set, SpecifierText = spec, Marker = marker,
            };
        }

        public override string ToString() => Name + (Extras.Count > 0 ? "[" + string.Join(",", Extras) + "]" : "") + SpecifierText + (Marker != null ? "; " + Marker : "");
    }

    public static class WheelReader
    {
        public static string Sha256(string path)
        {
            using var stream = File.OpenRead(path);
            return Hashing.Sha256Hex(stream);
        }

        public static string Sha256Text(string text) => Hashing.Sha256HexOfText(text);

        /// <summary>The Requires-Dist lines of a wheel's METADATA.</summary>
        public static IReadOnlyList<string> RequiresDist(string wheelPath)
        {
            using var zip = ZipFile.OpenRead(wheelPath);
            var entry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith(".dist-info/METADATA", StringComparison.Ordinal) && e.FullName.Count(ch => ch == '/') == 1);
            if (entry == null) return Array.Empty<string>();
            using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
            return RequiresDist(reader);
        }

        /// <summary>The Requires-Dist lines of a METADATA text (a wheel's, or the copy an index serves per PEP 658).</summary>
        public static IReadOnlyList<string> RequiresDistOfMetadata(string metadata)
        {
            using var reader = new StringReader(metadata);
            return RequiresDist(reader);
        }

        private static IReadOnlyList<string> RequiresDist(TextReader reader)
        {
            var lines = new List<string>();
            string? line;
            // Headers end at the first blank line; the body is the description.
            while ((line = reader.ReadLine()) != null && line.Length > 0)
                if (line.StartsWith("Requires-Dist:", StringComparison.OrdinalIgnoreCase)) lines.Add(line.Substring("Requires-Dist:".Length).Trim());
            return lines;
        }
    }
}
