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
using AutoGlm.Engine.Facts;

namespace AutoGlm.Tests.Python
{
    /// <summary>
    /// uv as the installer when the host has it (issue 6 item 3). uv is not installable here: a fake `uv` on the
    /// isolated PATH logs its argv and does the work with the real pip, so the venv is really built and verified.
    /// </summary>
    public class UvInstallerTests
    {
        private const string Venv = "/opt/autoglm/venv";

        /// <summary>A stand-in for uv: logs its argv (one argument a line, "&lt;end&gt;" after each call), then installs with pip.</summary>
        internal static string FakeUv(string bin, string log)
        {
            Directory.CreateDirectory(bin);
            var path = Path.Combine(bin, "uv");
            File.WriteAllText(path, "#!/bin/bash\n" +
                $"for a in \"$@\"; do printf '%s\\n' \"$a\" >> '{log}'; done; printf '<end>\\n' >> '{log}'\n" +
                "[ \"$1\" = pip ] && [ \"$2\" = install ] || { echo \"fake uv: unexpected $*\" >&2; exit 2; }\n" +
                "shift 2; py=; args=()\n" +
                "while [ $# -gt 0 ]; do case \"$1\" in --python) py=$2; shift 2;; --index-strategy) shift 2;; *) args+=(\"$1\"); shift;; esac; done\n" +
                // The same install as uv's, by pip: the base interpreter's pip targets the venv (made --without-pip).
                "exec python3.11 -m pip --python \"$py\" install --disable-pip-version-check --no-input \"${args[@]}\"\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return path;
        }

        internal static List<List<string>> Calls(string log) =>
            File.ReadAllText(log).Split("<end>\n", StringSplitOptions.RemoveEmptyEntries).Select(c => c.TrimEnd('\n').Split('\n').ToList()).ToList();

        [Fact]
        public void UvBuildsTheVenvWhenTheHostHasIt()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var log = tmp.Combine("uv.log");
            var uv = FakeUv(tmp.Combine("bin"), log);
            var system = new LiveSystem(root.Path, tmp.Combine("bin") + ":" + Environment.GetEnvironmentVariable("PATH"),
                environment: new Dictionary<string, string?> { [VenvService.InstallerVariable] = null });
            var venv = root.Combine("opt", "autoglm", "venv");

            // -WhatIf names uv and shows its exact commands; nothing is written and uv is not run.
            var plan = VenvService.SyncPlan(system, VenvSyncTests.Request(wh), NullOutput.Instance);
            var preview = PlanExecutor.Preview(plan, system, NullOutput.Instance, TimeSpan.FromSeconds(60));
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));
            Assert.False(File.Exists(log));
            Assert.Contains(preview.Notes, n => n.StartsWith("Installer: uv at " + uv, StringComparison.Ordinal));
            var step = preview.Steps.Single(s => s.Id == "python.venv");
            Assert.Contains("by uv", step.Description);
            Assert.Equal(new[] { "-m", "venv", "--without-pip", Venv + ".autoglm-new" }, step.Commands[0].Skip(1));
            Assert.Equal(new[] { uv, "pip", "install", "--python", Venv + ".autoglm-new/bin/python", "--require-hashes", "--no-deps", "-r", "/opt/autoglm/requirements.lock" }, step.Commands[1]);
            Assert.Equal(new[] { uv, "pip", "install", "--python", Venv + ".autoglm-new/bin/python", "--require-hashes", "--no-deps", "-r", "/opt/autoglm/requirements-override.lock" }, step.Commands[2]);

            var first = PlanExecutor.Apply(plan, system, VenvSyncTests.Options(), NullOutput.Instance);
            Assert.True(first.Status == "changed", first.Message);
            // uv was given the real paths (under the root), base phase then overrides.
            var fresh = venv + ".autoglm-new";
            Assert.Equal(new[]
            {
                new List<string> { "pip", "install", "--python", fresh + "/bin/python", "--require-hashes", "--no-deps", "-r", root.Combine("opt", "autoglm", "requirements.lock") },
                new List<string> { "pip", "install", "--python", fresh + "/bin/python", "--require-hashes", "--no-deps", "-r", root.Combine("opt", "autoglm", "requirements-override.lock") },
            }, Calls(log));
            // Verified against the lock and swapped in like a pip build; the venv has no pip of its own.
            Assert.Equal((0, "5.0.0rc0 2.9.1+cu128\n"), VenvSyncTests.Run(Path.Combine(venv, "bin", "python"), "-c",
                "import torch, sglang, transformers, tokenizers; print(transformers.__version__, torch.__version__)"));
            Assert.False(File.Exists(Path.Combine(venv, "bin", "pip")));
            Assert.False(Directory.Exists(fresh));
            Assert.True(File.Exists(Path.Combine(venv, VenvProbe.MarkerFile)));

