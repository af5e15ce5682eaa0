using System;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// One PEP 440 version specifier, such as <c>&gt;=2.1</c>, <c>==2.*</c> or <c>~=12.4</c>, with
    /// the matching rules of pypa/packaging's Specifier (https://peps.python.org/pep-0440/#version-specifiers).
    /// Usually met inside a <see cref="Pep440SpecifierSet"/>.
    /// </summary>
    public sealed class Pep440Specifier
    {
        internal const string Expected = "an operator (~= == != <= >= < > ===) and a version, such as >=2.1, ==2.*, ~=12.4 or ==2.0.1+cu118";

        // What may precede ".*": an optional v, epoch and a release, nothing else.
        private static readonly Regex WildcardBase = new Regex(@"^v?([0-9]+!)?[0-9]+(\.[0-9]+)*\z",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static readonly string[] Operators = { "===", "~=", "==", "!=", "<=", ">=", "<", ">" };

        // Null only for === with a version that is not PEP 440, which then compares as text.
        private readonly Pep440Version? _version;

        private Pep440Specifier(string op, string version, bool isWildcard, Pep440Version? parsed)
        {
            Operator = op;
            Version = version;
            IsWildcard = isWildcard;
            _version = parsed;
        }

        /// <summary>One of <c>~= == != &lt;= &gt;= &lt; &gt; ===</c>.</summary>
        public string Operator { get; }
        /// <summary>The version as written after the operator, wildcard included ("2.1.*").</summary>
        public string Version { get; }
        /// <summary>True for the prefix forms ==V.* and !=V.*.</summary>
        public bool IsWildcard { get; }

        /// <summary>
        /// True when this specifier names a pre-release and so lets pre-releases match: packaging's
        /// Specifier.prereleases for every operator but != (and ==V.*, which cannot name one).
        /// </summary>
        public bool ImpliesPrereleases => Operator != "!=" && !IsWildcard && _version != null && _version.IsPrerelease;

        public static Pep440Specifier Parse(string text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            var error = TryParseCore(text, out var specifier);
            if (error != null) throw VersionText.Invalid("PEP 440 specifier", text, error, Expected);
            return specifier!;
        }

        public static bool TryParse(string? text, [NotNullWhen(true)] out Pep440Specifier? specifier)
        {
            specifier = null;
            return text != null && TryParseCore(text, out specifier) == null;
        }

        internal static string? TryParseCore(string text, out Pep440Specifier? specifier)
        {
            specifier = null;
            string s = text.Trim();
            if (s.Length == 0) return "it is empty";
            string? op = null;
            foreach (var candidate in Operators)
                if (s.StartsWith(candidate, StringComparison.Ordinal)) { op = candidate; break; }
            if (op is null) return "it does not start with an operator";
            string v = s.Substring(op.Length).Trim();

            if (op == "===")
            {
                // packaging's === takes any run of characters, the empty one too: ===  matches only "".
                // Arbitrary equality compares text, so anything goes but the characters packaging stops at.
                foreach (char c in v)
                    if (char.IsWhiteSpace(c) || c == ';' || c == ')') return $"the === version has the character '{c}'";
                Pep440Version.TryParse(v, out var arbitrary);
                specifier = new Pep440Specifier(op, v, false, arbitrary);
                return null;
            }
            if (v.Length == 0) return $"no version follows '{op}'";

            if (v.EndsWith(".*", StringComparison.Ordinal))
            {
                if (op != "==" && op != "!=") return $"a '.*' wildcard works only with == and !=, not {op}";
                string prefix = v.Substring(0, v.Length - 2);
                if (!WildcardBase.IsMatch(prefix)) return "a '.*' wildcard may only follow a plain release such as 2.1";
                if (!Pep440Version.TryParse(prefix, out var parsedPrefix)) return $"'{prefix}' is not a PEP 440 version";
                specifier = new Pep440Specifier(op, v, true, parsedPrefix);
                return null;
            }

            if (!Pep440Version.TryParse(v, out var version)) return $"'{v}' is not a PEP 440 version";
            if (version.Local != null && op != "==" && op != "!=") return $"a local label (+{version.Local}) works only with == and !=, not {op}";
            if (op == "~=" && version.Release.Count < 2) return "~= needs at least two release numbers, such as ~=2.2";
            specifier = new Pep440Specifier(op, v, false, version);
            return null;
        }

        /// <summary>
        /// Whether <paramref name="version"/> matches. Pre-releases (and dev releases) match only when
        /// <paramref name="includePrereleases"/> is true or this specifier names a pre-release.
        /// </summary>
        public bool IsSatisfiedBy(Pep440Version version, bool includePrereleases = false)
        {
            if (version is null) throw new ArgumentNullException(nameof(version));
            if (version.IsPrerelease && !includePrereleases && !ImpliesPrereleases) return false;
            return Matches(version);
        }

        /// <summary>The version-range test alone, ignoring the pre-release policy.</summary>
        internal bool Matches(Pep440Version c)
        {
            if (_version is null || Operator == "===")
                return string.Equals(c.ToString(), Version, StringComparison.OrdinalIgnoreCase);
            var v = _version;

            if (IsWildcard)
            {
                // ==1.2.*: the candidate's release, padded with zeros, starts 1.2; pre/post/dev/local are ignored.
                bool inPrefix = c.HasReleasePrefix(v.Epoch, v.Release, v.Release.Count);
                return Operator == "==" ? inPrefix : !inPrefix;
            }

            switch (Operator)
            {
                case "==":
                    // Without a local label in the specifier, the candidate's local label is ignored.
                    return v.Local != null ? c == v : c.Public == v;
                case "!=":
                    return v.Local != null ? c != v : c.Public != v;
                case ">=":
                    return c >= v;
                case "<=":
                    return c.Public <= v;
                case "<":
                    // <V excludes V's own pre-releases unless V is one: the bound is then V.dev0, the first of them.
                    return c < (v.IsPrerelease ? v : v.WithDev(0));
                case ">":
                    // >V admits neither V+local nor, for a final or pre-release V, V's post-releases.
                    // Past a post or dev release V, only V's local builds come before the next version.
                    if (v.Dev != null || v.Post != null) return c > v && c.Public != v;
                    return c > v && !(c.Epoch == v.Epoch && c.HasSameTrimmedRelease(v)
                                      && c.PreLabel == v.PreLabel && c.PreNumber == v.PreNumber);
                case "~=":
                    // ~=1.4.5 is >=1.4.5, ==1.4.*; ~=2.2 is >=2.2, ==2.*.
                    return c >= v && c.HasReleasePrefix(v.Epoch, v.Release, v.Release.Count - 1);
                default:
                    throw new InvalidOperationException($"Unknown operator {Operator}.");
            }
        }

        /// <summary>Operator and version with no space between, as packaging prints it.</summary>
        public override string ToString() => Operator + Version;
    }
}
