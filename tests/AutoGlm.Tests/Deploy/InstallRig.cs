using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Resolve;
using AutoGlm.Tests.Install;
using AutoGlm.Tests.Python;
using AutoGlm.Tests.Services;
using AutoGlm.Tests.Support;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>
    /// A fresh Ubuntu 22.04 "server" in an isolated root for Install-AutoGlmHost: an H100 on PCI only, a
    /// signed local apt repository whose driver package ships an nvidia-smi that answers like the real one,
    /// a bare git remote holding a stand-in of Open-AutoGLM (a pyproject with a dependency-free in-tree
    /// build backend and the phone_agent package), a wheelhouse, fake user/systemd tools that keep state in
    /// files, and a tiny OpenAI-compatible server (models, chat completions, and model files with Range).
    /// </summary>
    public sealed class InstallRig : IDisposable
    {
        public const string Driver = "595.45.04";
        public const string ModelPath = "/srv/models/AutoGLM-Phone-9B";
        private readonly TempDir _dir = new TempDir("autoglm-install");

        public InstallRig()
        {
            Apt = new AptSandbox();
            Apt.Add(new FakePackage { Name = "cuda-keyring", Version = "1.1-1", Architecture = "all", Files = { ["/usr/share/keyrings/cuda-archive-keyring.gpg"] = (Convert.ToBase64String(Apt.Key), false) } });
            Apt.Add(new FakePackage { Name = "nvidia-driver-pinning-595", Version = Driver + "-1", Architecture = "all",
                Files = { ["/etc/apt/preferences.d/nvidia-driver-pinning-595"] = ("Package: nvidia-open\nPin: version 595.*\nPin-Priority: 1000\n", false) } });
            Apt.Add(new FakePackage { Name = "nvidia-open", Version = Driver + "-1", Files = { ["/usr/bin/nvidia-smi"] = (NvidiaSmi, true) } });
            Apt.Add(new FakePackage { Name = "linux-headers-5.15.0-119-generic", Version = "5.15.0-119.129" });
            Apt.Add(new FakePackage { Name = "dkms", Version = "2.8.7-2ubuntu2.2", Architecture = "all" });
            Apt.Publish();

            File("/etc/os-release", "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=jammy\n");
            File("/proc/self/status", "Name:\tautoglm\nUid:\t0\t0\t0\t0\n");
            // An H100 seen on PCI: no driver yet.
            File("/sys/bus/pci/devices/0000:01:00.0/vendor", "0x10de\n");
            File("/sys/bus/pci/devices/0000:01:00.0/device", "0x2330\n");
            File("/sys/bus/pci/devices/0000:01:00.0/class", "0x030200\n");
            // systemd-analyze verify resolves a service's default dependencies inside the root.
            foreach (var t in new[] { "sysinit.target", "basic.target", "shutdown.target", "network-online.target", "multi-user.target", "system.slice", "-.slice" })
                File("/usr/lib/systemd/system/" + t, $"[Unit]\nDescription={t}\n");
            WriteFakes();

            Wheelhouse = _dir.Combine("wheels");
            Wheels.Build(Wheelhouse, "requests", "2.32.0");
            Remote = MakeRemote();
            Server = new OpenAiStandIn();
            ModelFiles = new Dictionary<string, byte[]>
            {
                ["config.json"] = Encoding.UTF8.GetBytes("{\"architectures\": [\"Glm4vForConditionalGeneration\"]}\n"),
                ["model-00001-of-00001.safetensors"] = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 % 251)).ToArray(),
            };
            foreach (var f in ModelFiles) Server.Files["/models/" + f.Key] = f.Value;
            Manifest = _dir.Combine("manifest.json");
            System.IO.File.WriteAllText(Manifest, "{\"model\": \"zai-org/AutoGLM-Phone-9B\", \"files\": [" + string.Join(", ", ModelFiles.Select(f =>
                $"{{\"path\": \"{f.Key}\", \"size\": {f.Value.Length}, \"sha256\": \"{Convert.ToHexString(SHA256.HashData(f.Value)).ToLowerInvariant()}\"}}")) + "]}\n");
            Environment = new Dictionary<string, string?>
            {
                ["GIT_CONFIG_GLOBAL"] = _dir.Combine("gitconfig"), ["GIT_CONFIG_NOSYSTEM"] = "1",
            };
            System.IO.File.WriteAllText(_dir.Combine("gitconfig"), "");
        }

        public AptSandbox Apt { get; }
        public string Root => Apt.Root;
        public string Wheelhouse { get; }
        public string Remote { get; }
        public string Commit { get; private set; } = "";
        public OpenAiStandIn Server { get; }
        public Dictionary<string, byte[]> ModelFiles { get; }
        public string Manifest { get; }
        public IReadOnlyDictionary<string, string?> Environment { get; }
        public string CallsLog => _dir.Combine("calls.log");
        public string State => _dir.Combine("fake-state");

        public LiveSystem Host() => new LiveSystem(Root, Apt.Path_, environment: Environment);

        public string Real(string hostPath) => Path.Combine(Root, hostPath.TrimStart('/'));

        public void File(string hostPath, string content)
        {
            var real = Real(hostPath);
            Directory.CreateDirectory(Path.GetDirectoryName(real)!);
            System.IO.File.WriteAllText(real, content);
        }

        /// <summary>The stack the venv locks: small, from the wheelhouse (the real vLLM stack is gigabytes).</summary>
        public static ResolvedStack Stack() => new ResolvedStack
        {
            Profile = "vllm-server", Python = new PythonChoice { Version = "3.11", Specifier = ">=3.10,<3.14" },
        }.With(new StackPackage { Name = "requests", Version = "2.32.0" });

        public HostInstallRequest Request(bool model = true) => new HostInstallRequest
        {
            Profile = "vllm-server", InstallPath = "/opt/autoglm", RepositoryUrl = "file://" + Remote, Ref = Commit, AllowLocalRepository = true,
            Port = Server.Port.ToString(), Wheelhouse = Wheelhouse, DriverRepositoryUrl = Apt.RepoUrl,
            ModelPath = model ? ModelPath : null, ModelManifest = model ? Manifest : null, ModelUrl = model ? $"http://127.0.0.1:{Server.Port}/models/" : null,
            HealthTimeout = TimeSpan.FromSeconds(5), CommandTimeout = TimeSpan.FromSeconds(120), Stack = Stack(),
        };

        public static ApplyOptions Options(bool resume = false, Action<string, string>? boundary = null) =>
            new ApplyOptions { Resume = resume, CommandTimeout = TimeSpan.FromSeconds(180), Boundary = boundary, LockTimeout = TimeSpan.FromSeconds(5) };

        public (HostInstallPlan Plan, ApplyResult Result, InstallSummary Summary) Apply(HostInstallRequest? request = null, ApplyOptions? options = null)
        {
            var system = Host();
            var plan = HostInstaller.Plan(system, request ?? Request(), NullOutput.Instance);
            var result = PlanExecutor.Apply(plan.Plan, system, options ?? Options(), NullOutput.Instance);
            return (plan, result, HostInstaller.Summarize(plan, result));
        }

        /// <summary>Every file under the root (hash of its content) except AutoGlm's journal and lock, and Python caches.</summary>
        public Dictionary<string, string> Tree() =>
            Directory.GetFiles(Root, "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/var/lib/autoglm/journal") && !f.EndsWith("autoglm.lock", StringComparison.Ordinal) && !f.Contains("__pycache__"))
                .ToDictionary(f => f.Substring(Root.Length), f => new FileInfo(f).LinkTarget ?? Convert.ToHexString(SHA256.HashData(System.IO.File.ReadAllBytes(f))));

        private static readonly string NvidiaSmi = "#!/bin/sh\ncase \"$1\" in\n" +
            "  --query-gpu=driver_version) echo " + Driver + " ;;\n" +
            "  -q) " + SmiXml.Heredoc(SmiXml.Render(Driver, "13.2", new SmiGpu("NVIDIA H100 80GB HBM3", "Hopper", "00000000:01:00.0", "233010DE", 81559))) + " ;;\n" +
            "  *) echo '| NVIDIA-SMI " + Driver + "    Driver Version: " + Driver + "    CUDA Version: 13.2 |' ;;\nesac\n";

        private void Tool(string name, string body) =>
            Apt.Script(name, "#!/bin/sh\n" + $"echo \"{name} $*\" >> '{CallsLog}'\n" + body + "\n");

        private void WriteFakes()
        {
            var s = State;
            var r = Root;
            Directory.CreateDirectory(s);
            Tool("getent", $"grep \"^$2:\" '{s}'/\"$1\" 2>/dev/null || exit 2");
            Tool("groupadd", $"for a; do last=$a; done\necho \"$last:x:999:\" >> '{s}/group'");
            Tool("useradd", $"for a; do last=$a; done\necho \"$last:x:999:999::/nonexistent:/usr/sbin/nologin\" >> '{s}/passwd'");
            Tool("install", $"mkdir -p '{r}'\"$8\" && echo \"$3:$5:$(echo $7 | sed 's/^0//')\" > '{s}/owner'\"$(echo $8 | tr / _)\"");
            // The service's ownership question is answered from the fake's state; everything else by the real stat.
            Tool("stat", $"if [ \"$1\" = '--format=%U:%G:%a' ]; then\n f='{s}/owner'\"$(echo $2 | tr / _)\"\n [ -d '{r}'\"$2\" ] && [ -f \"$f\" ] || {{ echo \"stat: cannot statx '$2': No such file or directory\" >&2; exit 1; }}\n cat \"$f\"\nelse exec /usr/bin/stat \"$@\"; fi");
            Tool("systemctl", ServiceRig.SystemctlScript(s, r));
            Tool("journalctl", "echo 'Jan 01 00:00:01 gpu1 python3[4242]: INFO: loading weights'");
        }

        /// <summary>A bare remote with one commit of the stand-in: what `pip install -e .` builds offline.</summary>
        private string MakeRemote()
        {
            var work = _dir.Combine("standin");
            Directory.CreateDirectory(Path.Combine(work, "phone_agent"));
            Directory.CreateDirectory(Path.Combine(work, "_build"));
            System.IO.File.WriteAllText(Path.Combine(work, "phone_agent", "__init__.py"), "\"\"\"Stand-in of Open-AutoGLM's phone_agent.\"\"\"\nSTANDIN = True\n");
            System.IO.File.WriteAllText(Path.Combine(work, "requirements.txt"), "requests==2.32.0\n");
            System.IO.File.WriteAllText(Path.Combine(work, "pyproject.toml"),
                "[build-system]\nrequires = []\nbuild-backend = \"standin_backend\"\nbackend-path = [\"_build\"]\n\n[project]\nname = \"phone-agent\"\nversion = \"0.1.0\"\n");
            System.IO.File.WriteAllText(Path.Combine(work, "_build", "standin_backend.py"), Backend);
            Git(work, "init", "-q", "-b", "main");
            Git(work, "add", "-A");
            Git(work, "commit", "-q", "-m", "stand-in of Open-AutoGLM");
            Commit = Git(work, "rev-parse", "HEAD").Trim();
            var bare = _dir.Combine("remotes", "Open-AutoGLM.git");
            Git(_dir.Path, "clone", "-q", "--bare", work, bare);
            return bare;
        }

        public string Git(string dir, params string[] args)
        {
            var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
            psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
            psi.Environment["GIT_AUTHOR_NAME"] = psi.Environment["GIT_COMMITTER_NAME"] = "Test";
            psi.Environment["GIT_AUTHOR_EMAIL"] = psi.Environment["GIT_COMMITTER_EMAIL"] = "test@example.invalid";
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(" ", args)}: {stderr}");
            return stdout.Result;
        }

        // PEP 517/660 without dependencies: the stand-in builds offline (the real project needs setuptools and wheel).
        private const string Backend = @"import base64, hashlib, os, zipfile
