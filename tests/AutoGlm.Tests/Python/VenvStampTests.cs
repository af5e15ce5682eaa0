using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Tests.Support;
using Xunit;
using AutoGlm.Engine.Facts;

namespace AutoGlm.Tests.Python
{
    /// <summary>A system that counts the commands it runs: a no-op sync must start no Python.</summary>
    internal sealed class CountingSystem : ISystemHost
    {
        private readonly ISystemHost _inner;
        public CountingSystem(ISystemHost inner) { _inner = inner; }
        public List<IReadOnlyList<string>> Runs { get; } = new List<IReadOnlyList<string>>();
        public string Root => _inner.Root;
        public HostKind Kind => _inner.Kind;
        public HostPlatform Platform => _inner.Platform;
        public string StateDirectory => _inner.StateDirectory;
        public FileRead ReadFile(string path) => _inner.ReadFile(path);
        public IReadOnlyList<string>? ListDirectory(string path) => _inner.ListDirectory(path);
        public string? ReadLink(string path) => _inner.ReadLink(path);
        public string? GetEnvironmentVariable(string name) => _inner.GetEnvironmentVariable(name);
        public IReadOnlyList<ToolLocation> FindTools(string prefix) => _inner.FindTools(prefix);
        public CommandResult Run(IReadOnlyList<string> argv, TimeSpan timeout) { Runs.Add(argv); return _inner.Run(argv, timeout); }
        public string MapPath(string hostPath) => _inner.MapPath(hostPath);
        public void WriteFile(string path, string content, int? mode = null) => _inner.WriteFile(path, content, mode);
        public bool DeleteFile(string path) => _inner.DeleteFile(path);
        public string BootId() => _inner.BootId();
    }

    /// <summary>
    /// The venv stamp on a fake venv whose "python" logs each start and prints a canned importlib.metadata answer:
    /// an untouched venv is read without Python; every change importlib.metadata could see makes Python be asked.
    /// </summary>
    public class VenvStampTests
    {
        private const string Venv = "/opt/autoglm/venv";

        public sealed class FakeVenv : IDisposable
        {
            public readonly TempDir Root = new TempDir();
            public readonly TempDir Base = new TempDir();
            public LiveSystem System => new LiveSystem(Root.Path);
            public string Real => Root.Combine("opt", "autoglm", "venv");
            public string Site => Path.Combine(Real, "lib", "python3.11", "site-packages");
            public string Log => Base.Combine("python.log");
            public string Interpreter => Base.Combine("python3.11");
            public int Starts => File.Exists(Log) ? File.ReadAllLines(Log).Length : 0;

            public FakeVenv()
            {
                File.WriteAllText(Interpreter, "#!/bin/sh\necho started >> '" + Log + "'\n" +
                    "echo '{\"python\": \"3.11.7\", \"packages\": {\"demo\": \"1.0\", \"torch\": \"2.9.1+cu128\"}, \"torchCuda\": \"12.8\"}'\n");
                File.SetUnixFileMode(Interpreter, (UnixFileMode)0x1ED);
                Directory.CreateDirectory(Path.Combine(Real, "bin"));
                File.CreateSymbolicLink(Path.Combine(Real, "bin", "python"), Interpreter);
                File.WriteAllText(Path.Combine(Real, "pyvenv.cfg"), $"home = {Base.Path}\ninclude-system-site-packages = false\nversion = 3.11.7\nexecutable = {Interpreter}\n");
                Dist("demo", "1.0");
                Dist("torch", "2.9.1+cu128");
                Directory.CreateDirectory(Path.Combine(Site, "torch"));
                File.WriteAllText(Path.Combine(Site, "torch", "version.py"), "cuda = '12.8'\n");
                File.WriteAllText(Path.Combine(Site, "distutils-precedence.pth"), "import os; var = 'SETUPTOOLS_USE_DISTUTILS'\n");
            }

            public string Dist(string name, string version)
            {
                var dir = Path.Combine(Site, $"{name}-{version}.dist-info");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "METADATA"), $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
                File.WriteAllText(Path.Combine(dir, "RECORD"), $"{name}/__init__.py,sha256=abc,1\n");
                return dir;
            }

            public VenvState Probe() => VenvProbe.Probe(System, Venv, TimeSpan.FromSeconds(10));

            /// <summary>What a sync does after verifying: record the answer.</summary>
            public void Stamp() => VenvStamp.Write(System, Venv, Probe());

            public void Dispose() { Root.Dispose(); Base.Dispose(); }
        }

        [Fact]
        public void AnUntouchedVenvIsReadFromTheStampWithoutStartingPython()
        {
            using var v = new FakeVenv();
            var asked = v.Probe();
            Assert.False(asked.FromStamp);
            Assert.Equal(1, v.Starts);
            VenvStamp.Write(v.System, Venv, asked);

            var stamped = v.Probe();
            Assert.True(stamped.FromStamp);
            Assert.Equal(1, v.Starts);
            Assert.Equal(asked.Packages, stamped.Packages);
            Assert.Equal(("3.11.7", "12.8"), (stamped.PythonVersion, stamped.TorchCuda));

            // Python's own byte-code caches are no change.
            Directory.CreateDirectory(Path.Combine(v.Site, "__pycache__"));
            File.WriteAllText(Path.Combine(v.Site, "__pycache__", "six.cpython-311.pyc"), "x");
            File.WriteAllText(Path.Combine(v.Site, "torch", "__init__.py"), "# imported once\n");
            Assert.True(v.Probe().FromStamp);
            Assert.Equal(1, v.Starts);
        }

