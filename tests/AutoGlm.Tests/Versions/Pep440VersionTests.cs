using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Versions;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoGlm.Tests.Versions
{
    public class Pep440VersionTests
    {
        internal static bool[] Ops(Pep440Version a, Pep440Version b) => new[] { a < b, a <= b, a == b, a != b, a >= b, a > b };

        private static Pep440Version V(string s) => Pep440Version.Parse(s);

        // pypa/packaging tests/test_version.py VERSIONS: "This list must be in the correct sorting order".
        private static readonly string[] PackagingSorted =
        {
            "1.0.dev0", "1.0.dev456", "1.0.dev456+local", "1.0a0", "1.0a0.post0.dev0", "1.0a0.post0",
            "1.0a1.dev1", "1.0a1.dev1+local", "1.0a1", "1.0a1+local", "1.0b0", "1.0b1.dev456", "1.0b2",
            "1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346", "1.0rc0", "1.0rc1.dev1", "1.0c1", "1.0rc2",
            "1.0", "1.0.post0.dev0", "1.0.post0", "1.0.post456.dev34", "1.0.post456", "1.0.post456+local",
            "1.0.1.dev1", "1.0.1a1", "1.0.1", "1.0.1+local", "1.0.1.post1", "1.1.dev1", "1.2+a", "1.2+abc",
            "1.2+abcdef", "1.2+def", "1.2+0", "1.2+1", "1.2+1.abc", "1.2+1.1", "1.2+1.1.0", "1.2+2", "1.2+123",
            "1.2+123456", "1.2.r32+123456", "1.2.rev33+123456",
            "1!1.0.dev0", "1!1.0.dev456", "1!1.0.dev456+local", "1!1.0a0", "1!1.0a0.post0.dev0", "1!1.0a0.post0",
            "1!1.0a1.dev1", "1!1.0a1.dev1+local", "1!1.0a1", "1!1.0a1+local", "1!1.0b0", "1!1.0b1.dev456",
            "1!1.0b2", "1!1.0b2.post345.dev456", "1!1.0b2.post345", "1!1.0b2-346", "1!1.0rc0", "1!1.0rc1.dev1",
            "1!1.0c1", "1!1.0rc2", "1!1.0", "1!1.0.post0.dev0", "1!1.0.post0", "1!1.0.post456.dev34",
            "1!1.0.post456", "1!1.0.post456+local", "1!1.0.1.dev1", "1!1.0.1a1", "1!1.0.1", "1!1.0.1+local",
            "1!1.0.1.post1", "1!1.1.dev1", "1!1.2+a", "1!1.2+abc", "1!1.2+abcdef", "1!1.2+def", "1!1.2+0",
            "1!1.2+1", "1!1.2+1.abc", "1!1.2+1.1", "1!1.2+1.1.0", "1!1.2+2", "1!1.2+123", "1!1.2+123456",
            "1!1.2.r32+123456", "1!1.2.rev33+123456",
        };

        [Fact]
        public void SortsPackagingsOrderedList()
        {
            var versions = PackagingSorted.Select(V).ToList();
            for (int i = 0; i < versions.Count; i++)
                for (int j = 0; j < versions.Count; j++)
                    VersionAssert.Ordered(versions[i], versions[j], i.CompareTo(j), Ops);
        }

        [Theory]
        // The brief's ordering nasties, and the PEP's own example sequence.
        [InlineData("1.0.dev0", "1.0a1", "1.0a1.post1.dev0", "1.0a1.post1", "1.0b1", "1.0rc1", "1.0", "1.0.post1.dev0", "1.0.post1")]
        [InlineData("1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
            "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5",
            "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1")]
        [InlineData("2.0.1", "2.0.1+cpu", "2.0.1+cu118", "2.0.1+cu121", "2.0.1.post1")]
        [InlineData("2.0", "9.9", "1!0.1", "1!1.0", "2!0")]
        [InlineData("1.0", "1.0.1", "1.0.10", "1.1", "1.9", "1.10", "10.0")]
        public void SortsChains(params string[] ascending)
        {
            var versions = ascending.Select(V).ToList();
            for (int i = 0; i < versions.Count; i++)
                for (int j = 0; j < versions.Count; j++)
                    VersionAssert.Ordered(versions[i], versions[j], i.CompareTo(j), Ops);
        }

        [Theory]
        [InlineData("1.0", "1.0.0")]
        [InlineData("1.0", "1.0.0.0.0")]
        [InlineData("0", "0.0")]
        [InlineData("1.0RC1", "1.0rc1")]
        [InlineData("1.0-rc.1", "1.0rc1")]
        [InlineData("1.0c1", "1.0rc1")]
        [InlineData("1.0pre1", "1.0rc1")]
        [InlineData("1.0preview1", "1.0rc1")]
        [InlineData("1.0alpha1", "1.0a1")]
        [InlineData("1.0beta", "1.0b0")]
        [InlineData("1.0-1", "1.0.post1")]
        [InlineData("1.0rev1", "1.0.post1")]
        [InlineData("1.0.r", "1.0.post0")]
        [InlineData("v1.0", "1.0")]
        [InlineData(" 1.0\t", "1.0")]
        [InlineData("0!1.0", "1.0")]
        [InlineData("1.0+CU118", "1.0+cu118")]
        [InlineData("1.0+ubuntu-1", "1.0+ubuntu.1")]
        [InlineData("1.0+01", "1.0+1")]
        [InlineData("2.0.1+cu118", "2.0.1.0+cu118")]
        public void EqualSpellingsAreEqual(string a, string b) =>
            VersionAssert.Ordered(V(a), V(b), 0, Ops);

        [Theory]
        // packaging's test_normalized_versions (a sample of every group) and test_version_str_repr
        [InlineData("1.0dev", "1.0.dev0")]
        [InlineData("1.0-DEV1", "1.0.dev1")]
        [InlineData("1.0.a", "1.0a0")]
        [InlineData("1.0-ALPHA1", "1.0a1")]
        [InlineData("1.0.BETA", "1.0b0")]
        [InlineData("1.0-C1", "1.0rc1")]
        [InlineData("1.0.RC", "1.0rc0")]
        [InlineData("1.0post", "1.0.post0")]
        [InlineData("1.0-POST1", "1.0.post1")]
        [InlineData("1.0r", "1.0.post0")]
        [InlineData("1.0.rev1", "1.0.post1")]
        [InlineData("1.0-5", "1.0.post5")]
        [InlineData("1.0-r5", "1.0.post5")]
        [InlineData("1.0+AbC", "1.0+abc")]
        [InlineData("1.01", "1.1")]
        [InlineData("1.0a05", "1.0a5")]
        [InlineData("1.0c056", "1.0rc56")]
        [InlineData("1.0.post000", "1.0.post0")]
        [InlineData("1.1.dev09000", "1.1.dev9000")]
        [InlineData("00!1.2", "1.2")]
        [InlineData("0100!0.0", "100!0.0")]
        [InlineData("v1.0", "1.0")]
        [InlineData("   v1.0\t\n", "1.0")]
        [InlineData("\u202F1.0\t\u2029\n ", "1.0")]
        [InlineData("1.0b2.post345.dev456", "1.0b2.post345.dev456")]
        [InlineData("0!1.0.4+8.0", "1.0.4+8.0")]
        [InlineData("1.2+123abc456", "1.2+123abc456")]
        [InlineData("7!1.0a12.dev456", "7!1.0a12.dev456")]
        [InlineData("1.0.0", "1.0.0")]   // trailing zeros stay in the text
        [InlineData("2.6.0.dev20241112+cu124", "2.6.0.dev20241112+cu124")]
        public void PrintsTheNormalForm(string text, string normal)
        {
            var v = V(text);
            Assert.Equal(normal, v.ToString());
            Assert.Equal(v, V(v.ToString()));
        }

        [Theory]
        [InlineData("1!2.0rc1.post3.dev4+Ubuntu-1", 1, new long[] { 2, 0 }, "rc", 1L, 3L, 4L, "ubuntu.1")]
        [InlineData("2.5.1", 0, new long[] { 2, 5, 1 }, null, null, null, null, null)]
        [InlineData("1.0.dev0", 0, new long[] { 1, 0 }, null, null, null, 0L, null)]
        public void ExposesComponents(string text, long epoch, long[] release, string? preLabel, long? preNumber, long? post, long? dev, string? local)
        {
            var v = V(text);
            Assert.Equal(epoch, v.Epoch);
            Assert.Equal(release, v.Release);
            Assert.Equal(preLabel, v.PreLabel);
            Assert.Equal(preNumber, v.PreNumber);
            Assert.Equal(post, v.Post);
            Assert.Equal(dev, v.Dev);
            Assert.Equal(local, v.Local);
        }

        [Theory]
        [InlineData("1.0", false, false, false)]
        [InlineData("1.0.dev0", true, false, true)]
        [InlineData("1.0a1", true, false, false)]
        [InlineData("1.0rc1.post1", true, true, false)]
        [InlineData("1.0.post1", false, true, false)]
        [InlineData("1.0.post1.dev0", true, true, true)]
        [InlineData("1.0+local", false, false, false)]
        public void ClassifiesReleases(string text, bool pre, bool post, bool dev)
        {
            var v = V(text);
            Assert.Equal((pre, post, dev), (v.IsPrerelease, v.IsPostRelease, v.IsDevRelease));
        }

        [Theory]
        [InlineData("1.0", "1.0", "1.0")]
        [InlineData("1!1.0a1.post5.dev6+deadbeef", "1!1.0a1.post5.dev6", "1!1.0")]
        [InlineData("1.0rc4+deadbeef", "1.0rc4", "1.0")]
        [InlineData("2.0.1+cu118", "2.0.1", "2.0.1")]
        [InlineData("1.0.post5", "1.0.post5", "1.0")]
        public void PublicAndBaseVersion(string text, string expectedPublic, string expectedBase)
        {
            var v = V(text);
            Assert.Equal(expectedPublic, v.Public.ToString());
            Assert.Null(v.Public.Local);
            Assert.Equal(expectedBase, v.BaseVersion.ToString());
        }

        public static IEnumerable<object[]> Invalid() => new[]
        {
            // packaging's test_invalid_versions
            "french toast", "1.0+a+", "1.0++", "1.0+_foobar", "1.0+foo&asd", "1.0+1+1", "1. 0", "1 .0", "1. 0a1",
            "1 .0a1", "1.0 a1", "1.0a 1", "٠١٢.٣٤٥.٦٧٨٩", ".", "..", "1..0", "1.0.", ".1.0", "1..2.3", "1.0+\u0130",
            // more
            "", "  ", "1.0-", "1!", "!1.0", "1.0.post1.post2", "1.0.dev1a1", "1.0a1b1", "1.0+", "1.0+local+more",
            "99999999999999999999.0", "1.0.dev99999999999999999999", "1.0.*", "==1.0", "1,0",
        }.Select(s => new object[] { s });

        [Theory]
        [MemberData(nameof(Invalid))]
        public void RejectsInvalidText(string text) =>
            VersionAssert.Rejects(Pep440Version.Parse, Pep440Version.TryParse, text);

        [Fact]
        public void TooLargeNumbersSaySo() =>
            Assert.Contains("too large", Assert.Throws<System.FormatException>(() => V("99999999999999999999.0")).Message);

        /// <summary>
        /// A version spelled with random PEP 440 alternatives (case, separators, implicit numbers,
        /// padding, v prefix, whitespace), paired with the normal form it must print as.
        /// </summary>
        internal static readonly Gen<(string Noisy, string Normal)> Spellings =
            from epoch in Gen.Elements(-1, 0, 1, 2)
            from epochPad in Gen.Choose(0, 1)
            from count in Gen.Choose(1, 4)
            from release in Gen.ListOf(Gen.Choose(0, 3), count)
            from releasePads in Gen.ListOf(Gen.Choose(0, 1), count)
            from pre in Gen.OneOf(Gen.Constant<(string, string, int?)?>(null), PreSpelling.Select(p => ((string, string, int?)?)p))
            from post in Gen.OneOf(Gen.Constant<(string, int)?>(null), PostSpelling(pre is null || pre.Value.Item3 != null).Select(p => ((string, int)?)p))
            from dev in Gen.OneOf(Gen.Constant<(string, int)?>(null), DevSpelling.Select(d => ((string, int)?)d))
            from local in Gen.OneOf(Gen.Constant<(string, string)?>(null), LocalSpelling.Select(l => ((string, string)?)l))
            from v in Gen.Elements("", "", "v", "V")
            from pad in Gen.Elements("", "", " ", "\t", "\n ")
            select (
                pad + v + (epoch >= 0 ? new string('0', epochPad) + epoch + "!" : "")
                    + string.Join(".", release.Select((n, i) => new string('0', releasePads[i]) + n))
                    + (pre?.Item1 ?? "") + (post?.Item1 ?? "") + (dev?.Item1 ?? "") + (local?.Item1 ?? "") + pad,
                (epoch > 0 ? epoch + "!" : "") + string.Join(".", release)
                    + (pre is null ? "" : pre.Value.Item2 + (pre.Value.Item3 ?? 0))
                    + (post is null ? "" : ".post" + post.Value.Item2)
                    + (dev is null ? "" : ".dev" + dev.Value.Item2)
                    + (local is null ? "" : "+" + local.Value.Item2));

        private static Gen<string> Sep => Gen.Elements("", ".", "-", "_");

        // (spelling, normal label, number or null when implicit)
        private static Gen<(string, string, int?)> PreSpelling =>
            from label in Gen.Elements(("a", "a"), ("A", "a"), ("alpha", "a"), ("ALPHA", "a"), ("b", "b"), ("Beta", "b"),
                ("rc", "rc"), ("RC", "rc"), ("c", "rc"), ("pre", "rc"), ("preview", "rc"), ("PREVIEW", "rc"))
            from before in Sep
            from after in Sep
            from number in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(0, 2).Select(n => (int?)n))
            select (before + label.Item1 + (number is null ? "" : after + number), label.Item2, number);

        // "-N" would be read as the pre-release number when that number was left implicit.
        private static Gen<(string, int)> PostSpelling(bool dashAllowed) =>
            from number in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(0, 2).Select(n => (int?)n))
            from label in Gen.Elements("post", "POST", "rev", "r", "R")
            from before in Sep
            from after in Sep
            from dash in Gen.Elements(true, false)
            select dash && dashAllowed && number != null
                ? ("-" + number, number.Value)
                : (before + label + (number is null ? "" : after + number), number ?? 0);

        private static Gen<(string, int)> DevSpelling =>
            from number in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(0, 2).Select(n => (int?)n))
            from label in Gen.Elements("dev", "DEV", "Dev")
            from before in Sep
            from after in Sep
            select (before + label + (number is null ? "" : after + number), number ?? 0);

        private static Gen<(string, string)> LocalSpelling =>
            from count in Gen.Choose(1, 3)
            from segments in Gen.ListOf(Gen.Elements(("0", "0"), ("00", "0"), ("1", "1"), ("007", "7"), ("a", "a"),
                ("B", "b"), ("cu118", "cu118"), ("CPU", "cpu"), ("abc", "abc")), count)
            from seps in Gen.ListOf(Gen.Elements("-", "_", "."), count)
            select ("+" + string.Concat(segments.Select((s, i) => (i == 0 ? "" : seps[i]) + s.Item1)),
                    string.Join(".", segments.Select(s => s.Item2)));

        [Fact]
        public void GeneratedSpellingsNormalise() =>
            VersionAssert.ForAll(Spellings, s =>
            {
                var v = V(s.Noisy);
                return v.ToString() == s.Normal && V(s.Normal) == v && V(v.ToString()).GetHashCode() == v.GetHashCode();
            }, maxTest: 2000);

        [Fact]
        public void GeneratedVersionsFormATotalOrder() =>
            VersionAssert.ForAll(Gen.Three(Spellings), t =>
                VersionAssert.TotalOrderHolds(V(t.Item1.Noisy), V(t.Item2.Noisy), V(t.Item3.Noisy), Ops), maxTest: 2000);

        [Fact]
        public void EqualGeneratedVersionsHashAlike() =>
            VersionAssert.ForAll(Gen.Two(Gen.Elements("1", "1.0", "1.0.0", "v1.00", "0!1", "1.0+01", "1+1", "1.0+1.0", "1+1-0",
                "1a", "1.0a0", "1.0-alpha", "1-1", "1.0.post1", "1.0rev1", "1.0.dev", "1dev0")), t =>
            {
                var a = V(t.Item1);
                var b = V(t.Item2);
                return a != b || a.GetHashCode() == b.GetHashCode();
            });
    }
}
