using System.Linq;
using AutoGlm.Engine.Python;
using AutoGlm.Engine.Versions;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Python
{
    /// <summary>
    /// Where pip decides, the lock decides the same (issue 19, item 6): the pre-release rule of pip's finder, and
    /// platform_release from the host's kernel.
    /// </summary>
    public class PipAgreementLockTests
    {
        private static string Wheelhouse(TempDir tmp, params (string name, string version)[] extra)
        {
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            Wheels.Build(wh, "sglang", "0.5.10", new[]
            {
                "torch==2.9.1", "transformers==4.57.1", "requests (>=2.0)",
                "nightly-kernels>=1.0",
                "kernel-shim>=1; platform_release == \"6.8.0-45-generic\"",
            });
            Wheels.Build(wh, "kernel-shim", "1.2");
            foreach (var (name, version) in extra) Wheels.Build(wh, name, version);
            return wh;
        }

        private static string Locked(PythonLock l, string name) => l.Base.Packages.Single(p => p.Name == name).Version;

        // pip's finder (packaging's SpecifierSet.filter): >=1.0 takes a pre-release when nothing final matches...
        [Fact]
        public void APreReleaseIsLockedWhenItIsTheOnlyMatch()
        {
            using var tmp = new TempDir();
            var wh = Wheelhouse(tmp, ("nightly-kernels", "0.9"), ("nightly-kernels", "2.0.dev1"));
            var l = Locker.Lock(LockRequest.FromStack(LockTests.Stack(), PackageSource.FromWheelhouse(wh)));
            Assert.Equal("2.0.dev1", Locked(l, "nightly-kernels"));
        }

        // ...and a final release when one matches, even an older one.
        [Fact]
        public void AFinalReleaseWinsOverANewerPreRelease()
        {
            using var tmp = new TempDir();
            var wh = Wheelhouse(tmp, ("nightly-kernels", "1.5"), ("nightly-kernels", "2.0.dev1"));
            var l = Locker.Lock(LockRequest.FromStack(LockTests.Stack(), PackageSource.FromWheelhouse(wh)));
            Assert.Equal("1.5", Locked(l, "nightly-kernels"));
        }

        // platform_release is the host's uname -r when the facts have it, as pip's platform.release() on that host.
        [Fact]
        public void PlatformReleaseComesFromTheHostsKernel()
        {
            using var tmp = new TempDir();
            var wh = Wheelhouse(tmp, ("nightly-kernels", "1.5"));
            var stack = LockTests.Stack();
            var unknown = Locker.Lock(LockRequest.FromStack(stack, PackageSource.FromWheelhouse(wh)));
            Assert.DoesNotContain(unknown.Base.Packages, p => p.Name == "kernel-shim");

            stack.KernelRelease = "6.8.0-45-generic";
            var request = LockRequest.FromStack(stack, PackageSource.FromWheelhouse(wh));
            Assert.Equal("6.8.0-45-generic", request.Target.PlatformRelease);
            var known = Locker.Lock(request);
            Assert.Equal("1.2", Locked(known, "kernel-shim"));

            // A Windows lock has no Linux kernel.
            Assert.Equal("", LockRequest.FromStack(stack, PackageSource.FromWheelhouse(wh)).ForWindows().Target.PlatformRelease);
        }
    }
}
