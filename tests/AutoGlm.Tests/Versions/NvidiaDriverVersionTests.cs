using System;
using AutoGlm.Engine.Versions;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoGlm.Tests.Versions
{
    public class NvidiaDriverVersionTests
    {
        private static bool[] Ops(NvidiaDriverVersion a, NvidiaDriverVersion b) => new[] { a < b, a <= b, a == b, a != b, a >= b, a > b };

        [Theory]
        [InlineData("535.104.05", 535, 104, 5)]
        [InlineData("580.65.06", 580, 65, 6)]
        [InlineData("570.26", 570, 26, null)]
        [InlineData(" 550.54.15\n", 550, 54, 15)]
        public void ParsesComponents(string text, int major, int minor, int? patch)
        {
            var v = NvidiaDriverVersion.Parse(text);
            Assert.Equal(major, v.Major);
            Assert.Equal(minor, v.Minor);
            Assert.Equal(patch, v.Patch);
            Assert.Equal(major, v.Branch);
        }

        [Theory]
        [InlineData("535.104.05", "535.104.05")]
        [InlineData("576.02", "576.02")]
        [InlineData("  570.26 ", "570.26")]
        public void ToStringKeepsThePadding(string text, string expected) =>
            Assert.Equal(expected, NvidiaDriverVersion.Parse(text).ToString());

        [Theory]
        [InlineData("535.104.05", "535.104.12", -1)]
        [InlineData("535.183.01", "535.183.06", -1)]
        [InlineData("535.98", "535.104.05", -1)]   // 98 < 104 as numbers, though not as text
        [InlineData("570.26", "570.86.15", -1)]
        [InlineData("580.65.06", "575.64.05", 1)]
        [InlineData("99.1", "100.0", -1)]
        [InlineData("535.104.05", "535.104.5", 0)] // padding is presentation only
        [InlineData("570.26", "570.26.0", 0)]      // a missing patch is 0
        [InlineData("570.26", "570.26.1", -1)]
        public void ComparesNumerically(string a, string b, int expected) =>
            VersionAssert.Ordered(NvidiaDriverVersion.Parse(a), NvidiaDriverVersion.Parse(b), expected, Ops);

        [Fact]
        public void NullSortsFirstAndParseNullThrows()
        {
            var v = NvidiaDriverVersion.Parse("535.104.05");
            Assert.True(v > null);
            Assert.True(null < v);
            Assert.False(v == null);
            Assert.True((NvidiaDriverVersion?)null == null);
            Assert.Equal(1, v.CompareTo(null));
            Assert.Throws<ArgumentNullException>(() => NvidiaDriverVersion.Parse(null!));
            Assert.False(NvidiaDriverVersion.TryParse(null, out _));
        }

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("535")]
        [InlineData("535.")]
        [InlineData(".535")]
        [InlineData("535..05")]
        [InlineData("31.0.15.3598")]  // a Windows file version, a different type
        [InlineData("535.104.05.1")]
        [InlineData("535.104.x")]
        [InlineData("v535.104.05")]
        [InlineData("535,104")]
        [InlineData("-535.104")]
        [InlineData("+535.104")]
        [InlineData("535.104.05 beta")]
        [InlineData("99999999999.1")]
        [InlineData("５３５.１０４")]  // full-width digits are not ASCII digits
        public void RejectsInvalidText(string text) =>
            VersionAssert.Rejects(NvidiaDriverVersion.Parse, NvidiaDriverVersion.TryParse, text);

        private static readonly Gen<string> Texts =
            from major in VersionAssert.PaddedNumber(3)
            from minor in VersionAssert.PaddedNumber(3)
            from patch in Gen.OneOf(Gen.Constant(""), VersionAssert.PaddedNumber(2).Select(p => "." + p))
            select $"{major}.{minor}{patch}";

        [Fact]
        public void GeneratedVersionsFormATotalOrder() =>
            VersionAssert.ForAll(Gen.Three(Texts), t =>
                VersionAssert.TotalOrderHolds(NvidiaDriverVersion.Parse(t.Item1), NvidiaDriverVersion.Parse(t.Item2),
                    NvidiaDriverVersion.Parse(t.Item3), Ops));

        [Fact]
        public void GeneratedVersionsRoundTrip() =>
            VersionAssert.ForAll(Texts, t =>
            {
                var v = NvidiaDriverVersion.Parse(t);
                var again = NvidiaDriverVersion.Parse(v.ToString());
                return v.ToString() == t && again == v && again.GetHashCode() == v.GetHashCode();
            });
    }
}
