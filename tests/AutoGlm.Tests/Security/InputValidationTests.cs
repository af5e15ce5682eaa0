using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Hosting;
using AutoGlm.Tests.Support;
using Xunit;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Tests.Security
{
    /// <summary>
    /// Bad input is refused up front, in one line that says what the input is and how to fix it (issue 23, item 6).
    /// </summary>
    public class InputValidationTests
    {
        private static void OneLineError(ProcessOutcome run, string errorId, string mentions)
        {
            Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
            Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
            if (errorId.Length > 0) Assert.Contains($"[{errorId}]", run.Stderr);
            Assert.Contains(mentions, run.Stderr);
        }

        [Fact]
        public void AnEmptyProfileIsRefusedNotTakenForTheDefault()
        {
            OneLineError(Cli.Run(null, "test", "--profile", ""), "ProfileNotFound", "empty");
            OneLineError(Cli.Run(null, "resolve", "--profile", " "), "ProfileNotFound", "empty");
        }

        [Fact]
        public void AFileGivenAsTheRootSaysItIsAFile()
        {
            using var tmp = new TempDir();
            var file = tmp.Combine("root.txt");
            File.WriteAllText(file, "");
            OneLineError(Cli.Run(null, "test", "--root", file), "RootInvalid", "is a file, not a directory");
        }

        [Fact]
        public void AFolderGivenAsAMatrixSaysItIsAFolder()
        {
            using var tmp = new TempDir();
            OneLineError(Cli.Run(null, "matrix", "--matrix", tmp.Path), "MatrixOverrideNotFound", "is a directory, not a file");
        }

        /// <summary>A PATH whose tools answer only after 30 s: a probe would hold the command that long.</summary>
        private static string SlowPath(TempDir tmp)
        {
            var bin = tmp.Combine("bin");
            Directory.CreateDirectory(bin);
            foreach (var tool in new[] { "nvidia-smi", "python3", "lspci", "df", "git", "systemctl", "uname" })
            {
                File.WriteAllText(Path.Combine(bin, tool), "#!/bin/sh\nsleep 30\n");
                File.SetUnixFileMode(Path.Combine(bin, tool), (UnixFileMode)0x1ED);
            }
            return bin + ":/usr/bin:/bin";
        }

        [Fact]
        public void ABadLockTimeoutIsRefusedBeforeAnyProbe()
        {
            using var tmp = new TempDir();
            var root = tmp.Combine("root");
            Directory.CreateDirectory(root);
            var clock = Stopwatch.StartNew();
            var run = Cli.Run(SlowPath(tmp), "install", "--root", root, "--lock-timeout", "soon", "--force");
            OneLineError(run, "", "--lock-timeout");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}: it probed first");
            Assert.Empty(Directory.EnumerateFileSystemEntries(root));
        }

        [Fact]
        public void ASnapshotTargetThatCannotBeWrittenIsRefusedBeforeAnyProbe()
        {
            using var tmp = new TempDir();
            var root = tmp.Combine("root");
            Directory.CreateDirectory(root);
            var file = tmp.Combine("snap-is-a-file");
            File.WriteAllText(file, "mine");
            var clock = Stopwatch.StartNew();
            var run = Cli.Run(SlowPath(tmp), "snapshot", "export", "--root", root, "--out", file, "--timeout", "20");
            OneLineError(run, "SnapshotPathIsFile", file);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}: it probed first");
            Assert.Equal("mine", File.ReadAllText(file));
        }

        [Theory]
        [InlineData("repo|migrate|--path|/srv/app|--to|https://host/x\n[PathOutsideRoot] forged line")]
        [InlineData("service|register|--name|model\u001b[31mred\rsrv")]
        [InlineData("test|--profile|vllm\nserver")]
        [InlineData("test|--no-such\nthing")]
        public void ControlCharactersInRefusedInputAreEscapedNotEchoed(string joined)
        {
            using var tmp = new TempDir();
            var argv = joined.Split('|').ToList();
            if (argv[0] != "test") argv.AddRange(new[] { "--root", tmp.Path, "--force" });
            var run = Cli.Run(null, argv.ToArray());
            Assert.Equal(2, run.ExitCode);
            Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
            Assert.DoesNotContain(run.Stderr.TrimEnd('\n'), ch => ch == '\r' || ch == '\u001b');
            Assert.Matches(@"\\n|\\r|\\u001b", run.Stderr);
        }

        [Theory]
        [InlineData("plain", "plain")]
        [InlineData("a\nb", "a\\nb")]
        [InlineData("tab\there", "tab\\there")]
        [InlineData("\u001b[2J", "\\u001b[2J")]
        [InlineData("nul\0", "nul\\u0000")]
        [InlineData("line\u2028sep", "line\\u2028sep")]
        public void EscapeMakesAnyTextOneSafeLine(string text, string expected) => Assert.Equal(expected, UntrustedInput.Escape(text));
    }
}
