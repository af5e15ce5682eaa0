using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Python
{
    /// <summary>
    /// Discovery with the environment as an input (LiveHost's environment, not this process's): pyenv interpreters
    /// under an isolated root, and the mirror from PIP_INDEX_URL over pip.conf.
    /// </summary>
    public class DiscoveryTests
    {
        /// <summary>A pyenv version as pyenv lays it out: bin/python3.X (a fake answering --version and the probe) and bin/python3 linking to it.</summary>
        private static string PyenvVersion(FixtureHost fx, string pyenvRoot, string version)
        {
            var minor = Interpreters.Minor(version);
            var bin = Path.Combine(fx.RootPath + pyenvRoot, "versions", version, "bin");
            Directory.CreateDirectory(bin);
            var exe = Path.Combine(bin, "python" + minor);
            File.WriteAllText(exe, "#!/bin/sh\n" +
                $"case \"$1\" in --version) echo 'Python {version}'; exit 0;; esac\n" +
                "case \"$2\" in *'import ensurepip'*) exit 0;; esac\n" +
                $"printf 'version={version}\\nexecutable={exe}\\nvenv=1\\nensurepip=1\\n'\n");
            File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.CreateSymbolicLink(Path.Combine(bin, "python3"), "python" + minor);
            return exe;
        }

        private static LiveSystem System(FixtureHost fx, string? home, string? pyenvRoot) =>
            new LiveSystem(fx.RootPath, fx.PathVariable, environment: new Dictionary<string, string?>
            {
                ["HOME"] = home, ["PYENV_ROOT"] = pyenvRoot, [VenvService.InstallerVariable] = null,
            });

        [Fact]
        public void PyenvInterpretersAreFoundUnderTheRootAndChosen()
        {
            using var fx = new FixtureHost();
            using var tmp = new TempDir();
            fx.File("/etc/os-release", "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\n");
            fx.Python("python3.9", "3.9.18", venv: true, ensurepip: true); // on PATH, outside sglang-server's range
            var pyenv = PyenvVersion(fx, "/home/ana/.pyenv", "3.11.9");
            Directory.CreateDirectory(fx.RootPath + "/home/ana/.pyenv/versions/3.12.1/bin"); // an unfinished install: no python3
            var other = PyenvVersion(fx, "/srv/pyenv", "3.12.4");

            // PYENV_ROOT unset: ~/.pyenv of the host's HOME, read under the root.
            var system = System(fx, "/home/ana", null);
            var candidates = Interpreters.Candidates(system);
            Assert.Contains(system.MapPath("/home/ana/.pyenv/versions/3.11.9/bin/python3"), candidates);
            Assert.DoesNotContain(candidates, c => c.Contains("3.12.1") || c.Contains("/srv/pyenv"));
            var found = Interpreters.Discover(system, TimeSpan.FromSeconds(10));
            Assert.Equal(new[] { ("3.11.9", pyenv), ("3.9.18", "/usr/bin/python3.9") }, found.Select(i => (i.Version, i.Executable)).OrderBy(v => v.Item1, StringComparer.Ordinal));

            // The sync plan builds the venv with it: the only interpreter within the profile's range.
            var preview = PlanExecutor.Preview(VenvService.SyncPlan(system, new VenvRequest
            {
                Profile = "sglang-server", Stack = LockTests.Stack(), Wheelhouse = Wheels.Wheelhouse(tmp.Combine("w")), CommandTimeout = TimeSpan.FromSeconds(10),
            }, NullOutput.Instance), system, NullOutput.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal(new[] { pyenv, "-m", "venv", "/opt/autoglm/venv.autoglm-new" }, preview.Steps.Single(s => s.Id == "python.venv").Commands[0]);
            Assert.Contains($"Interpreter: Python 3.11.9 at {pyenv}.", preview.Notes);

            // PYENV_ROOT set: that tree, not ~/.pyenv.
            var rooted = Interpreters.Discover(System(fx, "/home/ana", "/srv/pyenv"), TimeSpan.FromSeconds(10));
            Assert.Equal(new[] { "3.12.4", "3.9.18" }, rooted.Select(i => i.Version).OrderBy(v => v, StringComparer.Ordinal));
            Assert.Contains(rooted, i => i.Executable == other);
            // Neither set: no pyenv at all.
            Assert.Equal(new[] { "3.9.18" }, Interpreters.Discover(System(fx, null, null), TimeSpan.FromSeconds(10)).Select(i => i.Version));
        }

        [Fact]
        public void PipIndexUrlWinsOverPipConfAndTheUsersFileOverTheSystems()
        {
            using var root = new TempDir();
            Directory.CreateDirectory(root.Combine("etc"));
            File.WriteAllText(root.Combine("etc", "pip.conf"), "[global]\nindex-url = https://mirror.example/simple/\n");
            Directory.CreateDirectory(root.Combine("home", "ana", ".config", "pip"));
            File.WriteAllText(root.Combine("home", "ana", ".config", "pip", "pip.conf"), "[global]\nindex-url = https://user.example/pypi/simple\n");
            var extra = new[] { "https://download.pytorch.org/whl/cu128" };
            PackageSource Discover(string? env, string? indexUrl = null) => PackageSource.Discover(
                new LiveHost(root.Path, environment: new Dictionary<string, string?> { ["PIP_INDEX_URL"] = env, ["HOME"] = "/home/ana" }), indexUrl, extra);

            // pip's order: the user's file after the system's, so the user's wins.
            var conf = Discover(null);
            Assert.Equal(("https://user.example/pypi/simple", "/home/ana/.config/pip/pip.conf"), (conf.IndexUrl, conf.Origin));

            // PIP_INDEX_URL over every pip.conf, as for pip itself; an explicit URL over both.
            var env = Discover(" https://env.example/simple/ ");
            Assert.Equal(("https://env.example/simple", "PIP_INDEX_URL"), (env.IndexUrl, env.Origin));
            Assert.Equal(new[] { "--index-url https://env.example/simple", "--extra-index-url https://download.pytorch.org/whl/cu128", "--only-binary :all:" }, env.LockOptions());
            Assert.Contains("(PIP_INDEX_URL)", env.Describe());
            var given = Discover("https://env.example/simple", "https://given.example/simple");
            Assert.Equal(("https://given.example/simple", "--index-url"), (given.IndexUrl, given.Origin));
            Assert.Equal("https://user.example/pypi/simple", Discover("   ").IndexUrl); // blank counts as unset

            // Credentials in the variable are refused and masked, naming where the URL came from.
            var secret = Assert.Throws<AutoGlmException>(() => Discover("https://ana:s3cret@env.example/simple"));
            Assert.Equal("IndexUrlHasCredentials", secret.ErrorId);
            Assert.Contains("PIP_INDEX_URL", secret.Message);
            Assert.DoesNotContain("s3cret", secret.Message);
        }
    }
}
