using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>
    /// A model the service user cannot reach because a folder above it cannot be entered (under /root, mode
    /// 0700): the weights' check, the step and the install plan say so with the fix, in an isolated root.
    /// </summary>
    public class ModelAccessTests : IDisposable
    {
        private const string ModelPath = "/root/models/AutoGLM-Phone-9B";
        private readonly TempDir _dir = new TempDir("autoglm-model-access");
        private readonly string _root;
        private readonly string _manifest;

        public ModelAccessTests()
        {
            _root = _dir.Combine("root");
            var bytes = Encoding.UTF8.GetBytes("{\"architectures\": [\"Glm4vForConditionalGeneration\"]}\n");
            Write(ModelPath + "/config.json", bytes);
            _manifest = _dir.Combine("manifest.json");
            File.WriteAllText(_manifest, "{\"files\": [{\"path\": \"config.json\", \"size\": " + bytes.Length + ", \"sha256\": \""
                + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant() + "\"}]}\n");
            foreach (var dir in new[] { "", "/root/models", ModelPath }) File.SetUnixFileMode(Real(dir), (UnixFileMode)0x1ED); // 0755
            File.SetUnixFileMode(Real(ModelPath + "/config.json"), (UnixFileMode)0x1A4); // 0644
            File.SetUnixFileMode(Real("/root"), (UnixFileMode)0x1C0); // 0700, as /root is
        }

        private string Real(string hostPath) => Path.Combine(_root, hostPath.TrimStart('/'));

        private void Write(string hostPath, byte[] content)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Real(hostPath))!);
            File.WriteAllBytes(Real(hostPath), content);
        }

        private LiveSystem Host() => new LiveSystem(_root);

        private string[] Tree() => Directory.GetFileSystemEntries(_root, "*", SearchOption.AllDirectories)
            .Select(p => p + " " + File.GetUnixFileMode(p) + " " + (File.Exists(p) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))) : "")).OrderBy(x => x).ToArray();

        [Fact]
        public void TheParentsThatCannotBeEnteredAreFoundWithTheirModeAndOwner()
        {
            var blocked = ModelAccess.BlockedParents(Host(), ModelPath, "autoglm", TimeSpan.FromSeconds(30));
            var only = Assert.Single(blocked);
            Assert.StartsWith("/root (mode 700, owner ", only);
            Assert.Equal("sudo chmod o+x /root", ModelAccess.Fix(blocked));
            // Owned by the service user, u+x lets it in; o+x lets everyone in (not list).
            var owner = only.Split("owner ")[1].TrimEnd(')');
            Assert.Empty(ModelAccess.BlockedParents(Host(), ModelPath, owner, TimeSpan.FromSeconds(30)));
            File.SetUnixFileMode(Real("/root"), (UnixFileMode)0x1C1); // 0701
            Assert.Empty(ModelAccess.BlockedParents(Host(), ModelPath, "autoglm", TimeSpan.FromSeconds(30)));
        }

        [Fact]
        public void TheWeightsCheckReportsItAndTheStepStopsWithTheFixChangingNothing()
        {
            var step = new ModelWeightsStep(ModelPath, ModelManifest.Load(_manifest), null);
            var check = step.Test(new StepContext(Host(), NullOutput.Instance, TimeSpan.FromSeconds(30)));
            Assert.False(check.Done);
            Assert.Contains("cannot enter /root (mode 700", check.Detail);
            Assert.Contains("sudo chmod o+x /root", check.Detail);

            var before = Tree();
            var result = PlanExecutor.Apply(new ChangePlan("model", "model", new PlanStep[] { step }, Array.Empty<string>()), Host(),
                new ApplyOptions { LockTimeout = TimeSpan.FromSeconds(5), CommandTimeout = TimeSpan.FromSeconds(30) }, NullOutput.Instance);
            Assert.NotEqual("changed", result.Status);
            Assert.Contains("sudo chmod o+x /root", result.Message);
            Assert.Contains("move the model", result.Message);
            // The model and /root as they were; no stamp of verified files.
            // (the executor's journal and lock live under /var)
            Assert.Equal(before, Tree().Where(p => !p.StartsWith(Real("/var"), StringComparison.Ordinal)).ToArray());
            Assert.False(File.Exists(Real(step.StampPath)));

            // With the folder opened up, the check no longer names it.
            File.SetUnixFileMode(Real("/root"), (UnixFileMode)0x1C1);
            Assert.DoesNotContain("/root (mode", step.Test(new StepContext(Host(), NullOutput.Instance, TimeSpan.FromSeconds(30))).Detail);
        }

        [Fact]
        public void AModelWithoutManifestIsCheckedTheSameWay()
        {
            var step = new ModelPresentStep(ModelPath);
            var check = step.Test(new StepContext(Host(), NullOutput.Instance, TimeSpan.FromSeconds(30)));
            Assert.False(check.Done);
            Assert.Contains("sudo chmod o+x /root", check.Detail);
            File.SetUnixFileMode(Real("/root"), (UnixFileMode)0x1C1);
            Assert.True(step.Test(new StepContext(Host(), NullOutput.Instance, TimeSpan.FromSeconds(30))).Done);
        }

        [Fact]
        public void TheInstallPlanStopsBeforeAnyChangeNamingTheFolderAndTheFix()
        {
            var before = Tree();
            var request = new HostInstallRequest { Profile = "vllm-server", InstallPath = "/opt/autoglm", ModelPath = ModelPath, ModelManifest = _manifest, WhatIf = true };
            var ex = Assert.Throws<AutoGlmException>(() => HostInstaller.Plan(Host(), request, NullOutput.Instance));
            Assert.Equal("ModelPathNotTraversable", ex.ErrorId);
            Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
            Assert.Contains("'autoglm'", ex.Message);
            Assert.Contains(ModelPath, ex.Message);
            Assert.Contains("sudo chmod o+x /root", ex.Message);
            Assert.Contains("Nothing was changed.", ex.Message);
            Assert.Equal(before, Tree());
        }

        public void Dispose()
        {
            if (Directory.Exists(Real("/root"))) File.SetUnixFileMode(Real("/root"), (UnixFileMode)0x1ED);
            _dir.Dispose();
        }
    }
}
