using System;
using System.IO;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Plan
{
    /// <summary>The engine's one atomic writer: text, bytes or a stream; its mode; its errors; no temporary file left.</summary>
    public class AtomicFileTests
    {
        [Fact]
        public void WritesBytesAndStreamsAndReturnsTheFullPath()
        {
            using var dir = new TempDir();
            var path = dir.Combine("data.bin");
            Assert.Equal(Path.GetFullPath(path), AtomicFile.Write(path, new byte[] { 1, 2, 3 }));
            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
            AtomicFile.Write(path, stream => { stream.WriteByte(7); stream.WriteByte(8); });
            Assert.Equal(new byte[] { 7, 8 }, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(dir.Path));
        }

        [Fact]
        public void TextIsUtf8WithoutAByteOrderMark()
        {
            using var dir = new TempDir();
            var path = dir.Combine("t.txt");
            AtomicFile.Write(path, "é\n");
            Assert.Equal(new byte[] { 0xC3, 0xA9, (byte)'\n' }, File.ReadAllBytes(path));
        }

        [Fact]
        public void TheModeIsSetBeforeTheFileAppears()
        {
            if (OperatingSystem.IsWindows()) return;
            using var dir = new TempDir();
            var path = dir.Combine("secret");
            AtomicFile.Write(path, "s\n", 0x180);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        [Fact]
        public void AFailedWriteIsFileWriteFailedOrTheCallersErrorAndLeavesNoTemporaryFile()
        {
            using var dir = new TempDir();
            // A non-empty directory under the target's name: the rename over it fails, even for root.
            var target = dir.Combine("busy");
            Directory.CreateDirectory(Path.Combine(target, "inside"));

            var ex = Assert.Throws<AutoGlmException>(() => AtomicFile.Write(target, "x"));
            Assert.Equal(("FileWriteFailed", ErrorKind.WriteError), (ex.ErrorId, ex.Kind));
            Assert.Contains(target, ex.Message);
            Assert.IsAssignableFrom<IOException>(ex.InnerException);

            var own = Assert.Throws<AutoGlmException>(() => AtomicFile.Write(target, new byte[] { 1 }, failure: (full, cause) =>
                new AutoGlmException("OwnWriteFailed", ErrorKind.WriteError, full + ": " + cause.Message, full, cause)));
            Assert.Equal("OwnWriteFailed", own.ErrorId);
            Assert.StartsWith(Path.GetFullPath(target), own.Message);
            Assert.Empty(Directory.GetFiles(dir.Path));
        }

        [Fact]
        public void AnotherExceptionFromTheWriterPassesThroughAndLeavesNoTemporaryFile()
        {
            using var dir = new TempDir();
            var path = dir.Combine("half");
            File.WriteAllText(path, "old");
            Assert.Throws<ArgumentException>(() => AtomicFile.Write(path, stream =>
            {
                stream.WriteByte(1);
                throw new ArgumentException("no");
            }));
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(dir.Path));
        }
    }
}
