using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Kit;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Platforms;
using AutoGlm.Tests.Python;
using AutoGlm.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AutoGlm.Tests.Install
{
    /// <summary>
    /// An offline kit of Debian's REAL NVIDIA driver packages: exported from the signed flat mirror of the real
    /// nvidia-driver 535.261.03-1 closure (DebianRealDriverTests' mirror), for a Debian 12 A100 host, R535 open; then,
    /// with that mirror gone, the driver planned from the kit alone into a fresh Debian 12 root, the repository and pin
    /// steps applied for real, and apt downloading (--download-only, the boundary of DebianRealDriverTests: no dpkg
    /// unpack, no DKMS build) exactly the flavour's closure from the kit, each .deb checked by apt against the index the
    /// kit carries, signed by the mirror's key the kit carries.
    /// </summary>
    [Collection("apt")]
    public class DebianRealKitTests
    {
        private readonly ITestOutputHelper _log;
        public DebianRealKitTests(ITestOutputHelper log) => _log = log;

        [DebianRealDriverTests.RealDebianDriverFact]
        public void AKitOfTheRealDebianPackagesCarriesTheFlavoursClosureAndAptInstallsItFromTheKitAlone()
        {
            using var tmp = new TempDir("autoglm-debian-kit");
            var kitDir = tmp.Combine("kit");
            OfflineKit kit;
            string keyFile = tmp.Combine("mirror.gpg");
            using (var mirror = new AptSandbox("6.1.0-28-amd64"))
            {
                mirror.PublishDebs(Directory.GetFiles(Path.Combine(DebianRealDriverTests.Folder, "debs"), "*.deb"));
                File.WriteAllBytes(keyFile, mirror.Key);
                // The rest of a kit, small: a lock of one wheel, a one-commit repository.
                var wheels = Wheels.Build(tmp.Combine("wheels"), "requests", "2.32.0");
                var wheel = Directory.GetFiles(tmp.Combine("wheels"), "*.whl").Single();
                File.WriteAllText(tmp.Combine("requirements.lock"), $"requests==2.32.0 --hash=sha256:{Hashing.Sha256Hex(File.ReadAllBytes(wheel))}\n");
                var repo = tmp.Combine("repo");
                Directory.CreateDirectory(repo);
                foreach (var args in new[] { new[] { "init", "-q", "-b", "main" }, new[] { "commit", "-q", "--allow-empty", "-m", "stand-in" } })
                    Git(repo, args);
                var watch = Stopwatch.StartNew();
                kit = KitExporter.Export(new KitExportRequest
                {
                    Output = kitDir, Profile = "legacy-transformers", FactsFile = Path.Combine(Repo.Root, "tests", "fixtures", "hosts", "a100-debian12-nodriver.json"),
                    DriverRepositoryUrl = mirror.RepoUrl, DriverRepositoryKeyring = keyFile, DriverBranch = 535, Flavor = "open",
                    LockFile = tmp.Combine("requirements.lock"), Wheelhouse = tmp.Combine("wheels"), RepositoryUrl = "file://" + repo, Ref = "main", AllowLocalRepository = true,
                    CommandTimeout = TimeSpan.FromSeconds(300),
                }, NullOutput.Instance);
                _log.WriteLine($"export {watch.Elapsed.TotalSeconds:0.0} s: {kit.Files.Count} files, {kit.Files.Sum(f => f.Size) / 1e6:0.0} MB");
            }

            // The kit: R535 open as asked, the flavour's closure of the real packages (not the proprietary module), the key.
            var closure = DebianRealDriverTests.Closure();
            var expected = closure.Where(kv => kv.Key != "nvidia-kernel-dkms" && kv.Key != "nvidia-kernel-support").Select(kv => kv.Key + "=" + kv.Value).OrderBy(s => s, StringComparer.Ordinal);
            Assert.Equal(("debian-12", 535, "open", true), (kit.Os, kit.DriverBranch ?? 0, kit.DriverFlavor, kit.DriverPinned));
            Assert.Equal(expected, kit.DriverPackages.OrderBy(s => s, StringComparer.Ordinal));
            Assert.Equal("apt/repository-keyring", kit.DriverKeyring);
            Assert.Contains("dkms", kit.DriverExternal);

            // The site: a fresh Debian 12 root, the mirror gone; the plan reads only the kit.
            using var site = new AptSandbox("6.1.0-28-amd64");
            DebianRealDriverTests.StageDebian12(site);
            var system = new LiveSystem(site.Root, site.Path_);
            var request = new DriverInstallRequest
            {
                Profile = "legacy-transformers", RepositoryUrl = kit.AptUrl(), RepositoryKeyring = kit.Full(kit.DriverKeyring!), Branch = 535, Flavor = "open",
                Kit = OfflineKit.Open(kitDir), Today = new DateTime(2026, 11, 21), CommandTimeout = TimeSpan.FromSeconds(300),
            };
            var plan = DriverPlanner.PlanDriver(request, system, NullOutput.Instance);
            var upToPin = plan.Steps.TakeWhile(s => s.Id != "kernel.headers").ToList();
            var applied = PlanExecutor.Apply(new ChangePlan("install-driver", plan.Title, upToPin, plan.Notes), system,
                new ApplyOptions { CommandTimeout = TimeSpan.FromSeconds(300) }, NullOutput.Instance);
            Assert.True(applied.Status == "changed", applied.Message + "\n" + string.Join("\n", applied.Steps.Select(s => s.Id + " " + s.Outcome + " " + s.Detail)));
            Assert.Contains(kit.AptUrl(), File.ReadAllText(Path.Combine(site.Root, DriverPlanner.DebianSourcePath.TrimStart('/'))));

            // apt fetches the install's packages from the kit and checks each against the kit's signed index.
            var install = plan.Steps.Single(s => s.Id == "driver.install").Commands[0].ToList();
            install.Insert(install.IndexOf("install"), "--download-only");
            // apt reads file: sources in place and says so per package ("Get:N file:KIT/apt  NAME VERSION"): every package
            // of the flavour's closure, each from the kit, and nothing else.
            var output = DebianRealDriverTests.Run(site, install);
            var got = System.Text.RegularExpressions.Regex.Matches(output, @"^Get:\d+ (\S+)\s+(\S+) (\S+) \[", System.Text.RegularExpressions.RegexOptions.Multiline)
                .Select(m => (Source: m.Groups[1].Value, Package: m.Groups[2].Value + "=" + m.Groups[3].Value)).ToList();
            Assert.All(got, g => Assert.Equal("file:" + kit.Full("apt"), g.Source));
            Assert.Equal(expected, got.Select(g => g.Package).OrderBy(s => s, StringComparer.Ordinal));
        }

        private static void Git(string dir, params string[] args)
        {
            var psi = new ProcessStartInfo("git") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
            psi.Environment["GIT_AUTHOR_NAME"] = psi.Environment["GIT_COMMITTER_NAME"] = "Test";
            psi.Environment["GIT_AUTHOR_EMAIL"] = psi.Environment["GIT_COMMITTER_EMAIL"] = "test@example.invalid";
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "git " + string.Join(" ", args) + ": " + err.Result);
        }
    }
}
