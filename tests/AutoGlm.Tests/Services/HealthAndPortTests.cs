using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Services;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Services
{
    /// <summary>The health probe against real local servers; port conflicts from real and fixture /proc tables.</summary>
    public class HealthAndPortTests
    {
        private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

        [Fact]
        public void AModelListIsHealthy()
        {
            using var server = CannedHttpServer.OpenAi();
            var r = HealthProbe.Check("127.0.0.1", server.Port, Short);
            Assert.True(r.Healthy, r.Detail);
            Assert.Contains("/v1/models answered 200", r.Detail);
        }

        [Fact]
        public void HealthIsTheFallbackWhenModelsIsMissing()
        {
            using var server = new CannedHttpServer(p => p == "/health" ? (200, "", TimeSpan.Zero) : (404, "{}", TimeSpan.Zero));
            var r = HealthProbe.Check("127.0.0.1", server.Port, Short);
            Assert.True(r.Healthy, r.Detail);
            Assert.Equal(new[] { "/v1/models", "/health" }, server.Requests);
        }

        [Fact]
        public void AWrongAnswerIsNotHealthy()
        {
            using var server = new CannedHttpServer(p => (500, "{\"error\":\"engine dead\"}", TimeSpan.Zero));
            var r = HealthProbe.Check("127.0.0.1", server.Port, Short);
            Assert.False(r.Healthy);
            Assert.True(r.Listening);
            Assert.Contains("answered 500", r.Detail);
        }

        [Fact]
        public void A200WithoutAModelListIsNotHealthy()
        {
            using var server = new CannedHttpServer(p => p == "/v1/models" ? (200, "<html>proxy login</html>", TimeSpan.Zero) : (404, "", TimeSpan.Zero));
            Assert.False(HealthProbe.Check("127.0.0.1", server.Port, Short).Healthy);
        }

        [Fact]
        public void ASlowServerTimesOut()
        {
            // The server answers after 30 s; the probe's 2 s leave a loaded machine time to connect
            // (500 ms did not, under parallel builds) and must still give up long before the answer.
            using var server = new CannedHttpServer(p => (200, "{\"data\":[]}", TimeSpan.FromSeconds(30)));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var r = HealthProbe.Check("127.0.0.1", server.Port, TimeSpan.FromSeconds(2));
            Assert.False(r.Healthy);
            Assert.True(r.Listening, r.Detail);
            Assert.Contains("no answer within", r.Detail);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20));
        }

        [Fact]
        public void AServerThatHangsUpIsNotHealthy()
        {
            using var server = new CannedHttpServer(p => (0, "", TimeSpan.Zero));
            var r = HealthProbe.Check("127.0.0.1", server.Port, Short);
            Assert.False(r.Healthy);
            Assert.True(r.Listening);
        }

        [Fact]
        public void NothingListeningIsNotHealthy()
        {
            var (reserved, port) = ServiceRig.ReservedPort();
            using var _ = reserved;
            // A refused connection returns at once; the long bound only keeps a loaded machine from turning
            // "refused" into "timed out" (seen at load 16 with a 1 s bound).
            var r = HealthProbe.Check("127.0.0.1", port, TimeSpan.FromSeconds(15));
            Assert.False(r.Healthy);
            Assert.False(r.Listening);
            Assert.Contains("nothing listens", r.Detail);
        }

        [Fact]
        public void WaitHealthyKeepsProbingWhileTheModelLoads()
        {
            // 503 while loading, as vLLM answers before the engine is ready; the model list from the third request.
            // Counted, not timed, so a loaded machine cannot change the outcome.
            int answered = 0;
            using var server = new CannedHttpServer(p => System.Threading.Interlocked.Increment(ref answered) <= 2
                ? (503, "{\"detail\":\"loading\"}", TimeSpan.Zero)
                : (200, "{\"data\":[{\"id\":\"autoglm-phone-9b\"}]}", TimeSpan.Zero));
            var r = HealthProbe.WaitHealthy("127.0.0.1", server.Port, TimeSpan.FromSeconds(10), Short, TimeSpan.FromMilliseconds(200));
            Assert.True(r.Healthy, r.Detail);
            Assert.True(server.Requests.Count >= 3, string.Join(",", server.Requests));
        }

        // The machine's real /proc behind the isolated root: the probe sees this test's own listener.
        private static ServiceRig RigWithRealProc()
        {
            var rig = new ServiceRig();
            Directory.Delete(rig.Real("/proc"), recursive: true);
            File.CreateSymbolicLink(rig.Real("/proc"), "/proc");
            return rig;
        }

        [Fact]
        public void ARealListenerOnThePortIsNamedWithItsPid()
        {
            using var rig = RigWithRealProc();
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                var request = new ServiceRequest { Profile = "vllm-server", Port = port.ToString(), WhatIf = true };
                var ex = Assert.Throws<AutoGlmException>(() => ServicePlanner.Define(request, rig.Host(), ServiceRig.Matrix, new List<string>()));
                Assert.Equal("ServicePortInUse", ex.ErrorId);
                Assert.Contains($"(pid {Environment.ProcessId}) on 127.0.0.1:{port}", ex.Message);
                Assert.Contains("--port auto", ex.Message);
            }
            finally { listener.Stop(); }
        }

        [Fact]
        public void PortAutoTakesTheNextFreePortAndSaysSo()
        {
            using var rig = RigWithRealProc();
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                var site = rig.Real("/site.yaml");
                File.WriteAllText(site, $"schemaVersion: 1\nprofiles:\n  - id: taken-port\n    extends: vllm-server\n    source: test\n    port: {port}\n");
                var matrix = MatrixLoader.LoadDefault(new[] { site });
                var notes = new List<string>();
                var d = ServicePlanner.Define(new ServiceRequest { Profile = "taken-port", Port = "auto", WhatIf = true }, rig.Host(), matrix, notes);
                Assert.True(d.Port > port);
                Assert.Equal(port, d.PortMovedFrom);
                Assert.Contains($"--port", d.Launch);
                Assert.Equal(d.Port.ToString(), d.Launch[d.Launch.Count - 1]);
                Assert.Contains(notes, n => n.Contains($"Port {port} is taken") && n.Contains($"uses port {d.Port} instead"));
            }
            finally { listener.Stop(); }
        }

        private const string TcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

        private static ServiceRig RigWithHolder(string cgroup)
        {
            var rig = new ServiceRig();
            // 0.0.0.0:8000 (0x1F40) listening, socket inode 77001, held by pid 4242.
            rig.File("/proc/net/tcp", TcpHeader + "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 77001 1 0000000000000000 100 0 0 10 0\n");
            rig.File("/proc/net/tcp6", TcpHeader);
            rig.File("/proc/4242/comm", "python3\n");
            rig.File("/proc/4242/cgroup", cgroup);
            Directory.CreateDirectory(rig.Real("/proc/4242/fd"));
            File.CreateSymbolicLink(rig.Real("/proc/4242/fd/3"), "socket:[77001]");
            return rig;
        }

        [Fact]
        public void OurOwnUnitHoldingThePortIsNoConflict()
        {
            using var rig = RigWithHolder("0::/system.slice/autoglm-vllm-server.service\n");
            var d = ServicePlanner.Define(new ServiceRequest { Profile = "vllm-server", WhatIf = true }, rig.Host(), ServiceRig.Matrix, new List<string>());
            Assert.Equal(8000, d.Port);
        }

        [Fact]
        public void AnotherUnitHoldingThePortIsAConflict()
        {
            using var rig = RigWithHolder("0::/system.slice/ollama.service\n");
            var ex = Assert.Throws<AutoGlmException>(() => ServicePlanner.Define(new ServiceRequest { Profile = "vllm-server", WhatIf = true }, rig.Host(), ServiceRig.Matrix, new List<string>()));
            Assert.Equal("ServicePortInUse", ex.ErrorId);
            Assert.Contains("python3 (pid 4242) on 0.0.0.0:8000", ex.Message);
        }
    }
}
