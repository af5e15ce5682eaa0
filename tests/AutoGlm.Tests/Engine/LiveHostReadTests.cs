using System;
using System.IO;
using AutoGlm.Engine.Hosting;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    public class LiveHostReadTests
    {
        [Fact]
        public void ASmallFileCostsLittleMemoryToRead()
        {
            using var tmp = new TempDir("autoglm-read");
            File.WriteAllText(tmp.Combine("marker"), "1\n");
            var host = new LiveHost(tmp.Path);
            host.ReadFile("/marker"); // warm up
            var before = GC.GetAllocatedBytesForCurrentThread();
            var read = host.ReadFile("/marker");
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal("1\n", read.Text);
            Assert.True(allocated < 256 * 1024, $"reading a 2-byte file allocated {allocated} bytes");
        }

        [Fact]
        public void AHugeFileIsCutAtTheCap()
        {
            using var tmp = new TempDir("autoglm-read");
            File.WriteAllText(tmp.Combine("big"), new string('x', 5 * 1024 * 1024));
            var read = new LiveHost(tmp.Path).ReadFile("/big");
            Assert.Equal(4 * 1024 * 1024, read.Text!.Length);
        }
    }
}
