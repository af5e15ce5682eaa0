using System;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Install
{
    /// <summary>
    /// -RepositoryKeyring / --repository-keyring: a repository signed by its own key (a site mirror, an offline kit),
    /// with real apt and dpkg in an isolated root. The key replaces NVIDIA's cuda-keyring; apt checks the repository
    /// against it; a file that is not a readable public key is refused before anything changes.
    /// </summary>
    [Collection("apt")]
    public class RepositoryKeyringTests
    {
        private static readonly string Facts = Path.Combine(Repo.Root, "tests", "fixtures", "hosts", "h100-ubuntu2204-nodriver.json");

        private static DriverInstallRequest Request(AptSandbox apt, string keyring, string? url = null) => new DriverInstallRequest
        {
            Profile = "vllm-server", FactsFile = Facts, RepositoryUrl = url ?? apt.RepoUrl, RepositoryKeyring = keyring, Version = "595.45.04",
            Today = new DateTime(2026, 11, 21), CommandTimeout = TimeSpan.FromSeconds(120),
        };

        private static ApplyResult Apply(AptSandbox apt, DriverInstallRequest request)
        {
            var system = new LiveSystem(apt.Root, apt.Path_);
            return PlanExecutor.Apply(DriverPlanner.PlanDriver(request, system, NullOutput.Instance), system,
                new ApplyOptions { CommandTimeout = TimeSpan.FromSeconds(120) }, NullOutput.Instance);
        }

        private static string Describe(ApplyResult r) => r.Message + "\n" + string.Join("\n", r.Steps.Select(s => s.Id + " " + s.Outcome + " " + s.Detail));

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void TheGivenKeyReplacesCudaKeyringAndAptVerifiesTheRepositoryWithIt(bool armored)
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();
            var keyFile = Path.Combine(apt.Bin, armored ? "repo.asc" : "repo.gpg");
            if (armored) File.WriteAllText(keyFile, AptSandbox.Run("gpg", "--homedir", apt.GnuPgHome, "--armor", "--export", "repo@autoglm.test"));
            else File.WriteAllBytes(keyFile, apt.Key);

            var result = Apply(apt, Request(apt, keyFile));

            Assert.True(result.Status == "changed", Describe(result));
            Assert.Equal(("595.45.04-1", true), apt.Installed()["nvidia-open"]);
            Assert.False(apt.Installed().ContainsKey("cuda-keyring"));
            Assert.Equal("changed", result.Steps.Single(s => s.Id == "repo.update").Outcome);
            var written = File.ReadAllText(Path.Combine(apt.Root, RepositoryKeyring.KeyringPath.TrimStart('/')));
            Assert.StartsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----\n", written);
            // What we armored is the key itself: gpg dearmors it back to the exact bytes gpg exported.
            var dearmored = Path.Combine(apt.Bin, "dearmored.gpg");
            AptSandbox.Run("gpg", "--batch", "--yes", "--dearmor", "-o", dearmored, Path.Combine(apt.Root, RepositoryKeyring.KeyringPath.TrimStart('/')));
            Assert.Equal(apt.Key, File.ReadAllBytes(dearmored));
            Assert.Contains($"[signed-by={Path.Combine(apt.Root, RepositoryKeyring.KeyringPath.TrimStart('/'))}]",
                File.ReadAllText(Path.Combine(apt.Root, "etc/apt/sources.list.d/autoglm-cuda.list")));

            // A second run changes nothing.
            Assert.Equal("converged", Apply(apt, Request(apt, keyFile)).Status);
        }

        [Fact]
        public void ARepositorySignedByAnotherKeyThanTheGivenOneIsRefusedAndUndone()
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();
            var keyFile = Path.Combine(apt.Bin, "other.gpg");
            File.WriteAllBytes(keyFile, apt.GenerateKey("Someone Else <else@autoglm.test>"));

            var result = Apply(apt, Request(apt, keyFile));

            Assert.Equal("rolled-back", result.Status);
            Assert.Equal("repo.update", result.FailedStep);
            Assert.False(apt.Installed().ContainsKey("nvidia-open"));
            Assert.False(File.Exists(Path.Combine(apt.Root, RepositoryKeyring.KeyringPath.TrimStart('/'))));
            Assert.False(File.Exists(Path.Combine(apt.Root, "etc/apt/sources.list.d/autoglm-cuda.list")));
        }

        [Theory]
        [InlineData("missing", "RepositoryKeyringUnreadable")]
        [InlineData("text", "RepositoryKeyringInvalid")]
        [InlineData("signature", "RepositoryKeyringInvalid")]
        [InlineData("secret", "RepositoryKeyringInvalid")]
        [InlineData("bad-armor", "RepositoryKeyringInvalid")]
        public void AFileThatIsNotAReadablePublicKeyIsRefusedBeforeAnythingChangesAlsoInAPreview(string kind, string errorId)
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();
            var keyFile = Path.Combine(apt.Bin, "key-" + kind);
            switch (kind)
            {
                case "text": File.WriteAllText(keyFile, "this is not a key\n"); break;
                case "signature":
                    File.WriteAllText(Path.Combine(apt.Bin, "data.txt"), "x");
                    AptSandbox.Run("gpg", "--homedir", apt.GnuPgHome, "--batch", "--yes", "--local-user", "repo@autoglm.test", "--detach-sign", "-o", keyFile, Path.Combine(apt.Bin, "data.txt"));
                    break;
                case "secret":
                    File.WriteAllBytes(keyFile, Convert.FromBase64String(Convert.ToBase64String(Encoding.ASCII.GetBytes(
                        AptSandbox.Run("gpg", "--homedir", apt.GnuPgHome, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--armor", "--export-secret-keys", "repo@autoglm.test")))));
                    break;
                case "bad-armor": File.WriteAllText(keyFile, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!not base64!!!!\n-----END PGP PUBLIC KEY BLOCK-----\n"); break;
            }
            var before = apt.Tree();
            var system = new LiveSystem(apt.Root, apt.Path_);
            foreach (var preview in new[] { true, false })
            {
                var request = Request(apt, keyFile);
                request.Preview = preview;
                var ex = Assert.Throws<AutoGlmException>(() => DriverPlanner.PlanDriver(request, system, NullOutput.Instance));
                Assert.Equal(errorId, ex.ErrorId);
                Assert.Contains(keyFile, ex.Message);
                Assert.Equal(before, apt.Tree());
            }
        }

        [Fact]
        public void APreviewWithoutTheRepositoryStillShowsTheKeyItWillWrite()
        {
            using var apt = new AptSandbox();
            var keyFile = Path.Combine(apt.Bin, "repo.gpg");
            File.WriteAllBytes(keyFile, apt.Key);
            var system = new LiveSystem(apt.Root, apt.Path_);
            var request = Request(apt, keyFile, "http://127.0.0.1:9/mirror/");
            request.Preview = true;
            request.Version = null;

            var plan = DriverPlanner.PlanDriver(request, system, NullOutput.Instance);

            var keyring = plan.Steps.Single(s => s.Id == "repo.keyring");
            Assert.IsNotType<DeferredStep>(keyring);
            Assert.Equal(RepositoryKeyring.KeyringPath, keyring.Files.Single().Path);
            Assert.Equal(RepositoryKeyring.Armor(apt.Key), keyring.Files.Single().Content);
            Assert.Contains("signed-by=" + system.MapPath(RepositoryKeyring.KeyringPath), plan.Steps.Single(s => s.Id == "repo.source").Files.Single().Content);
            Assert.IsType<DeferredStep>(plan.Steps.Single(s => s.Id == "driver.install"));
        }

        [Fact]
        public void TheCliPassesTheKeyringThroughInstallDriverInstallCudaAndInstall()
        {
            using var apt = new AptSandbox();
            Directory.CreateDirectory(Path.Combine(apt.Root, "etc"));
            File.WriteAllText(Path.Combine(apt.Root, "etc/os-release"), "ID=ubuntu\nVERSION_ID=\"22.04\"\n");
            var pci = Path.Combine(apt.Root, "sys/bus/pci/devices/0000:17:00.0");
            Directory.CreateDirectory(pci);
            File.WriteAllText(Path.Combine(pci, "vendor"), "0x10de\n");
            File.WriteAllText(Path.Combine(pci, "device"), "0x2330\n");
            File.WriteAllText(Path.Combine(pci, "class"), "0x030200\n");
            var junk = Path.Combine(apt.Bin, "junk.key");
            File.WriteAllText(junk, "junk\n");
            var good = Path.Combine(apt.Bin, "good.gpg");
            File.WriteAllBytes(good, apt.Key);
            var before = apt.Tree();
            foreach (var (argv, id) in new[]
            {
                (new[] { "install-driver", "--repository-keyring", junk }, "[RepositoryKeyringInvalid]"),
                (new[] { "install-cuda", "--repository-keyring", Path.Combine(apt.Bin, "missing.gpg") }, "[RepositoryKeyringUnreadable]"),
                (new[] { "install", "--driver-repository-keyring", junk }, "[RepositoryKeyringInvalid]"),
            })
            {
                var run = Cli.Run(apt.Path_, InstallDriverCliTests.NoNetwork, argv.Concat(new[] { "--what-if", "--root", apt.Root, "--profile", "vllm-server" }).ToArray());
                Assert.True(run.ExitCode == 2 && run.Stderr.Contains(id), argv[0] + ": " + run.ExitCode + " " + run.Stderr);
            }
            // A good key: the preview's repo.keyring step writes it, armored, where signed-by points.
            var ok = Cli.Run(apt.Path_, InstallDriverCliTests.NoNetwork, "install-driver", "--what-if", "--root", apt.Root, "--profile", "vllm-server",
                "--repository-url", "http://127.0.0.1:9/mirror/", "--repository-keyring", good);
            Assert.True(ok.ExitCode == 0, ok.Stderr);
            Assert.Contains("/usr/share/keyrings/autoglm-driver-repository.asc", ok.Stdout);
            Assert.Contains("-----BEGIN PGP PUBLIC KEY BLOCK-----", ok.Stdout);
            Assert.DoesNotContain("cuda-keyring_", ok.Stdout); // no cuda-keyring .deb is installed
            Assert.Equal(before, apt.Tree());
        }

        [Fact]
        public void TheArmorMatchesGpgsOwnByteForByte()
        {
            using var apt = new AptSandbox();
            var gpgArmor = AptSandbox.Run("gpg", "--homedir", apt.GnuPgHome, "--armor", "--export", "repo@autoglm.test");
            // gpg may add a Comment or Version header; the body and the CRC-24 line must be the same.
            string Body(string armor) => string.Join("\n", armor.Replace("\r", "").Split('\n').SkipWhile(l => l.Length > 0).Where(l => l.Length > 0));
            Assert.Equal(Body(gpgArmor), Body(RepositoryKeyring.Armor(apt.Key)));
            Assert.Equal(apt.Key, RepositoryKeyring.Binary(Encoding.ASCII.GetBytes(gpgArmor), out _));
        }
    }
}
