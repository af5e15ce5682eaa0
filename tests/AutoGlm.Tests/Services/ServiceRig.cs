using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using IOFile = System.IO.File;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Services;
using AutoGlm.Tests.Support;

namespace AutoGlm.Tests.Services
{
    /// <summary>
    /// An isolated root with a venv, and fake getent/groupadd/useradd/install/stat/systemctl/journalctl that keep
    /// their state in files (users, ownership, what systemd has loaded, enabled and started) and log their argv.
    /// The unit files they act on are the real ones the plan wrote under the root.
    /// </summary>
    public sealed class ServiceRig : IDisposable
    {
        private readonly TempDir _dir = new TempDir("autoglm-service");
        public static readonly CompatibilityMatrix Matrix = MatrixLoader.LoadDefault();

        public ServiceRig(bool root = true)
        {
            Directory.CreateDirectory(RootPath);
            Directory.CreateDirectory(BinPath);
            Directory.CreateDirectory(StatePath);
            foreach (var tool in new[] { "sh", "cat", "cmp", "cp", "mkdir", "rm", "touch", "grep", "ls", "sed", "tr", "basename" })
            {
                var real = new[] { "/usr/bin/", "/bin/" }.Select(d => d + tool).FirstOrDefault(IOFile.Exists);
                if (real != null) IOFile.CreateSymbolicLink(Path.Combine(BinPath, tool), real);
            }
            File("/proc/self/status", $"Name:\tautoglm\nUid:\t{(root ? 0 : 1000)}\t{(root ? 0 : 1000)}\t0\t0\n");
            File("/opt/autoglm/venv/bin/python3", "#!/bin/sh\n", executable: true);
            WriteFakes();
        }

        public string RootPath => _dir.Combine("root");
        public string BinPath => _dir.Combine("bin");
        public string StatePath => _dir.Combine("state");
        public string CallsLog => Path.Combine(StatePath, "calls.log");
        public IReadOnlyList<string> Calls => IOFile.Exists(CallsLog) ? IOFile.ReadAllLines(CallsLog) : Array.Empty<string>();

        public LiveSystem Host() => new LiveSystem(RootPath, path: BinPath);

        public string Real(string hostPath) => Path.Combine(RootPath, hostPath.TrimStart('/'));

        public ServiceRig File(string hostPath, string content, bool executable = false)
        {
            var real = Real(hostPath);
            Directory.CreateDirectory(Path.GetDirectoryName(real)!);
            IOFile.WriteAllText(real, content);
            if (executable) IOFile.SetUnixFileMode(real, (UnixFileMode)0x1ED);
            return this;
        }

        public void Tool(string name, string body)
        {
            var path = Path.Combine(BinPath, name);
            IOFile.WriteAllText(path, "#!/bin/sh\n" + $"echo \"{name} $*\" >> '{CallsLog}'\n" + body + "\n");
            IOFile.SetUnixFileMode(path, (UnixFileMode)0x1ED);
        }

