using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Platforms;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Install
{
    /// <summary>
    /// Debian's REAL NVIDIA driver packages (nvidia-driver 535.261.03-1 from bookworm's non-free, contrib and
    /// non-free-firmware, downloaded pinned by tools/nvidia-artifacts/fetch-debian-driver.sh, which tests/run.sh runs),
    /// served as a flat file:// repository signed with a throwaway key, against a Debian 12 host staged in an isolated
    /// root (os-release and an A100 on PCI), with real apt and dpkg. Debian's main packages (libc6, dkms, xserver-xorg-core,
    /// debconf...) are not in the mirror: the root's dpkg status is pre-seeded with their real control stanzas from
    /// bookworm's main index, marked installed, relationships removed (stubs.status).
    ///
    /// The boundary: the plan's repository and pin steps (repo.keyring, repo.source, repo.update, driver.pin) are applied
    /// for real; the install itself is run by apt with the plan's own argv as a simulation (apt-get -s), and the hold with
    /// the plan's own apt-mark argv. dpkg does not unpack the packages: their maintainer scripts (nvidia-legacy-check's
    /// debconf and lspci, nvidia-alternative's update-alternatives, nvidia-kernel-dkms's DKMS build of the module) run
    /// chrooted into the root, which has no shell, debconf or kernel to build against.
    /// </summary>
    [Collection("apt")]
    public class DebianRealDriverTests
    {
        public const string Version = "535.261.03-1";
        public const string Variable = "AUTOGLM_REAL_DEBIAN_DRIVER";

        public static string Folder => Path.Combine(
            Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } dir ? dir : Path.Combine(Repo.Root, "out", "nvidia-debian-driver"), Version);

        public static string? Missing => File.Exists(Path.Combine(Folder, "complete")) ? null
            : $"Debian's real NVIDIA driver packages are not downloaded: no {Folder}/complete (run tools/nvidia-artifacts/fetch-debian-driver.sh, as tests/run.sh does, or set {Variable})";

        public sealed class RealDebianDriverFactAttribute : FactAttribute
        {
            public RealDebianDriverFactAttribute() { if (Missing is string why) Skip = why; }
        }

        /// <summary>closure.txt: the real .debs apt must install (both flavours), name → version.</summary>
        internal static Dictionary<string, string> Closure() =>
            File.ReadAllLines(Path.Combine(Folder, "closure.txt")).Where(l => l.Length > 0).Select(l => l.Split(' '))
                .ToDictionary(f => f[0], f => f[1]);

        internal static void StageDebian12(AptSandbox apt)
        {
            File.WriteAllText(Path.Combine(apt.Root, "etc/os-release"), "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
            var pci = Path.Combine(apt.Root, "sys/bus/pci/devices/0000:17:00.0");
            Directory.CreateDirectory(pci);
            File.WriteAllText(Path.Combine(pci, "vendor"), "0x10de\n");
            File.WriteAllText(Path.Combine(pci, "device"), "0x20b2\n"); // A100-SXM4-80GB
            File.WriteAllText(Path.Combine(pci, "class"), "0x030200\n");
            File.Copy(Path.Combine(Folder, "stubs.status"), Path.Combine(apt.Root, "var/lib/dpkg/status"), overwrite: true);
        }

        private static string[] Options(AptSandbox apt, string keyFile, string flavor) => new[]
        {
            "--root", apt.Root, "--repository-url", apt.RepoUrl, "--repository-keyring", keyFile,
            "--profile", "legacy-transformers", "--driver-branch", "535", "--flavor", flavor,
        };

        private static List<IDictionary<string, object?>> Steps(string json) =>
            ((IEnumerable<object?>)((IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(json)!)["steps"]!).Cast<IDictionary<string, object?>>().ToList();

        private static List<string> Argv(IDictionary<string, object?> step) =>
            ((IEnumerable<object?>)((IEnumerable<object?>)step["commands"]!).First()!).Cast<string>().ToList();

        /// <summary>Runs argv; returns stdout, or fails the test with stderr.</summary>
        internal static string Run(AptSandbox apt, IReadOnlyList<string> argv)
        {
            var r = new LiveSystem(apt.Root, apt.Path_).Run(argv, TimeSpan.FromSeconds(300));
            Assert.True(r.Succeeded, string.Join(" ", argv) + "\n" + r.Describe() + "\n" + r.Stderr);
            return r.Stdout;
        }

        [RealDebianDriverFact]
        public void TheRealPackagesResolveFromASignedMirrorThePinAndHoldLandOnTheirRealNamesAndWhatIfShowsTheExactDelta()
        {
            var hostStatus = File.Exists("/var/lib/dpkg/status") ? File.ReadAllText("/var/lib/dpkg/status") : "";
            using var apt = new AptSandbox("6.1.0-28-amd64");
            apt.PublishDebs(Directory.GetFiles(Path.Combine(Folder, "debs"), "*.deb"));
            StageDebian12(apt);
            var keyFile = Path.Combine(apt.Bin, "mirror.gpg");
            File.WriteAllBytes(keyFile, apt.Key);
            var closure = Closure();
            Assert.Equal(Version, closure["nvidia-driver"]);

            foreach (var (flavor, kernel, other) in new[] { ("proprietary", "nvidia-kernel", "nvidia-open-kernel"), ("open", "nvidia-open-kernel", "nvidia-kernel") })
            {
                // --what-if: the exact real names and versions, from the mirror's index, and nothing changed.
                var before = apt.Tree();
                var preview = Cli.Run(apt.Path_, new[] { "install-driver", "--what-if", "--format", "json" }.Concat(Options(apt, keyFile, flavor)).ToArray());
                Assert.True(preview.ExitCode == 0, preview.Stderr);
                Assert.Equal(before, apt.Tree());
                var steps = Steps(preview.Stdout);
                Assert.Equal(new[] { "repo.keyring", "repo.source", "repo.update", "driver.pin", "kernel.headers", "nouveau.blacklist",
                    "driver.unattended-upgrades", "driver.install", "driver.hold", "driver.record", "driver.verify" }, steps.Select(s => (string)s["id"]!));
                var names = new[] { "nvidia-driver", kernel + "-dkms", "firmware-nvidia-gsp", "libcuda1", "libnvidia-ml1", "nvidia-smi" };
                var install = Argv(steps.Single(s => (string)s["id"]! == "driver.install"));
                Assert.Equal(names.Select(n => $"{n}={Version}"), install.Skip(install.IndexOf("--allow-change-held-packages") + 1));
                // dkms is already 'installed' (a stub of Debian's own), so the headers step names it but apt has nothing to do for it.
                Assert.Contains("dkms", (string)steps.Single(s => (string)s["id"]! == "kernel.headers")["target"]!);

                // Applied for real, up to the boundary: the key, the source, apt update (apt checks InRelease against the key), the pin.
                var system = new LiveSystem(apt.Root, apt.Path_);
                var request = new DriverInstallRequest
                {
                    Profile = "legacy-transformers", RepositoryUrl = apt.RepoUrl, RepositoryKeyring = keyFile, Branch = 535, Flavor = flavor,
                    Today = new DateTime(2026, 11, 21), CommandTimeout = TimeSpan.FromSeconds(300),
                };
                var plan = DriverPlanner.PlanDriver(request, system, NullOutput.Instance);
                var upToPin = plan.Steps.TakeWhile(s => s.Id != "kernel.headers").ToList();
                Assert.Equal("driver.pin", upToPin.Last().Id);
                var applied = PlanExecutor.Apply(new ChangePlan("install-driver", plan.Title, upToPin, plan.Notes), system,
                    new ApplyOptions { CommandTimeout = TimeSpan.FromSeconds(300) }, NullOutput.Instance);
                Assert.True(applied.Status == "changed" || applied.Status == "converged", applied.Message + "\n" + string.Join("\n", applied.Steps.Select(s => s.Id + " " + s.Outcome + " " + s.Detail)));

                // The pin lands on the real names: apt's own policy shows priority 1001 for Debian's version of each.
                foreach (var name in names)
                {
                    var policy = Run(apt, new AptTool(system).AptCache("policy", name));
                    Assert.Contains($"Candidate: {Version}", policy);
                    Assert.Matches(new Regex($@"\*?\*?\s*{Regex.Escape(Version)} 1001"), policy);
                }

                // The install, as apt resolves it with the plan's own argv (-s: simulated; the boundary above): exactly the
                // non-free and contrib packages of the closure for this flavour, at their real versions, and nothing from main.
                var simulate = install.ToList();
                simulate.Insert(simulate.IndexOf("install"), "-s");
                var delta = Regex.Matches(Run(apt, simulate), @"^Inst (\S+) \((\S+)", RegexOptions.Multiline).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
                var expected = closure.Where(kv => kv.Key != other + "-dkms" && kv.Key != other + "-support").ToDictionary(kv => kv.Key, kv => kv.Value);
                Assert.Equal(expected.OrderBy(kv => kv.Key), delta.OrderBy(kv => kv.Key));
                Assert.Contains(kernel + "-support", delta.Keys);
                Assert.DoesNotContain(other + "-dkms", delta.Keys);

                // The hold, with the plan's own apt-mark argv: dpkg's selections carry it for the real names.
                Run(apt, Argv(steps.Single(s => (string)s["id"]! == "driver.hold")));
                var held = Run(apt, new AptTool(system).AptMark("showhold")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(names.OrderBy(n => n), held.OrderBy(n => n));
                Run(apt, new AptTool(system).AptMark(new[] { "unhold" }.Concat(names).ToArray()));
            }
            Assert.Equal(hostStatus, File.Exists("/var/lib/dpkg/status") ? File.ReadAllText("/var/lib/dpkg/status") : "");
        }
    }
}
