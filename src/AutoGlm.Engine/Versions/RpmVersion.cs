using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// An RPM EVR, <c>[epoch:]version[-release]</c>, ordered as rpm orders it: the epoch numerically
    /// (absent is 0), then version and release with rpmvercmp (rpmio/rpmvercmp.c). rpmvercmp splits
    /// each string into runs of digits and runs of letters, skipping every other character; numbers
    /// compare numerically and beat letters; <c>~</c> sorts before everything, even the end
    /// (1.0~rc1 &lt; 1.0); <c>^</c> sorts after the end but before any further run
    /// (1.0 &lt; 1.0^git1 &lt; 1.0.1).
    /// </summary>
    /// <remarks>
    /// An absent release compares as an empty one, so 1.0 &lt; 1.0-1. That keeps the order total;
    /// rpm's dependency matching instead lets a missing release match any release, which is a range
    /// rule, not an order. Version and release may hold ASCII letters, digits and <c>. _ + ~ ^</c>
    /// (what rpm accepts in Version/Release once macros are expanded). <see cref="ToString"/> returns the
    /// parsed text (trimmed), so equal versions may print differently (1.0 and 0:1.0).
    /// </remarks>
    public sealed class RpmVersion : VersionBase<RpmVersion>
    {
        private const string What = "RPM version";
        private const string Expected = "[epoch:]version[-release] of letters, digits and . _ + ~ ^, such as 580.65.06-1.el9 or 2:1.0~rc1-3";

        private readonly string _text;
        private readonly int _hash;

        private RpmVersion(string text, int epoch, string version, string? release)
        {
            _text = text;
            Epoch = epoch;
            Version = version;
            Release = release;
            _hash = VersionText.Combine(VersionText.Combine(epoch, VersionText.Hash(CanonicalKey(version))),
                VersionText.Hash(CanonicalKey(release ?? "")));
        }

        /// <summary>The epoch; 0 when the text has none.</summary>
        public int Epoch { get; }
        public string Version { get; }
        /// <summary>The release, or null when the text has no hyphen.</summary>
        public string? Release { get; }

        public static RpmVersion Parse(string text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            var error = TryParseCore(text, out var version);
            if (error != null) throw VersionText.Invalid(What, text, error, Expected);
            return version!;
        }

        public static bool TryParse(string? text, [NotNullWhen(true)] out RpmVersion? version)
        {
            version = null;
            return text != null && TryParseCore(text, out version) == null;
        }

        private static string? TryParseCore(string text, out RpmVersion? result)
        {
            result = null;
            string s = text.Trim();
            if (s.Length == 0) return "it is empty";

            int epoch = 0;
            string rest = s;
            int colon = s.IndexOf(':');
            if (colon >= 0)
            {
                string e = s.Substring(0, colon);
                if (e.Length == 0) return "the epoch before ':' is empty";
                if (!VersionText.IsAllDigits(e)) return $"the epoch '{e}' is not a non-negative number";
                if (!VersionText.TryParseInt(e, out epoch)) return $"the epoch '{e}' is too big";
                rest = s.Substring(colon + 1);
            }

            string version = rest;
            string? release = null;
            int hyphen = rest.LastIndexOf('-');
            if (hyphen >= 0)
            {
                version = rest.Substring(0, hyphen);
                release = rest.Substring(hyphen + 1);
                if (release.Length == 0) return "the release after '-' is empty";
            }
            if (version.Length == 0) return "the version is empty";
            foreach (char c in version)
                if (!IsAllowed(c)) return $"the version has the character '{c}'";
            if (release != null)
                foreach (char c in release)
                    if (!IsAllowed(c)) return $"the release has the character '{c}'";

            result = new RpmVersion(s, epoch, version, release);
            return null;
        }

        private static bool IsAllowed(char c) =>
            VersionText.IsAsciiDigit(c) || VersionText.IsAsciiLetter(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '^';

        // rpmvercmp read as a lexicographic comparison of tokens. Rank of what stands at a position:
        // '~' < end of string < '^' < a letter run < a digit run; runs of the same kind compare by content.
        private const int TildeRank = 0, EndRank = 1, CaretRank = 2, AlphaRank = 3, DigitRank = 4;

        private static List<KeyValuePair<int, string>> Tokenize(string s)
        {
            var tokens = new List<KeyValuePair<int, string>>();
            int i = 0;
            while (i < s.Length)
            {
                char c = s[i];
                if (c == '~') { tokens.Add(new KeyValuePair<int, string>(TildeRank, "")); i++; }
                else if (c == '^') { tokens.Add(new KeyValuePair<int, string>(CaretRank, "")); i++; }
                else if (VersionText.IsAsciiDigit(c))
                {
                    int start = i;
                    while (i < s.Length && VersionText.IsAsciiDigit(s[i])) i++;
                    tokens.Add(new KeyValuePair<int, string>(DigitRank, VersionText.StripLeadingZeros(s.Substring(start, i - start))));
                }
                else if (VersionText.IsAsciiLetter(c))
                {
                    int start = i;
                    while (i < s.Length && VersionText.IsAsciiLetter(s[i])) i++;
                    tokens.Add(new KeyValuePair<int, string>(AlphaRank, s.Substring(start, i - start)));
                }
                else i++; // separators only delimit runs
            }
            return tokens;
        }

        /// <summary>rpmvercmp: -1, 0 or 1.</summary>
        internal static int VerCmp(string a, string b)
        {
            var x = Tokenize(a);
            var y = Tokenize(b);
            for (int k = 0; ; k++)
            {
                int rx = k < x.Count ? x[k].Key : EndRank;
                int ry = k < y.Count ? y[k].Key : EndRank;
                if (rx != ry) return rx < ry ? -1 : 1;
                if (rx == EndRank) return 0;
                int c = rx == DigitRank ? VersionText.CompareDigitRuns(x[k].Value, y[k].Value)
                    : Math.Sign(string.CompareOrdinal(x[k].Value, y[k].Value));
                if (c != 0) return c;
            }
        }

        // Equal token lists are exactly the strings rpmvercmp calls equal.
        private static string CanonicalKey(string s)
        {
            var key = new StringBuilder();
            foreach (var t in Tokenize(s))
                key.Append((char)('0' + t.Key)).Append(t.Value).Append('\u0001');
            return key.ToString();
        }

        public override int CompareTo(RpmVersion? other)
        {
            if (other is null) return 1;
            int c = Epoch.CompareTo(other.Epoch);
            if (c != 0) return c;
            c = VerCmp(Version, other.Version);
            if (c != 0) return c;
            return VerCmp(Release ?? "", other.Release ?? "");
        }

        public override int GetHashCode() => _hash;

        /// <summary>The text as parsed (trimmed).</summary>
        public override string ToString() => _text;
    }
}