        /// <summary>Every file under the root except AutoGlm's own state (journal, lock), with content.</summary>
        public Dictionary<string, string> Tree() =>
            Directory.GetFiles(RootPath, "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.Combine("var", "lib", "autoglm", "journal")) && !f.EndsWith("autoglm.lock", StringComparison.Ordinal))
                .ToDictionary(f => f.Substring(RootPath.Length), IOFile.ReadAllText);

        private void WriteFakes()
        {
            var s = StatePath;
            var r = RootPath;
            Tool("getent", $"grep \"^$2:\" '{s}'/\"$1\" 2>/dev/null || exit 2");
            Tool("groupadd", $"for a; do last=$a; done\necho \"$last:x:999:\" >> '{s}/group'");
            Tool("useradd", $"for a; do last=$a; done\necho \"$last:x:999:999::/nonexistent:/usr/sbin/nologin\" >> '{s}/passwd'");
            // install -d -o USER -g GROUP -m MODE DIR
            Tool("install", $"mkdir -p '{r}'\"$8\" && echo \"$3:$5:$(echo $7 | sed 's/^0//')\" > '{s}/owner'\"$(echo $8 | tr / _)\"");
            Tool("stat", $"f='{s}/owner'\"$(echo $2 | tr / _)\"\n[ -d '{r}'\"$2\" ] && [ -f \"$f\" ] || {{ echo \"stat: cannot statx '$2': No such file or directory\" >&2; exit 1; }}\ncat \"$f\"");
            Tool("systemctl", SystemctlScript(s, r));
            Tool("journalctl", "echo 'Jan 01 00:00:01 gpu1 python3[4242]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB'\necho 'Jan 01 00:00:02 gpu1 systemd[1]: autoglm-vllm-server.service: Main process exited, code=exited, status=1/FAILURE'");
        }

        internal static string SystemctlScript(string s, string r) => $@"
state='{s}'
units='{r}/etc/systemd/system'
mkdir -p ""$state/loaded"" ""$state/enabled"" ""$state/active""
case ""$1"" in
  daemon-reload)
    rm -f ""$state/loaded/""*
    for f in ""$units""/*.service; do [ -f ""$f"" ] && cp ""$f"" ""$state/loaded/$(basename ""$f"")""; done
    exit 0 ;;
  show)
    if [ -f ""$state/loaded/$2"" ]; then
      echo LoadState=loaded
      if cmp -s ""$state/loaded/$2"" ""$units/$2""; then echo NeedDaemonReload=no; else echo NeedDaemonReload=yes; fi
    else echo LoadState=not-found; echo NeedDaemonReload=no; fi
    exit 0 ;;
  is-enabled)
    if [ -f ""$state/enabled/$2"" ]; then echo enabled; exit 0; fi
    if [ -f ""$state/loaded/$2"" ]; then echo disabled; exit 1; fi
    echo ""Failed to get unit file state for $2: No such file or directory"" >&2; exit 1 ;;
  is-active)
    if [ -f ""$state/active/$2"" ]; then echo active; exit 0; fi
    echo inactive; exit 3 ;;
  enable)
    [ -f ""$state/loaded/$2"" ] || {{ echo ""Failed to enable unit: Unit file $2 does not exist."" >&2; exit 1; }}
    touch ""$state/enabled/$2""; exit 0 ;;
  restart|start)
    [ -f ""$state/loaded/$2"" ] || {{ echo ""Failed to start $2: Unit $2 not found."" >&2; exit 5; }}
    touch ""$state/active/$2""; exit 0 ;;
  stop) rm -f ""$state/active/$2""; exit 0 ;;
  disable)
    if [ ""$2"" = --now ]; then rm -f ""$state/active/$3"" ""$state/enabled/$3""; else rm -f ""$state/enabled/$2""; fi
    exit 0 ;;
esac
echo ""fake systemctl: unexpected $*"" >&2; exit 1";

        public void Dispose() => _dir.Dispose();

        /// <summary>
        /// A port bound but not listening: connections are refused, and no other test can take it meanwhile.
        /// Dispose the socket to release it.
        /// </summary>
        public static (Socket Socket, int Port) ReservedPort()
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return (socket, ((IPEndPoint)socket.LocalEndPoint!).Port);
        }

        public static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }
    }

    /// <summary>A tiny HTTP server on 127.0.0.1 answering with canned responses, on time, late, wrongly or not at all.</summary>
    public sealed class CannedHttpServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly Func<string, (int Status, string Body, TimeSpan Delay)> _answer;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        public CannedHttpServer(Func<string, (int Status, string Body, TimeSpan Delay)> answer, int port = 0)
        {
            _answer = answer;
            _listener = new TcpListener(IPAddress.Loopback, port);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            Task.Run(Loop);
        }

        public int Port { get; }
        public List<string> Requests { get; } = new List<string>();

        public static CannedHttpServer OpenAi(int port = 0) => new CannedHttpServer(path => path == "/v1/models"
            ? (200, "{\"object\":\"list\",\"data\":[{\"id\":\"autoglm-phone-9b\",\"object\":\"model\"}]}", TimeSpan.Zero)
            : (404, "{\"detail\":\"Not Found\"}", TimeSpan.Zero), port);

        private async Task Loop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var reader = new StreamReader(stream, Encoding.ASCII);
                    var requestLine = await reader.ReadLineAsync() ?? "";
                    if (requestLine.Length == 0) return; // a bare TCP connect (the probe's first look)
                    while (!string.IsNullOrEmpty(await reader.ReadLineAsync())) { }
                    var path = requestLine.Split(' ').Skip(1).FirstOrDefault() ?? "/";
                    lock (Requests) Requests.Add(path);
                    var (status, body, delay) = _answer(path);
                    if (delay > TimeSpan.Zero) await Task.Delay(delay, _stop.Token);
                    if (status == 0) return; // hang up without an answer
                    var bytes = Encoding.UTF8.GetBytes(body);
                    var head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                    var headBytes = Encoding.ASCII.GetBytes(head);
                    await stream.WriteAsync(headBytes);
                    await stream.WriteAsync(bytes);
                }
                catch (Exception) { }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