NAME, VERSION = 'phone_agent', '0.1.0'
DIST = NAME + '-' + VERSION
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def _wheel(directory, files):
    info = DIST + '.dist-info/'
    files = files + [(info + 'METADATA', ('Metadata-Version: 2.1\nName: phone-agent\nVersion: %s\n' % VERSION).encode()),
                     (info + 'WHEEL', b'Wheel-Version: 1.0\nGenerator: standin\nRoot-Is-Purelib: true\nTag: py3-none-any\n')]
    record = ''.join('%s,sha256=%s,%d\n' % (p, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode(), len(d)) for p, d in files)
    name = DIST + '-py3-none-any.whl'
    with zipfile.ZipFile(os.path.join(directory, name), 'w') as z:
        for p, d in files:
            z.writestr(p, d)
        z.writestr(info + 'RECORD', record + info + 'RECORD,,\n')
    return name

def get_requires_for_build_wheel(config_settings=None): return []
def get_requires_for_build_editable(config_settings=None): return []

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = []
    for base, _, names in os.walk(os.path.join(ROOT, NAME)):
        for n in names:
            if n.endswith('.py'):
                full = os.path.join(base, n)
                files.append((os.path.relpath(full, ROOT).replace(os.sep, '/'), open(full, 'rb').read()))
    return _wheel(wheel_directory, files)

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, [('_phone_agent_editable.pth', (ROOT + '\n').encode())])
";

        public void Dispose()
        {
            Server.Dispose();
            Apt.Dispose();
            _dir.Dispose();
        }
    }

    /// <summary>
    /// The model server's stand-in on 127.0.0.1: GET /v1/models, POST /v1/chat/completions (reading the body),
    /// and GET of model files honouring "Range: bytes=N-" with 206.
    /// </summary>
    public sealed class OpenAiStandIn : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        public OpenAiStandIn()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            Task.Run(Loop);
        }

        public int Port { get; }
        public Dictionary<string, byte[]> Files { get; } = new Dictionary<string, byte[]>();
        public List<string> Requests { get; } = new List<string>();
        /// <summary>When false, chat completions answer 500 (a model that fails to generate).</summary>
        public volatile bool ChatWorks = true;

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
                    var line = await reader.ReadLineAsync() ?? "";
                    if (line.Length == 0) return;
                    var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    string? h;
                    while (!string.IsNullOrEmpty(h = await reader.ReadLineAsync()))
                    {
                        int colon = h.IndexOf(':');
                        if (colon > 0) headers[h.Substring(0, colon).Trim()] = h.Substring(colon + 1).Trim();
                    }
                    if (headers.TryGetValue("Content-Length", out var cl) && int.TryParse(cl, out var length) && length > 0)
                    {
                        var body = new char[length];
                        int read = 0;
                        while (read < length) { int n = await reader.ReadAsync(body, read, length - read); if (n == 0) break; read += n; }
                    }
                    var parts = line.Split(' ');
                    var (method, path) = (parts[0], parts.Length > 1 ? parts[1] : "/");
                    lock (Requests) Requests.Add(method + " " + path + (headers.TryGetValue("Range", out var rg) ? " " + rg : ""));
                    int status = 404;
                    byte[] payload = Encoding.UTF8.GetBytes("{\"detail\":\"Not Found\"}");
                    string extra = "";
                    if (method == "GET" && path == "/v1/models")
                        (status, payload) = (200, Encoding.UTF8.GetBytes("{\"object\":\"list\",\"data\":[{\"id\":\"autoglm-phone-9b\",\"object\":\"model\"}]}"));
                    else if (method == "POST" && path == "/v1/chat/completions")
                        (status, payload) = ChatWorks
                            ? (200, Encoding.UTF8.GetBytes("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"autoglm-phone-9b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"OK\"},\"finish_reason\":\"stop\"}]}"))
                            : (500, Encoding.UTF8.GetBytes("{\"error\":\"CUDA out of memory\"}"));
                    else if (method == "GET" && Files.TryGetValue(path, out var file))
                    {
                        long from = 0;
                        if (headers.TryGetValue("Range", out var range) && range.StartsWith("bytes=") && long.TryParse(range.Substring(6).TrimEnd('-'), out from) && from < file.Length)
                        {
                            status = 206;
                            extra = $"Content-Range: bytes {from}-{file.Length - 1}/{file.Length}\r\n";
                        }
                        else { status = 200; from = 0; }
                        payload = file.Skip((int)from).ToArray();
                    }
                    var head = $"HTTP/1.1 {status} {(status < 300 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\n{extra}Connection: close\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                    await stream.WriteAsync(payload);
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
