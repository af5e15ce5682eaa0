using System;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// A Debian package version, <c>[epoch:]upstream[-revision]</c>, ordered exactly as dpkg orders
    /// it (lib/dpkg/version.c, verrevcmp): epochs numerically, then upstream, then revision, each
    /// compared as alternating non-digit runs (<c>~</c> before everything, even the end of the
    /// string; letters before other characters) and digit runs (numerically). An absent revision
    /// compares like dpkg's empty one, so <c>1.0</c> equals <c>1.0-0</c>.
    /// </summary>
    /// <remarks>
    /// Parsing follows dpkg's parseversion: the epoch ends at the first colon, the revision starts
    /// after the last hyphen. What dpkg rejects as an error we reject. Of what it only warns about,
    /// we reject characters outside the policy alphabet (upstream: alphanumerics and <c>. + ~ - :</c>;
    /// revision: alphanumerics and <c>. + ~</c>), because such text is never a real package version
    /// and usually means the wrong field was read; we accept an upstream that does not start with a
    /// digit, as dpkg does when comparing, since the ordering is still well defined.
    /// <see cref="ToString"/> returns the parsed text (trimmed), so equal versions may print differently.
    /// </remarks>
    public sealed class DebianVersion : VersionBase<DebianVersion>
    {
        private const string What = "Debian version";
        private const string Expected = "[epoch:]upstream[-revision], such as 535.183.01-0ubuntu0.22.04.1 or 1:2.3~rc1-2";

        private readonly string _text;
        private readonly int _hash;

        private DebianVersion(string text, int epoch, string upstream, string? revision)
        {
            _text = text;
            Epoch = epoch;
            Upstream = upstream;
            Revision = revision;
            _hash = VersionText.Combine(VersionText.Combine(epoch, VersionText.Hash(CanonicalKey(upstream))),
                VersionText.Hash(CanonicalKey(revision ?? "")));
        }

        /// <summary>The epoch; 0 when the text has none.</summary>
        public int Epoch { get; }
        public string Upstream { get; }
        /// <summary>The Debian revision, or null when the text has no hyphen.</summary>
        public string? Revision { get; }

        public static DebianVersion Parse(string text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            var error = TryParseCore(text, out var version);
            if (error != null) throw VersionText.Invalid(What, text, error, Expected);
            return version!;
        }

        public static bool TryParse(string? text, [NotNullWhen(true)] out DebianVersion? version)
        {
            version = null;
            return text != null && TryParseCore(text, out version) == null;
        }

        private static string? TryParseCore(string text, out DebianVersion? version)
        {
            version = null;
            string s = text.Trim();
            if (s.Length == 0) return "the version string is empty";
            foreach (char c in s)
                if (char.IsWhiteSpace(c)) return "it has embedded whitespace";

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
                if (rest.Length == 0) return "nothing follows the epoch's ':'";
            }

            string upstream = rest;
            string? revision = null;
            int hyphen = rest.LastIndexOf('-');
            if (hyphen >= 0)
            {
                upstream = rest.Substring(0, hyphen);
                revision = rest.Substring(hyphen + 1);
                if (revision.Length == 0) return "the revision after the last '-' is empty";
            }
            if (upstream.Length == 0) return "the upstream version is empty";

            foreach (char c in upstream)
                if (!IsPolicyChar(c) && c != '-' && c != ':') return $"the upstream version has the character '{c}'";
            if (revision != null)
                foreach (char c in revision)
                    if (!IsPolicyChar(c)) return $"the revision has the character '{c}'";

            version = new DebianVersion(s, epoch, upstream, revision);
            return null;
        }

        private static bool IsPolicyChar(char c) =>
            VersionText.IsAsciiDigit(c) || VersionText.IsAsciiLetter(c) || c == '.' || c == '+' || c == '~';

        // dpkg's order(): digits and the end of the string weigh 0, '~' sorts before them,
        // letters keep their code, anything else sorts after every letter.
        private static int Order(string s, int i)
        {
            if (i >= s.Length) return 0;
            char c = s[i];
            if (VersionText.IsAsciiDigit(c)) return 0;
            if (VersionText.IsAsciiLetter(c)) return c;
            if (c == '~') return -1;
            return c + 256;
        }

        /// <summary>dpkg's verrevcmp, ported as is.</summary>
        internal static int VerRevCmp(string a, string b)
        {
            int i = 0, j = 0;
            while (i < a.Length || j < b.Length)
            {
                while ((i < a.Length && !VersionText.IsAsciiDigit(a[i])) || (j < b.Length && !VersionText.IsAsciiDigit(b[j])))
                {
                    int ac = Order(a, i), bc = Order(b, j);
                    if (ac != bc) return Math.Sign(ac - bc);
                    i++;
                    j++;
                }
                while (i < a.Length && a[i] == '0') i++;
                while (j < b.Length && b[j] == '0') j++;
                int firstDiff = 0;
                while (i < a.Length && VersionText.IsAsciiDigit(a[i]) && j < b.Length && VersionText.IsAsciiDigit(b[j]))
                {
                    if (firstDiff == 0) firstDiff = a[i] - b[j];
                    i++;
                    j++;
                }
                if (i < a.Length && VersionText.IsAsciiDigit(a[i])) return 1;
                if (j < b.Length && VersionText.IsAsciiDigit(b[j])) return -1;
                if (firstDiff != 0) return Math.Sign(firstDiff);
            }
            return 0;
        }

        /// <summary>
        /// Text that is equal exactly when verrevcmp says 0: the (non-digit run, number) pairs with
        /// leading zeros dropped. verrevcmp also finds an all-zero string ("0", "00") equal to the
        /// empty one (an absent revision), so that string's only pair is left out.
        /// </summary>
        private static string CanonicalKey(string s)
        {
            var key = new StringBuilder();
            int i = 0;
            while (i < s.Length)
            {
                int start = i;
                while (i < s.Length && !VersionText.IsAsciiDigit(s[i])) i++;
                string nonDigits = s.Substring(start, i - start);
                start = i;
                while (i < s.Length && VersionText.IsAsciiDigit(s[i])) i++;
                string number = VersionText.StripLeadingZeros(s.Substring(start, i - start));
                if (nonDigits.Length == 0 && number.Length == 0 && i == s.Length) break;
                key.Append(nonDigits).Append('\u0001').Append(number).Append('\u0002');
            }
            return key.ToString();
        }

        public override int CompareTo(DebianVersion? other)
        {
            if (other is null) return 1;
            int c = Epoch.CompareTo(other.Epoch);
            if (c != 0) return c;
            c = VerRevCmp(Upstream, other.Upstream);
            if (c != 0) return c;
            return VerRevCmp(Revision ?? "", other.Revision ?? "");
        }

        public override int GetHashCode() => _hash;

        /// <summary>The text as parsed (trimmed).</summary>
        public override string ToString() => _text;
    }
}
