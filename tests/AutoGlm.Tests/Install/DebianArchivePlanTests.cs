using System;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Install
{
    /// <summary>
    /// Debian's own NVIDIA packages (driverPackaging repository: debian-archive), planned: which entry the matrix picks per
    /// Debian release and branch, the suite-based source line, the real package names pinned and held at one version,
    /// the open kernel module named, and the preview without the network. Applying with real apt and dpkg and the real
    /// packages is DebianRealDriverTests.
    /// </summary>
    public class DebianArchivePlanTests
    {
        private static readonly string Facts = Path.Combine(Repo.Root, "tests", "fixtures", "hosts", "a100-debian12-nodriver.json");

        [Fact]
        public void TheMatrixPicksDebiansPackagesOnlyForTheBranchTheReleaseShipsAndNvidiasRepositoryOtherwise()
        {
            var m = MatrixLoader.LoadDefault();
            Assert.Equal("debian-12-archive-r535", m.FindPackaging("debian", 535, "debian-12")!.Id);
            Assert.Equal("debian-13-archive-r550", m.FindPackaging("debian", 550, "debian-13")!.Id);
            // The same branch elsewhere, other branches on Debian, and a caller that names no OS: the whole-family entries.
            Assert.Equal("debian-nvidia-repo-versioned", m.FindPackaging("debian", 535, "ubuntu-22.04")!.Id);
            Assert.Equal("debian-nvidia-repo-versioned", m.FindPackaging("debian", 550, "debian-12")!.Id);
            Assert.Equal("debian-nvidia-repo-pinning-package", m.FindPackaging("debian", 595, "debian-12")!.Id);
            Assert.Equal("debian-nvidia-repo-versioned", m.FindPackaging("debian", 535)!.Id);
            Assert.Equal(DriverPackagingEntry.NvidiaCudaRepo, m.FindPackaging("debian", 535)!.RepositoryKind());
        }

        [Fact]
        public void ASiteMatrixSendsDebiansBranchBackToNvidiasRepository()
        {
            using var tmp = new TempDir();
            var site = tmp.Combine("site.yaml");
            File.WriteAllText(site, "schemaVersion: 1\ndriverPackaging:\n  - id: debian-12-archive-r535\n    source: site policy\n    family: debian\n    os: [debian-12]\n" +
                "    branches: '==535'\n    repository: nvidia-cuda-repo\n    proprietary: cuda-drivers-{branch}\n    open: nvidia-open-{branch}\n    pin: apt-hold\n");
            var m = MatrixLoader.LoadDefault(new[] { site });
            var entry = m.FindPackaging("debian", 535, "debian-12")!;
            Assert.Equal(DriverPackagingEntry.NvidiaCudaRepo, entry.RepositoryKind());
            Assert.Equal("cuda-drivers-{branch}", entry.Proprietary);
            Assert.Equal(DriverPackagingEntry.DebianArchive, m.FindPackaging("debian", 550, "debian-13")!.RepositoryKind());
        }

        /// <summary>A suite mirror: dists/bookworm/COMPONENT/binary-amd64/Packages, the components as Debian splits them.</summary>
        private static string SuiteMirror(TempDir tmp)
        {
            string Stanza(string name, string version, string depends = "") =>
                $"Package: {name}\nVersion: {version}\nArchitecture: amd64\n{(depends.Length > 0 ? "Depends: " + depends + "\n" : "")}Filename: pool/x/{name}_{version}_amd64.deb\nSHA256: 00\n\n";
            void Write(string component, string text)
            {
                var dir = tmp.Combine("mirror", "dists", "bookworm", component, "binary-amd64");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "Packages"), text);
            }
            string NonFree(string v) => Stanza("nvidia-driver", v, $"nvidia-kernel-dkms (= {v}) | nvidia-kernel-535 | nvidia-open-kernel-535") +
                Stanza("nvidia-kernel-dkms", v) + Stanza("libcuda1", v) + Stanza("libnvidia-ml1", v) + Stanza("nvidia-smi", v);
            Write("non-free", NonFree("535.247.01-1") + NonFree("535.261.03-1") + Stanza("nvidia-driver", "550.163.01-2"));
            Write("non-free-firmware", Stanza("firmware-nvidia-gsp", "535.247.01-1") + Stanza("firmware-nvidia-gsp", "535.261.03-1"));
            Write("contrib", Stanza("nvidia-open-kernel-dkms", "535.247.01-1") + Stanza("nvidia-open-kernel-dkms", "535.261.03-1"));
            return "file://" + tmp.Combine("mirror") + "/";
        }

        private static DriverInstallRequest Request(string? url, string? flavor = null, string? version = null) => new DriverInstallRequest
        {
            Profile = "legacy-transformers", FactsFile = Facts, RepositoryUrl = url, Branch = 535, Flavor = flavor, Version = version, Preview = true,
            Today = new DateTime(2026, 11, 21), CommandTimeout = TimeSpan.FromSeconds(10),
        };

        [Theory]
        [InlineData("proprietary", "nvidia-kernel-dkms")]
        [InlineData("open", "nvidia-open-kernel-dkms")]
        public void ASuiteMirrorGivesASuiteSourceLineAndTheRealNamesPinnedAndHeldAtOneVersion(string flavor, string kernel)
        {
            using var tmp = new TempDir();
            var url = SuiteMirror(tmp);
            var system = new LiveSystem(Directory.CreateDirectory(tmp.Combine("root")).FullName, null);

            var plan = DriverPlanner.PlanDriver(Request(url, flavor), system, NullOutput.Instance);

            Assert.Equal(new[] { "repo.source", "repo.update", "driver.pin", "kernel.headers", "nouveau.blacklist", "driver.unattended-upgrades",
                "driver.install", "driver.hold", "driver.record", "driver.verify" }, plan.Steps.Select(s => s.Id));
            var source = plan.Steps.Single(s => s.Id == "repo.source").Files.Single();
            Assert.Equal(DriverPlanner.DebianSourcePath, source.Path);
            Assert.Contains($"deb [signed-by={system.MapPath(DriverPlanner.DebianArchiveKeyringPath)}] {url} bookworm non-free non-free-firmware contrib\n", source.Content);
            var names = new[] { "nvidia-driver", kernel, "firmware-nvidia-gsp", "libcuda1", "libnvidia-ml1", "nvidia-smi" };
            Assert.Equal(string.Join(" ", names.Select(n => n + "=535.261.03-1")), plan.Steps.Single(s => s.Id == "driver.install").Target);
            Assert.Contains($"Package: {string.Join(" ", names)}\nPin: version 535.261.03-1\nPin-Priority: 1001\n", plan.Steps.Single(s => s.Id == "driver.pin").Files.Single().Content);
            Assert.Equal(string.Join(" ", names), plan.Steps.Single(s => s.Id == "driver.hold").Target);
            Assert.DoesNotContain(plan.Steps, s => s.Target.Contains("cuda-keyring"));
        }

        [Fact]
        public void AnExactVersionIsTakenFromTheIndexAndOneItLacksIsRefusedNamingWhatItHas()
        {
            using var tmp = new TempDir();
            var url = SuiteMirror(tmp);
            var system = new LiveSystem(Directory.CreateDirectory(tmp.Combine("root")).FullName, null);

            var plan = DriverPlanner.PlanDriver(Request(url, "proprietary", "535.247.01"), system, NullOutput.Instance);
            Assert.StartsWith("nvidia-driver=535.247.01-1 nvidia-kernel-dkms=535.247.01-1 ", plan.Steps.Single(s => s.Id == "driver.install").Target);

            var ex = Assert.Throws<AutoGlmException>(() => DriverPlanner.PlanDriver(Request(url, "proprietary", "535.230.02"), system, NullOutput.Instance));
            Assert.Equal("DriverVersionNotFound", ex.ErrorId);
            Assert.Contains("535.261.03-1", ex.Message);
        }

        [Fact]
        public void APreviewWithoutTheArchiveIsCompleteAndSaysWhichVersionsComeAtApplyTime()
        {
            using var tmp = new TempDir();
            var system = new LiveSystem(Directory.CreateDirectory(tmp.Combine("root")).FullName, null);

            var plan = DriverPlanner.PlanDriver(Request("http://127.0.0.1:9/debian/", "open"), system, NullOutput.Instance);

            Assert.Contains("http://127.0.0.1:9/debian/ bookworm non-free non-free-firmware contrib\n", plan.Steps.Single(s => s.Id == "repo.source").Files.Single().Content);
            foreach (var id in new[] { "driver.pin", "driver.install", "driver.record" })
                Assert.IsType<DeferredStep>(plan.Steps.Single(s => s.Id == id));
            Assert.Contains("nvidia-open-kernel-dkms=<version from the index>", plan.Steps.Single(s => s.Id == "driver.install").Commands.Single());
            Assert.Contains(plan.Notes, n => n.Contains("debian-12-archive-r535"));
            // Applying cannot use a deferred plan: it reads the index first and stops before anything changes.
            var apply = Request("http://127.0.0.1:9/debian/", "open");
            apply.Preview = false;
            Assert.Equal("RepositoryUnreachable", Assert.Throws<AutoGlmException>(() => DriverPlanner.PlanDriver(apply, system, NullOutput.Instance)).ErrorId);
            Assert.Empty(Directory.GetFileSystemEntries(tmp.Combine("root")));
        }
    }
}
