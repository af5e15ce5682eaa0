using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// A comma-separated set of PEP 440 specifiers, such as <c>&gt;=2.1,&lt;3,!=2.2.*</c>; a version
    /// satisfies the set when it satisfies every specifier. The empty set admits every final release.
    /// </summary>
    /// <remarks>
    /// Pre-releases follow PEP 440's default: <see cref="IsSatisfiedBy"/> excludes them unless the caller
    /// asks for them or some specifier names one (<c>&gt;=2.0rc1</c> admits 2.1b1). That is packaging's
    /// SpecifierSet.contains as it judged a lone candidate before packaging 25. Packaging 25 and later
    /// (what current pip vendors) judge a lone candidate as a list of one, so <c>&gt;=1.0</c> contains
    /// 2.0.dev1; pip itself picks from the whole candidate list with filter, which is <see cref="Filter"/>
    /// here: finals first, pre-releases only when no final matches. The lock picks with Filter, so it
    /// follows pip; IsSatisfiedBy keeps the older rule on purpose for its other callers, which judge one
    /// version at a time (is the installed CUDA 13.0rc1 in the matrix entry's <c>&gt;=12.1</c>? no), where
    /// "the only candidate" would admit any pre-release. The vectors in tests/fixtures/versions pin both.
    /// The empty set follows the same rules. <see cref="ToString"/> lists the specifiers in input order, comma-separated, without spaces.
    /// </remarks>
    public sealed class Pep440SpecifierSet
    {
        private const string Expected = "comma-separated specifiers, each " + Pep440Specifier.Expected;

        private Pep440SpecifierSet(IList<Pep440Specifier> specifiers)
        {
            Specifiers = new ReadOnlyCollection<Pep440Specifier>(specifiers);
        }

        /// <summary>The specifiers in input order; empty for the empty set.</summary>
        public IReadOnlyList<Pep440Specifier> Specifiers { get; }

        /// <summary>Parses the set; empty items (from "" or a stray comma) are skipped, as packaging does.</summary>
        public static Pep440SpecifierSet Parse(string text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            var error = TryParseCore(text, out var set);
            if (error != null) throw VersionText.Invalid("PEP 440 specifier set", text, error, Expected);
            return set!;
        }

        public static bool TryParse(string? text, [NotNullWhen(true)] out Pep440SpecifierSet? set)
        {
            set = null;
            return text != null && TryParseCore(text, out set) == null;
        }

        private static string? TryParseCore(string text, out Pep440SpecifierSet? set)
        {
            set = null;
            var specifiers = new List<Pep440Specifier>();
            foreach (var item in text.Split(','))
            {
                if (item.Trim().Length == 0) continue;
                var error = Pep440Specifier.TryParseCore(item, out var specifier);
                if (error != null) return $"specifier '{item.Trim()}': {error}";
                specifiers.Add(specifier!);
            }
            set = new Pep440SpecifierSet(specifiers);
            return null;
        }

        /// <summary>
        /// Whether <paramref name="version"/> satisfies every specifier. Pre-releases (and dev releases)
        /// are admitted only when <paramref name="includePrereleases"/> is true or a specifier names one.
        /// </summary>
        public bool IsSatisfiedBy(Pep440Version version, bool includePrereleases = false)
        {
            if (version is null) throw new ArgumentNullException(nameof(version));
            if (version.IsPrerelease && !includePrereleases)
            {
                bool named = false;
                foreach (var s in Specifiers) named |= s.ImpliesPrereleases;
                if (!named) return false;
            }
            foreach (var s in Specifiers)
                if (!s.Matches(version)) return false;
            return true;
        }

        /// <summary>
        /// The candidates that satisfy every specifier, in input order, as pip's finder picks them (packaging's
        /// SpecifierSet.filter): with <paramref name="includePrereleases"/> false, pre-releases (and dev releases)
        /// are left out when a final release matches, and kept when only pre-releases match (<c>&gt;=1.0</c> over
        /// [2.0.dev1] gives 2.0.dev1, over [1.5, 2.0.dev1] gives 1.5), or when a specifier names a pre-release.
        /// </summary>
        public IReadOnlyList<Pep440Version> Filter(IEnumerable<Pep440Version> candidates, bool includePrereleases = false)
        {
            if (candidates is null) throw new ArgumentNullException(nameof(candidates));
            bool all = includePrereleases;
            foreach (var s in Specifiers) all |= s.ImpliesPrereleases;
            var matched = new List<Pep440Version>();
            foreach (var c in candidates)
            {
                bool ok = true;
                foreach (var s in Specifiers) ok &= s.Matches(c);
                if (ok) matched.Add(c);
            }
            if (all || !matched.Exists(v => !v.IsPrerelease)) return matched;
            return matched.FindAll(v => !v.IsPrerelease);
        }

        public override string ToString() => string.Join(",", Specifiers);
    }
}
