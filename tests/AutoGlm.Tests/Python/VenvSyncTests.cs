using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Tests.Support;
using Xunit;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Tests.Python
{
    /// <summary>Real `python -m venv` and pip, offline, on an isolated root: lock, build, tamper, drift, repair, failures.</summary>
    public class VenvSyncTests
    {
        internal sealed class Crash : Exception { }

        internal static VenvRequest Request(string wheelhouse, string? lockFile = null) => new VenvRequest
        {
            Profile = "sglang-server", Stack = LockTests.Stack(), Wheelhouse = lockFile == null ? wheelhouse : null, LockFile = lockFile,
            InstallPath = "/opt/autoglm", CommandTimeout = TimeSpan.FromSeconds(120),
        };

        internal static ApplyOptions Options(bool resume = false) => new ApplyOptions { Resume = resume, CommandTimeout = TimeSpan.FromSeconds(120) };

        internal static (int code, string output) Run(string exe, params string[] args)
        {
            var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }

        internal static Dictionary<string, string> Tree(string dir) => !Directory.Exists(dir) ? new Dictionary<string, string>() :
            Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Where(f => !f.Contains("__pycache__"))
                .ToDictionary(f => f.Substring(dir.Length), f => new FileInfo(f).LinkTarget ?? File.ReadAllText(f));

        private static IReadOnlyDictionary<string, CheckResult> Checks(string root) =>
            EnvironmentTester.Run(new TestRequest { Root = root, Profile = "sglang-server", InstallPath = "/opt/autoglm", Categories = new[] { "python" },
                    Ids = new[] { "python.venv.*", "python.torch.*" }, CommandTimeout = TimeSpan.FromSeconds(30) })
                .Results.ToDictionary(r => r.Id);

        [Fact]
        public void LockBuildTamperDriftRepairAndANoOpSecondRun()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var system = new LiveSystem(root.Path);
            var venv = root.Combine("opt", "autoglm", "venv");
            var python = Path.Combine(venv, "bin", "python");

            // -WhatIf: the exact plan, nothing written (not even the state directory).
            var plan = VenvService.SyncPlan(system, Request(wh), NullOutput.Instance);
            var preview = PlanExecutor.Preview(plan, system, NullOutput.Instance, TimeSpan.FromSeconds(60));
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));
            Assert.Equal(new[] { "python.lock", "python.lock-override", "python.venv" }, preview.Steps.Select(s => s.Id));
            Assert.All(preview.Steps, s => Assert.Equal("change", s.Status));
            var venvStep = preview.Steps.Last();
            Assert.Contains(venvStep.Commands, c => c.Contains("--require-hashes") && c.Contains("--no-deps") && c.Last() == "/opt/autoglm/requirements.lock");
            Assert.Contains("torch==2.9.1+cu128", preview.Steps[0].Files[0].Content);

            var first = PlanExecutor.Apply(plan, system, Options(), NullOutput.Instance);
            Assert.True(first.Status == "changed", first.Message);
            var imported = Run(python, "-c", "import torch, sglang, transformers, tokenizers; print(transformers.__version__, torch.__version__)");
            Assert.Equal((0, "5.0.0rc0 2.9.1+cu128\n"), imported);
            // Built beside and swapped in: no leftovers; scripts name the final path.
            Assert.False(Directory.Exists(venv + ".autoglm-new"));
            Assert.False(Directory.Exists(venv + ".autoglm-old"));
            Assert.Contains("VIRTUAL_ENV=\"" + venv + "\"", File.ReadAllText(Path.Combine(venv, "bin", "activate")));
            Assert.DoesNotContain(".autoglm-new", File.ReadAllText(Path.Combine(venv, "pyvenv.cfg")));
            Assert.Equal(((PythonLock)GetLock(plan)).Sha256 + "\n", File.ReadAllText(Path.Combine(venv, VenvProbe.MarkerFile)));
            var checks = Checks(root.Path);
            Assert.Equal(CheckStatus.Pass, checks["python.venv.drift"].Status);
            Assert.Equal(CheckStatus.Pass, checks["python.torch.cuda"].Status);

            // Idempotent: the second run changes nothing, and decides so from the stamp without starting Python.
            Assert.True(File.Exists(Path.Combine(venv, VenvStamp.FileName)));
            var counting = new CountingSystem(system);
            var second = PlanExecutor.Apply(VenvService.SyncPlan(counting, Request(wh), NullOutput.Instance), counting, Options(), NullOutput.Instance);
            Assert.Equal("converged", second.Status);
            Assert.Equal(0, second.Changed);
            Assert.Empty(counting.Runs);

            // Tamper by hand: another requests and the CPU torch, from the same wheelhouse.
            var tamper = Run("python3.11", "-m", "pip", "--python", python, "install", "--no-index", "--find-links", wh, "--no-deps", "--disable-pip-version-check", "requests==2.31.0", "torch==2.9.1+cpu");
            Assert.True(tamper.code == 0, tamper.output);
            Assert.False(VenvProbe.Probe(system, "/opt/autoglm/venv", TimeSpan.FromSeconds(30)).FromStamp);
            checks = Checks(root.Path);
            Assert.Equal(CheckStatus.Fail, checks["python.venv.drift"].Status);
            Assert.Contains("requests 2.31.0 (lock 2.32.0)", checks["python.venv.drift"].Observed);
            Assert.Contains("torch 2.9.1+cpu (lock 2.9.1+cu128)", checks["python.venv.drift"].Observed);
            Assert.Contains("autoglm venv sync --profile sglang-server", checks["python.venv.drift"].Remediation);
            Assert.Equal(CheckStatus.Fail, checks["python.torch.cuda"].Status);
            Assert.Contains("CPU-only torch", checks["python.torch.cuda"].Message);

            var repairPlan = VenvService.SyncPlan(system, Request(wh), NullOutput.Instance);
            var repairPreview = PlanExecutor.Preview(repairPlan, system, NullOutput.Instance, TimeSpan.FromSeconds(60));
            Assert.Equal(new[] { "ok", "ok", "change" }, repairPreview.Steps.Select(s => s.Status));
            Assert.Contains("drifted", repairPreview.Steps[2].Detail);
            var repair = PlanExecutor.Apply(repairPlan, system, Options(), NullOutput.Instance);
            Assert.True(repair.Status == "changed", repair.Message);
            Assert.Equal(CheckStatus.Pass, Checks(root.Path)["python.venv.drift"].Status);
            Assert.Equal("converged", PlanExecutor.Apply(VenvService.SyncPlan(system, Request(wh), NullOutput.Instance), system, Options(), NullOutput.Instance).Status);
        }

        private static object GetLock(ChangePlan plan)
        {
            var file = ((WriteFileStep)plan.Steps.First(s => s.Id == "python.lock")).File.Content;
            var over = ((WriteFileStep)plan.Steps.First(s => s.Id == "python.lock-override")).File.Content;
            return PythonLock.Parse(file, "base", over, "override");
        }
    }

    /// <summary>
    /// The no-op fast path on a real venv (its own class, so it runs beside the others): a deleted package, a
    /// relinked interpreter and an edited lock are each noticed although the untouched venv is read from its stamp.
    /// </summary>
    public class VenvStampTamperTests
    {
        [Fact]
        public void DeletedPackageRelinkedInterpreterAndEditedLockAreNoticed()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var system = new LiveSystem(root.Path);
            var venv = root.Combine("opt", "autoglm", "venv");
            var lockFile = root.Combine("opt", "autoglm", "requirements.lock");
            var request = VenvSyncTests.Request(wh);
            Assert.Equal("changed", PlanExecutor.Apply(VenvService.SyncPlan(system, request, NullOutput.Instance), system, VenvSyncTests.Options(), NullOutput.Instance).Status);
            var site = Directory.GetDirectories(Path.Combine(venv, "lib"), "python3*").Single() + "/site-packages";
            VenvState Probe() => VenvProbe.Probe(system, "/opt/autoglm/venv", TimeSpan.FromSeconds(30));
            Assert.True(Probe().FromStamp);

            // The lock edited by hand: the venv is still read from its stamp, and the sync sees the lock changed.
            var locked = File.ReadAllText(lockFile);
            File.WriteAllText(lockFile, locked + "# edited\n");
            var edited = PlanExecutor.Preview(VenvService.SyncPlan(system, VenvSyncTests.Request(wh, lockFile), NullOutput.Instance), system, NullOutput.Instance, TimeSpan.FromSeconds(60));
            Assert.Equal("change", edited.Steps.Single(s => s.Id == "python.venv").Status);
            Assert.Contains("the lock changed", edited.Steps.Single(s => s.Id == "python.venv").Detail);
            File.WriteAllText(lockFile, locked);

            // The interpreter replaced (the venv's python now another file): Python is asked, and the venv still matches.
            var python = Path.Combine(venv, "bin", "python");
            var interpreter = new FileInfo(python).ResolveLinkTarget(returnFinalTarget: true)!.FullName;
            var other = tmp.Combine("bin", "python3");
            Directory.CreateDirectory(Path.GetDirectoryName(other)!);
            File.CreateSymbolicLink(other, interpreter);
            File.Delete(python);
            File.CreateSymbolicLink(python, other);
            var relinked = Probe();
            Assert.False(relinked.FromStamp);
            Assert.True(VenvDrift.Compare(VenvService.ReadLock(lockFile).Expected, relinked.Packages).Clean);

            // A package deleted by hand: Python is asked, and the drift check and the sync both see it missing.
            Directory.Delete(Path.Combine(site, "filelock"), true);
            Directory.Delete(Directory.GetDirectories(site, "filelock-*.dist-info").Single(), true);
            var deleted = Probe();
            Assert.False(deleted.FromStamp);
            Assert.False(deleted.Packages.ContainsKey("filelock"));
            var drift = EnvironmentTester.Run(new TestRequest { Root = root.Path, Profile = "sglang-server", InstallPath = "/opt/autoglm", Categories = new[] { "python" },
                Ids = new[] { "python.venv.drift" }, CommandTimeout = TimeSpan.FromSeconds(30) }).Results.Single();
            Assert.Equal(CheckStatus.Fail, drift.Status);
            Assert.Contains("missing: filelock 3.20.0", drift.Observed);
            var repair = PlanExecutor.Preview(VenvService.SyncPlan(system, VenvSyncTests.Request(wh, lockFile), NullOutput.Instance), system, NullOutput.Instance, TimeSpan.FromSeconds(60));
            Assert.Contains("missing: filelock", repair.Steps.Single(s => s.Id == "python.venv").Detail);
        }
    }

    /// <summary>Failure injection on a real venv (its own class, so it runs beside the lifecycle test).</summary>
    public class VenvFailureTests
    {
        private static VenvRequest Request(string w, string? l = null) => VenvSyncTests.Request(w, l);
        private static ApplyOptions Options(bool resume = false) => VenvSyncTests.Options(resume);
        private static Dictionary<string, string> Tree(string d) => VenvSyncTests.Tree(d);
        private static (int code, string output) Run(string exe, params string[] args) => VenvSyncTests.Run(exe, args);

        [Fact]
        public void AnInterruptedOrRefusedSyncLeavesTheOldVenvWorking()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var system = new LiveSystem(root.Path);
            var venv = root.Combine("opt", "autoglm", "venv");
            var python = Path.Combine(venv, "bin", "python");
            var marker = Path.Combine(venv, VenvProbe.MarkerFile);
            Assert.Equal("changed", PlanExecutor.Apply(VenvService.SyncPlan(system, Request(wh), NullOutput.Instance), system, Options(), NullOutput.Instance).Status);
            File.Delete(marker); // the venv no longer proves its lock: the next sync rebuilds it
            var before = Tree(venv);

            // Killed while pip installs into the new folder: the old venv is untouched and still imports.
            var plan = VenvService.SyncPlan(system, Request(wh), NullOutput.Instance, out var step);
            step.Stage = stage => { if (stage == "installed") throw new VenvSyncTests.Crash(); };
            Assert.Throws<VenvSyncTests.Crash>(() => PlanExecutor.Apply(plan, system, Options(), NullOutput.Instance));
            Assert.True(Directory.Exists(venv + ".autoglm-new"));
            Assert.Equal(before, Tree(venv));
            Assert.Equal(0, Run(python, "-c", "import torch, sglang, transformers").code);

            // A wheel replaced after locking: refused, naming the file; nothing swapped.
            Wheels.Build(wh, "requests", "2.32.0", marker: "tampered = True\n");
            var refused = PlanExecutor.Apply(VenvService.SyncPlan(system, Request(wh, root.Combine("opt", "autoglm", "requirements.lock")), NullOutput.Instance),
                system, Options(resume: true), NullOutput.Instance);
            Assert.False(refused.Succeeded);
            Assert.Equal("python.venv", refused.FailedStep);
            Assert.Contains("requests-2.32.0-py3-none-any.whl does not match the lock", refused.Message);
            Assert.False(Directory.Exists(venv + ".autoglm-new")); // the stale half-build was cleared
            Assert.Equal(before, Tree(venv));
            Assert.Equal(0, Run(python, "-c", "import torch, sglang, transformers").code);

            // Killed after the old venv was moved aside: the next run puts it back first, then finishes.
            var wh2 = Wheels.Wheelhouse(tmp.Combine("wheels2"));
            var aside = VenvService.SyncPlan(system, Request(wh2), NullOutput.Instance, out var step2);
            step2.Stage = stage => { if (stage == "moved-aside") throw new VenvSyncTests.Crash(); };
            Assert.Throws<VenvSyncTests.Crash>(() => PlanExecutor.Apply(aside, system, Options(resume: true), NullOutput.Instance));
            Assert.False(Directory.Exists(venv));
            var done = PlanExecutor.Apply(VenvService.SyncPlan(system, Request(wh2), NullOutput.Instance), system, Options(resume: true), NullOutput.Instance);
            Assert.True(done.Status == "changed", done.Message);
            Assert.False(Directory.Exists(venv + ".autoglm-old"));
            Assert.Equal((0, "5.0.0rc0\n"), Run(python, "-c", "import transformers; print(transformers.__version__)"));
        }
    }
}
