using AutoGlm.Engine.Versions;
using FsCheck;
using FsCheck.Fluent;
using System;
using Xunit;

namespace AutoGlm.Tests.Versions
{
    public class WindowsDriverVersionTests
    {
        private static bool[] Ops(WindowsDriverVersion a, WindowsDriverVersion b) => new[] { a < b, a <= b, a == b, a != b, a >= b, a > b };

        [Theory]
        [InlineData("31.0.15.3598", "535.98")]
        [InlineData("32.0.15.7602", "576.02")]
        [InlineData("31.0.15.3623", "536.23")]
        [InlineData("32.0.15.6094", "560.94")]
        [InlineData("27.21.14.5671", "456.71")]
        [InlineData("9.18.13.4788", "347.88")]
        [InlineData("30.0.14.7141", "471.41")]
        [InlineData("6.14.10.9371", "93.71")]   // CC 10: a two-digit major
        [InlineData("31.0.15.0598", "505.98")]  // DDDD below 1000 still fills four digits
        [InlineData("31.0.15.598", "505.98")]
        [InlineData("32.0.19.9999", "999.99")]
        public void DecodesTheNvidiaVersion(string windows, string nvidia)
        {
            var v = WindowsDriverVersion.Parse(windows).ToNvidiaVersion();
            Assert.Equal(nvidia, v.ToString());
            Assert.Equal(NvidiaDriverVersion.Parse(nvidia), v);
        }

        [Fact]
        public void TheMinorKeepsItsTwoDigits()
        {
            var v = WindowsDriverVersion.Parse("32.0.15.7602").ToNvidiaVersion();
            Assert.Equal(576, v.Major);
            Assert.Equal(2, v.Minor);
            Assert.Null(v.Patch);
            Assert.Equal("576.02", v.ToString());
        }

        [Theory]
        [InlineData("26.20.100.7870")] // Intel: CC is 100
        [InlineData("31.0.101.5382")]
        [InlineData("10.18.9.1234")]   // CC below 10
        [InlineData("32.0.20.1234")]   // CC 20 would be a 1000-series NVIDIA
        [InlineData("31.0.15.10000")]  // DDDD above 9999
        public void RefusesVersionsWithoutTheNvidiaEncoding(string windows)
        {
            var v = WindowsDriverVersion.Parse(windows);
            var ex = Assert.Throws<InvalidOperationException>(() => v.ToNvidiaVersion());
            Assert.Contains(windows, ex.Message);
            Assert.False(v.TryToNvidiaVersion(out var none));
            Assert.Null(none);
        }

        [Theory]
        [InlineData("31.0.15.3598", 31, 0, 15, 3598)]
        [InlineData(" 27.21.14.5671 ", 27, 21, 14, 5671)]
        public void ParsesComponents(string text, int a, int b, int c, int d)
        {
            var v = WindowsDriverVersion.Parse(text);
            Assert.Equal((a, b, c, d), (v.Major, v.Minor, v.Build, v.Revision));
            Assert.Equal(text.Trim(), v.ToString());
        }

        [Theory]
        [InlineData("31.0.15.3598", "32.0.15.6094", -1)]
        [InlineData("31.0.15.3623", "31.0.15.3598", 1)]
        [InlineData("31.0.15.0598", "31.0.15.598", 0)]
        [InlineData("9.18.13.4788", "27.21.14.5671", -1)]
        public void ComparesNumerically(string a, string b, int expected) =>
            VersionAssert.Ordered(WindowsDriverVersion.Parse(a), WindowsDriverVersion.Parse(b), expected, Ops);

        [Theory]
        [InlineData("")]
        [InlineData("31.0.15")]
        [InlineData("31.0.15.3598.1")]
        [InlineData("31.0.15.x")]
        [InlineData("535.98")]
        [InlineData("31.0.15.65536")]
        [InlineData("31..15.3598")]
        [InlineData("31.0.15.-1")]
        public void RejectsInvalidText(string text) =>
            VersionAssert.Rejects(WindowsDriverVersion.Parse, WindowsDriverVersion.TryParse, text);

        private static readonly Gen<string> Texts =
            from a in VersionAssert.PaddedNumber(3)
            from b in VersionAssert.PaddedNumber(3)
            from c in VersionAssert.PaddedNumber(3)
            from d in VersionAssert.PaddedNumber(3)
            select $"{a}.{b}.{c}.{d}";

        [Fact]
        public void GeneratedVersionsFormATotalOrder() =>
            VersionAssert.ForAll(Gen.Three(Texts), t =>
                VersionAssert.TotalOrderHolds(WindowsDriverVersion.Parse(t.Item1), WindowsDriverVersion.Parse(t.Item2),
                    WindowsDriverVersion.Parse(t.Item3), Ops));

        [Fact]
        public void GeneratedVersionsRoundTrip() =>
            VersionAssert.ForAll(Texts, t =>
            {
                var v = WindowsDriverVersion.Parse(t);
                return v.ToString() == t && WindowsDriverVersion.Parse(v.ToString()) == v;
            });

        [Fact]
        public void NvidiaDecodingMatchesSodiumsFormula() =>
            // Sodium: merged = (CC - 10) * 10000 + DDDD; major = merged / 100; minor = merged % 100.
            VersionAssert.ForAll(
                from cc in Gen.Choose(10, 19)
                from dddd in Gen.Choose(0, 9999)
                select (cc, dddd),
                t =>
                {
                    int merged = (t.cc - 10) * 10000 + t.dddd;
                    var v = WindowsDriverVersion.Parse($"31.0.{t.cc}.{t.dddd}").ToNvidiaVersion();
                    return v.Major == merged / 100 && v.Minor == merged % 100 && v.ToString().EndsWith("." + (merged % 100).ToString("D2"));
                });
    }
}
