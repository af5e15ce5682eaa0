using System;
using AutoGlm.Engine.Python;
using Xunit;

namespace AutoGlm.Tests.Python
{
    /// <summary>PEP 508 environment markers as they appear in real METADATA, evaluated for the lock's target machines.</summary>
    public class MarkerTests
    {
        private static readonly MarkerEnvironment Linux312 = MarkerEnvironment.Linux("3.12");
        private static readonly MarkerEnvironment Windows312 = MarkerEnvironment.Windows("3.12");
        private static readonly MarkerEnvironment Linux310 = MarkerEnvironment.Linux("3.10.12");
        private static readonly MarkerEnvironment LinuxArm312 = MarkerEnvironment.Linux("3.12", "aarch64");

        [Theory]
        // torch 2.9's nvidia-* wheels, triton.
        [InlineData("platform_system == \"Linux\" and platform_machine == \"x86_64\"", true, false, true, false)]
        // tomli, exceptiongroup: backports for old Pythons.
        [InlineData("python_version < \"3.11\"", false, false, true, false)]
        [InlineData("python_version < '3.11'", false, false, true, false)]
        // pywin32 / colorama.
        [InlineData("sys_platform == \"win32\"", false, true, false, false)]
        [InlineData("os_name == 'nt'", false, true, false, false)]
        [InlineData("platform_system == \"Windows\"", false, true, false, false)]
        // transformers' optional dependencies: never part of a plain install.
        [InlineData("extra == \"dev\"", false, false, false, false)]
        [InlineData("extra == 'torch' and python_version >= '3.9'", false, false, false, false)]
        [InlineData("implementation_name == \"cpython\"", true, true, true, true)]
        [InlineData("platform_python_implementation != \"PyPy\"", true, true, true, true)]
        [InlineData("\"linux\" in sys_platform", true, false, true, true)]
        [InlineData("sys_platform not in \"win32 cygwin\"", true, false, true, true)]
        // vllm: x86_64 or aarch64 only.
        [InlineData("platform_machine == \"x86_64\" or platform_machine == \"aarch64\"", true, false, true, true)]
        [InlineData("platform_machine == \"AMD64\"", false, true, false, false)]
        // Parentheses group; 'and' binds tighter than 'or'.
        [InlineData("sys_platform != \"win32\" and (python_version >= \"3.11\" or platform_machine == \"aarch64\")", true, false, false, true)]
        [InlineData("sys_platform == \"win32\" or python_version < \"3.11\" and platform_machine == \"x86_64\"", false, true, true, false)]
        [InlineData("(sys_platform == \"win32\" or python_version < \"3.11\") and platform_machine == \"x86_64\"", false, false, true, false)]
        // Versions compare as versions, not text ("3.12" < "3.9" as strings).
        [InlineData("python_version >= \"3.9\"", true, true, true, true)]
        [InlineData("python_version > \"3.9\"", true, true, true, true)]
        // The variable on the right.
        [InlineData("\"3.11\" <= python_version", true, true, false, true)]
        [InlineData("python_full_version == \"3.12.*\"", true, true, false, true)]
        [InlineData("python_full_version >= \"3.10.4\"", true, true, true, true)]
        [InlineData("python_full_version < \"3.10.13\"", false, false, true, false)]
        [InlineData("implementation_version ~= \"3.10.0\"", false, false, true, false)]
        [InlineData("python_version ~= \"3.11\"", true, true, false, true)]
        [InlineData("python_version === \"3.12\"", true, true, false, true)]
        // Without the host's facts the kernel is unknown: platform_release compares as "" (see PlatformReleaseIsTheKernel).
        [InlineData("platform_release == \"\"", true, true, true, true)]
        public void RealMarkersHoldWhereTheyShould(string marker, bool linux312, bool windows312, bool linux310, bool linuxArm312)
        {
            Assert.Equal(linux312, Markers.Evaluate(marker, Linux312));
            Assert.Equal(windows312, Markers.Evaluate(marker, Windows312));
            Assert.Equal(linux310, Markers.Evaluate(marker, Linux310));
            Assert.Equal(linuxArm312, Markers.Evaluate(marker, LinuxArm312));
        }

        [Theory]
        [InlineData("extra == \"dev\"", "dev", true)]
        [InlineData("extra == \"dev\"", "test", false)]
        // PEP 685: names compare normalized on both sides.
        [InlineData("extra == \"Dev_Tools\"", "dev-tools", true)]
        [InlineData("\"dev.tools\" == extra", "Dev-Tools", true)]
        [InlineData("extra == \"jupyter\" and sys_platform == \"linux\"", "jupyter", true)]
        [InlineData("extra == \"jupyter\" and sys_platform == \"win32\"", "jupyter", false)]
        [InlineData("extra != \"dev\"", "", true)]
        public void ExtraIsTheOneAskedFor(string marker, string extra, bool expected)
        {
            Assert.Equal(expected, Markers.Evaluate(marker, Linux312, extra));
        }

        [Fact]
        public void AMarkerHoldsForAnExtraWhenAnyExtraAskedMakesItHold()
        {
            Assert.True(Markers.Evaluate("extra == 'audio'", Linux312, new[] { "video", "audio" }));
            Assert.False(Markers.Evaluate("extra == 'audio'", Linux312, new[] { "video" }));
            Assert.True(Markers.Evaluate("sys_platform == 'linux'", Linux312, Array.Empty<string>()));
        }

