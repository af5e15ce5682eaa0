using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Services;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Services
{
    /// <summary>Register, status and unregister on an isolated root with fake account tools and a fake systemctl.</summary>
    public class ServicePlanTests
    {
        private const string Secret = "hf_Sup3rSecretT0ken";
        private static readonly string[] Mutating = { "groupadd", "useradd", "install", "systemctl daemon-reload", "systemctl enable", "systemctl restart", "systemctl start", "systemctl stop", "systemctl disable" };

        private static ServiceRequest Request(int port, string? secret = Secret)
        {
            var r = new ServiceRequest { Profile = "vllm-server", Port = port.ToString(), HealthTimeout = TimeSpan.FromSeconds(3) };
            if (secret != null) r.Environment["HF_TOKEN"] = secret;
            return r;
        }

        private static ApplyResult Apply(ServiceRig rig, ServiceRequest request)
        {
            var system = rig.Host();
            var plan = ServicePlanner.Register(request, system, ServiceRig.Matrix);
            var options = new ApplyOptions { LockTimeout = TimeSpan.FromSeconds(5), CommandTimeout = TimeSpan.FromSeconds(10) };
            foreach (var s in request.Secrets) options.Secrets.Add(s);
            return PlanExecutor.Apply(plan, system, options, NullOutput.Instance);
        }

        private static IEnumerable<string> MutatingCalls(ServiceRig rig) => rig.Calls.Where(c => Mutating.Any(m => c.StartsWith(m + " ", StringComparison.Ordinal) || c == m));

        [Fact]
        public void WhatIfShowsTheUnitAndCommandsMasksSecretsAndChangesNothing()
        {
            using var rig = new ServiceRig();
            var before = rig.Tree();
            var request = Request(ServiceRig.FreePort());
            request.WhatIf = true;
            var system = rig.Host();
            var preview = PlanExecutor.Preview(ServicePlanner.Register(request, system, ServiceRig.Matrix), system, NullOutput.Instance, TimeSpan.FromSeconds(10));

            Assert.Equal(before, rig.Tree());
            Assert.Empty(MutatingCalls(rig));
            Assert.Equal(new[] { "service.group", "service.user", "service.directories", "service.environment", "service.unit", "service.reload", "service.running", "service.health" }, preview.Steps.Select(s => s.Id));
            Assert.All(preview.Steps, s => Assert.Equal("change", s.Status));
            var json = AutoGlm.Engine.Json.Json.Serialize(preview.ToJson());
            Assert.DoesNotContain(Secret, json);
            Assert.Contains("ExecStart=/opt/autoglm/venv/bin/python3 -m vllm.entrypoints.openai.api_server", json);
            Assert.Contains("\"useradd\"", json);
            Assert.Contains("\"mode\": \"0600\"", json);
        }

        [Fact]
        public void RegisterStatusUnregisterCycle()
        {
            using var server = CannedHttpServer.OpenAi();
            using var rig = new ServiceRig();

            var first = Apply(rig, Request(server.Port));
            Assert.True(first.Status == "changed", first.Message);
            // Seven steps change the host; the health check finds the (stand-in) server answering already.
            Assert.Equal(7, first.Changed);
            Assert.Equal("unchanged", first.Steps.Single(s => s.Id == "service.health").Outcome);
            var unit = File.ReadAllText(rig.Real("/etc/systemd/system/autoglm-vllm-server.service"));
            Assert.EndsWith($"--port {server.Port}", SystemdUnitTests.Line(unit, "ExecStart"));
            Assert.Equal((UnixFileMode)0x1A4, File.GetUnixFileMode(rig.Real("/etc/systemd/system/autoglm-vllm-server.service")));
            Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(rig.Real("/etc/autoglm/autoglm-vllm-server.env")));
            Assert.Contains($"HF_TOKEN=\"{Secret}\"", File.ReadAllText(rig.Real("/etc/autoglm/autoglm-vllm-server.env")));
            Assert.DoesNotContain(Secret, File.ReadAllText(first.JournalPath));
            Assert.Contains("useradd --system --gid autoglm --home-dir /var/cache/autoglm/autoglm-vllm-server --no-create-home --shell /usr/sbin/nologin --comment AutoGLM model server autoglm".Replace("AutoGLM", "AutoGlm"), rig.Calls);
            Assert.Contains("systemctl enable autoglm-vllm-server.service", rig.Calls);
            Assert.Contains("systemctl restart autoglm-vllm-server.service", rig.Calls);
            Assert.Contains("/v1/models", server.Requests);

            var callsBefore = MutatingCalls(rig).Count();
            var second = Apply(rig, Request(server.Port));
            Assert.True(second.Status == "converged", second.Message);
            Assert.Equal(callsBefore, MutatingCalls(rig).Count());

            var status = ServicePlanner.Status("autoglm-vllm-server", rig.Host(), TimeSpan.FromSeconds(3));
            Assert.True(status.UnitFilePresent);
            Assert.Equal("enabled", status.Enabled);
            Assert.Equal("active", status.Active);
            Assert.Equal(server.Port, status.Port);
            Assert.True(status.Healthy, status.Detail);

            var system = rig.Host();
            var removal = PlanExecutor.Apply(ServicePlanner.Unregister("autoglm-vllm-server", system, whatIf: false), system, new ApplyOptions(), NullOutput.Instance);
            Assert.True(removal.Status == "changed", removal.Message);
            Assert.Contains("systemctl disable --now autoglm-vllm-server.service", rig.Calls);
            Assert.False(File.Exists(rig.Real("/etc/systemd/system/autoglm-vllm-server.service")));
            Assert.False(File.Exists(rig.Real("/etc/autoglm/autoglm-vllm-server.env")));
            var gone = ServicePlanner.Status("autoglm-vllm-server", rig.Host(), TimeSpan.FromSeconds(3));
            Assert.False(gone.UnitFilePresent);
            Assert.Equal("inactive", gone.Active);
            Assert.Equal("not-found", gone.Enabled);

            var again = PlanExecutor.Apply(ServicePlanner.Unregister("autoglm-vllm-server", system, whatIf: false), system, new ApplyOptions(), NullOutput.Instance);
            Assert.Equal("converged", again.Status);
        }

        [Fact]
        public void ChangedInputsShowADiffAndRestartOnApply()
        {
            using var a = CannedHttpServer.OpenAi();
            using var b = CannedHttpServer.OpenAi();
            using var rig = new ServiceRig();
            Assert.Equal("changed", Apply(rig, Request(a.Port)).Status);

            var system = rig.Host();
            var moved = Request(b.Port, secret: "hf_another");
            var preview = PlanExecutor.Preview(ServicePlanner.Register(moved, system, ServiceRig.Matrix), system, NullOutput.Instance, TimeSpan.FromSeconds(5));
            var byId = preview.Steps.ToDictionary(s => s.Id);
            Assert.Equal("ok", byId["service.user"].Status);
            Assert.Equal("change", byId["service.environment"].Status);
            Assert.Empty(byId["service.environment"].Diffs);
            var diff = byId["service.unit"].Diffs["/etc/systemd/system/autoglm-vllm-server.service"];
            Assert.Contains($"--port {a.Port}", diff.Split('\n').Single(l => l.StartsWith("-ExecStart=", StringComparison.Ordinal)));
            Assert.Contains($"--port {b.Port}", diff.Split('\n').Single(l => l.StartsWith("+ExecStart=", StringComparison.Ordinal)));
            Assert.Equal("change", byId["service.running"].Status);

            var restarts = rig.Calls.Count(c => c.StartsWith("systemctl restart", StringComparison.Ordinal));
            var result = Apply(rig, moved);
            Assert.True(result.Status == "changed", result.Message);
            Assert.Equal(restarts + 1, rig.Calls.Count(c => c.StartsWith("systemctl restart", StringComparison.Ordinal)));
            Assert.Contains("/v1/models", b.Requests);
        }

        [Fact]
        public void AServerThatNeverAnswersFailsWithTheJournalAndRollsBack()
        {
            using var rig = new ServiceRig();
            var (reserved, port) = ServiceRig.ReservedPort();
            using var _ = reserved;
            var result = Apply(rig, Request(port));

            Assert.Equal("rolled-back", result.Status);
            Assert.Equal("service.health", result.FailedStep);
            Assert.Contains("journalctl -u autoglm-vllm-server.service -n 20 --no-pager", result.Message);
            Assert.Contains("CUDA out of memory", result.Message);
            Assert.DoesNotContain(Secret, result.Message);
            Assert.False(File.Exists(rig.Real("/etc/systemd/system/autoglm-vllm-server.service")));
            Assert.False(File.Exists(rig.Real("/etc/autoglm/autoglm-vllm-server.env")));
            Assert.Contains("systemctl stop autoglm-vllm-server.service", rig.Calls);
            Assert.Contains("systemctl disable autoglm-vllm-server.service", rig.Calls);
            Assert.Contains("service.user", result.Message); // kept: accounts are harmless on their own
        }

        public static IEnumerable<object[]> BadInputs() => new[]
        {
            new object[] { "ServiceNameInvalid", (Action<ServiceRequest>)(r => r.Name = "../etc/passwd") },
            new object[] { "ServiceNameInvalid", (Action<ServiceRequest>)(r => r.Name = "autoglm;rm -rf /") },
            new object[] { "ServiceNameInvalid", (Action<ServiceRequest>)(r => r.Name = "a/b") },
            new object[] { "ServicePortInvalid", (Action<ServiceRequest>)(r => r.Port = "0") },
            new object[] { "ServicePortInvalid", (Action<ServiceRequest>)(r => r.Port = "65536") },
            new object[] { "ServicePortInvalid", (Action<ServiceRequest>)(r => r.Port = "80; reboot") },
            new object[] { "ServiceVenvNotFound", (Action<ServiceRequest>)(r => r.VenvPath = "/opt/missing-venv") },
            new object[] { "ServicePathInvalid", (Action<ServiceRequest>)(r => r.InstallPath = "relative/path") },
            new object[] { "ServiceUserInvalid", (Action<ServiceRequest>)(r => r.User = "root") },
            new object[] { "ServiceEnvironmentInvalid", (Action<ServiceRequest>)(r => r.Environment["BAD-NAME"] = "x") },
            new object[] { "ServiceEnvironmentInvalid", (Action<ServiceRequest>)(r => r.Environment["KEY"] = "line\nbreak") },
            new object[] { "ProfileNotFound", (Action<ServiceRequest>)(r => r.Profile = "no-such-profile") },
            new object[] { "ServiceProfileNotServable", (Action<ServiceRequest>)(r => r.Profile = "phone-agent") },
        };

        [Theory]
        [MemberData(nameof(BadInputs))]
        public void BadInputIsAClearErrorAndChangesNothing(string errorId, Action<ServiceRequest> spoil)
        {
            using var rig = new ServiceRig();
            var before = rig.Tree();
            var request = Request(ServiceRig.FreePort());
            spoil(request);
            var ex = Assert.Throws<AutoGlmException>(() => Apply(rig, request));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(before, rig.Tree());
            Assert.Empty(rig.Calls);
        }

        [Fact]
        public void NotRootIsRefusedButWhatIfStillShowsThePlan()
        {
            using var rig = new ServiceRig(root: false);
            var ex = Assert.Throws<AutoGlmException>(() => Apply(rig, Request(ServiceRig.FreePort())));
            Assert.Equal("ServiceNotAdministrator", ex.ErrorId);
            Assert.Contains("uid 1000", ex.Message);
            Assert.Empty(rig.Calls);
            var request = Request(ServiceRig.FreePort());
            request.WhatIf = true;
            Assert.Equal(8, ServicePlanner.Register(request, rig.Host(), ServiceRig.Matrix).Steps.Count);
        }
    }
}
