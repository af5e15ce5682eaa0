using System;
using AutoGlm.Engine.Versions;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoGlm.Tests.Versions
{
    public class CudaVersionTests
    {
        private static bool[] Ops(CudaVersion a, CudaVersion b) => new[] { a < b, a <= b, a == b, a != b, a >= b, a > b };

        [Theory]
        [InlineData("12.2", 12, 2, null, "12.2")]
        [InlineData("12.2.2", 12, 2, 2, "12.2.2")]
        [InlineData("13.0", 13, 0, null, "13.0")]
        [InlineData(" 11.8.0\r\n", 11, 8, 0, "11.8.0")]
        [InlineData("12.04", 12, 4, null, "12.4")]
        public void ParsesAndPrints(string text, int major, int minor, int? patch, string printed)
        {
            var v = CudaVersion.Parse(text);
            Assert.Equal(major, v.Major);
            Assert.Equal(minor, v.Minor);
            Assert.Equal(patch, v.Patch);
            Assert.Equal(printed, v.ToString());
        }

        [Theory]
        [InlineData("12.2", "12.2.2", -1)]
        [InlineData("12.2", "12.2.0", 0)]
        [InlineData("11.8", "12.0", -1)]
        [InlineData("12.10", "12.9", 1)]
        [InlineData("13.0", "12.9.1", 1)]
        [InlineData("12.4.1", "12.4.0", 1)]
        public void ComparesNumerically(string a, string b, int expected) =>
            VersionAssert.Ordered(CudaVersion.Parse(a), CudaVersion.Parse(b), expected, Ops);

        [Theory]
        [InlineData(12040, "12.4")]
        [InlineData(11040, "11.4")]
        [InlineData(12020, "12.2")]
        [InlineData(13000, "13.0")]
        [InlineData(9020, "9.2")]
        [InlineData(10010, "10.1")]
        public void DecodesTheDriverApiInteger(int encoded, string expected)
        {
            var v = CudaVersion.FromDriverApi(encoded);
            Assert.Equal(expected, v.ToString());
            Assert.Null(v.Patch);
            Assert.Equal(encoded, v.ToDriverApi());
        }

        [Theory]
        [InlineData(0)]
        [InlineData(-12040)]
        [InlineData(12041)]
        public void RejectsImpossibleDriverApiIntegers(int encoded) =>
            Assert.Throws<ArgumentOutOfRangeException>(() => CudaVersion.FromDriverApi(encoded));

        [Fact]
        public void ToDriverApiDropsThePatchAndRefusesWideMinors()
        {
            Assert.Equal(12040, CudaVersion.Parse("12.4.1").ToDriverApi());
            Assert.Throws<InvalidOperationException>(() => new CudaVersion(12, 100).ToDriverApi());
        }

        [Theory]
        [InlineData("cu128", "12.8")]
        [InlineData("cu118", "11.8")]
        [InlineData("cu130", "13.0")]
        [InlineData("cu102", "10.2")]
        [InlineData("cu92", "9.2")]
        [InlineData("CU121", "12.1")]
        public void DecodesWheelTags(string tag, string expected)
        {
            Assert.Equal(CudaVersion.Parse(expected), CudaVersion.FromWheelTag(tag));
            Assert.True(CudaVersion.TryFromWheelTag(tag, out var v));
            Assert.Equal(expected, v.ToString());
        }

        [Theory]
        [InlineData("")]
        [InlineData("cu")]
        [InlineData("cu1")]
        [InlineData("cu0128")]
        [InlineData("cpu")]
        [InlineData("rocm6.2")]
        [InlineData("cu12.8")]
        [InlineData("128")]
        [InlineData("cu12a")]
        [InlineData("+cu128")]
        public void RejectsOtherWheelTags(string tag)
        {
            var ex = Assert.Throws<FormatException>(() => CudaVersion.FromWheelTag(tag));
            Assert.Contains($"'{tag}'", ex.Message);
            Assert.False(CudaVersion.TryFromWheelTag(tag, out _));
        }

        [Theory]
        [InlineData("12.8", "cu128")]
        [InlineData("12.4.1", "cu124")]
        [InlineData("13.0", "cu130")]
        [InlineData("9.2", "cu92")]
        public void EncodesWheelTags(string version, string tag) =>
            Assert.Equal(tag, CudaVersion.Parse(version).ToWheelTag());

        [Fact]
        public void WheelTagCannotCarryATwoDigitMinor() =>
            Assert.Throws<InvalidOperationException>(() => new CudaVersion(12, 10).ToWheelTag());

        [Fact]
        public void ConstructorRejectsNegatives()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new CudaVersion(-1, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new CudaVersion(12, -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new CudaVersion(12, 0, -1));
        }

        [Theory]
        [InlineData("")]
        [InlineData("12")]
        [InlineData("12.")]
        [InlineData("12.2.2.2")]
        [InlineData("cu128")]
        [InlineData("12.x")]
        [InlineData("V12.2")]
        [InlineData("12.2-1")]
        [InlineData("12.2 .1")]
        public void RejectsInvalidText(string text) =>
            VersionAssert.Rejects(CudaVersion.Parse, CudaVersion.TryParse, text);

        private static readonly Gen<string> Texts =
            from major in VersionAssert.PaddedNumber(3)
            from minor in VersionAssert.PaddedNumber(3)
            from patch in Gen.OneOf(Gen.Constant(""), VersionAssert.PaddedNumber(2).Select(p => "." + p))
            select $"{major}.{minor}{patch}";

        [Fact]
        public void GeneratedVersionsFormATotalOrder() =>
            VersionAssert.ForAll(Gen.Three(Texts), t =>
                VersionAssert.TotalOrderHolds(CudaVersion.Parse(t.Item1), CudaVersion.Parse(t.Item2), CudaVersion.Parse(t.Item3), Ops));

        [Fact]
        public void GeneratedVersionsRoundTrip() =>
            VersionAssert.ForAll(Texts, t =>
            {
                var v = CudaVersion.Parse(t);
                var again = CudaVersion.Parse(v.ToString());
                return again == v && again.GetHashCode() == v.GetHashCode() && again.ToString() == v.ToString();
            });

        [Fact]
        public void DriverApiAndWheelTagRoundTrip() =>
            VersionAssert.ForAll(
                from major in Gen.Choose(1, 99)
                from minor in Gen.Choose(0, 9)
                select new CudaVersion(major, minor),
                v => CudaVersion.FromDriverApi(v.ToDriverApi()) == v && CudaVersion.FromWheelTag(v.ToWheelTag()) == v);
    }
}
