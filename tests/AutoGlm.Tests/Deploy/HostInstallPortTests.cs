using System;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Plan;
using Xunit;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>-Port Auto through the whole install plan: the moved port reaches the configuration, the unit and the proof.</summary>
    [Collection("apt")]
    public class HostInstallPortTests
    {
        private const string TcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

        /// <summary>Another program listens on the profile's port 8000 (0x1F40) in the root's /proc/net/tcp.</summary>
        private static void Listen8000(InstallRig rig)
        {
            rig.File("/proc/net/tcp", TcpHeader + "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 77001 1 0000000000000000 100 0 0 10 0\n");
            rig.File("/proc/net/tcp6", TcpHeader);
        }

        [Fact]
        public void PortAutoMovesPastATakenPortInTheConfigTheServiceAndTheProof()
        {
            using var rig = new InstallRig();
            Listen8000(rig);
            var request = rig.Request();
            request.Port = "auto";
            var system = rig.Host();
            var before = rig.Tree();
            var plan = HostInstaller.Plan(system, request, NullOutput.Instance);
            var preview = PlanExecutor.Preview(plan.Plan, system, NullOutput.Instance, TimeSpan.FromSeconds(60));
            Assert.Equal(before, rig.Tree());

            Assert.Equal(8001, plan.Port);
            Assert.Contains("serving on port 8001", plan.Plan.Title);
            var config = preview.Steps.Single(s => s.Id == "config/config.env").Files.Single().Content;
            Assert.Contains("PHONE_AGENT_BASE_URL=http://127.0.0.1:8001/v1\n", config);
            Assert.Contains("AUTOGLM_PORT=8001\n", config);
            var unit = preview.Steps.Single(s => s.Id == "service/service.unit").Files.Single(f => f.Path.EndsWith(".service", StringComparison.Ordinal)).Content;
            Assert.Contains("--port 8001", unit);
            Assert.DoesNotContain("--port 8000", unit);
            var proof = plan.Plan.Steps.Single(s => s.Id == "proof/proof.chat");
            Assert.Contains("127.0.0.1:8001", proof.Target + proof.Description);
            Assert.Contains(preview.Notes, n => n.Contains("Port 8000 is taken") && n.Contains("8001"));
        }

        [Fact]
        public void TheTakenPortItselfStopsThePlanNamingAuto()
        {
            using var rig = new InstallRig();
            Listen8000(rig);
            var request = rig.Request();
            request.Port = "8000";
            var ex = Assert.Throws<AutoGlmException>(() => HostInstaller.Plan(rig.Host(), request, NullOutput.Instance));
            Assert.Equal("ServicePortInUse", ex.ErrorId);
            Assert.Contains("8000", ex.Message);
            Assert.Contains("--port auto", ex.Message); // the engine speaks the CLI's words unless a cmdlet asked for PowerShell's
        }
    }
}
