using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Engine.Resolve;
using AutoGlm.Tests.Support;
using Xunit;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Tests.Python
{
    /// <summary>
    /// The lock is exactly the target's closure (the sync installs with --no-deps): a requirement whose marker is
    /// false on the target is not locked, a true one is, and must be in the source; extras only when asked.
    /// </summary>
    public class MarkerLockTests
    {
        /// <summary>The test wheelhouse, with sglang declaring dependencies for some machines only.</summary>
        private static string Wheelhouse(TempDir tmp)
        {
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            Wheels.Build(wh, "sglang", "0.5.10", new[]
            {
                "torch==2.9.1", "transformers==4.57.1", "requests (>=2.0)", "pytest; extra == 'test'",
                "pywin32>=306; sys_platform == \"win32\"",
                "colorama; os_name == 'nt'",
                "tomli>=1.1.0; python_version < \"3.11\"",
                "uvloop>=0.21; platform_system == \"Linux\" and platform_machine == \"x86_64\"",
                "rich[jupyter]>=13; implementation_name == \"cpython\"",
            });
            Wheels.Build(wh, "pywin32", "306");
            Wheels.Build(wh, "colorama", "0.4.6");
            Wheels.Build(wh, "tomli", "2.0.1");
            Wheels.Build(wh, "uvloop", "0.21.0");
            // rich's own extras: jupyter asked for by sglang, dev not.
            Wheels.Build(wh, "rich", "13.9.4", new[] { "ipywidgets>=7.5.1; extra == \"jupyter\"", "pygments>=2; extra == 'dev'" });
            Wheels.Build(wh, "ipywidgets", "8.1.5");
            Wheels.Build(wh, "pygments", "2.18.0");
            return wh;
        }

        private static ResolvedStack Stack(string python)
        {
            var stack = LockTests.Stack();
            stack.Python = new PythonChoice { Version = python, Specifier = ">=3.10,<3.14" };
            return stack;
        }

        private static LockRequest Request(string python, PackageSource source, bool windows = false)
        {
            var request = LockRequest.FromStack(Stack(python), source);
            return windows ? request.ForWindows() : request;
        }

        private static readonly string[] Common = { "filelock", "requests", "rich", "ipywidgets", "sglang", "tokenizers", "torch", "transformers" };

        private static string[] Expected(params string[] more) => Common.Concat(more).OrderBy(n => n, StringComparer.Ordinal).ToArray();

        private static string[] Names(PythonLock l) => l.Base.Packages.Select(p => p.Name).ToArray();

        [Fact]
        public void AWheelhouseLockTakesOnlyTheTargetsDependencies()
        {
            using var tmp = new TempDir();
            var wh = Wheelhouse(tmp);
            var source = PackageSource.FromWheelhouse(wh);

            var linux = Locker.Lock(Request("3.12", source));
            Assert.Equal(Expected("uvloop"), Names(linux));
            Assert.Contains("Markers evaluated for CPython 3.12 on Linux x86_64.", linux.Header);
            Assert.Contains("# Markers evaluated for CPython 3.12 on Linux x86_64.\n", linux.BaseText);
            Assert.DoesNotContain(linux.Header, h => h.StartsWith("Not locked", StringComparison.Ordinal));

            var windows = Locker.Lock(Request("3.12", source, windows: true));
            Assert.Equal(Expected("colorama", "pywin32"), Names(windows));
            Assert.Contains("Markers evaluated for CPython 3.12 on Windows AMD64.", windows.Header);

            // An older Python takes the backport too.
            var linux310 = Locker.Lock(Request("3.10", source));
            Assert.Equal(Expected("tomli", "uvloop"), Names(linux310));
            Assert.Contains("Markers evaluated for CPython 3.10 on Linux x86_64.", linux310.Header);

            // The same target gives the same lock; another target another one.
            Assert.Equal(linux.Sha256, Locker.Lock(Request("3.12", source)).Sha256);
            Assert.NotEqual(linux.Sha256, windows.Sha256);
        }

        [Fact]
        public void ADependencyTheTargetNeedsMustBeInTheSource()
        {
            using var tmp = new TempDir();
            var wh = Wheelhouse(tmp);
            File.Delete(Path.Combine(wh, "uvloop-0.21.0-py3-none-any.whl"));
            var source = PackageSource.FromWheelhouse(wh);

            // Linux x86_64 needs uvloop: an error naming it, not a note.
            var ex = Assert.Throws<AutoGlmException>(() => Locker.Lock(Request("3.12", source)));
            Assert.Equal("LockDependencyMissing", ex.ErrorId);
            Assert.Equal("uvloop", ex.Target);
            Assert.Contains("sglang requires uvloop>=0.21", ex.Message);
            Assert.Contains(wh, ex.Message);
            // Windows does not.
            Assert.Equal(Expected("colorama", "pywin32"), Names(Locker.Lock(Request("3.12", source, windows: true))));

            // An extra asked for is needed too.
            File.Delete(Path.Combine(wh, "ipywidgets-8.1.5-py3-none-any.whl"));
            var extra = Assert.Throws<AutoGlmException>(() => Locker.Lock(Request("3.12", source, windows: true)));
            Assert.Equal("LockDependencyMissing", extra.ErrorId);
            Assert.Contains("rich requires ipywidgets>=7.5.1", extra.Message);
        }

        [Fact]
        public void AnExtraAskedLaterStillAddsItsDependencies()
        {
            using var tmp = new TempDir();
            var wh = Wheelhouse(tmp);
            // rich is pinned by the profile (no extra), then asked with [jupyter] by sglang: ipywidgets is still locked.
            var stack = Stack("3.12").With(new StackPackage { Name = "rich", Version = "13.9.4" });
            var l = Locker.Lock(LockRequest.FromStack(stack, PackageSource.FromWheelhouse(wh)));
            Assert.Equal(Expected("uvloop"), Names(l));
            Assert.DoesNotContain("pygments", Names(l));
        }

        [Fact]
        public void AnUnparseableMarkerIsAnErrorNamingTheRequirementItsPackageAndTheMarker()
        {
            using var tmp = new TempDir();
            var wh = Wheelhouse(tmp);
            Wheels.Build(wh, "transformers", "4.57.1", new[] { "tokenizers>=0.20", "safetensors>=0.4; python_version <> \"3.8\"" });

            var ex = Assert.Throws<AutoGlmException>(() => Locker.Lock(Request("3.12", PackageSource.FromWheelhouse(wh))));
            Assert.Equal("LockMarkerInvalid", ex.ErrorId);
            Assert.Equal("transformers", ex.Target);
            Assert.Contains("transformers requires safetensors>=0.4", ex.Message);
            Assert.Contains("'python_version <> \"3.8\"'", ex.Message);
            Assert.Contains("'>' where a marker variable", ex.Message);
            Assert.Contains("sglang-server", ex.Message);
        }

        [Fact]
        public void AnIndexLockFollowsTheSameMarkers()
        {
            using var tmp = new TempDir();
            var wh = Wheelhouse(tmp);
            var index = IndexLockTests.Serve(wh, (file, sha) => $"data-core-metadata=\"sha256={sha}\"");
            var source = PackageSource.FromIndex("https://mirror.example/simple", Array.Empty<string>(), "--index-url");
            var wheelhouse = PackageSource.FromWheelhouse(wh);

            foreach (var (python, windows) in new[] { ("3.12", false), ("3.12", true), ("3.10", false) })
            {
                var fromIndex = Locker.Lock(Request(python, source, windows), index.Fetch);
                var fromWheelhouse = Locker.Lock(Request(python, wheelhouse, windows));
                Assert.Equal(fromWheelhouse.Base.Packages.Select(p => p.Name + "==" + p.Version + " " + p.Hashes.Single()),
                    fromIndex.Base.Packages.Select(p => p.Name + "==" + p.Version + " " + p.Hashes.Single()));
            }
            // No metadata is fetched for what the target does not need.
            Assert.DoesNotContain(index.Fetched, u => u.Contains("pygments"));
            Assert.Equal(Expected("uvloop"), Names(Locker.Lock(Request("3.12", source), index.Fetch)));

            // A dependency under a true marker missing from the index: the same error as from a wheelhouse.
            index.Served.Remove(new Uri("https://mirror.example/simple/uvloop/").AbsoluteUri);
            var ex = Assert.Throws<AutoGlmException>(() => Locker.Lock(Request("3.12", source), index.Fetch));
            Assert.Equal("LockDependencyMissing", ex.ErrorId);
            Assert.Contains("uvloop", ex.Message);
        }

        [Fact]
        public void TheVenvServiceLocksForTheHostsPlatformAndTheRequestedPython()
        {
            using var tmp = new TempDir();
            var wh = Wheelhouse(tmp);
            var profile = new ProfileEntry { Id = "sglang-server" };
            var request = new VenvRequest { Profile = "sglang-server", Stack = Stack("3.12"), Wheelhouse = wh };

            var linux = VenvService.MakeLock(new LiveSystem(tmp.Path), request, profile, request.Stack!);
            Assert.Equal(Expected("uvloop"), Names(linux));

            var windows = VenvService.MakeLock(new WindowsSystem(new LiveSystem(tmp.Path)), request, profile, request.Stack!);
            Assert.Equal(Expected("colorama", "pywin32"), Names(windows));
            Assert.Contains("Markers evaluated for CPython 3.12 on Windows AMD64.", windows.Header);

            request.PythonVersion = "3.10";
            var older = VenvService.MakeLock(new LiveSystem(tmp.Path), request, profile, request.Stack!);
            Assert.Equal(Expected("tomli", "uvloop"), Names(older));
            Assert.Contains("Markers evaluated for CPython 3.10 on Linux x86_64.", older.Header);

            // A GH200 (aarch64, as its facts say): uvloop's x86_64-only line is not followed, here or in the plain lock.
            request.PythonVersion = null;
            request.Stack!.Architecture = "aarch64";
            var arm = VenvService.MakeLock(new LiveSystem(tmp.Path), request, profile, request.Stack!);
            Assert.Equal(Expected(), Names(arm));
            Assert.Contains("Markers evaluated for CPython 3.12 on Linux aarch64.", arm.Header);
            request.PythonVersion = "3.10";
            Assert.Contains("Markers evaluated for CPython 3.10 on Linux aarch64.", VenvService.MakeLock(new LiveSystem(tmp.Path), request, profile, request.Stack!).Header);
            Assert.Contains("Markers evaluated for CPython 3.12 on Windows ARM64.",
                Locker.Lock(LockRequest.FromStack(request.Stack!, PackageSource.FromWheelhouse(wh)).ForWindows()).Header);
        }

        /// <summary>A live system that says it is Windows: what the lock asks of the host.</summary>
        private sealed class WindowsSystem : ISystemHost
        {
            private readonly ISystemHost _inner;
            public WindowsSystem(ISystemHost inner) { _inner = inner; }
            public string Root => _inner.Root;
            public HostKind Kind => _inner.Kind;
            public HostPlatform Platform => HostPlatform.Windows;
            public string StateDirectory => _inner.StateDirectory;
            public FileRead ReadFile(string path) => _inner.ReadFile(path);
            public IReadOnlyList<string>? ListDirectory(string path) => _inner.ListDirectory(path);
            public string? ReadLink(string path) => _inner.ReadLink(path);
            public string? GetEnvironmentVariable(string name) => _inner.GetEnvironmentVariable(name);
            public IReadOnlyList<ToolLocation> FindTools(string prefix) => _inner.FindTools(prefix);
            public CommandResult Run(IReadOnlyList<string> argv, TimeSpan timeout) => _inner.Run(argv, timeout);
            public string MapPath(string hostPath) => _inner.MapPath(hostPath);
            public void WriteFile(string path, string content, int? mode = null) => _inner.WriteFile(path, content, mode);
            public bool DeleteFile(string path) => _inner.DeleteFile(path);
            public string BootId() => _inner.BootId();
        }
    }
}
