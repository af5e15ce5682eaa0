using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// A Python package version under PEP 440 (https://peps.python.org/pep-0440/), parsed and
    /// ordered as pypa/packaging's Version does: <c>[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]</c>,
    /// accepting the spec's alternate spellings (<c>v1.0</c>, <c>1.0-RC.1</c>, <c>1.0-1</c>,
    /// <c>1.0.r2</c>, surrounding whitespace, any letter case).
    /// </summary>
    /// <remarks>
    /// <see cref="ToString"/> returns the PEP 440 normal form, not the input (<c>1.0-RC.1</c> prints
    /// <c>1.0rc1</c>); Parse(ToString()) equals the original. Trailing zeros of the release do not
    /// matter for equality (<c>1.0 == 1.0.0</c>) but are kept in the text. Numbers are limited to 64 bits.
    /// </remarks>
    public sealed class Pep440Version : VersionBase<Pep440Version>
    {
        private const string What = "PEP 440 version";
        private const string Expected = "[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local], such as 2.5.1, 1.0rc1, 2.6.0.dev20241112 or 2.0.1+cu118";

        // pypa/packaging's VERSION_PATTERN. Input is checked to be ASCII first, because .NET's
        // case-insensitive [a-z] would otherwise admit letters such as U+0130 that PEP 440 excludes.
        private static readonly Regex Pattern = new Regex(@"
            ^v?
            (?:(?<epoch>[0-9]+)!)?
            (?<release>[0-9]+(?:\.[0-9]+)*)
            (?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?
            (?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?
            (?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?
            (?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
            \z",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.IgnorePatternWhitespace | RegexOptions.ExplicitCapture);

        private readonly long[] _release;
        private readonly string[]? _local;
        private readonly string _text;
        private readonly int _hash;

        private Pep440Version(long epoch, long[] release, string? preLabel, long? preNumber, long? post, long? dev, string[]? local)
        {
            Epoch = epoch;
            _release = release;
            PreLabel = preLabel;
            PreNumber = preNumber;
            Post = post;
            Dev = dev;
            _local = local;
            Local = local is null ? null : string.Join(".", local);
            Release = new ReadOnlyCollection<long>(release);
            _text = Format();
            _hash = ComputeHash();
        }

        public long Epoch { get; }
        /// <summary>The release numbers as written (1.0.0 has three, though it equals 1.0).</summary>
        public IReadOnlyList<long> Release { get; }
        /// <summary>The pre-release phase in normal form, "a", "b" or "rc"; null when none.</summary>
        public string? PreLabel { get; }
        /// <summary>The pre-release number; null exactly when <see cref="PreLabel"/> is.</summary>
        public long? PreNumber { get; }
        public long? Post { get; }
        public long? Dev { get; }
        /// <summary>The local label in normal form (lower case, dot-separated): "cu118", "ubuntu.1".</summary>
        public string? Local { get; }

        /// <summary>True for pre-releases and developmental releases, as PEP 440 and packaging define it.</summary>
        public bool IsPrerelease => PreLabel != null || Dev != null;
        public bool IsPostRelease => Post != null;
        public bool IsDevRelease => Dev != null;

        /// <summary>The version without its local label.</summary>
        public Pep440Version Public => _local is null ? this : new Pep440Version(Epoch, _release, PreLabel, PreNumber, Post, Dev, null);

        /// <summary>Epoch and release only: 1!2.0rc1.post3+x gives 1!2.0.</summary>
        public Pep440Version BaseVersion => new Pep440Version(Epoch, _release, null, null, null, null, null);

        public static Pep440Version Parse(string text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            var error = TryParseCore(text, out var version);
            if (error != null) throw VersionText.Invalid(What, text, error, Expected);
            return version!;
        }

        public static bool TryParse(string? text, [NotNullWhen(true)] out Pep440Version? version)
        {
            version = null;
            return text != null && TryParseCore(text, out version) == null;
        }

        private static string? TryParseCore(string text, out Pep440Version? version)
        {
            version = null;
            string s = text.Trim();
            if (s.Length == 0) return "it is empty";
            foreach (char c in s)
                if (c > 127) return $"it has the non-ASCII character '{c}'";
            var m = Pattern.Match(s);
            if (!m.Success) return "it does not follow the PEP 440 scheme";

            string? tooLarge = null;
            long Number(Group g, long absent)
            {
                if (!g.Success) return absent;
                if (!VersionText.TryParseLong(g.Value, out long n)) tooLarge ??= g.Value;
                return n;
            }

            long epoch = Number(m.Groups["epoch"], 0);
            string[] parts = m.Groups["release"].Value.Split('.');
            var release = new long[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!VersionText.TryParseLong(parts[i], out release[i])) tooLarge ??= parts[i];

            string? preLabel = null;
            long? preNumber = null;
            if (m.Groups["pre"].Success)
            {
                preLabel = NormalisePreLabel(m.Groups["pre_l"].Value);
                preNumber = Number(m.Groups["pre_n"], 0);
            }
            long? post = null;
            if (m.Groups["post"].Success)
                post = m.Groups["post_n1"].Success ? Number(m.Groups["post_n1"], 0) : Number(m.Groups["post_n2"], 0);
            long? dev = m.Groups["dev"].Success ? Number(m.Groups["dev_n"], 0) : (long?)null;

            string[]? local = null;
            if (m.Groups["local"].Success)
            {
                local = m.Groups["local"].Value.ToLowerInvariant().Split('-', '_', '.');
                // Numeric local segments compare as numbers, so 01 and 1 are the same segment.
                for (int i = 0; i < local.Length; i++)
                    if (VersionText.IsAllDigits(local[i]))
                    {
                        string stripped = VersionText.StripLeadingZeros(local[i]);
                        local[i] = stripped.Length == 0 ? "0" : stripped;
                    }
            }

            if (tooLarge != null) return $"the number {tooLarge} is too large (the limit is 64 bits)";
            version = new Pep440Version(epoch, release, preLabel, preNumber, post, dev, local);
            return null;
        }

        private static string NormalisePreLabel(string label)
        {
            switch (label.ToLowerInvariant())
            {
                case "a":
                case "alpha": return "a";
                case "b":
                case "beta": return "b";
                default: return "rc"; // c, rc, pre, preview
            }
        }

        // ---- pieces the specifier set needs ----

        internal bool HasSameTrimmedRelease(Pep440Version other) => CompareRelease(_release, other._release) == 0;

        internal Pep440Version WithDev(long dev) => new Pep440Version(Epoch, _release, PreLabel, PreNumber, Post, dev, null);

        /// <summary>
        /// PEP 440 prefix matching: this version has the given epoch and its release, padded with
        /// zeros, starts with the first <paramref name="length"/> numbers of <paramref name="prefix"/>.
        /// </summary>
        internal bool HasReleasePrefix(long epoch, IReadOnlyList<long> prefix, int length)
        {
            if (Epoch != epoch) return false;
            for (int i = 0; i < length; i++)
                if ((i < _release.Length ? _release[i] : 0) != prefix[i]) return false;
            return true;
        }

        // ---- ordering: packaging's _cmpkey ----

        private static int CompareRelease(long[] a, long[] b)
        {
            // Compare as if the shorter were padded with zeros, which is what trimming trailing zeros does.
            int n = Math.Max(a.Length, b.Length);
            for (int i = 0; i < n; i++)
            {
                long x = i < a.Length ? a[i] : 0, y = i < b.Length ? b[i] : 0;
                if (x != y) return x < y ? -1 : 1;
            }
            return 0;
        }

        // A dev release of a final version (1.0.dev0) sorts before its pre-releases; no pre-release at all sorts after them.
        private int PreRank => PreLabel switch
        {
            null when Post == null && Dev != null => -1,
            null => 3,
            "a" => 0,
            "b" => 1,
            _ => 2,
        };

        private static int CompareLocal(string[]? a, string[]? b)
        {
            if (a is null || b is null) return a is null ? (b is null ? 0 : -1) : 1;
            int n = Math.Min(a.Length, b.Length);
            for (int i = 0; i < n; i++)
            {
                bool an = VersionText.IsAllDigits(a[i]), bn = VersionText.IsAllDigits(b[i]);
                int c = an && bn ? VersionText.CompareDigitRuns(a[i], b[i])
                    : an != bn ? (an ? 1 : -1) // a number beats a word
                    : Math.Sign(string.CompareOrdinal(a[i], b[i]));
                if (c != 0) return c;
            }
            return a.Length.CompareTo(b.Length);
        }

        public override int CompareTo(Pep440Version? other)
        {
            if (other is null) return 1;
            int c = Epoch.CompareTo(other.Epoch);
            if (c != 0) return c;
            c = CompareRelease(_release, other._release);
            if (c != 0) return c;
            c = PreRank.CompareTo(other.PreRank);
            if (c != 0) return c;
            c = (PreNumber ?? 0).CompareTo(other.PreNumber ?? 0);
            if (c != 0) return c;
            c = CompareNullable(Post, other.Post, nullIsLow: true);
            if (c != 0) return c;
            c = CompareNullable(Dev, other.Dev, nullIsLow: false);
            if (c != 0) return c;
            return CompareLocal(_local, other._local);
        }

        private static int CompareNullable(long? a, long? b, bool nullIsLow)
        {
            if (a is null || b is null)
            {
                if (a is null && b is null) return 0;
                return (a is null) == nullIsLow ? -1 : 1;
            }
            return a.Value.CompareTo(b.Value);
        }

        public override int GetHashCode() => _hash;

        private int ComputeHash()
        {
            int h = Epoch.GetHashCode();
            int end = _release.Length;
            while (end > 1 && _release[end - 1] == 0) end--; // 1.0 and 1.0.0 are equal, so hash alike
            for (int i = 0; i < end; i++) h = VersionText.Combine(h, _release[i].GetHashCode());
            h = VersionText.Combine(h, PreRank);
            h = VersionText.Combine(h, (PreNumber ?? 0).GetHashCode());
            h = VersionText.Combine(h, Post is null ? -1 : Post.Value.GetHashCode());
            h = VersionText.Combine(h, Dev is null ? -1 : Dev.Value.GetHashCode());
            return VersionText.Combine(h, Local is null ? -1 : VersionText.Hash(Local));
        }

        private string Format()
        {
            var sb = new StringBuilder();
            if (Epoch != 0) sb.Append(Epoch.ToString(CultureInfo.InvariantCulture)).Append('!');
            for (int i = 0; i < _release.Length; i++)
            {
                if (i > 0) sb.Append('.');
                sb.Append(_release[i].ToString(CultureInfo.InvariantCulture));
            }
            if (PreLabel != null) sb.Append(PreLabel).Append(PreNumber!.Value.ToString(CultureInfo.InvariantCulture));
            if (Post != null) sb.Append(".post").Append(Post.Value.ToString(CultureInfo.InvariantCulture));
            if (Dev != null) sb.Append(".dev").Append(Dev.Value.ToString(CultureInfo.InvariantCulture));
            if (Local != null) sb.Append('+').Append(Local);
            return sb.ToString();
        }

        /// <summary>The PEP 440 normal form, which may differ from the parsed text.</summary>
        public override string ToString() => _text;
    }
}
