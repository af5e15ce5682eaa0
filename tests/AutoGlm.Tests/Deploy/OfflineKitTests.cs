using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Kit;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Engine.Versions;
using AutoGlm.Tests.Python;
using AutoGlm.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>
    /// The offline kit end to end: exported from local sources (the signed apt repository, a wheelhouse, a bare
    /// git remote, model files), those sources then taken away, and `autoglm install --kit` run as a separate
    /// process with every proxy on a closed port, PIP_NO_INDEX, and strace recording each connect(): real apt,
    /// dpkg, git, venv and pip in the isolated root. A kit that was changed, or made for another host, is refused.
    /// </summary>
    [Collection("apt")]
    public class OfflineKitTests
    {
        private readonly ITestOutputHelper _log;
        public OfflineKitTests(ITestOutputHelper log) => _log = log;

        private const string ClosedIndex = "--index-url http://127.0.0.1:9/simple/";
        private static string Facts => Path.Combine(Repo.Root, "tests", "fixtures", "hosts", "h100-ubuntu2204-nodriver.json");

        /// <summary>The rig's lock, with its own source lines replaced by an index no one can reach: only the kit's wheels can satisfy it.</summary>
        private static string Lock(InstallRig rig, string directory)
        {
            Directory.CreateDirectory(directory);
            var request = new VenvRequest { Profile = "vllm-server", Stack = InstallRig.Stack(), Wheelhouse = rig.Wheelhouse, InstallPath = "/opt/autoglm" };
            var plan = VenvService.LockPlan(new LiveSystem(directory), request, NullOutput.Instance);
            foreach (var step in plan.Steps.OfType<WriteFileStep>())
            {
                var text = Regex.Replace(step.File.Content, @"^(--find-links .*|--no-index)\n", "", RegexOptions.Multiline);
                text = new Regex("\n\n").Replace(text, "\n" + ClosedIndex + "\n\n", 1);
                File.WriteAllText(Path.Combine(directory, Path.GetFileName(step.File.Path)), text);
            }
            return Path.Combine(directory, PythonLock.BaseFileName);
        }

        internal static KitExportRequest ExportRequest(InstallRig rig, TempDir tmp, string output)
        {
            var weights = tmp.Combine("weights");
            Directory.CreateDirectory(weights);
            foreach (var f in rig.ModelFiles) File.WriteAllBytes(Path.Combine(weights, f.Key), f.Value);
            return new KitExportRequest
            {
                Output = output, Profile = "vllm-server", FactsFile = Facts, Kernel = "5.15.0-119-generic", DriverRepositoryUrl = rig.Apt.RepoUrl,
                LockFile = Lock(rig, tmp.Combine("lock")), Wheelhouse = rig.Wheelhouse, RepositoryUrl = "file://" + rig.Remote, Ref = "main",
                AllowLocalRepository = true, ModelManifest = rig.Manifest, ModelPath = weights, CommandTimeout = TimeSpan.FromSeconds(60),
            };
        }

        private static readonly Lazy<bool> StraceWorks = new Lazy<bool>(() =>
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo("strace", "-f -qq --seccomp-bpf -e trace=connect -o /dev/null true") { RedirectStandardError = true, UseShellExecute = false })!;
                p.WaitForExit(30_000);
                return p.HasExited && p.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception) { return false; }
        });

        [Fact]
        public void AKitExportedFromLocalSourcesInstallsWithNoNetworkAndASecondRunChangesNothing()
        {
            using var rig = new InstallRig();
            using var tmp = new TempDir();
            var kitDir = tmp.Combine("site-kit");
            var e = ExportRequest(rig, tmp, kitDir);
            var watch = Stopwatch.StartNew();
            var exported = Cli.Run(null, "kit", "export", "--out", kitDir, "--facts", e.FactsFile, "--profile", "vllm-server", "--kernel", e.Kernel!,
                "--driver-repository-url", e.DriverRepositoryUrl!, "--lock", e.LockFile, "--wheelhouse", e.Wheelhouse, "--repository-url", e.RepositoryUrl!,
                "--allow-local", "--ref", "main", "--model-manifest", e.ModelManifest!, "--model-path", e.ModelPath!, "--format", "json");
            Assert.True(exported.ExitCode == 0, $"exit {exported.ExitCode}\n{exported.Stderr}\n{exported.Stdout}");
            var kit = OfflineKit.Open(kitDir);
            _log.WriteLine($"export (CLI process) {watch.Elapsed.TotalSeconds:0.00} s, {kit.Files.Count} files, {kit.Files.Sum(f => f.Size)} bytes");
            // The id printed at export is the manifest's sha256, what `kit verify` prints at the site.
            Assert.Equal(kit.Id, ((IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(exported.Stdout)!)["id"]);
            var verified = Cli.Run(null, "kit", "verify", kitDir);
            Assert.True(verified.ExitCode == 0 && verified.Stdout.Contains(kit.Id), verified.Stderr + verified.Stdout);

            // What the kit holds: the target, the plan's packages with their in-repository dependencies, the commit.
            Assert.Equal(("ubuntu-22.04", "x86_64", "vllm-server", 595, "open"), (kit.Os, kit.Architecture, kit.Profile, kit.DriverBranch ?? 0, kit.DriverFlavor));
            Assert.Equal(new[] { "cuda-keyring=1.1-1", "dkms=2.8.7-2ubuntu2.2", "linux-headers-5.15.0-119-generic=5.15.0-119.129", "nvidia-driver-pinning-595=595.45.04-1", "nvidia-open=595.45.04-1" },
                kit.DriverPackages.OrderBy(p => p, StringComparer.Ordinal));
            Assert.Equal(rig.Commit, kit.RepositoryCommit);
            // The publisher's signed index, byte for byte.
            Assert.Equal(File.ReadAllBytes(Path.Combine(rig.Apt.Repo, "InRelease")), File.ReadAllBytes(Path.Combine(kitDir, "apt", "InRelease")));
            Assert.Equal(new[] { "requests-2.32.0-py3-none-any.whl" }, Directory.GetFiles(Path.Combine(kitDir, "python", "wheels")).Select(Path.GetFileName));
            Assert.True(kit.ModelWeights);

            // The sources are gone: only the kit can supply anything.
            Directory.Move(rig.Apt.Repo, rig.Apt.Repo + ".gone");
            Directory.Move(rig.Remote, rig.Remote + ".gone");
            Directory.Move(rig.Wheelhouse, rig.Wheelhouse + ".gone");

            var first = Install(rig, kitDir, tmp.Combine("strace-1.log"));
            Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}\n{first.Stderr}\n{first.Stdout}");
            var summary = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(first.Stdout)!;
            Assert.True((bool)summary["changed"]!, first.Stdout);

            // The same result as the online install (HostInstallEndToEndTests).
            Assert.Equal((InstallRig.Driver + "-1", true), rig.Apt.Installed()["nvidia-open"]);
            Assert.Contains(kit.AptUrl(), File.ReadAllText(rig.Real("/etc/apt/sources.list.d/autoglm-cuda.list")));
            var python = rig.Real("/opt/autoglm/venv/bin/python");
            Assert.Equal((0, "True 2.32.0\n"), VenvSyncTests.Run(python, "-c", "import phone_agent, requests; print(phone_agent.STANDIN, requests.__version__)"));
            var checkout = rig.Real("/opt/autoglm/Open-AutoGLM");
            Assert.Equal(rig.Commit, rig.Git(checkout, "rev-parse", "HEAD").Trim());
            // origin names the upstream repository, not the bundle: a later online run sees the same checkout.
            Assert.Equal("file://" + rig.Remote, rig.Git(checkout, "remote", "get-url", "origin").Trim());
            foreach (var f in rig.ModelFiles) Assert.Equal(f.Value, File.ReadAllBytes(rig.Real(InstallRig.ModelPath + "/" + f.Key)));
            Assert.Empty(rig.Server.Requests.Where(r => r.StartsWith("GET /models/", StringComparison.Ordinal)));
            Assert.True(File.Exists(rig.Real("/etc/systemd/system/autoglm-vllm-server.service")));

            // The second run: nothing to do, and still nothing tried the network.
            var tree = rig.Tree();
            watch.Restart();
            var second = Install(rig, kitDir, tmp.Combine("strace-2.log"));
            _log.WriteLine($"offline no-op install (CLI process under strace) {watch.Elapsed.TotalSeconds:0.00} s");
            Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}\n{second.Stderr}\n{second.Stdout}");
            Assert.False((bool)((IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(second.Stdout)!)["changed"]!, second.Stdout);
            Assert.Equal(tree, rig.Tree());
        }

        /// <summary>`autoglm install --kit` with the network closed; every connect() it (or a child) made is read from strace's log.</summary>
        private ProcessOutcome Install(InstallRig rig, string kit, string straceLog)
        {
            var env = new Dictionary<string, string>(AutoGlm.Tests.Install.InstallDriverCliTests.NoNetwork)
            {
                // The local stand-in server is reached directly; any other HTTP goes to the closed proxy, and strace sees it.
                ["no_proxy"] = "127.0.0.1", ["NO_PROXY"] = "127.0.0.1",
                ["PIP_NO_INDEX"] = "1", ["GIT_CONFIG_GLOBAL"] = rig.Environment["GIT_CONFIG_GLOBAL"]!, ["GIT_CONFIG_NOSYSTEM"] = "1",
            };
            var args = new[] { "install", "--root", rig.Root, "--kit", kit, "--install-path", "/opt/autoglm", "--port", rig.Server.Port.ToString(),
                "--model-path", InstallRig.ModelPath, "--health-timeout", "5", "--force", "--format", "json" };
            if (!StraceWorks.Value)
            {
                // .ci/run installs strace; where ptrace is refused (some containers) the closed proxies and the moved sources still hold.
                _log.WriteLine("strace cannot trace here: the connect() record is left out; the proxies are closed and the sources gone");
                return Cli.Run(rig.Apt.Path_, env, args);
            }
            var outcome = Cli.RunUnder(new[] { "strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect,execve", "-o", straceLog }, rig.Apt.Path_, env, args);
            // Loopback only: the health check and proof talk to the local stand-in server; unix sockets are local too.
            var log = File.ReadAllLines(straceLog);
            var inet = log.Where(l => l.Contains("sa_family=AF_INET")).ToList();
            bool Loopback(string l) => l.Contains("inet_addr(\"127.0.0.1\")") || l.Contains("\"::1\"") || l.Contains("\"::ffff:127.0.0.1\"");
            // Beyond loopback, or to the closed proxy (port 9): something tried the network. Name the program that did.
            var tried = inet.Where(l => !Loopback(l) || l.Contains("port=htons(9)")).ToList();
            var programs = tried.Select(l => l.Split(' ')[0]).Distinct()
                .Select(pid => log.LastOrDefault(l => l.StartsWith(pid + " execve(", StringComparison.Ordinal)) ?? pid + " (no execve seen)");
            Assert.True(tried.Count == 0, "network attempts:\n" + string.Join("\n", tried.Take(5)) + "\nby:\n" + string.Join("\n", programs));
            return outcome;
        }

        /// <summary>A request that plans to the end: the rig's host has no driver yet, so the driver plan reads the kit too.</summary>
        private static HostInstallRequest WithSources(HostInstallRequest r)
        {
            r.HealthTimeout = TimeSpan.FromSeconds(5);
            r.WhatIf = true;
            return r;
        }

        [Fact]
        public void AChangedKitOrOneMadeForAnotherHostIsRefusedBeforeAnythingChanges()
        {
            using var rig = new InstallRig();
            using var tmp = new TempDir();
            var good = tmp.Combine("kit");
            var export = ExportRequest(rig, tmp, good);
            export.ModelPath = null;
            var kit = KitExporter.Export(export, NullOutput.Instance);
            var system = rig.Host();
            var before = rig.Tree();
            HostInstallRequest Request(string dir, string? profile = null) => new HostInstallRequest
            {
                Kit = dir, Profile = profile, InstallPath = "/opt/autoglm", Port = rig.Server.Port.ToString(), CommandTimeout = TimeSpan.FromSeconds(60),
            };
            AutoGlmException Refused(HostInstallRequest request, string errorId)
            {
                var ex = Assert.Throws<AutoGlmException>(() => HostInstaller.Plan(system, request, NullOutput.Instance));
                Assert.True(ex.ErrorId == errorId, ex.ErrorId + ": " + ex.Message);
                Assert.Equal(before, rig.Tree());
                return ex;
            }
            string Copy(string name)
            {
                var to = tmp.Combine(name);
                foreach (var f in Directory.GetFiles(good, "*", SearchOption.AllDirectories))
                {
                    var target = Path.Combine(to, f.Substring(good.Length + 1));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(f, target);
                }
                return to;
            }

            // A wheel changed after export (same name): named with both hashes.
            var tampered = Copy("tampered");
            File.AppendAllText(Path.Combine(tampered, "python", "wheels", "requests-2.32.0-py3-none-any.whl"), "x");
            Assert.Contains("has python/wheels/requests-2.32.0-py3-none-any.whl changed", Refused(Request(tampered), "KitFileTampered").Message);
            var verify = Cli.Run(null, "kit", "verify", tampered);
            Assert.Equal(2, verify.ExitCode);
            Assert.Contains("[KitFileTampered]", verify.Stderr);
            // A package added, a package taken away.
            var added = Copy("added");
            File.WriteAllText(Path.Combine(added, "apt", "evil_1.0_amd64.deb"), "not from the kit");
            Assert.Contains("apt/evil_1.0_amd64.deb", Refused(Request(added), "KitFileUnlisted").Message);
            var missing = Copy("missing");
            File.Delete(Path.Combine(missing, "apt", "nvidia-open_595.45.04-1_amd64.deb"));
            Assert.Contains("lacks apt/nvidia-open_595.45.04-1_amd64.deb", Refused(Request(missing), "KitFileMissing").Message);
            // A folder swapped for a link (to the same wheels plus one more): links are refused before any file is read.
            var linked = Copy("linked");
            var elsewhere = tmp.Combine("elsewhere-wheels");
            Directory.Move(Path.Combine(linked, "python", "wheels"), elsewhere);
            File.WriteAllText(Path.Combine(elsewhere, "setuptools-99.0-py3-none-any.whl"), "not from the kit");
            Directory.CreateSymbolicLink(Path.Combine(linked, "python", "wheels"), elsewhere);
            Assert.Contains("holds a link, python/wheels", Refused(Request(linked), "KitFileUnlisted").Message);
            // The id export printed pins the manifest.
            var pinned = Request(good);
            pinned.KitId = new string('0', 64);
            Assert.Contains("not " + new string('0', 64), Refused(pinned, "KitIdMismatch").Message);
            pinned.KitId = kit.Id.ToUpperInvariant();
            Assert.Contains("every file matched its manifest", HostInstaller.Plan(system, WithSources(pinned), NullOutput.Instance).Plan.Notes[0]);
            Assert.Equal(before, rig.Tree());
            // A manifest that points outside the kit.
            var hostile = Copy("hostile");
            var manifest = Path.Combine(hostile, "manifest.json");
            File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"python/requirements.lock\"", "\"../../etc/passwd\""));
            Assert.Contains("not a plain relative path", Refused(Request(hostile), "KitManifestInvalid").Message);
            // Made for another driver branch (the manifest says R580; its files all match).
            var branch = Copy("branch");
            manifest = Path.Combine(branch, "manifest.json");
            File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"driverBranch\": 595", "\"driverBranch\": 580"));
            Assert.Contains("driver branch R580, but here it is R595", Refused(Request(branch), "KitMismatch").Message);
            // Another profile, an option the kit supplies.
            Assert.Contains("profile vllm-server, but here it is sglang-server", Refused(Request(good, "sglang-server"), "KitMismatch").Message);
            var conflict = Request(good);
            conflict.Wheelhouse = rig.Wheelhouse;
            Assert.Contains("--wheelhouse", Refused(conflict, "KitOptionConflict").Message);
            // Another architecture, another OS release.
            rig.File("/proc/sys/kernel/arch", "aarch64\n");
            before = rig.Tree();
            Assert.Contains("architecture x86_64, but here it is aarch64", Refused(Request(good), "KitMismatch").Message);
            File.Delete(rig.Real("/proc/sys/kernel/arch"));
            var osRelease = File.ReadAllText(rig.Real("/etc/os-release"));
            rig.File("/etc/os-release", "NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n");
            before = rig.Tree();
            Assert.Contains("operating system ubuntu-22.04, but here it is ubuntu-24.04", Refused(Request(good), "KitMismatch").Message);
            rig.File("/etc/os-release", osRelease);

            // Export refuses a ref the repository lacks, weights that differ from the manifest, a package that differs from the
            // index; each before the kit folder exists.
            AutoGlmException Unexported(Action<KitExportRequest> change, string errorId)
            {
                var request = ExportRequest(rig, tmp, tmp.Combine("refused"));
                change(request);
                var ex = Assert.Throws<AutoGlmException>(() => KitExporter.Export(request, NullOutput.Instance));
                Assert.True(ex.ErrorId == errorId, ex.ErrorId + ": " + ex.Message);
                Assert.False(Directory.Exists(tmp.Combine("refused")));
                Assert.Empty(Directory.GetDirectories(tmp.Path, ".refused.autoglm-kit-*"));
                return ex;
            }
            Assert.Contains("no-such-ref", Unexported(r => r.Ref = "no-such-ref", "RepositoryRefNotFound").Message);
            Assert.Contains("model-00001-of-00001.safetensors", Unexported(r => File.AppendAllText(Path.Combine(r.ModelPath!, "model-00001-of-00001.safetensors"), "x"), "ModelWeightsMissing").Message);
            var deb = Path.Combine(rig.Apt.Repo, "nvidia-open_595.45.04-1_amd64.deb");
            var original = File.ReadAllBytes(deb);
            File.AppendAllText(deb, "x");
            Assert.Contains("nvidia-open_595.45.04-1_amd64.deb", Unexported(_ => { }, "KitPackageHashMismatch").Message);
            File.WriteAllBytes(deb, original);

            // A checkout of another repository where the kit's goes: a kit does not migrate it (that needs the network).
            rig.Git(rig.Real("/"), "init", "-q", rig.Real("/opt/autoglm/Open-AutoGLM"));
            rig.Git(rig.Real("/opt/autoglm/Open-AutoGLM"), "remote", "add", "origin", "https://example.invalid/other/Open-AutoGLM.git");
            before = rig.Tree();
            Assert.Contains("https://example.invalid/other/Open-AutoGLM.git", Refused(Request(good), "KitCheckoutElsewhere").Message);
            Directory.Delete(rig.Real("/opt"), true);
            before = rig.Tree();

            // --force replaces an old kit only, never another folder.
            var notAKit = tmp.Combine("not-a-kit");
            Directory.CreateDirectory(notAKit);
            File.WriteAllText(Path.Combine(notAKit, "precious.txt"), "data");
            var forced = ExportRequest(rig, tmp, notAKit);
            forced.Force = true;
            Assert.Equal("KitOutputExists", Assert.Throws<AutoGlmException>(() => KitExporter.Export(forced, NullOutput.Instance)).ErrorId);
            Assert.Equal("data", File.ReadAllText(Path.Combine(notAKit, "precious.txt")));

            // Export refuses to overwrite a kit, and a lock whose wheel is missing from the wheelhouse.
            var again = Assert.Throws<AutoGlmException>(() => KitExporter.Export(ExportRequest(rig, tmp, good), NullOutput.Instance));
            Assert.Equal("KitOutputExists", again.ErrorId);
            var incomplete = ExportRequest(rig, tmp, tmp.Combine("incomplete"));
            File.Delete(Directory.GetFiles(rig.Wheelhouse, "requests-*.whl").Single());
            Assert.Equal("WheelhouseIncomplete", Assert.Throws<AutoGlmException>(() => KitExporter.Export(incomplete, NullOutput.Instance)).ErrorId);
            Assert.False(Directory.Exists(tmp.Combine("incomplete")));
            Assert.Equal(kit.Id, OfflineKit.Open(good).Id);
        }
    }
}
