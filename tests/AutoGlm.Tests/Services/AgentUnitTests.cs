using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Services;
using Xunit;
using static AutoGlm.Tests.Services.SystemdUnitTests;

namespace AutoGlm.Tests.Services
{
    /// <summary>The phone agent as an opt-in unit (-Role Agent): main.py against the server's unit, hardened, without GPU.</summary>
    public class AgentUnitTests
    {
        private const string Task = "Open Chrome and search for the weather";

        private static ServiceRig Rig(bool mainPy = true)
        {
            var rig = new ServiceRig();
            if (mainPy) rig.File("/opt/autoglm/Open-AutoGLM/main.py", "print('phone agent')\n");
            return rig;
        }

        private static ServiceRequest Request(string? task = Task, string? port = null) =>
            new ServiceRequest { Profile = "vllm-server", Role = "Agent", Task = task, Port = port };

        private static ServiceDefinition Define(ServiceRig rig, ServiceRequest request, List<string>? notes = null) =>
            ServicePlanner.DefineAgent(request, rig.Host(), ServiceRig.Matrix, notes ?? new List<string>());

        [Fact]
        public void TheAgentRunsMainPyAsTheReadmeDoesAfterTheServerWithoutGpuDevices()
        {
            using var rig = Rig();
            var d = Define(rig, Request());
            var unit = SystemdUnit.RenderAgent(d);
            Assert.Equal("autoglm-vllm-server-agent.service", d.UnitName);
            Assert.Equal($"/opt/autoglm/venv/bin/python3 main.py --base-url http://127.0.0.1:8000/v1 --model autoglm-phone-9b \"{Task}\"", Line(unit, "ExecStart"));
            Assert.Equal("/opt/autoglm/Open-AutoGLM", Line(unit, "WorkingDirectory"));
            Assert.Equal("network-online.target autoglm-vllm-server.service", Line(unit, "After"));
            Assert.Equal("network-online.target autoglm-vllm-server.service", Line(unit, "Wants"));
            Assert.Equal(new[] { "char-usb_device rw" }, Lines(unit, "DeviceAllow"));
            Assert.DoesNotContain("nvidia", string.Join("\n", unit.Split('\n').Where(l => !l.StartsWith("#"))));
            Assert.Empty(Lines(unit, "ExecStartPre"));
            Assert.Equal("closed", Line(unit, "DevicePolicy"));
            Assert.Equal("on-failure", Line(unit, "Restart"));
            Assert.Equal("yes", Line(unit, "RemainAfterExit"));
            Assert.Equal("/var/cache/autoglm/autoglm-vllm-server-agent", Line(unit, "ReadWritePaths"));
            Assert.Equal("/etc/autoglm/autoglm-vllm-server-agent.env", Line(unit, "EnvironmentFile"));
        }

        [Fact]
        public void ThePortComesFromTheRegisteredServerUnitUnlessGiven()
        {
            using var rig = Rig();
            var server = ServicePlanner.Define(new ServiceRequest { Profile = "vllm-server", Port = "8123" }, rig.Host(), ServiceRig.Matrix, new List<string>());
            rig.File(server.UnitPath, SystemdUnit.Render(server));
            var notes = new List<string>();
            Assert.Equal(8123, Define(rig, Request(), notes).Port);
            Assert.Contains(notes, n => n.Contains("port 8123"));
            Assert.Contains("--base-url http://127.0.0.1:9001/v1", Line(SystemdUnit.RenderAgent(Define(rig, Request(port: "9001"))), "ExecStart"));
            var ex = Assert.Throws<AutoGlmException>(() => Define(rig, Request(port: "auto")));
            Assert.Equal("ServicePortInvalid", ex.ErrorId);
        }

        [Fact]
        public void SystemdAnalyzeVerifiesTheAgentUnitAndRatesItAtMostTwo()
        {
            using var rig = Rig();
            var server = ServicePlanner.Define(new ServiceRequest { Profile = "vllm-server" }, rig.Host(), ServiceRig.Matrix, new List<string>());
            rig.File(server.UnitPath, SystemdUnit.Render(server));
            var d = Define(rig, Request());
            var root = AnalyzeRoot(rig, d, SystemdUnit.RenderAgent(d));

            var verify = Run("systemd-analyze", "verify", "--root=" + root, Path.Combine(root, "etc/systemd/system", d.UnitName));
            Assert.True(verify.code == 0 && verify.output.Trim().Length == 0, "systemd-analyze verify: " + verify.output);
            var exposure = Exposure(root, d.UnitName);
            Assert.True(exposure <= 2.0, $"exposure {exposure} > 2.0");
        }

        [Fact]
        public void RegisterWritesAndStartsTheAgentWithoutAHealthCheckAndASecondRunConverges()
        {
            using var rig = Rig();
            var request = Request();
            request.Environment["PHONE_AGENT_API_KEY"] = "sk-agent-secret";
            var system = rig.Host();
            var options = new ApplyOptions { LockTimeout = TimeSpan.FromSeconds(5), CommandTimeout = TimeSpan.FromSeconds(10) };
            options.Secrets.Add("sk-agent-secret");

            var plan = ServicePlanner.Register(request, system, ServiceRig.Matrix);
            Assert.Equal(new[] { "service.group", "service.user", "service.directories", "service.environment", "service.unit", "service.reload", "service.running" }, plan.Steps.Select(s => s.Id));
            var first = PlanExecutor.Apply(plan, system, options, NullOutput.Instance);
            Assert.True(first.Status == "changed", first.Message);
            Assert.Contains("systemctl enable autoglm-vllm-server-agent.service", rig.Calls);
            Assert.Contains("systemctl restart autoglm-vllm-server-agent.service", rig.Calls);
            Assert.Contains("PHONE_AGENT_API_KEY=\"sk-agent-secret\"", File.ReadAllText(rig.Real("/etc/autoglm/autoglm-vllm-server-agent.env")));
            Assert.DoesNotContain("sk-agent-secret", File.ReadAllText(first.JournalPath));

            var second = PlanExecutor.Apply(ServicePlanner.Register(request, system, ServiceRig.Matrix), system, options, NullOutput.Instance);
            Assert.True(second.Status == "converged", second.Message);
        }

        [Theory]
        [InlineData(null, true, "Agent", "ServiceAgentTaskInvalid")]
        [InlineData("line one\nline two", true, "Agent", "ServiceAgentTaskInvalid")]
        [InlineData(Task, false, "Agent", "ServiceAgentNotFound")]
        [InlineData(Task, true, "client", "ServiceRoleInvalid")]
        public void BadAgentInputIsRefusedBeforeAnythingChanges(string? task, bool mainPy, string role, string errorId)
        {
            using var rig = Rig(mainPy);
            var before = rig.Tree();
            var request = Request(task);
            request.Role = role;
            var ex = Assert.Throws<AutoGlmException>(() => ServicePlanner.Register(request, rig.Host(), ServiceRig.Matrix));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(before, rig.Tree());
            Assert.Empty(rig.Calls);
        }
    }
}
