using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Versions;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoGlm.Tests.Versions
{
    public class DebianVersionTests
    {
        private static bool[] Ops(DebianVersion a, DebianVersion b) => new[] { a < b, a <= b, a == b, a != b, a >= b, a > b };

        [Theory]
        [InlineData("1:1.0", "2.0", 1)]
        [InlineData("1.0~rc1", "1.0", -1)]
        [InlineData("535.183.01-0ubuntu0.22.04.1", "535.183.06-0ubuntu0.22.04.1", -1)]
        [InlineData("535.183.06-0ubuntu0.22.04.1", "535.183.06-0ubuntu0.24.04.1", -1)]
        [InlineData("1.0-1", "1.0-1ubuntu1", -1)]
        [InlineData("1.0", "1.0-0", 0)]         // dpkg: an absent revision equals "0"
        [InlineData("1.0", "1.0-00", 0)]
        [InlineData("1.0", "1.0-1", -1)]
        [InlineData("0:1.0", "1.0", 0)]
        [InlineData("1.00", "1.0", 0)]
        [InlineData("1.0.0", "1.0", 1)]
        [InlineData("1.0.", "1.0.0", 0)]        // a trailing empty digit run is a zero
        [InlineData("2.6.32-5", "2.6.32-10", -1)]
        [InlineData("1.2.3~beta1-1", "1.2.3-1", -1)]
        [InlineData("7.6p2-4", "7.6-0", 1)]
        [InlineData("1.0.3-3", "1.0-1", 1)]
        [InlineData("1.3", "1.2.2-2", 1)]
        [InlineData("0-pre", "0-pree", -1)]
        [InlineData("1.1.6r2-2", "1.1.6r-1", 1)]
        [InlineData("98.1p5-1", "98.1-pre2-b6-2", -1)] // 'p' (a letter) sorts before '-'
        [InlineData("0.4a6-2", "0.4-1", 1)]
        [InlineData("1:3.0.5-2", "1:3.0.5.1", -1)]
        [InlineData("10:1.0", "9:2.0", 1)]
        [InlineData("0a", "a", -1)]             // "0" does not vanish before other text
        // lib/dpkg/t/t-version.c
        [InlineData("0-00", "00-0", 0)]
        [InlineData("1:2-3", "1:2-3", 0)]
        [InlineData("0:0-0", "1:0-0", -1)]
        [InlineData("0:a-0", "0:b-0", -1)]
        [InlineData("0:0-a", "0:0-b", -1)]
        [InlineData("0:0-0-0", "0:0-0-0", 0)]
        public void OrdersAsDpkgDoes(string a, string b, int expected) =>
            VersionAssert.Ordered(DebianVersion.Parse(a), DebianVersion.Parse(b), expected, Ops);

        [Theory]
        // Debian policy: ~~ < ~~a < ~ < (nothing) < a; then letters < other characters < more digits.
        [InlineData("1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a", "1.0+", "1.0.1")]
        [InlineData("1.0~~", "1.0~", "1.0", "1.0a", "1.0+", "1.0.1", "1.1")]
        [InlineData("1:0.1", "1:0.1-1", "1:0.1-1build1", "1:0.1-1ubuntu1", "1:0.1-1ubuntu1.1", "1:0.1-2", "2:0")]
        public void SortsChains(params string[] ascending)
        {
            var versions = ascending.Select(DebianVersion.Parse).ToList();
            for (int i = 0; i < versions.Count; i++)
                for (int j = 0; j < versions.Count; j++)
                    VersionAssert.Ordered(versions[i], versions[j], i.CompareTo(j), Ops);
        }

        [Theory]
        [InlineData("0", 0, "0", null)]
        [InlineData("0:0-0", 0, "0", "0")]
        [InlineData("1:0", 1, "0", null)]
        [InlineData("0:0-0-0", 0, "0-0", "0")]              // the revision starts after the last hyphen
        [InlineData("0:0:0-0", 0, "0:0", "0")]              // the epoch ends at the first colon
        [InlineData("0:0-0:0-0", 0, "0-0:0", "0")]
        [InlineData("0:09azAZ.-+~:-0", 0, "09azAZ.-+~:", "0")]
        [InlineData("0:0-azAZ09.+~", 0, "0", "azAZ09.+~")]
        [InlineData("  \t0:0-1", 0, "0", "1")]
        [InlineData("0:0-1\t  ", 0, "0", "1")]
        [InlineData("0:abc3-0", 0, "abc3", "0")]            // dpkg only warns about a non-digit start
        [InlineData("1:535.183.01-0ubuntu0.22.04.1", 1, "535.183.01", "0ubuntu0.22.04.1")]
        public void SplitsAsParseversionDoes(string text, int epoch, string upstream, string? revision)
        {
            var v = DebianVersion.Parse(text);
            Assert.Equal(epoch, v.Epoch);
            Assert.Equal(upstream, v.Upstream);
            Assert.Equal(revision, v.Revision);
            Assert.Equal(text.Trim(), v.ToString());
        }

        public static IEnumerable<object[]> Invalid()
        {
            // dpkg errors (t-version.c and parseversion's messages)
            foreach (var s in new[] { "", "  ", "0:", "0:0 0-1", "-1:0-1", "999999999999999999999999:0-1",
                         "a:0-0", "A:0-0", "-0", "0:-0", ":1.0", "1.0-" })
                yield return new object[] { s };
            // dpkg warnings we make errors: characters outside the policy alphabet
            foreach (char c in "!#@$%&/|\\<>()[]{};,_=*^'")
                yield return new object[] { "0:0" + c + "-0" };
            foreach (char c in "!#@$%&/|\\<>()[]{}:;,_=*^'")
                yield return new object[] { "0:0-0" + c };
            yield return new object[] { "1.0é" };
        }

        [Theory]
        [MemberData(nameof(Invalid))]
        public void RejectsInvalidText(string text) =>
            VersionAssert.Rejects(DebianVersion.Parse, DebianVersion.TryParse, text);

        // Chunks chosen to collide often: 1.0 vs 1.00, absent vs "0" revisions, ~ and letters.
        private static Gen<string> Chunks(params string[] extra) =>
            Gen.NonEmptyListOf(Gen.Elements(new[] { "0", "00", "1", "01", "10", "2", ".", "+", "~", "~~", "a", "b", "Z" }.Concat(extra).ToArray()))
               .Select(string.Concat);

        private static readonly Gen<string> Texts =
            from epoch in Gen.Elements("", "0:", "00:", "1:", "2:")
            from hasRevision in Gen.Elements(true, false)
            from first in Gen.Frequency((9, Gen.Elements("0", "1", "2", "10")), (1, Gen.Elements("a", "~")))
            from rest in Gen.OneOf(Gen.Constant(""), Chunks(epoch.Length > 0 ? ":" : "~", hasRevision ? "-" : "+"))
            from revision in hasRevision ? Chunks().Select(r => "-" + r) : Gen.Constant("")
            select epoch + first + rest + revision;

        [Fact]
        public void GeneratedVersionsFormATotalOrder() =>
            VersionAssert.ForAll(Gen.Three(Texts), t =>
                VersionAssert.TotalOrderHolds(DebianVersion.Parse(t.Item1), DebianVersion.Parse(t.Item2), DebianVersion.Parse(t.Item3), Ops),
                maxTest: 2000);

        [Fact]
        public void EqualGeneratedVersionsHashAlike() =>
            // Pairs from a tiny alphabet, so that equal-but-different texts (1.0 / 1.00, 1 / 1-0) turn up often.
            VersionAssert.ForAll(Gen.Two(Gen.Elements("1", "1.0", "1.00", "1.", "1-0", "1-00", "0:1", "1.0-0", "01.0", "1~", "1.0~", "1-0~")), t =>
            {
                var a = DebianVersion.Parse(t.Item1);
                var b = DebianVersion.Parse(t.Item2);
                return a != b || a.GetHashCode() == b.GetHashCode();
            });

        [Fact]
        public void GeneratedVersionsRoundTrip() =>
            VersionAssert.ForAll(Texts, t =>
            {
                var v = DebianVersion.Parse(t);
                return v.ToString() == t && DebianVersion.Parse(v.ToString()) == v;
            });
    }
}