        // packaging 26 (pip): platform_release is a version variable, so its comparisons are PEP 440 specifiers, and a
        // release that is not PEP 440 (Ubuntu's "6.8.0-45-generic") matches no ordering at all; == still compares text.
        [Theory]
        [InlineData("6.8.0-45-generic", "platform_release == \"6.8.0-45-generic\"", true)]
        [InlineData("6.8.0-45-generic", "platform_release >= \"5.15\"", false)]
        [InlineData("6.8.0-45-generic", "platform_release < \"5.15\"", false)]
        [InlineData("6.8.0-45-generic", "\"generic\" in platform_release", true)]
        [InlineData("6.8.0-45-generic", "platform_release == \"\"", false)]
        [InlineData("6.12.48+deb13", "platform_release >= \"6.1\"", true)]
        [InlineData("5.15.0", "platform_release >= \"5.10\"", true)]
        [InlineData("5.15.0", "platform_release < \"5.10\"", false)]
        [InlineData("", "platform_release == \"\"", true)]
        [InlineData(null, "platform_release >= \"5\"", false)]
        public void PlatformReleaseIsTheKernel(string? release, string marker, bool expected)
        {
            var env = Linux312.WithPlatformRelease(release);
            Assert.Equal(release ?? "", env.PlatformRelease);
            Assert.Equal(expected, Markers.Evaluate(marker, env));
            Assert.Equal("", Linux312.PlatformRelease); // the original is unchanged
        }

        // packaging 26 (pip) on values that are not versions: == and != compare text, <= and >= are equality, < and >
        // are false (not Python's string order: "nt" < "posix" is false), ~= and === are errors.
        [Theory]
        [InlineData("os_name < \"posix\"", false)]
        [InlineData("os_name > \"nt\"", false)]
        [InlineData("os_name <= \"posix\"", true)]
        [InlineData("os_name >= \"posix\"", true)]
        [InlineData("os_name >= \"nt\"", false)]
        [InlineData("platform_system < \"Windows\"", false)]
        [InlineData("\"Linux\" <= platform_system", true)]
        // A version variable whose other side is not a specifier falls back to the same rules.
        [InlineData("python_version >= \"3.12-foo\"", false)]
        [InlineData("python_version <= \"3.12\"", true)]
        // === on a version variable is packaging's arbitrary equality (text, case-insensitive).
        [InlineData("python_version === \"3.12\"", true)]
        [InlineData("python_version === \"3.12.0\"", false)]
        // PEP 345 spellings.
        [InlineData("sys.platform == \"linux\"", true)]
        [InlineData("os.name == \"posix\" and platform.machine == \"x86_64\"", true)]
        [InlineData("python_implementation == \"CPython\"", true)]
        public void NonVersionComparisonsFollowPackaging26(string marker, bool expected)
        {
            Assert.Equal(expected, Markers.Evaluate(marker, Linux312));
        }

        [Theory]
        [InlineData("os_name === \"posix\"")]
        [InlineData("sys_platform ~= \"linux\"")]
        [InlineData("\"a\" == \"a\"")]
        [InlineData("platform.release == \"6\"")]
        public void UndefinedComparisonsAreErrors(string marker)
        {
            Assert.Throws<MarkerSyntaxException>(() => Markers.Evaluate(marker, Linux312));
        }

        [Fact]
        public void TheTargetDescribesItself()
        {
            Assert.Equal("CPython 3.12 on Linux x86_64", Linux312.Describe());
            Assert.Equal("CPython 3.10.12 on Linux x86_64", Linux310.Describe());
            Assert.Equal("CPython 3.12 on Windows AMD64", Windows312.Describe());
            Assert.Equal("3.10", Linux310.PythonVersion);
        }

        [Theory]
        [InlineData("python_version <", "ends")]
        [InlineData("python_version < 3.11", "unexpected character '3'")]
        [InlineData("python_version < \"3.11", "not closed")]
        [InlineData("python_verison < \"3.11\"", "'python_verison' is not a marker variable")]
        [InlineData("(python_version < \"3.11\"", "')'")]
        [InlineData("python_version < \"3.11\")", "unexpected ')'")]
        [InlineData("python_version = \"3.11\"", "unexpected character '='")]
        [InlineData("sys_platform == \"linux\" and", "ends")]
        [InlineData("sys_platform == \"linux\" xor os_name == \"posix\"", "unexpected 'xor'")]
        [InlineData("not sys_platform == \"linux\"", "'not' is not a marker variable")]
        [InlineData("sys_platform is \"linux\"", "'is' where a comparison")]
        [InlineData("python_version << \"3\"", "'<' where a marker variable")]
        [InlineData("", "ends")]
        // ~= is defined for versions only; Python has no such operator for strings.
        [InlineData("os_name ~= \"posix\"", "defined for versions only")]
        // An error on the side of an 'or' that is already true is still an error.
        [InlineData("sys_platform == \"linux\" or os_name ~= \"posix\"", "defined for versions only")]
        public void BadMarkersAreRefused(string marker, string reason)
        {
            var ex = Assert.Throws<MarkerSyntaxException>(() => Markers.Evaluate(marker, Linux312));
            Assert.Contains(reason, ex.Message);
        }
    }
}