            // Idempotent: the second run is converged and does not call uv.
            var second = PlanExecutor.Apply(VenvService.SyncPlan(system, VenvSyncTests.Request(wh), NullOutput.Instance), system, VenvSyncTests.Options(), NullOutput.Instance);
            Assert.Equal("converged", second.Status);
            Assert.Equal(2, Calls(log).Count);
        }
    }

    /// <summary>Which installer the plan names (fake interpreter, no real install): uv, pip, AUTOGLM_INSTALLER, uv's refusals.</summary>
    public class InstallerChoiceTests
    {
        private const string Fresh = "/opt/autoglm/venv.autoglm-new";

        private static FixtureHost Host()
        {
            var fx = FixtureHost.HealthyUbuntu();
            // Its executable is the fake itself, so an apply can run it (`-m venv` prints the probe and succeeds).
            fx.Python("python3.12", "3.12.3", venv: true, ensurepip: true, executable: Path.Combine(fx.BinPath, "python3.12"));
            return fx;
        }

        private static LiveSystem System(FixtureHost fx, string? installer) =>
            new LiveSystem(fx.RootPath, fx.PathVariable, environment: new Dictionary<string, string?> { [VenvService.InstallerVariable] = installer });

        private static VenvRequest Request(string wheelhouse, string? lockFile = null) => new VenvRequest
        {
            Profile = "sglang-server", Stack = LockTests.Stack(), Wheelhouse = lockFile == null ? wheelhouse : null, LockFile = lockFile,
            PythonVersion = "3.12", CommandTimeout = TimeSpan.FromSeconds(30),
        };

        private static PlanPreview Preview(ISystemHost system, VenvRequest request) =>
            PlanExecutor.Preview(VenvService.SyncPlan(system, request, NullOutput.Instance), system, NullOutput.Instance, TimeSpan.FromSeconds(30));

        [Fact]
        public void PipWithoutUvUvWhenPresentAndPipWhenAskedFor()
        {
            using var fx = Host();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("w"));
            var before = VenvSyncTests.Tree(fx.RootPath);

            var pip = Preview(System(fx, null), Request(wh));
            var step = pip.Steps.Single(s => s.Id == "python.venv");
            Assert.Equal(new[] { Fresh + "/bin/python", "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--require-hashes", "--no-deps", "-r", "/opt/autoglm/requirements.lock" }, step.Commands[1]);
            Assert.DoesNotContain(step.Commands, c => c.Any(a => a.EndsWith("/uv", StringComparison.Ordinal)));
            Assert.Contains("Installer: pip (pip install --require-hashes --no-deps); uv is used instead when it is on PATH.", pip.Notes);

            fx.Tool("uv", "echo 'uv 0.9.17'");
            var uv = Path.Combine(fx.BinPath, "uv");
            var withUv = Preview(System(fx, "auto"), Request(wh)).Steps.Single(s => s.Id == "python.venv");
            Assert.Equal(new[] { uv, "pip", "install", "--python", Fresh + "/bin/python", "--require-hashes", "--no-deps", "-r", "/opt/autoglm/requirements.lock" }, withUv.Commands[1]);
            Assert.Contains($"{uv} pip install --python {Fresh}/bin/python --require-hashes --no-deps -r /opt/autoglm/requirements.lock", withUv.CommandLines);

            var forced = Preview(System(fx, "pip"), Request(wh));
            Assert.Equal("pip", forced.Steps.Single(s => s.Id == "python.venv").Commands[1][2]);
            Assert.Contains(forced.Notes, n => n.Contains("as AUTOGLM_INSTALLER=pip asks"));
            Assert.Equal(before, VenvSyncTests.Tree(fx.RootPath));
        }

        [Fact]
        public void AnIndexLockAsksUvToWeighEveryIndexAsPipDoes()
        {
            using var fx = Host();
            using var tmp = new TempDir();
            fx.Tool("uv", "exit 0");
            var lockFile = tmp.Combine("requirements.lock");
            File.WriteAllText(lockFile, "--index-url https://mirror.example/simple\n--extra-index-url https://download.pytorch.org/whl/cu128\n--only-binary :all:\n\n" +
                "requests==2.32.0 \\\n    --hash=sha256:" + new string('a', 64) + "\n");
            var step = Preview(System(fx, null), Request("", lockFile)).Steps.Single(s => s.Id == "python.venv");
            Assert.Equal(new[] { Path.Combine(fx.BinPath, "uv"), "pip", "install", "--python", Fresh + "/bin/python", "--require-hashes", "--no-deps",
                "--index-strategy", "unsafe-best-match", "-r", "/opt/autoglm/requirements.lock" }, step.Commands[1]);
        }

        [Fact]
        public void UnknownOrMissingInstallerIsAClearErrorAndNothingChanges()
        {
            using var fx = Host();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("w"));
            var before = VenvSyncTests.Tree(fx.RootPath);

            var bad = Assert.Throws<AutoGlmException>(() => VenvService.SyncPlan(System(fx, "conda"), Request(wh), NullOutput.Instance));
            Assert.Equal("VenvInstallerInvalid", bad.ErrorId);
            Assert.Contains("AUTOGLM_INSTALLER='conda'", bad.Message);
            Assert.Contains("auto", bad.Message);
            var missing = Assert.Throws<AutoGlmException>(() => VenvService.SyncPlan(System(fx, "uv"), Request(wh), NullOutput.Instance));
            Assert.Equal("VenvInstallerNotFound", missing.ErrorId);
            Assert.Contains("no uv on PATH", missing.Message);
            Assert.Equal(before, VenvSyncTests.Tree(fx.RootPath));
        }

        [Fact]
        public void UvRefusingAHashIsTheSameClearErrorAndNothingIsSwapped()
        {
            using var fx = Host();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("w"));
            // uv 0.9's report of a file whose hash is not the lock's (stderr, exit 1).
            fx.Tool("uv", "cat >&2 <<'EOF'\n" +
                "  × Failed to download `requests==2.32.0`\n" +
                "  ╰─▶ Hash mismatch for `requests==2.32.0`\n\n" +
                "      Expected:\n        sha256:" + new string('a', 64) + "\n\n" +
                "      Computed:\n        sha256:" + new string('b', 64) + "\nEOF\nexit 1");
            fx.File(Venv + "/bin/activate", "# the old venv\n");
            var old = VenvSyncTests.Tree(fx.RootPath + Venv);
            var system = System(fx, null);

            var result = PlanExecutor.Apply(VenvService.SyncPlan(system, Request(wh), NullOutput.Instance), system, VenvSyncTests.Options(), NullOutput.Instance);
            Assert.False(result.Succeeded);
            Assert.Equal("python.venv", result.FailedStep);
            Assert.Contains("uv refused a file whose hash does not match /opt/autoglm/requirements.lock: Hash mismatch for `requests==2.32.0` Expected: sha256:" + new string('a', 64)
                + " Computed: sha256:" + new string('b', 64) + ". Nothing was swapped.", result.Message);
            Assert.Equal(old, VenvSyncTests.Tree(fx.RootPath + Venv));
            Assert.False(Directory.Exists(fx.RootPath + Venv + ".autoglm-new"));
        }

        private const string Venv = "/opt/autoglm/venv";

        [Fact]
        public void OtherUvFailuresNameTheLockAndUvsLastLines()
        {
            var result = new CommandResult(new[] { "uv", "pip", "install" }, CommandStatus.Completed, 2, "",
                "error: Failed to parse `requirements.lock`\n  Caused by: Unsupported option `--frobnicate`\n", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            var text = VenvSyncStep.UvFailure(result, "/opt/autoglm/requirements.lock");
            Assert.StartsWith("uv pip install -r /opt/autoglm/requirements.lock failed (", text);
            Assert.Contains("Caused by: Unsupported option `--frobnicate`", text);
            Assert.DoesNotContain("refused", text);
        }
    }
}
