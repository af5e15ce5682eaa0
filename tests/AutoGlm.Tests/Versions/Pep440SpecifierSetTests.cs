using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Versions;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoGlm.Tests.Versions
{
    public class Pep440SpecifierSetTests
    {
        private static Pep440Version V(string s) => Pep440Version.Parse(s);
        private static Pep440SpecifierSet S(string s) => Pep440SpecifierSet.Parse(s);

        // pypa/packaging tests/test_specifiers.py test_specifiers, which runs with prereleases=True:
        // the version-range rules alone.
        [Theory]
        [InlineData("2.0", "==2", true)]
        [InlineData("2.0", "==2.0", true)]
        [InlineData("2.0", "==2.0.0", true)]
        [InlineData("2.0+deadbeef", "==2", true)]
        [InlineData("2.0+deadbeef", "==2.0", true)]
        [InlineData("2.0+deadbeef", "==2.0.0", true)]
        [InlineData("2.0+deadbeef", "==2+deadbeef", true)]
        [InlineData("2.0+deadbeef", "==2.0+deadbeef", true)]
        [InlineData("2.0+deadbeef", "==2.0.0+deadbeef", true)]
        [InlineData("2.0+deadbeef.0", "==2.0.0+deadbeef.00", true)]
        [InlineData("2.dev1", "==2.*", true)]
        [InlineData("2a1", "==2.*", true)]
        [InlineData("2a1.post1", "==2.*", true)]
        [InlineData("2b1", "==2.*", true)]
        [InlineData("2b1.dev1", "==2.*", true)]
        [InlineData("2c1", "==2.*", true)]
        [InlineData("2c1.post1.dev1", "==2.*", true)]
        [InlineData("2c1.post1.dev1", "==2.0.*", true)]
        [InlineData("2rc1", "==2.*", true)]
        [InlineData("2rc1", "==2.0.*", true)]
        [InlineData("2", "==2.*", true)]
        [InlineData("2", "==2.0.*", true)]
        [InlineData("2", "==2.0.0.*", true)]
        [InlineData("2", "==0!2.*", true)]
        [InlineData("0!2", "==2.*", true)]
        [InlineData("2.0", "==2.*", true)]
        [InlineData("2.0.0", "==2.*", true)]
        [InlineData("2.0.0.0", "==2.0.*", true)]
        [InlineData("2.1+local.version", "==2.1.*", true)]
        [InlineData("2.1", "!=2", true)]
        [InlineData("2.1", "!=2.0", true)]
        [InlineData("2.0.1", "!=2", true)]
        [InlineData("2.0.1", "!=2.0", true)]
        [InlineData("2.0.1", "!=2.0.0", true)]
        [InlineData("2.0", "!=2.0+deadbeef", true)]
        [InlineData("2.0", "!=3.*", true)]
        [InlineData("2.1", "!=2.0.*", true)]
        [InlineData("3", "!=2.0.0.*", true)]
        [InlineData("2.1.0.0", "!=2.0.*", true)]
        [InlineData("2.0", ">=2", true)]
        [InlineData("2.0", ">=2.0", true)]
        [InlineData("2.0", ">=2.0.0", true)]
        [InlineData("2.0.post1", ">=2", true)]
        [InlineData("2.0.post1.dev1", ">=2", true)]
        [InlineData("3", ">=2", true)]
        [InlineData("3.0.0a8", ">=3.0.0a7", true)]
        [InlineData("2.0", "<=2", true)]
        [InlineData("2.0", "<=2.0", true)]
        [InlineData("2.0", "<=2.0.0", true)]
        [InlineData("2.0.dev1", "<=2", true)]
        [InlineData("2.0a1", "<=2", true)]
        [InlineData("2.0a1.dev1", "<=2", true)]
        [InlineData("2.0b1", "<=2", true)]
        [InlineData("2.0b1.post1", "<=2", true)]
        [InlineData("2.0c1", "<=2", true)]
        [InlineData("2.0c1.post1.dev1", "<=2", true)]
        [InlineData("2.0rc1", "<=2", true)]
        [InlineData("1", "<=2", true)]
        [InlineData("3.0.0a7", "<=3.0.0a8", true)]
        [InlineData("3", ">2", true)]
        [InlineData("2.1", ">2.0", true)]
        [InlineData("2.0.1", ">2", true)]
        [InlineData("2.1.post1", ">2", true)]
        [InlineData("2.1+local.version", ">2", true)]
        [InlineData("3.0.0a8", ">3.0.0a7", true)]
        [InlineData("1", "<2", true)]
        [InlineData("2.0", "<2.1", true)]
        [InlineData("2.0.dev0", "<2.1", true)]
        [InlineData("3.0.0a7", "<3.0.0a8", true)]
        [InlineData("1", "~=1.0", true)]
        [InlineData("1.0.1", "~=1.0", true)]
        [InlineData("1.1", "~=1.0", true)]
        [InlineData("1.9999999", "~=1.0", true)]
        [InlineData("1.1", "~=1.0a1", true)]
        [InlineData("2022.01.01", "~=2022.01.01", true)]
        [InlineData("2!1.0", "~=2!1.0", true)]
        [InlineData("2!1.0", "==2!1.*", true)]
        [InlineData("2!1.0", "==2!1.0", true)]
        [InlineData("2!1.0", "!=1.0", true)]
        [InlineData("2!1.0.0", "==2!1.0.0.0.*", true)]
        [InlineData("2!1.0.0", "==2!1.0.*", true)]
        [InlineData("2!1.0.0", "==2!1.*", true)]
        [InlineData("1.0", "!=2!1.0", true)]
        [InlineData("1.0", "<=2!0.1", true)]
        [InlineData("2!1.0", ">=2.0", true)]
        [InlineData("1.0", "<2!0.1", true)]
        [InlineData("2!1.0", ">2.0", true)]
        [InlineData("2.0.5", ">2.0dev", true)]
        [InlineData("1.0+local", ">1.0.dev1", true)]
        [InlineData("4.1.0a2.dev1235+local", ">4.1.0a2.dev1234", true)]
        [InlineData("1.0a2+local", ">1.0a1", true)]
        [InlineData("1.0b2+local", ">1.0b1", true)]
        [InlineData("1.0rc2+local", ">1.0rc1", true)]
        [InlineData("1.0.post2+local", ">1.0.post1", true)]
        [InlineData("1.0.dev2+local", ">1.0.dev1", true)]
        [InlineData("1.0a1.dev2+local", ">1.0a1.dev1", true)]
        [InlineData("1.0.post1.dev2+local", ">1.0.post1.dev1", true)]
        [InlineData("2.1", "==2", false)]
        [InlineData("2.1", "==2.0", false)]
        [InlineData("2.1", "==2.0.0", false)]
        [InlineData("2.0", "==2.0+deadbeef", false)]
        [InlineData("2.0", "==3.*", false)]
        [InlineData("2.1", "==2.0.*", false)]
        [InlineData("3", "==2.0.0.*", false)]
        [InlineData("2.1.0.0", "==2.0.*", false)]
        [InlineData("2.0", "!=2", false)]
        [InlineData("2.0", "!=2.0", false)]
        [InlineData("2.0", "!=2.0.0", false)]
        [InlineData("2.0+deadbeef", "!=2", false)]
        [InlineData("2.0+deadbeef", "!=2.0", false)]
        [InlineData("2.0+deadbeef", "!=2.0.0", false)]
        [InlineData("2.0+deadbeef", "!=2+deadbeef", false)]
        [InlineData("2.0+deadbeef", "!=2.0+deadbeef", false)]
        [InlineData("2.0+deadbeef", "!=2.0.0+deadbeef", false)]
        [InlineData("2.0+deadbeef.0", "!=2.0.0+deadbeef.00", false)]
        [InlineData("2.dev1", "!=2.*", false)]
        [InlineData("2a1", "!=2.*", false)]
        [InlineData("2a1.post1", "!=2.*", false)]
        [InlineData("2b1", "!=2.*", false)]
        [InlineData("2b1.dev1", "!=2.*", false)]
        [InlineData("2c1", "!=2.*", false)]
        [InlineData("2c1.post1.dev1", "!=2.*", false)]
        [InlineData("2c1.post1.dev1", "!=2.0.*", false)]
        [InlineData("2rc1", "!=2.*", false)]
        [InlineData("2rc1", "!=2.0.*", false)]
        [InlineData("2", "!=2.*", false)]
        [InlineData("2", "!=2.0.*", false)]
        [InlineData("2", "!=2.0.0.*", false)]
        [InlineData("2.0", "!=2.*", false)]
        [InlineData("2.0.0", "!=2.*", false)]
        [InlineData("2.0.0.0", "!=2.0.*", false)]
        [InlineData("2.0.dev1", ">=2", false)]
        [InlineData("2.0a1", ">=2", false)]
        [InlineData("2.0a1.dev1", ">=2", false)]
        [InlineData("2.0b1", ">=2", false)]
        [InlineData("2.0b1.post1", ">=2", false)]
        [InlineData("2.0c1", ">=2", false)]
        [InlineData("2.0c1.post1.dev1", ">=2", false)]
        [InlineData("2.0rc1", ">=2", false)]
        [InlineData("1", ">=2", false)]
        [InlineData("2.0.post1", "<=2", false)]
        [InlineData("2.0.post1.dev1", "<=2", false)]
        [InlineData("3", "<=2", false)]
        [InlineData("1", ">2", false)]
        [InlineData("2.0.dev1", ">2", false)]
        [InlineData("2.0a1", ">2", false)]
        [InlineData("2.0a1.post1", ">2", false)]
        [InlineData("2.0b1", ">2", false)]
        [InlineData("2.0b1.dev1", ">2", false)]
        [InlineData("2.0c1", ">2", false)]
        [InlineData("2.0c1.post1.dev1", ">2", false)]
        [InlineData("2.0rc1", ">2", false)]
        [InlineData("2.0", ">2", false)]
        [InlineData("2.0.post1", ">2", false)]
        [InlineData("2.0.post1.dev1", ">2", false)]
        [InlineData("2.0+local.version", ">2", false)]
        [InlineData("4.1.0a2.dev1234+local", ">4.1.0a2.dev1234", false)]
        [InlineData("1.0a1+local", ">1.0a1", false)]
        [InlineData("1.0b1+local", ">1.0b1", false)]
        [InlineData("1.0rc1+local", ">1.0rc1", false)]
        [InlineData("1.0.post1+local", ">1.0.post1", false)]
        [InlineData("1.0.dev1+local", ">1.0.dev1", false)]
        [InlineData("1.0a1.dev1+local", ">1.0a1.dev1", false)]
        [InlineData("1.0.post1.dev1+local", ">1.0.post1.dev1", false)]
        [InlineData("2.0.dev1", "<2", false)]
        [InlineData("2.0a1", "<2", false)]
        [InlineData("2.0a1.post1", "<2", false)]
        [InlineData("2.0b1", "<2", false)]
        [InlineData("2.0b2.dev1", "<2", false)]
        [InlineData("2.0c1", "<2", false)]
        [InlineData("2.0c1.post1.dev1", "<2", false)]
        [InlineData("2.0rc1", "<2", false)]
        [InlineData("2.0", "<2", false)]
        [InlineData("2.post1", "<2", false)]
        [InlineData("2.post1.dev1", "<2", false)]
        [InlineData("3", "<2", false)]
        [InlineData("2.0", "~=1.0", false)]
        [InlineData("1.1.0", "~=1.0.0", false)]
        [InlineData("1.1.post1", "~=1.0.0", false)]
        [InlineData("1.0", "~=2!1.0", false)]
        [InlineData("2!1.0", "~=1.0", false)]
        [InlineData("2!1.0", "==1.0", false)]
        [InlineData("1.0", "==2!1.0", false)]
        [InlineData("2!1.0", "==1.0.0.*", false)]
        [InlineData("1.0", "==2!1.0.0.*", false)]
        [InlineData("2!1.0", "==1.*", false)]
        [InlineData("1.0", "==2!1.*", false)]
        [InlineData("2!1.0", "!=2!1.0", false)]
        public void MatchesPackagingRanges(string version, string specifier, bool expected)
        {
            Assert.Equal(expected, S(specifier).IsSatisfiedBy(V(version), includePrereleases: true));
            Assert.Equal(expected, Pep440Specifier.Parse(specifier).IsSatisfiedBy(V(version), includePrereleases: true));
        }

        // packaging's test_specifiers_prereleases rows about ranges at a family's edge (> and < around posts,
        // devs and pre-releases), again with pre-releases admitted so only the range decides.
        [Theory]
        [InlineData(">1.0.dev1", "1.0.dev0", false)]
        [InlineData(">1.0.dev1", "1.0.dev2", true)]
        [InlineData(">1.0.dev1", "1.0.post0", true)]
        [InlineData(">1.0.dev0", "1.0.post0", true)]
        [InlineData(">1.0a1", "1.0.post0", true)]
        [InlineData(">1.0rc1", "1.0.post0", true)]
        [InlineData(">1.0a1", "1.0a1.post0", false)]
        [InlineData(">1.0b2", "1.0b2.post0", false)]
        [InlineData(">1.0a1", "1.0a2.post0", true)]
        [InlineData(">1.0.dev1", "1.0", true)]
        [InlineData(">1.0.dev1", "1.0a1", true)]
        [InlineData(">1.0", "1.0.post0", false)]
        [InlineData(">1.0", "1.0.post1", false)]
        [InlineData(">1.0", "2.0.post0", true)]
        [InlineData(">1.0", "0.9.post0", false)]
        [InlineData(">1.0.dev1", "1.1.post0", true)]
        [InlineData(">1.0.dev1", "0.9.post0", false)]
        [InlineData("<1.0.post1", "1.0.post1.dev0", false)]
        [InlineData("<1.0.post0", "1.0.post0.dev0", false)]
        [InlineData("<1.0.post1", "1.0.dev0", true)]
        [InlineData("<1.0.post1", "1.0rc1", true)]
        [InlineData("<1.0.post0", "1.0b1", true)]
        [InlineData("<1.0.post1", "1.0.post0.dev0", true)]
        [InlineData("<1.0.post2", "1.0.post1.dev0", true)]
        [InlineData("<1.0.post1", "1.0", true)]
        [InlineData("<1.0.post1", "1.0.post0", true)]
        [InlineData("<1.0.post10", "1.0.post9", true)]
        [InlineData("<1.0.post1", "1.0+local", true)]
        [InlineData("<1.0.post1", "1.0.post0+local", true)]
        [InlineData("<2.0", "2.0a1", false)]
        [InlineData("<2.0a2", "2.0a1", true)]
        [InlineData("~=1.4.2", "1.4.3.dev1", true)]
        [InlineData("~=1.4.2", "1.4.3+local", true)]
        [InlineData("~=1.4.2", "1.4.1.post1", false)]
        [InlineData("~=1.4.2", "1.5.0.dev0", false)]
        [InlineData("~=1.4.2", "1.5.0a1", false)]
        [InlineData("~=1.4.2", "2.0+local", false)]
        [InlineData("==1.0.*", "1.0.post1", true)]
        [InlineData("==1.0.*", "1.0+local", true)]
        [InlineData("==1.0.*", "1.0.1", true)]
        [InlineData("==1.0.*", "0.9", false)]
        [InlineData("==1.0+local", "1.0+other", false)]
        [InlineData("==1.0+local", "1.0", false)]
        [InlineData(">=1!1.0", "0!2.0", false)]
        [InlineData("<=2.0", "2.0+cu118", true)]       // local labels are ignored by <= too
        [InlineData("<=2.0.1", "2.0.1.0+local.7", true)]
        [InlineData("<=2.0", "2.0.post1+cu118", false)]
        public void MatchesPackagingRangeEdges(string specifier, string version, bool expected) =>
            Assert.Equal(expected, S(specifier).IsSatisfiedBy(V(version), includePrereleases: true));

        [Theory]
        // The brief's cases.
        [InlineData("==2.0.1", "2.0.1+cu118", true)]
        [InlineData("==2.0.1+cu118", "2.0.1+cu118", true)]
        [InlineData("==2.0.1+cu118", "2.0.1", false)]
        [InlineData("==2.0.1+cu118", "2.0.1+cu121", false)]
        [InlineData("~=2.2", "2.2", true)]
        [InlineData("~=2.2", "2.9.1", true)]
        [InlineData("~=2.2", "3.0", false)]
        [InlineData("~=2.2", "2.1", false)]
        [InlineData("~=1.4.5", "1.4.5", true)]
        [InlineData("~=1.4.5", "1.4.99", true)]
        [InlineData("~=1.4.5", "1.5.0", false)]
        [InlineData("~=1.4.5", "1.4.4", false)]
        [InlineData(">=2.1,<3,!=2.2.*", "2.1.2", true)]
        [InlineData(">=2.1,<3,!=2.2.*", "2.2.1", false)]
        [InlineData(">=2.1,<3,!=2.2.*", "3.0", false)]
        [InlineData("==2.*", "2.5.1+cu124", true)]
        [InlineData("!=2.1.*", "2.1.0", false)]
        [InlineData("!=2.1.*", "2.10.0", true)]
        [InlineData("", "1.0", true)]
        [InlineData(" , ", "0", true)]
        public void MatchesCommonRequirements(string specifiers, string version, bool expected) =>
            Assert.Equal(expected, S(specifiers).IsSatisfiedBy(V(version)));

        // Pre-releases: excluded unless asked for or named by a specifier (PEP 440's default).
        [Theory]
        [InlineData(">=1.0", "2.0a1", false, false)]
        [InlineData(">=1.0", "2.0a1", true, true)]
        [InlineData(">=1.0", "2.0.dev1", false, false)]   // dev releases count as pre-releases
        [InlineData(">=1.0", "2.0.post1", false, true)]   // post-releases do not
        [InlineData(">=1.0a1", "2.0b1", false, true)]     // a specifier names a pre-release
        [InlineData(">=1.0,<3", "2.0rc1", false, false)]
        [InlineData(">=1.0rc1,!=1.5", "2.0b1", false, true)] // one naming specifier admits them for the set
        [InlineData("!=2.0a1", "1.0a2", false, false)]    // != never admits them
        [InlineData("==2.0.*", "2.0.dev1", false, false)] // nor does a wildcard
        [InlineData("==2.0.*", "2.0.dev1", true, true)]
        [InlineData("<2.0", "2.0a1", true, false)]        // asking for pre-releases does not widen a range
        [InlineData("<2.0a2", "2.0a1", false, true)]
        [InlineData(">1.0.dev1", "1.1.dev1", false, true)]
        [InlineData("===1.0a1", "1.0a1", false, true)]
        [InlineData("", "1.0a1", false, false)]
        [InlineData("", "1.0a1", true, true)]
        [InlineData("", "1.0.post1", false, true)]
        public void AdmitsPrereleasesOnlyWhenAskedOrNamed(string specifiers, string version, bool include, bool expected) =>
            Assert.Equal(expected, S(specifiers).IsSatisfiedBy(V(version), include));

        // packaging's test_specifier_prereleases_detection.
        [Theory]
        [InlineData("==1.0", false)]
        [InlineData(">=1.0", false)]
        [InlineData("<=1.0", false)]
        [InlineData("~=1.0", false)]
        [InlineData("<1.0", false)]
        [InlineData(">1.0", false)]
        [InlineData("<1.0.dev1", true)]
        [InlineData(">1.0.dev1", true)]
        [InlineData("!=1.0.dev1", false)]
        [InlineData("==1.0.*", false)]
        [InlineData("==1.0.dev1", true)]
        [InlineData(">=1.0.dev1", true)]
        [InlineData("<=1.0.dev1", true)]
        [InlineData("~=1.0.dev1", true)]
        [InlineData("===1.0a1", true)]
        [InlineData("===lolwat", false)]
        public void DetectsSpecifiersThatNamePrereleases(string specifier, bool expected) =>
            Assert.Equal(expected, Pep440Specifier.Parse(specifier).ImpliesPrereleases);

        // packaging's test_arbitrary_equality and its Version-object rows: === compares the normal form as text.
        [Theory]
        [InlineData("1.0", "===1.0", true)]
        [InlineData("1.0.0", "===1.0", false)]
        [InlineData("1.0.dev0", "===1.0", false)]
        [InlineData("1.0+downstream1", "===1.0", false)]
        [InlineData("1.0", "===1.0+downstream1", false)]
        [InlineData("1.0A1", "===1.0a1", true)]
        [InlineData("1.0+ABC.DEF", "===1.0+abc.def", true)]
        [InlineData("1.0a1.post2.dev3", "===1.0A1.POST2.DEV3", true)]
        [InlineData("1.01", "===1.1", true)]
        [InlineData("1.01", "===1.01", false)]
        [InlineData("1.a1", "===1a1", true)]
        [InlineData("1.a1", "===1.a1", false)]
        [InlineData("0!1.0", "===1.0", true)]
        [InlineData("1.0", "===0!1.0", false)]
        [InlineData("1.0-1", "===1.0.post1", true)]
        [InlineData("1.0.post1", "===1.0-1", false)]
        [InlineData("1.0", "===foobar", false)]
        public void ArbitraryEqualityComparesNormalisedText(string version, string specifier, bool expected) =>
            Assert.Equal(expected, S(specifier).IsSatisfiedBy(V(version), includePrereleases: true));

        [Theory]
        [InlineData(">=2.0", ">=", "2.0", false)]
        [InlineData("~=2.0", "~=", "2.0", false)]
        [InlineData("==2.1.*", "==", "2.1.*", true)]
        [InlineData("!=2.2.0.5", "!=", "2.2.0.5", false)]
        [InlineData("<1.0.dev1", "<", "1.0.dev1", false)]
        [InlineData(">2.0.post1", ">", "2.0.post1", false)]
        [InlineData("===lolwat", "===", "lolwat", false)]
        [InlineData(" <= 5 ", "<=", "5", false)]
        public void ExposesOperatorAndVersion(string text, string op, string version, bool wildcard)
        {
            var s = Pep440Specifier.Parse(text);
            Assert.Equal((op, version, wildcard), (s.Operator, s.Version, s.IsWildcard));
        }

        [Theory]
        [InlineData("", "")]
        [InlineData("< 2", "<2")]
        [InlineData(">=2.0, <3", ">=2.0,<3")]
        [InlineData(" >=2.0 , <3 ,", ">=2.0,<3")]
        [InlineData(">=2.0,<3,==2.4", ">=2.0,<3,==2.4")]
        [InlineData("~=12.4 , != 12.4.0", "~=12.4,!=12.4.0")]
        [InlineData("==v1.0RC1", "==v1.0RC1")]
        public void PrintsSpecifiersAsWritten(string text, string printed)
        {
            var set = S(text);
            Assert.Equal(printed, set.ToString());
            Assert.Equal(printed, S(set.ToString()).ToString());
            Assert.Equal(printed.Length == 0 ? 0 : printed.Split(',').Length, set.Specifiers.Count);
        }

        public static IEnumerable<object[]> NormalisedSpellings() => new[]
        {
            // packaging's test_specifiers_normalized (a sample): valid after every operator.
            "1.0dev", "1.0.DEV1", "1.0-a1", "1.0ALPHA", "1.0.b1", "1.0-BETA1", "1.0c", "1.0-RC1", "1.0post",
            "1.0-POST1", "1.0-5", "1.01", "1.0c056", "1.1.dev09000", "00!1.2", "v1.0", "  \r \f \v v1.0\t\n",
        }.Select(s => new object[] { s });

        [Theory]
        [MemberData(nameof(NormalisedSpellings))]
        public void AcceptsEveryPep440SpellingAfterEveryOperator(string version)
        {
            foreach (var op in new[] { "~=", "==", "!=", "<=", ">=", "<", ">" })
                Assert.True(Pep440Specifier.TryParse(op + version, out _), op + version);
        }

        public static IEnumerable<object[]> InvalidSpecifiers() => new[]
        {
            // packaging's test_specifiers_invalid
            "2.0", "=>2.0", "==", "~=1.0+5", ">=1.0+deadbeef", "<=1.0+abc123", ">1.0+watwat", "<1.0+1.0",
            "~=1.0.*", ">=1.0.*", "<=1.0.*", ">1.0.*", "<1.0.*", "==1.0.*+5", "!=1.0.*+deadbeef", "==2.0a1.*",
            "!=2.0a1.*", "==2.0.post1.*", "!=2.0.post1.*", "==2.0.dev1.*", "!=2.0.dev1.*", "==1.0+5.*",
            "!=1.0+deadbeef.*", "==1.0.*.5", "~=1", "==1.0.dev1.*", "!=1.0.dev1.*", "==1.2+\u0130",
            "==1.2+\u0130\u0131\u017fK",
            // more
            ">= 1.0 2", "~=1!2", "==lolwat", "=== a b", "===a;b", ">=1.0;python_version<'3.8'",
        }.Select(s => new object[] { s });

        [Theory]
        [MemberData(nameof(InvalidSpecifiers))]
        public void RejectsInvalidSpecifiers(string text)
        {
            VersionAssert.Rejects(Pep440Specifier.Parse, Pep440Specifier.TryParse, text);
            VersionAssert.Rejects(Pep440SpecifierSet.Parse, Pep440SpecifierSet.TryParse, text);
        }

        [Fact]
        public void SetErrorsNameTheWholeInputAndTheBadItem()
        {
            var ex = Assert.Throws<FormatException>(() => S(">=1.0,=>2"));
            Assert.Contains("'>=1.0,=>2'", ex.Message);
            Assert.Contains("'=>2'", ex.Message);
        }

        [Fact]
        public void ExtremeNumbersNeitherOverflowNorEscapeTryParse()
        {
            const string max = "9223372036854775807";
            Assert.True(S($">1.0.dev{max}").IsSatisfiedBy(V("1.0"), includePrereleases: true));
            Assert.False(S($">1.0.dev{max}").IsSatisfiedBy(V($"1.0.dev{max}+local"), includePrereleases: true));
            Assert.True(S($">1.0.post{max}").IsSatisfiedBy(V("1.1")));
            Assert.True(S($"~=1.{max}").IsSatisfiedBy(V($"1.{max}.5")));
            Assert.False(S($"~=1.{max}").IsSatisfiedBy(V("2.0")));
            Assert.True(S($"=={max}.*").IsSatisfiedBy(V($"{max}.1")));
            VersionAssert.Rejects(Pep440SpecifierSet.Parse, Pep440SpecifierSet.TryParse, "==99999999999999999999.*");
        }

        [Fact]
        public void NullArgumentsThrow()
        {
            Assert.Throws<ArgumentNullException>(() => S(null!));
            Assert.Throws<ArgumentNullException>(() => S(">=1").IsSatisfiedBy(null!));
            Assert.False(Pep440SpecifierSet.TryParse(null, out _));
        }

        // ---- properties: PEP 440's definitions of the operators in terms of one another ----

        private static readonly Gen<Pep440Version> Versions = Pep440VersionTests.Spellings.Select(s => V(s.Normal));
        private static readonly Gen<Pep440Version> PublicVersions = Versions.Select(v => v.Public);

        private static bool Sat(string spec, Pep440Version v) => S(spec).IsSatisfiedBy(v, includePrereleases: true);

        [Fact]
        public void NotEqualIsTheNegationOfEqual() =>
            VersionAssert.ForAll(Gen.Two(Versions), t =>
            {
                var (c, s) = t;
                string prefix = (s.Epoch != 0 ? s.Epoch + "!" : "") + string.Join(".", s.Release);
                return Sat("!=" + s, c) == !Sat("==" + s, c)
                    && Sat("!=" + s.Public, c) == !Sat("==" + s.Public, c)
                    && Sat("!=" + prefix + ".*", c) == !Sat("==" + prefix + ".*", c);
            }, maxTest: 2000);

        [Fact]
        public void CompatibleReleaseIsAtLeastPlusPrefixMatch() =>
            // PEP 440: ~=V.N is >=V.N, ==V.*
            VersionAssert.ForAll(Gen.Two(Versions).Zip(PublicVersions).Where(t => t.Item2.Release.Count >= 2), t =>
            {
                var c = t.Item1.Item1;
                var s = t.Item2;
                string prefix = (s.Epoch != 0 ? s.Epoch + "!" : "") + string.Join(".", s.Release.Take(s.Release.Count - 1));
                return Sat("~=" + s, c) == Sat($">={s},=={prefix}.*", c);
            }, maxTest: 2000);

        [Fact]
        public void StrictOperatorsImplyInclusiveOnes() =>
            VersionAssert.ForAll(Gen.Two(Versions).Zip(PublicVersions), t =>
            {
                var c = t.Item1.Item1;
                var s = t.Item2;
                return (!Sat("<" + s, c) || Sat("<=" + s, c))
                    && (!Sat(">" + s, c) || Sat(">=" + s, c))
                    && (!Sat("==" + s, c) || (Sat(">=" + s, c) && Sat("<=" + s, c)))
                    && Sat(">=" + s, c) == (c >= s)
                    && (Sat("<=" + s, c) == (c.Public <= s));
            }, maxTest: 2000);

        [Fact]
        public void ASetIsTheConjunctionOfItsSpecifiers() =>
            VersionAssert.ForAll(Gen.Three(Versions).Zip(Gen.Two(Gen.Elements(">=", "<=", ">", "<", "==", "!="))), t =>
            {
                var (c, a, b) = t.Item1;
                var (opA, opB) = t.Item2;
                string sa = opA + a.Public, sb = opB + b.Public;
                return Sat(sa + "," + sb, c) == (Sat(sa, c) && Sat(sb, c));
            }, maxTest: 1000);
    }
}
