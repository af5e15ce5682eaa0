using AutoGlm.Engine.Hosting;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>The platform and the host kind are enums inside the engine and the same lower-case text outside it.</summary>
    public class HostPlatformTests
    {
        [Theory]
        [InlineData("windows", HostPlatform.Windows)]
        [InlineData("linux", HostPlatform.Linux)]
        [InlineData(null, HostPlatform.Linux)]
        [InlineData("Windows", HostPlatform.Linux)]   // the string comparisons were ordinal: only "windows" was Windows
        public void ParseReadsWhatTheStringComparisonsRead(string? text, HostPlatform expected) =>
            Assert.Equal(expected, HostPlatforms.Parse(text));

        [Fact]
        public void TheTextIsLowerCase()
        {
            Assert.Equal("linux", HostPlatform.Linux.ToText());
            Assert.Equal("windows", HostPlatform.Windows.ToText());
            Assert.Equal("live", HostKind.Live.ToText());
            Assert.Equal("snapshot", HostKind.Snapshot.ToText());
        }
    }
}
