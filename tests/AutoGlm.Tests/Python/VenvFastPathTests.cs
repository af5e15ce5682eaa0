using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AutoGlm.Engine;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Python
{
    /// <summary>
    /// The no-op `autoglm venv sync --lock` decides without parsing the matrix (VenvProfileCache), end to end on a
    /// real venv. The proof that the matrix is not read: its override file is damaged in place, keeping size and
    /// modification time. Where the fast path must not be taken (the file touched, --python, no --lock, a drifted
    /// venv, a profile the cache does not know), the full load runs and reports the damage or the unknown profile.
    /// </summary>
    public class VenvFastPathTests
    {
        private const string Site = "schemaVersion: 1\nprofiles:\n  - id: site-venv\n    extends: phone-agent\n    source: https://intranet.example/site\n    installPath: /srv/site\n";

        [Fact]
        public void ANoOpSyncWithALockSkipsTheMatrixOnlyWhileNothingItDependsOnChanged()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var wheels = tmp.Combine("wheels");
            var lockFile = tmp.Combine("requirements.lock");
            File.WriteAllText(lockFile, "--no-index\n--find-links " + wheels + "\n\n" + string.Join("", new[] { ("alpha", "1.0.0"), ("beta", "2.1.0") }
                .Select(w => $"{w.Item1}=={w.Item2} --hash=sha256:{Wheels.Sha256(Wheels.Build(wheels, w.Item1, w.Item2))}\n")));
            var site = tmp.Combine("site.yaml");
            File.WriteAllText(site, Site);
            var sync = new[] { "venv", "sync", "--profile", "site-venv", "--matrix", site, "--lock", lockFile, "--root", root.Path, "--force" };
            var cache = Path.Combine(root.Path, "var", "lib", "autoglm", "cache", VenvProfileCache.FileName);
            var venv = Path.Combine(root.Path, "srv", "site", "venv");

            // -WhatIf records nothing, not even the cache.
            var whatIf = Cli.Run(null, Concat(sync, "--what-if"));
            Assert.True(whatIf.ExitCode == 0, whatIf.Stderr);
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));

            // The build loads the matrix (the profile's install path /srv/site comes from the override) and records it.
            var build = Cli.Run(null, sync);
            Assert.True(build.ExitCode == 0, build.Stdout + build.Stderr);
            Assert.StartsWith("python-venv: changed", build.Stdout);
            Assert.True(File.Exists(Path.Combine(venv, "bin", "python")));
            Assert.True(File.Exists(cache));

            // A no-op with the full load, for comparison: the same run without the cache.
            File.Delete(cache);
            var slowText = Cli.Run(null, sync);
            var slowJson = Cli.Run(null, Concat(sync, "--format", "json"));
            Assert.True(File.Exists(cache)); // a converged run records it too

            // Damage the override in place; size and time as before, so only parsing it would notice.
            var time = File.GetLastWriteTimeUtc(site);
            File.WriteAllText(site, Site.Replace("schemaVersion: 1", "schemaVersion: 9"));
            File.SetLastWriteTimeUtc(site, time);
            var fastText = Cli.Run(null, sync);
            var fastJson = Cli.Run(null, Concat(sync, "--format", "json"));
            Assert.True(fastText.ExitCode == 0, fastText.Stderr);
            Assert.True(fastJson.ExitCode == 0, fastJson.Stderr);
            // The same output as the full load's no-op, timings aside.
            Assert.Equal(Seconds(slowText.Stdout), Seconds(fastText.Stdout));
            Assert.StartsWith("python-venv: converged", fastText.Stdout);
            var json = JsonNode.Parse(fastJson.Stdout)!;
            Assert.Equal("venv for site-venv at /srv/site/venv", (string?)json["title"]);
            Assert.Equal(Seconds(JsonNode.Parse(slowJson.Stdout)!), Seconds(json));
            // -WhatIf takes the fast path too, and still changes nothing.
            var before = VenvSyncTests.Tree(root.Path);
            var fastWhatIf = Cli.Run(null, Concat(sync, "--what-if"));
            Assert.True(fastWhatIf.ExitCode == 0, fastWhatIf.Stderr);
            Assert.Contains("All 2 steps are already in the desired state.", fastWhatIf.Stdout);
            Assert.Equal(before, VenvSyncTests.Tree(root.Path));

            // Where the full load must run, it reads the damaged file and says so.
            AssertMatrixRead(Cli.Run(null, Concat(sync, "--python", "3.11")), "--python");
            AssertMatrixRead(Cli.Run(null, sync.Select(a => a == "--lock" ? "--wheelhouse" : a == lockFile ? wheels : a).ToArray()), "no --lock");
            var other = Cli.Run(null, sync.Select(a => a == "site-venv" ? "no-such-profile" : a).ToArray());
            AssertMatrixRead(other, "a profile the cache does not know");

            // A drifted venv: the fast path declines, and the full load runs.
            var dist = Directory.GetDirectories(Path.Combine(venv, "lib"), "python3*").Single() + "/site-packages/beta-2.1.0.dist-info";
            var metadata = Path.Combine(dist, "METADATA");
            var stamp = File.GetLastWriteTimeUtc(metadata);
            File.SetLastWriteTimeUtc(metadata, stamp.AddSeconds(-10));
            Directory.Move(dist, dist + ".moved");
            AssertMatrixRead(Cli.Run(null, sync), "a drifted venv");
            Directory.Move(dist + ".moved", dist);
            File.SetLastWriteTimeUtc(metadata, stamp);
            Assert.Equal(0, Cli.Run(null, sync).ExitCode); // the fast path again

            // The override touched (its content unchanged since): the key no longer holds.
            File.SetLastWriteTimeUtc(site, time.AddSeconds(1));
            AssertMatrixRead(Cli.Run(null, sync), "the override touched");
            File.WriteAllText(site, Site);
            Assert.Equal(0, Cli.Run(null, sync).ExitCode);
        }

        private static void AssertMatrixRead(ProcessOutcome r, string why)
        {
            Assert.True(r.ExitCode == 2, $"{why}: exit {r.ExitCode}\n{r.Stdout}{r.Stderr}");
            Assert.True(r.Stderr.Contains("schemaVersion is 9") && r.Stderr.Contains("MatrixInvalid"), $"{why}: {r.Stderr}");
        }

        private static string Seconds(string text) => Regex.Replace(text, @"in \d+\.\d s", "in N s");

        private static string Seconds(JsonNode json)
        {
            json["seconds"] = 0;
            foreach (var step in json["steps"]!.AsArray()) step!["seconds"] = 0;
            return json.ToJsonString();
        }

        [Fact]
        public void TheCacheAnswersOnlyForItsKeyAndTheProfilesItRecorded()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var site = tmp.Combine("site.yaml");
            File.WriteAllText(site, Site);
            var system = new LiveSystem(root.Path);
            var key = VenvProfileCache.Key(new[] { site })!;
            Assert.Equal(key, VenvProfileCache.Key(new[] { site }));
            Assert.NotEqual(key, VenvProfileCache.Key(null));
            Assert.Null(VenvProfileCache.Key(new[] { tmp.Combine("missing.yaml") }));
            Assert.Null(VenvProfileCache.TryRead(system, key, "site-venv")); // nothing recorded yet

            var matrix = MatrixLoader.LoadDefault(new[] { site });
            VenvProfileCache.Write(new StepContext(system, NullOutput.Instance, TimeSpan.FromSeconds(5)), key, matrix);
            var profile = VenvProfileCache.TryRead(system, key, "SITE-venv")!;
            Assert.Equal(("site-venv", "/srv/site"), (profile.Id, profile.InstallPath));
            Assert.Equal(matrix.GetProfile(null).Id, VenvProfileCache.TryRead(system, key, null)!.Id);
            Assert.Null(VenvProfileCache.TryRead(system, key, "no-such-profile"));
            Assert.Null(VenvProfileCache.TryRead(system, VenvProfileCache.Key(null)!, "site-venv"));

            // Any change to the override's size or time is another key.
            File.AppendAllText(site, "# edited\n");
            Assert.NotEqual(key, VenvProfileCache.Key(new[] { site }));
            // A damaged cache only means loading the matrix.
            File.WriteAllText(VenvProfileCache.PathFor(system), "{\"format\": 1, \"matrix\": ");
            Assert.Null(VenvProfileCache.TryRead(system, key, "site-venv"));
        }

        [Fact]
        public void APlansCompletedHookRunsAfterAFinishedApplyOnly()
        {
            using var root = new TempDir();
            var system = new LiveSystem(root.Path);
            var calls = new List<string>();
            ChangePlan Plan(bool fail) => new ChangePlan("hook", "hook test", new PlanStep[]
            {
                new WriteFileStep("file", "a file", new PlannedFile("/etc/hook.conf", "x\n", 0x1A4)),
                new CommandStep("fails", "run", "false", "fails when asked", new[] { new[] { "false" } },
                    _ => fail ? StepCheck.Needed("asked to fail") : StepCheck.Satisfied("fine")),
            }) { Completed = _ => calls.Add(fail ? "failing" : "ok") };

            PlanExecutor.Preview(Plan(false), system, NullOutput.Instance, TimeSpan.FromSeconds(5));
            Assert.Empty(calls);
            Assert.Equal("rolled-back", PlanExecutor.Apply(Plan(true), system, new ApplyOptions(), NullOutput.Instance).Status);
            Assert.Empty(calls);
            Assert.Equal("changed", PlanExecutor.Apply(Plan(false), system, new ApplyOptions(), NullOutput.Instance).Status);
            Assert.Equal("converged", PlanExecutor.Apply(Plan(false), system, new ApplyOptions(), NullOutput.Instance).Status);
            Assert.Equal(new[] { "ok", "ok" }, calls);
        }

        private static string[] Concat(string[] a, params string[] b) => ArrayExtensions.Concat(a, b);
    }
}
