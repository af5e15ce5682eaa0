using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Engine.Versions;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Python
{
    /// <summary>
    /// A lock made from an index on a connected machine, installed on an air-gapped one from a wheelhouse
    /// (`venv sync --lock FILE --wheelhouse DIR`): real pip, offline; the lock's index is a closed local port.
    /// </summary>
    public class VenvOfflineLockTests
    {
        private const string ClosedIndex = "--index-url http://127.0.0.1:9/simple/";

        /// <summary>A lock from <paramref name="wheelhouse"/>, its source lines replaced by an index no one can reach.</summary>
        private static string IndexLock(string wheelhouse, string directory)
        {
            Directory.CreateDirectory(directory);
            var plan = VenvService.LockPlan(new LiveSystem(directory), VenvSyncTests.Request(wheelhouse), NullOutput.Instance);
            foreach (var step in plan.Steps.OfType<WriteFileStep>())
            {
                var text = Regex.Replace(step.File.Content, @"^(--find-links .*|--no-index)\n", "", RegexOptions.Multiline);
                text = new Regex("\n\n").Replace(text, "\n" + ClosedIndex + "\n\n", 1);
                File.WriteAllText(Path.Combine(directory, Path.GetFileName(step.File.Path)), text);
            }
            return Path.Combine(directory, PythonLock.BaseFileName);
        }

        private static VenvRequest Offline(string lockFile, string wheelhouse)
        {
            var request = VenvSyncTests.Request(wheelhouse, lockFile);
            request.Wheelhouse = wheelhouse;
            return request;
        }

        private static string Copy(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
            return to;
        }

        [Fact]
        public void AnIndexLockInstallsOfflineFromTheWheelhouseAndABadWheelhouseIsRefusedBeforeAnyChange()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var lockFile = IndexLock(wh, tmp.Combine("lock"));
            Assert.Contains(ClosedIndex, File.ReadAllText(lockFile));
            Assert.DoesNotContain("--find-links", File.ReadAllText(lockFile));
            var system = new LiveSystem(root.Path);

            // A wheel the lock needs is missing: refused at plan time, naming the package; nothing written.
            var missing = Copy(wh, tmp.Combine("missing"));
            File.Delete(Path.Combine(missing, "requests-2.32.0-py3-none-any.whl"));
            var incomplete = Assert.Throws<AutoGlmException>(() => VenvService.SyncPlan(system, Offline(lockFile, missing), NullOutput.Instance));
            Assert.Equal("WheelhouseIncomplete", incomplete.ErrorId);
            Assert.Contains("no wheel of requests==2.32.0", incomplete.Message);
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));

            // A wheel replaced by another file of the same name: refused, naming the package and the file.
            var replaced = Copy(wh, tmp.Combine("replaced"));
            Wheels.Build(replaced, "transformers", "5.0.0rc0", new[] { "tokenizers>=0.22" }, marker: "tampered = True\n");
            var mismatch = Assert.Throws<AutoGlmException>(() => VenvService.SyncPlan(system, Offline(lockFile, replaced), NullOutput.Instance));
            Assert.Equal("WheelhouseHashMismatch", mismatch.ErrorId);
            Assert.Contains("transformers-5.0.0rc0-py3-none-any.whl for transformers==5.0.0rc0", mismatch.Message);
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));

            // The wheelhouse the lock was made from: pip is told --no-index --find-links, and installs without the index.
            var kit = Copy(wh, tmp.Combine("kit"));
            var plan = VenvService.SyncPlan(system, Offline(lockFile, kit), NullOutput.Instance);
            var preview = PlanExecutor.Preview(plan, system, NullOutput.Instance, TimeSpan.FromSeconds(60));
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));
            var install = preview.Steps.Last().Commands.Where(c => c.Contains("--require-hashes")).ToList();
            Assert.Equal(2, install.Count);
            Assert.All(install, c => Assert.Contains("--no-index --find-links " + kit + " -r", string.Join(" ", c)));
            var applied = PlanExecutor.Apply(plan, system, VenvSyncTests.Options(), NullOutput.Instance);
            Assert.True(applied.Status == "changed", applied.Message);
            var python = root.Combine("opt", "autoglm", "venv", "bin", "python");
            Assert.Equal((0, "5.0.0rc0 2.9.1+cu128\n"), VenvSyncTests.Run(python, "-c", "import transformers, torch; print(transformers.__version__, torch.__version__)"));
            // The installed lock is the one given, index line and all; the second run changes nothing.
            Assert.Equal(File.ReadAllText(lockFile), File.ReadAllText(root.Combine("opt", "autoglm", "requirements.lock")));
            Assert.Equal("converged", PlanExecutor.Apply(VenvService.SyncPlan(system, Offline(lockFile, kit), NullOutput.Instance), system, VenvSyncTests.Options(), NullOutput.Instance).Status);

            // Together with an index the wheelhouse is a contradiction, as when locking.
            var both = Offline(lockFile, kit);
            both.IndexUrl = "https://pypi.org/simple/";
            Assert.Equal("SourceConflict", Assert.Throws<AutoGlmException>(() => VenvService.SyncPlan(system, both, NullOutput.Instance)).ErrorId);
        }
    }
}
