using System.Linq;
using AutoGlm.Engine.Versions;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoGlm.Tests.Versions
{
    public class RpmVersionTests
    {
        private static bool[] Ops(RpmVersion a, RpmVersion b) => new[] { a < b, a <= b, a == b, a != b, a >= b, a > b };

        // rpm's tests/rpmvercmp.at, every case.
        [Theory]
        [InlineData("1.0", "1.0", 0)]
        [InlineData("1.0", "2.0", -1)]
        [InlineData("2.0", "1.0", 1)]
        [InlineData("2.0.1", "2.0.1", 0)]
        [InlineData("2.0", "2.0.1", -1)]
        [InlineData("2.0.1", "2.0", 1)]
        [InlineData("2.0.1a", "2.0.1a", 0)]
        [InlineData("2.0.1a", "2.0.1", 1)]
        [InlineData("2.0.1", "2.0.1a", -1)]
        [InlineData("5.5p1", "5.5p1", 0)]
        [InlineData("5.5p1", "5.5p2", -1)]
        [InlineData("5.5p2", "5.5p1", 1)]
        [InlineData("5.5p10", "5.5p10", 0)]
        [InlineData("5.5p1", "5.5p10", -1)]
        [InlineData("5.5p10", "5.5p1", 1)]
        [InlineData("10xyz", "10.1xyz", -1)]
        [InlineData("10.1xyz", "10xyz", 1)]
        [InlineData("xyz10", "xyz10", 0)]
        [InlineData("xyz10", "xyz10.1", -1)]
        [InlineData("xyz10.1", "xyz10", 1)]
        [InlineData("xyz.4", "xyz.4", 0)]
        [InlineData("xyz.4", "8", -1)]
        [InlineData("8", "xyz.4", 1)]
        [InlineData("xyz.4", "2", -1)]
        [InlineData("2", "xyz.4", 1)]
        [InlineData("5.5p2", "5.6p1", -1)]
        [InlineData("5.6p1", "5.5p2", 1)]
        [InlineData("5.6p1", "6.5p1", -1)]
        [InlineData("6.5p1", "5.6p1", 1)]
        [InlineData("6.0.rc1", "6.0", 1)]
        [InlineData("6.0", "6.0.rc1", -1)]
        [InlineData("10b2", "10a1", 1)]
        [InlineData("10a2", "10b2", -1)]
        [InlineData("1.0aa", "1.0aa", 0)]
        [InlineData("1.0a", "1.0aa", -1)]
        [InlineData("1.0aa", "1.0a", 1)]
        [InlineData("10.0001", "10.0001", 0)]
        [InlineData("10.0001", "10.1", 0)]
        [InlineData("10.1", "10.0001", 0)]
        [InlineData("10.0001", "10.0039", -1)]
        [InlineData("10.0039", "10.0001", 1)]
        [InlineData("4.999.9", "5.0", -1)]
        [InlineData("5.0", "4.999.9", 1)]
        [InlineData("20101121", "20101121", 0)]
        [InlineData("20101121", "20101122", -1)]
        [InlineData("20101122", "20101121", 1)]
        [InlineData("2_0", "2_0", 0)]
        [InlineData("2.0", "2_0", 0)]
        [InlineData("2_0", "2.0", 0)]
        [InlineData("a", "a", 0)]
        [InlineData("a+", "a+", 0)]
        [InlineData("a+", "a_", 0)]
        [InlineData("a_", "a+", 0)]
        [InlineData("+a", "+a", 0)]
        [InlineData("+a", "_a", 0)]
        [InlineData("_a", "+a", 0)]
        [InlineData("+_", "+_", 0)]
        [InlineData("_+", "+_", 0)]
        [InlineData("_+", "_+", 0)]
        [InlineData("+", "_", 0)]
        [InlineData("_", "+", 0)]
        [InlineData("1.0~rc1", "1.0~rc1", 0)]
        [InlineData("1.0~rc1", "1.0", -1)]
        [InlineData("1.0", "1.0~rc1", 1)]
        [InlineData("1.0~rc1", "1.0~rc2", -1)]
        [InlineData("1.0~rc2", "1.0~rc1", 1)]
        [InlineData("1.0~rc1~git123", "1.0~rc1~git123", 0)]
        [InlineData("1.0~rc1~git123", "1.0~rc1", -1)]
        [InlineData("1.0~rc1", "1.0~rc1~git123", 1)]
        [InlineData("1.0^", "1.0^", 0)]
        [InlineData("1.0^", "1.0", 1)]
        [InlineData("1.0", "1.0^", -1)]
        [InlineData("1.0^git1", "1.0^git1", 0)]
        [InlineData("1.0^git1", "1.0", 1)]
        [InlineData("1.0", "1.0^git1", -1)]
        [InlineData("1.0^git1", "1.0^git2", -1)]
        [InlineData("1.0^git2", "1.0^git1", 1)]
        [InlineData("1.0^git1", "1.01", -1)]
        [InlineData("1.01", "1.0^git1", 1)]
        [InlineData("1.0^20160101", "1.0^20160101", 0)]
        [InlineData("1.0^20160101", "1.0.1", -1)]
        [InlineData("1.0.1", "1.0^20160101", 1)]
        [InlineData("1.0^20160101^git1", "1.0^20160101^git1", 0)]
        [InlineData("1.0^20160102", "1.0^20160101^git1", 1)]
        [InlineData("1.0^20160101^git1", "1.0^20160102", -1)]
        [InlineData("1.0~rc1^git1", "1.0~rc1^git1", 0)]
        [InlineData("1.0~rc1^git1", "1.0~rc1", 1)]
        [InlineData("1.0~rc1", "1.0~rc1^git1", -1)]
        [InlineData("1.0^git1~pre", "1.0^git1~pre", 0)]
        [InlineData("1.0^git1", "1.0^git1~pre", 1)]
        [InlineData("1.0^git1~pre", "1.0^git1", -1)]
        public void MatchesRpmvercmpTests(string a, string b, int expected)
        {
            Assert.Equal(expected, RpmOracle.VerCmp(a, b)); // the oracle agrees with rpm's own table
            VersionAssert.Ordered(RpmVersion.Parse(a), RpmVersion.Parse(b), expected, Ops);
        }

        [Theory]
        [InlineData("1.0~rc1", "1.0", -1)]
        [InlineData("1.0", "1.0^git1", -1)]
        [InlineData("1.0^git1", "1.0.1", -1)]
        [InlineData("2:1.0", "1:9.9", 1)]
        [InlineData("580.65.06-1.el9", "580.82.07-1.el9", -1)]
        [InlineData("3:580.65.06-1.el9", "580.82.07-1.el9", 1)]
        [InlineData("580.65.06-1.el8", "580.65.06-1.el9", -1)]
        [InlineData("1.0-1.el9", "1.0-1.el9_1", -1)]
        [InlineData("1.0-1.fc38", "1.0-2.fc37", -1)]
        [InlineData("1.0", "1.0-1", -1)]           // an absent release sorts first
        [InlineData("1.0", "1.0-~1", 1)]           // ... but after a tilde, like an empty string
        [InlineData("0:1.0-1", "1.0-1", 0)]        // absent epoch is 0
        [InlineData("1.0-1", "1.0.0-1", -1)]
        [InlineData("12.8.93-1", "12.8.61-1", 1)]
        public void OrdersEvrAsRpmDoes(string a, string b, int expected) =>
            VersionAssert.Ordered(RpmVersion.Parse(a), RpmVersion.Parse(b), expected, Ops);

        [Theory]
        [InlineData("580.65.06-1.el9", 0, "580.65.06", "1.el9")]
        [InlineData("3:580.65.06-1.el9", 3, "580.65.06", "1.el9")]
        [InlineData(" 1.0~rc1^git2 ", 0, "1.0~rc1^git2", null)]
        public void SplitsEvr(string text, int epoch, string version, string? release)
        {
            var v = RpmVersion.Parse(text);
            Assert.Equal((epoch, version, release), (v.Epoch, v.Version, v.Release));
            Assert.Equal(text.Trim(), v.ToString());
        }

        [Theory]
        [InlineData("")]
        [InlineData("1.0-")]
        [InlineData("-1")]
        [InlineData(":1.0")]
        [InlineData("a:1.0")]
        [InlineData("1:")]
        [InlineData("1.0-1-2")]
        [InlineData("1.0 beta")]
        [InlineData("1.0/2")]
        [InlineData("99999999999:1.0")]
        [InlineData("1.0-1 2")]
        [InlineData("1.0%{?dist}")]
        [InlineData("1:2:3")]
        public void RejectsInvalidText(string text) =>
            VersionAssert.Rejects(RpmVersion.Parse, RpmVersion.TryParse, text);

        [Fact]
        public void TokenReadingAgreesWithTheCLoopOnRandomStrings() =>
            // Any characters, not just valid EVR ones: separators of every kind must be skipped alike.
            VersionAssert.ForAll(Gen.Two(Gen.ListOf(Gen.Elements("0", "00", "1", "01", "9", "10", "a", "b", "B", "~", "^", ".", "_", "+", "-", "%")).Select(string.Concat)),
                t => RpmVersion.VerCmp(t.Item1, t.Item2) == RpmOracle.VerCmp(t.Item1, t.Item2), maxTest: 3000);

        private static Gen<string> Part =>
            Gen.NonEmptyListOf(Gen.Elements("0", "00", "1", "01", "10", "a", "b", "B", "~", "^", ".", "_", "+")).Select(string.Concat);

        private static readonly Gen<string> Texts =
            from epoch in Gen.Elements("", "0:", "1:", "01:")
            from version in Part
            from release in Gen.OneOf(Gen.Constant(""), Part.Select(r => "-" + r))
            select epoch + version + release;

        [Fact]
        public void GeneratedVersionsFormATotalOrder() =>
            VersionAssert.ForAll(Gen.Three(Texts), t =>
                VersionAssert.TotalOrderHolds(RpmVersion.Parse(t.Item1), RpmVersion.Parse(t.Item2), RpmVersion.Parse(t.Item3), Ops),
                maxTest: 2000);

        [Fact]
        public void EqualGeneratedVersionsHashAlike() =>
            VersionAssert.ForAll(Gen.Two(Gen.Elements("1.0", "1_0", "1.00", "01.0", "1.0.", "0:1.0", "1+0", "1.0-1", "1.0-01", "1.0-1.", "1.0^", "1.0.^")), t =>
            {
                var a = RpmVersion.Parse(t.Item1);
                var b = RpmVersion.Parse(t.Item2);
                return a != b || a.GetHashCode() == b.GetHashCode();
            });

        [Fact]
        public void GeneratedVersionsRoundTrip() =>
            VersionAssert.ForAll(Texts, t =>
            {
                var v = RpmVersion.Parse(t);
                return v.ToString() == t && RpmVersion.Parse(v.ToString()) == v;
            });
    }

    /// <summary>rpmio/rpmvercmp.c's loop transcribed statement by statement, as a test oracle.</summary>
    internal static class RpmOracle
    {
        private static char At(string s, int i) => i < s.Length ? s[i] : '\0';
        private static bool IsDigit(char c) => c >= '0' && c <= '9';
        private static bool IsAlpha(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        private static bool IsAlnum(char c) => IsDigit(c) || IsAlpha(c);

        public static int VerCmp(string a, string b)
        {
            if (a == b) return 0;
            int one = 0, two = 0;
            while (At(a, one) != '\0' || At(b, two) != '\0')
            {
                while (At(a, one) != '\0' && !IsAlnum(At(a, one)) && At(a, one) != '~' && At(a, one) != '^') one++;
                while (At(b, two) != '\0' && !IsAlnum(At(b, two)) && At(b, two) != '~' && At(b, two) != '^') two++;

                if (At(a, one) == '~' || At(b, two) == '~')
                {
                    if (At(a, one) != '~') return 1;
                    if (At(b, two) != '~') return -1;
                    one++; two++;
                    continue;
                }
                if (At(a, one) == '^' || At(b, two) == '^')
                {
                    if (At(a, one) == '\0') return -1;
                    if (At(b, two) == '\0') return 1;
                    if (At(a, one) != '^') return 1;
                    if (At(b, two) != '^') return -1;
                    one++; two++;
                    continue;
                }
                if (!(At(a, one) != '\0' && At(b, two) != '\0')) break;

                int str1 = one, str2 = two;
                bool isnum;
                if (IsDigit(At(a, str1)))
                {
                    while (IsDigit(At(a, str1))) str1++;
                    while (IsDigit(At(b, str2))) str2++;
                    isnum = true;
                }
                else
                {
                    while (IsAlpha(At(a, str1))) str1++;
                    while (IsAlpha(At(b, str2))) str2++;
                    isnum = false;
                }
                if (one == str1) return -1;
                if (two == str2) return isnum ? 1 : -1;

                string x = a.Substring(one, str1 - one), y = b.Substring(two, str2 - two);
                if (isnum)
                {
                    x = x.TrimStart('0');
                    y = y.TrimStart('0');
                    if (x.Length > y.Length) return 1;
                    if (y.Length > x.Length) return -1;
                }
                int rc = string.CompareOrdinal(x, y);
                if (rc != 0) return rc < 1 ? -1 : 1;
                one = str1; two = str2;
            }
            if (At(a, one) == '\0' && At(b, two) == '\0') return 0;
            return At(a, one) == '\0' ? -1 : 1;
        }
    }
}
