using Xunit;
namespace AutoGlm.Tests
{
    public class SmokeTests
    {
        [Fact]
        public void EngineReportsItsVersion() => Assert.Equal("0.1.0", AutoGlm.Engine.EngineInfo.Version);
    }
}
