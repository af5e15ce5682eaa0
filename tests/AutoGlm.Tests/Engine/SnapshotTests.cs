using System;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    public class SnapshotTests
    {
        private static string Json(TestRun run) =>
            AutoGlm.Engine.Json.Json.Serialize(run.Results.Select(r => (object?)r.ToJson()).ToList());

        private static (TestRun live, string dir) Record(IHost inner, TempDir tmp, string profile = "vllm-server")
        {
            var recording = new RecordingHost(inner);
            var live = HostCheckTests.Evaluate(recording, profile);
            var dir = tmp.Combine("snap");
            SnapshotFormat.Write(recording, dir, force: false, DateTimeOffset.UtcNow);
            return (live, dir);
        }

        [Fact]
        public void SnapshotOfAFixtureHostEvaluatesExactlyAsTheHostDid()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Python("python3", "3.10.12", venv: true, ensurepip: false);
            fx.File("/proc/net/tcp", FixtureHost.TcpHeader + "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n");
            fx.Dir("/proc/777/fd").Link("/proc/777/fd/5", "socket:[4242]").File("/proc/777/comm", "vllm\n");
            using var tmp = new TempDir();
            var (live, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            var replay = HostCheckTests.Evaluate(new SnapshotHost(dir));
            Assert.Equal(Json(live), Json(replay));
            Assert.Contains(live.Results, r => r.Status == CheckStatus.Fail); // not a trivially green host
            // And a plain live run (no recorder) gives the same verdicts too.
            Assert.Equal(Json(HostCheckTests.Evaluate(fx)), Json(replay));
        }

        [Fact]
        public void SnapshotOfABrokenGpuHostReplaysTheDiagnosis()
        {
            // Mismatch, nouveau blacklist missing, Secure Boot on: the GPU probes' files and tools replay.
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Smi("nvidia-smi--driver-library-mismatch-535-rc18.txt", exitCode: 18);
            fx.File("/proc/driver/nvidia/version", File.ReadAllText(FixtureHost.Realworld("proc-driver-nvidia-version--proprietary-535.104.05-debian12.txt")));
            fx.Dir("/sys/firmware/efi/efivars");
            fx.ToolPrints("mokutil", "SecureBoot enabled");
            using var tmp = new TempDir();
            var (live, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            var replay = HostCheckTests.Evaluate(new SnapshotHost(dir));
            Assert.Equal(Json(live), Json(replay));
            Assert.Equal(CheckStatus.Fail, replay.Results.Single(r => r.Id == "gpu.nvml").Status);
            Assert.Equal(CheckStatus.Fail, replay.Results.Single(r => r.Id == "secureboot.state").Status);
        }

        [Fact]
        public void SnapshotOfThisMachineEvaluatesExactlyAsTheMachineDid()
        {
            using var tmp = new TempDir();
            var (live, dir) = Record(new LiveHost("/"), tmp);
            var replay = HostCheckTests.Evaluate(new SnapshotHost(dir));
            Assert.Equal(Json(live), Json(replay));
            Assert.Equal(HostCheckTests.Evaluate(new LiveHost("/")).Results.Count, replay.Results.Count);
        }

        [Fact]
        public void SnapshotIsPlainDiffableFiles()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            var (_, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            Assert.Equal(File.ReadAllText(Path.Combine(fx.RootPath, "etc/os-release")), File.ReadAllText(Path.Combine(dir, "files/etc/os-release")));
            var index = File.ReadAllLines(Path.Combine(dir, "index.jsonl"));
            Assert.Contains(index, l => l.Contains("\"op\":\"cmd\"") && l.Contains("\"df\""));
            // Deterministic: the same host recorded again gives the same index, line for line.
            using var tmp2 = new TempDir();
            var (_, again) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp2);
            Assert.Equal(index.Where(l => !l.Contains("elapsedMs")), File.ReadAllLines(Path.Combine(again, "index.jsonl")).Where(l => !l.Contains("elapsedMs")));
            var dfFolder = Directory.GetDirectories(Path.Combine(dir, "commands")).Single(d => d.Contains("-df"));
            Assert.Contains("/dev/nvme0n1p2", File.ReadAllText(Path.Combine(dfFolder, "stdout")));
        }

        [Fact]
        public void WhatTheSnapshotLacksIsUnknownWithTheReason()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            var (_, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            var index = Path.Combine(dir, "index.jsonl");
            File.WriteAllLines(index, File.ReadAllLines(index).Where(l => !l.Contains("/proc/meminfo")));
            var replay = HostCheckTests.Evaluate(new SnapshotHost(dir));
            var mem = replay.Results.Single(r => r.Id == "memory.total");
            Assert.Equal(CheckStatus.Unknown, mem.Status);
            Assert.Equal("the snapshot has no record of the file /proc/meminfo", mem.Message);
            Assert.Equal(CheckStatus.Pass, replay.Results.Single(r => r.Id == "os.supported").Status);
        }

        [Theory]
        [InlineData("index.jsonl", "{not json", "index.jsonl line 1")]
        [InlineData("index.jsonl", "{\"op\":\"teleport\"}", "unknown op 'teleport'")]
        [InlineData("index.jsonl", "{\"op\":\"file\",\"path\":\"/../../../../etc/shadow\",\"status\":\"ok\"}", "leads outside the snapshot")]
        [InlineData("snapshot.json", "{\"format\":\"something-else\",\"formatVersion\":1}", "does not say")]
        [InlineData("snapshot.json", "{\"format\":\"autoglm-snapshot\",\"formatVersion\":99}", "formatVersion 99")]
        public void MalformedSnapshotIsAClearError(string file, string content, string expected)
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            var (_, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            File.WriteAllText(Path.Combine(dir, file), content);
            var ex = Assert.Throws<AutoGlmException>(() => new SnapshotHost(dir));
            Assert.Equal("SnapshotInvalid", ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidData, ex.Kind);
            Assert.Contains(expected, ex.Message);
            Assert.Contains(dir, ex.Message);
        }

        [Fact]
        public void ReplayRefusesASymlinkUnderFiles_NamingTheEntry()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            var (_, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            var outside = tmp.Combine("outside-os-release");
            File.WriteAllText(outside, "PRETTY_NAME=\"Stolen OS\"\nNAME=Stolen\nID=ubuntu\nVERSION_ID=\"22.04\"\n");
            var target = Path.Combine(dir, "files/etc/os-release");
            File.Delete(target);
            File.CreateSymbolicLink(target, outside);
            var ex = Assert.Throws<AutoGlmException>(() => new SnapshotHost(dir));
            Assert.Equal("SnapshotInvalid", ex.ErrorId);
            Assert.Contains("/etc/os-release", ex.Message);
            Assert.Contains("symbolic link", ex.Message);
            Assert.DoesNotContain("Stolen", ex.Message);
        }

        [Fact]
        public void ReplayRefusesASymlinkedFolderOnTheWay()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            var (_, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            var elsewhere = tmp.Combine("elsewhere-etc");
            Directory.Move(Path.Combine(dir, "files/etc"), elsewhere);
            Directory.CreateSymbolicLink(Path.Combine(dir, "files/etc"), elsewhere);
            var ex = Assert.Throws<AutoGlmException>(() => new SnapshotHost(dir));
            Assert.Equal("SnapshotInvalid", ex.ErrorId);
            Assert.Contains("symbolic link", ex.Message);
        }

        [Theory]
        [InlineData("commands/../../X")]
        [InlineData("../X")]
        [InlineData("/tmp")]
        [InlineData("files/etc")]
        public void ReplayRefusesACommandOutputFolderOutsideCommands(string output)
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            var (_, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            // Something readable where the escape leads, so only the check can stop it.
            Directory.CreateDirectory(tmp.Combine("X"));
            File.WriteAllText(tmp.Combine("X", "stdout"), "secret");
            File.WriteAllText(tmp.Combine("X", "stderr"), "");
            var index = Path.Combine(dir, "index.jsonl");
            var lines = File.ReadAllLines(index);
            var i = Array.FindIndex(lines, l => l.Contains("\"op\":\"cmd\""));
            lines[i] = System.Text.RegularExpressions.Regex.Replace(lines[i], "\"output\":\"[^\"]*\"", "\"output\":" + AutoGlm.Engine.Json.Json.Serialize(output));
            File.WriteAllLines(index, lines);
            var ex = Assert.Throws<AutoGlmException>(() => new SnapshotHost(dir));
            Assert.Equal("SnapshotInvalid", ex.ErrorId);
            Assert.Contains($"index.jsonl line {i + 1}", ex.Message);
            Assert.Contains(output, ex.Message);
        }

        [Fact]
        public void ExportWritesNoSymlinks()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Dir("/proc/777/fd").Link("/proc/777/fd/5", "socket:[4242]");
            using var tmp = new TempDir();
            var (_, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories),
                p => File.GetAttributes(p).HasFlag(FileAttributes.ReparsePoint));
            new SnapshotHost(dir); // and replay accepts it
        }

        [Fact]
        public void ExportRefusesAnExistingDirectoryWithoutForce_AndReplacesItAtomicallyWithForce()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            var dir = tmp.Combine("snap");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "keep.txt"), "mine");
            var recording = new RecordingHost(new LiveHost(fx.RootPath, fx.PathVariable));
            HostCheckTests.Evaluate(recording);
            var ex = Assert.Throws<AutoGlmException>(() => SnapshotFormat.Write(recording, dir, force: false, DateTimeOffset.UtcNow));
            Assert.Equal("SnapshotPathExists", ex.ErrorId);
            Assert.True(File.Exists(Path.Combine(dir, "keep.txt")));
            SnapshotFormat.Write(recording, dir, force: true, DateTimeOffset.UtcNow);
            Assert.False(File.Exists(Path.Combine(dir, "keep.txt")));
            Assert.True(File.Exists(Path.Combine(dir, "index.jsonl")));
            Assert.Single(Directory.GetFileSystemEntries(tmp.Path)); // no staging leftovers
        }

        [Fact]
        public void EveryResultNamesItsTarget_TheRecordedHostnameElseTheFolderElseTheRoot()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            // No /etc/hostname under the root: the root's path names it; the snapshot then has no hostname either.
            var (live, dir) = Record(new LiveHost(fx.RootPath, fx.PathVariable), tmp);
            Assert.All(live.Results, r => Assert.Equal(fx.RootPath, r.Target));
            Assert.All(HostCheckTests.Evaluate(new SnapshotHost(dir)).Results, r => Assert.Equal("snap", r.Target));

            // A snapshot.json hostname (what export records from /etc/hostname) wins over the folder's name.
            var named = tmp.Combine("node-17");
            SnapshotFormat.Write(new RecordingHost(new LiveHost(fx.RootPath, fx.PathVariable)), named, force: false, DateTimeOffset.UtcNow, "gpu-node-17.example");
            Assert.All(HostCheckTests.Evaluate(new SnapshotHost(named)).Results, r => Assert.Equal("gpu-node-17.example", r.Target));

            fx.File("/etc/hostname", "# set by the installer\ngpu-node-18\n");
            Assert.All(HostCheckTests.Evaluate(fx).Results, r => Assert.Equal("gpu-node-18", r.Target));
        }
    }
}
