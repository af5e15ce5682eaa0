using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Python;
using AutoGlm.Engine.Resolve;
using AutoGlm.Tests.Support;
using Xunit;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Tests.Python
{
    /// <summary>Locks from generated wheels: exact versions, the hash of each exact file, phases, sources, bad input.</summary>
    public class LockTests
    {
        internal static ResolvedStack Stack(string torch = "2.9.1+cu128") => new ResolvedStack
        {
            Profile = "sglang-server", TorchTag = "cu128", Torch = "2.9.1",
            Python = new PythonChoice { Version = "3.11", Specifier = ">=3.10,<3.14" },
        }.With(new StackPackage { Name = "torch", Version = torch }, new StackPackage { Name = "sglang", Version = "0.5.10" },
               new StackPackage { Name = "transformers", Version = "5.0.0rc0", Stage = "override" });

        private static PythonLock LockFrom(string wheelhouse, ResolvedStack? stack = null) =>
            Locker.Lock(LockRequest.FromStack(stack ?? Stack(), PackageSource.FromWheelhouse(wheelhouse)));

        [Fact]
        public void WheelhouseLockPinsTheClosureWithTheHashOfEachExactFile()
        {
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var l = LockFrom(wh);

            var lines = l.BaseText.Split('\n');
            Assert.Equal(new[] { "--no-index", "--find-links " + wh, "--only-binary :all:" }, lines.Where(x => x.StartsWith("--")).ToArray());
            Assert.True(Array.IndexOf(lines, "--no-index") < Array.FindIndex(lines, x => x.StartsWith("torch==")));
            Assert.Equal(new Dictionary<string, string>
            {
                ["filelock"] = "3.20.0", ["requests"] = "2.32.0", ["sglang"] = "0.5.10", ["tokenizers"] = "0.22.1",
                ["torch"] = "2.9.1+cu128", ["transformers"] = "4.57.1",
            }, l.Base.Packages.ToDictionary(p => p.Name, p => p.Version));
            // The +cu128 file's hash only: the +cpu build of the same release is another file.
            var torch = l.Base.Packages.Single(p => p.Name == "torch");
            Assert.Equal(new[] { Wheels.Sha256(Path.Combine(wh, "torch-2.9.1+cu128-py3-none-any.whl")) }, torch.Hashes);
            Assert.Contains("torch==2.9.1+cu128 \\\n    --hash=sha256:" + torch.Hashes[0] + "\n", l.BaseText);
            Assert.DoesNotContain(Wheels.Sha256(Path.Combine(wh, "torch-2.9.1+cpu-py3-none-any.whl")), l.BaseText);
            Assert.DoesNotContain("pytest", l.BaseText); // an extra's requirement
            foreach (var p in l.Base.Packages) Assert.Single(p.Hashes);
            // The override phase: transformers 5.0.0rc0 after the framework; its tokenizers>=0.22 is already met.
            Assert.Equal(new[] { "transformers==5.0.0rc0" }, l.Override!.Packages.Select(p => p.Name + "==" + p.Version));
            Assert.Equal("5.0.0rc0", l.Expected["transformers"]);
            Assert.Contains("requirements-override.lock", l.BaseText);
            // Parsing the text gives the same lock back.
            var parsed = PythonLock.Parse(l.BaseText, "base.lock", l.OverrideText, "override.lock");
            Assert.Equal(l.Expected, parsed.Expected);
            Assert.Equal(l.Sha256, parsed.Sha256);
        }

        [Fact]
        public void TorchPinnedWithoutALabelTakesTheChosenVariantNeverCpu()
        {
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var l = LockFrom(wh, Stack("2.9.1"));
            Assert.Equal("2.9.1+cu128", l.Base.Packages.Single(p => p.Name == "torch").Version);

            var cpuStack = Stack("2.9.1");
            cpuStack.TorchTag = "cu130";
            var ex = Assert.Throws<AutoGlmException>(() => LockFrom(wh, cpuStack));
            Assert.Equal("LockPackageNotFound", ex.ErrorId);
            Assert.Contains("2.9.1+cpu", ex.Message);
        }

        [Fact]
        public void ASimpleIndexGivesTheSameHashesFromItsFragmentsAndTheClosureFromItsMetadata()
        {
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var url = IndexLockTests.FileIndex(tmp, wh);
            // One METADATA with a byte-order mark and UTF-8 beyond ASCII: its sha256 is of the bytes as served.
            var requests = Path.Combine(wh, "requests-2.32.0-py3-none-any.whl.metadata");
            var oldHash = Wheels.Sha256(requests);
            File.WriteAllBytes(requests, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(requests) + "Café, naïve — 请求\n")).ToArray());
            var requestsPage = tmp.Combine("simple", "requests", "index.html");
            File.WriteAllText(requestsPage, File.ReadAllText(requestsPage).Replace(oldHash, Wheels.Sha256(requests)));
            var l = Locker.Lock(LockRequest.FromStack(Stack(), PackageSource.FromIndex(url, Array.Empty<string>(), "--index-url")));

            Assert.Contains("--index-url " + url.TrimEnd('/'), l.BaseText);
            Assert.DoesNotContain("--no-index", l.BaseText);
            var torch = l.Base.Packages.Single(p => p.Name == "torch");
            Assert.Equal(Wheels.Sha256(Path.Combine(wh, "torch-2.9.1+cu128-py3-none-any.whl")), torch.Hashes.Single());
            // The dependencies too, as from the wheelhouse.
            Assert.Equal(LockFrom(wh).Expected, l.Expected);
            Assert.Equal(new[] { "filelock", "requests", "sglang", "tokenizers", "torch", "transformers" }, l.Base.Packages.Select(p => p.Name));
        }

        [Theory]
        [InlineData("ftp://mirror.example/simple", "IndexUrlInvalid")]
        [InlineData("javascript:alert(1)", "IndexUrlInvalid")]
        [InlineData("mirror.example/simple", "IndexUrlInvalid")]
        [InlineData("https://mirror.example/simple\n--trusted-host evil", "IndexUrlInvalid")]
        [InlineData("https://deploy:s3cr3t-token@mirror.example/simple", "IndexUrlHasCredentials")]
        public void HostileIndexUrlsAreRefusedAndCredentialsMasked(string url, string errorId)
        {
            var ex = Assert.Throws<AutoGlmException>(() => PackageSource.FromIndex(url, Array.Empty<string>(), "--index-url"));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.DoesNotContain("s3cr3t", ex.Message);
            Assert.Contains("--index-url", ex.Message);
        }

        [Fact]
        public void MirrorComesFromPipConfWhenNoneIsGiven()
        {
            Assert.Equal("https://mirrors.example.cn/pypi/simple", PackageSource.PipConfIndexUrl(
                "# site mirror\n[global]\ntimeout = 60\nindex-url = https://mirrors.example.cn/pypi/simple\n[list]\nformat=columns\n"));
            Assert.Equal("https://b/simple", PackageSource.PipConfIndexUrl("[global]\nindex_url: https://a/simple\n[install]\nindex-url=https://b/simple\n"));
            Assert.Null(PackageSource.PipConfIndexUrl("[freeze]\nindex-url = https://x/simple\n"));

            using var root = new TempDir();
            Directory.CreateDirectory(root.Combine("etc"));
            File.WriteAllText(root.Combine("etc", "pip.conf"), "[global]\nindex-url = https://mirror.example/simple/\n");
            // The environment is an input: whatever PIP_INDEX_URL or HOME this process has, the host has none.
            var env = new Dictionary<string, string?> { ["PIP_INDEX_URL"] = null, ["HOME"] = null };
            var host = new LiveHost(root.Path, environment: env);
            var source = PackageSource.Discover(host, null, new[] { "https://download.pytorch.org/whl/cu128" });
            Assert.Equal("https://mirror.example/simple", source.IndexUrl);
            Assert.Equal("/etc/pip.conf", source.Origin);
            Assert.Equal(new[] { "--index-url https://mirror.example/simple", "--extra-index-url https://download.pytorch.org/whl/cu128", "--only-binary :all:" }, source.LockOptions());
            Assert.Equal("https://pypi.org/simple", PackageSource.Discover(new LiveHost(root.Combine("etc"), environment: env), null, Array.Empty<string>()).IndexUrl);
        }

        [Fact]
        public void BadLocksAndSourcesAreClearErrors()
        {
            using var tmp = new TempDir();
            var missing = Assert.Throws<AutoGlmException>(() => PackageSource.FromWheelhouse(tmp.Combine("nope")));
            Assert.Equal("WheelhouseNotFound", missing.ErrorId);
            Assert.Contains(tmp.Combine("nope"), missing.Message);

            var noHash = Assert.Throws<AutoGlmException>(() => LockPhase.Parse("--no-index\nrequests==2.32.0 \\\n    --hash=sha256:" + new string('a', 64) + "\nfilelock==3.20.0\n", "base", "r.lock"));
            Assert.Equal("LockMissingHash", noHash.ErrorId);
            Assert.Contains("r.lock:4: 'filelock==3.20.0'", noHash.Message);
            var loose = Assert.Throws<AutoGlmException>(() => LockPhase.Parse("requests>=2 --hash=sha256:" + new string('a', 64) + "\n", "base", "r.lock"));
            Assert.Equal("LockNotPinned", loose.ErrorId);

            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var unknown = Stack();
            unknown.Packages.Add(new StackPackage { Name = "no-such-package", Version = "1.0" });
            var ex = Assert.Throws<AutoGlmException>(() => LockFrom(wh, unknown));
            Assert.Equal("LockPackageNotFound", ex.ErrorId);
            Assert.Contains("no-such-package==1.0", ex.Message);

            File.Delete(Path.Combine(wh, "filelock-3.20.0-py3-none-any.whl"));
            var dep = Assert.Throws<AutoGlmException>(() => LockFrom(wh));
            Assert.Equal("LockDependencyMissing", dep.ErrorId);
            Assert.Contains("torch requires filelock", dep.Message);

            var conflict = Stack();
            conflict.Packages.Add(new StackPackage { Name = "transformers", Version = "4.56.0" });
            Wheels.Build(wh, "filelock", "3.20.0");
            Wheels.Build(wh, "transformers", "4.56.0");
            Assert.Equal("LockConflict", Assert.Throws<AutoGlmException>(() => LockFrom(wh, conflict)).ErrorId);
        }
    }

    internal static class StackExtensions
    {
        public static ResolvedStack With(this ResolvedStack stack, params StackPackage[] packages)
        {
            stack.Packages.AddRange(packages);
            return stack;
        }
    }
}
