using System.Linq;
using AutoGlm.Engine.Facts;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>The one list of NVIDIA driver package names: its sets nest, and the commands built from it read as before.</summary>
    public class NvidiaPackagesTests
    {
        [Fact]
        public void TheSetsNest()
        {
            Assert.All(NvidiaPackages.Branded, p => Assert.Contains(p, NvidiaPackages.Core));
            Assert.All(NvidiaPackages.Core, p => Assert.Contains(p, NvidiaPackages.All));
            // Every package that carries the version or installs the driver is one the facts list (xorg-x11-drv-nvidia
            // is RPM-only: there the rpm query patterns list it).
            Assert.All(NvidiaPackages.VersionCarriers.Concat(NvidiaPackages.DriverInstallers).Where(p => p != "xorg-x11-drv-nvidia"),
                p => Assert.True(NvidiaPackages.IsDriverPackage(p), p));
        }

        [Theory]
        [InlineData("nvidia-driver-535", true, true, true)]
        [InlineData("libnvidia-compute-535", true, true, true)]
        [InlineData("cuda-drivers-535", false, true, true)]
        [InlineData("kmod-nvidia-latest-dkms", false, false, true)]
        [InlineData("xserver-xorg-video-nvidia-535", false, false, true)]
        [InlineData("cuda-toolkit-12-4", false, false, false)]
        public void ANameBelongsToTheSetsItStartsWith(string name, bool branded, bool core, bool all)
        {
            Assert.Equal((branded, core, all), (NvidiaPackages.IsBranded(name), NvidiaPackages.IsCore(name), NvidiaPackages.IsDriverPackage(name)));
        }

        [Fact]
        public void ThePinningPackageAndTheGlobs()
        {
            Assert.True(NvidiaPackages.IsPinning("nvidia-driver-pinning-590"));
            Assert.False(NvidiaPackages.IsPinning("nvidia-driver-590"));
            Assert.Equal("'nvidia-*' 'libnvidia-*' 'cuda-drivers*'", NvidiaPackages.AptGlobs(NvidiaPackages.Core));
            Assert.Equal("'nvidia-*' 'libnvidia-*'", NvidiaPackages.AptGlobs(NvidiaPackages.Branded));
        }
    }
}