        public static IEnumerable<object[]> Changes() => new[]
        {
            new object[] { "a distribution added", (Action<FakeVenv>)(v => v.Dist("requests", "2.31.0")) },
            new object[] { "a distribution removed", (Action<FakeVenv>)(v => Directory.Delete(Path.Combine(v.Site, "demo-1.0.dist-info"), true)) },
            new object[] { "another version in place", (Action<FakeVenv>)(v => { Directory.Delete(Path.Combine(v.Site, "demo-1.0.dist-info"), true); v.Dist("demo", "1.1"); }) },
            new object[] { "RECORD rewritten at the same size", (Action<FakeVenv>)(v =>
                {
                    var record = Path.Combine(v.Site, "demo-1.0.dist-info", "RECORD");
                    var before = File.GetLastWriteTimeUtc(record);
                    File.WriteAllText(record, "demo/__init__.py,sha256=abd,1\n");
                    File.SetLastWriteTimeUtc(record, before.AddSeconds(1));
                }) },
            new object[] { "METADATA touched", (Action<FakeVenv>)(v => File.SetLastWriteTimeUtc(Path.Combine(v.Site, "torch-2.9.1+cu128.dist-info", "METADATA"), DateTime.UtcNow.AddMinutes(-5))) },
            new object[] { "torch's version.py replaced", (Action<FakeVenv>)(v => File.WriteAllText(Path.Combine(v.Site, "torch", "version.py"), "cuda = None\n")) },
            new object[] { "the base interpreter replaced", (Action<FakeVenv>)(v => File.AppendAllText(v.Interpreter, "# upgraded\n")) },
            new object[] { "the venv's python pointed elsewhere", (Action<FakeVenv>)(v =>
                {
                    var other = v.Base.Combine("python3.11-other");
                    File.Copy(v.Interpreter, other);
                    File.SetLastWriteTimeUtc(other, File.GetLastWriteTimeUtc(v.Interpreter));
                    File.SetUnixFileMode(other, (UnixFileMode)0x1ED);
                    var link = Path.Combine(v.Real, "bin", "python");
                    File.Delete(link);
                    File.CreateSymbolicLink(link, other);
                }) },
            new object[] { "pyvenv.cfg edited", (Action<FakeVenv>)(v => File.AppendAllText(Path.Combine(v.Real, "pyvenv.cfg"), "prompt = x\n")) },
            new object[] { "a .pth file added", (Action<FakeVenv>)(v => File.WriteAllText(Path.Combine(v.Site, "extra.pth"), "import sys\n")) },
        };

        [Theory]
        [MemberData(nameof(Changes))]
        public void AnyChangeImportlibCouldSeeMakesPythonBeAskedAgain(string change, Action<FakeVenv> apply)
        {
            using var v = new FakeVenv();
            v.Stamp();
            Assert.True(v.Probe().FromStamp, change);
            int starts = v.Starts;
            apply(v);
            var state = v.Probe();
            Assert.False(state.FromStamp, change);
            Assert.Equal(starts + 1, v.Starts);
        }

        [Fact]
        public void VenvsTheFingerprintCannotCoverAreAlwaysAsked()
        {
            using var v = new FakeVenv();
            // A .pth line that adds a directory: distributions there are not stat'ed, so no stamp is trusted.
            File.WriteAllText(Path.Combine(v.Site, "editable.pth"), "/src/project\n");
            v.Stamp();
            Assert.False(v.Probe().FromStamp);
            File.Delete(Path.Combine(v.Site, "editable.pth"));

            File.WriteAllText(Path.Combine(v.Real, "pyvenv.cfg"), File.ReadAllText(Path.Combine(v.Real, "pyvenv.cfg")).Replace("include-system-site-packages = false", "include-system-site-packages = true"));
            v.Stamp();
            Assert.False(v.Probe().FromStamp);
            Assert.False(File.Exists(Path.Combine(v.Real, VenvStamp.FileName)));

            // A damaged stamp only means asking.
            File.WriteAllText(Path.Combine(v.Real, "pyvenv.cfg"), File.ReadAllText(Path.Combine(v.Real, "pyvenv.cfg")).Replace("= true", "= false"));
            v.Stamp();
            File.WriteAllText(Path.Combine(v.Real, VenvStamp.FileName), "{\"format\": 1, \"fingerprint\": ");
            int starts = v.Starts;
            var state = v.Probe();
            Assert.False(state.FromStamp);
            Assert.Equal(starts + 1, v.Starts);
            Assert.Equal("2.9.1+cu128", state.Packages["torch"]);
        }
    }
}
