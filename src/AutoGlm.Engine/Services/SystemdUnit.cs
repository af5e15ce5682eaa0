using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace AutoGlm.Engine.Services
{
    /// <summary>
    /// The systemd unit for a model server: restarts with backoff, ordered after the network and the GPU
    /// persistence daemon, a GPU readiness probe before start, and a sandbox that `systemd-analyze security`
    /// rates at most 2.0 while CUDA still works (see the comments in the unit for what is left open and why).
    /// </summary>
    public static class SystemdUnit
    {
        /// <summary>NVIDIA's device nodes: the named ones, and by driver major for nvidia0..N and the MIG capabilities.</summary>
        public static readonly IReadOnlyList<string> GpuDevices = new[]
        {
            "/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset",
            "char-nvidia-frontend", "char-nvidia-uvm", "char-nvidia-caps",
        };

        public static string Render(ServiceDefinition d)
        {
            var after = "network-online.target" + (d.PersistencedPresent ? " nvidia-persistenced.service" : "");
            var sb = new StringBuilder();
            sb.Append("# Written by AutoGlm (Register-AutoGlmService / autoglm service register) for profile ").Append(d.ProfileId).Append(".\n");
            sb.Append("# Changes here are replaced on the next register; change the inputs instead.\n");
            sb.Append("[Unit]\n");
            sb.Append("Description=AutoGlm model server ").Append(d.Name).Append(" (").Append(d.ModelId).Append(", port ").Append(d.Port).Append(")\n");
            sb.Append("Documentation=https://github.com/zai-org/Open-AutoGLM\n");
            sb.Append("After=").Append(after).Append('\n');
            sb.Append("Wants=").Append(after).Append('\n');
            // At most 5 failed starts in 10 minutes, then systemd gives up until someone looks.
            sb.Append("StartLimitIntervalSec=600\n");
            sb.Append("StartLimitBurst=5\n\n");
            sb.Append("[Service]\n");
            sb.Append("Type=exec\n");
            sb.Append("User=").Append(d.User).Append('\n');
            sb.Append("Group=").Append(d.Group).Append('\n');
            sb.Append("EnvironmentFile=").Append(d.EnvironmentFile).Append('\n');
            sb.Append("Environment=HOME=").Append(d.CacheDirectory).Append('\n');
            sb.Append("Environment=XDG_CACHE_HOME=").Append(d.CacheDirectory).Append('\n');
            sb.Append("Environment=HF_HOME=").Append(d.CacheDirectory).Append("/huggingface\n");
            sb.Append("WorkingDirectory=").Append(d.CacheDirectory).Append('\n');
            // A GPU that is not ready (driver not loaded, Xid error) fails the start instead of a half-started server.
            sb.Append("ExecStartPre=").Append(Quote(d.GpuProbe)).Append(" -L\n");
            sb.Append("ExecStart=").Append(string.Join(" ", d.Launch.Select(Quote))).Append('\n');
            sb.Append("Restart=always\n");
            sb.Append("RestartSec=10\n");
            // Loading ~20 GB of weights takes minutes; stopping releases GPU memory.
            sb.Append("TimeoutStartSec=900\n");
            sb.Append("TimeoutStopSec=90\n");
            sb.Append("KillMode=mixed\n");
            sb.Append("# Sandbox. Left open on purpose: the network (it serves HTTP and downloads models),\n");
            sb.Append("# MemoryDenyWriteExecute (CUDA, Triton and torch.compile JIT-compile code), /proc/meminfo\n");
            sb.Append("# and /proc/cpuinfo (ProcSubset=pid would hide them from the server's sizing), and the GPU devices.\n");
            Sandbox(sb, d.CacheDirectory, GpuDevices.Concat(d.GpuNodes));
            sb.Append("[Install]\n");
            sb.Append("WantedBy=multi-user.target\n");
            return sb.ToString();
        }

        /// <summary>The hardening both units share: one writable directory, only the listed devices, no privileges.</summary>
        private static void Sandbox(StringBuilder sb, string writable, IEnumerable<string> devices)
        {
            sb.Append("NoNewPrivileges=yes\n");
            sb.Append("CapabilityBoundingSet=\n");
            sb.Append("AmbientCapabilities=\n");
            sb.Append("ProtectSystem=strict\n");
            sb.Append("ReadWritePaths=").Append(writable).Append('\n');
            sb.Append("ProtectHome=yes\n");
            sb.Append("PrivateTmp=yes\n");
            sb.Append("PrivateDevices=no\n");
            sb.Append("DevicePolicy=closed\n");
            foreach (var device in devices) sb.Append("DeviceAllow=").Append(device).Append(" rw\n");
            sb.Append("ProtectKernelTunables=yes\n");
            sb.Append("ProtectKernelModules=yes\n");
            sb.Append("ProtectKernelLogs=yes\n");
            sb.Append("ProtectControlGroups=yes\n");
            sb.Append("ProtectClock=yes\n");
            sb.Append("ProtectHostname=yes\n");
            sb.Append("ProtectProc=invisible\n");
            sb.Append("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n");
            sb.Append("RestrictNamespaces=yes\n");
            sb.Append("RestrictRealtime=yes\n");
            sb.Append("RestrictSUIDSGID=yes\n");
            sb.Append("LockPersonality=yes\n");
            sb.Append("RemoveIPC=yes\n");
            sb.Append("SystemCallArchitectures=native\n");
            sb.Append("SystemCallFilter=@system-service\n");
            sb.Append("SystemCallFilter=~@privileged\n");
            sb.Append("UMask=0077\n\n");
        }

        /// <summary>
        /// The phone agent (Open-AutoGLM's main.py) as a unit: runs its task against the model server's unit, after it
        /// and wanting it, sandboxed like the server but with no GPU; USB devices are allowed for phones on ADB.
        /// </summary>
        public static string RenderAgent(ServiceDefinition d)
        {
            var after = "network-online.target " + d.ServerUnit;
            var sb = new StringBuilder();
            sb.Append("# Written by AutoGlm (Register-AutoGlmService -Role Agent / autoglm service register --role agent) for profile ").Append(d.ProfileId).Append(".\n");
            sb.Append("# Changes here are replaced on the next register; change the inputs instead.\n");
            sb.Append("[Unit]\n");
            sb.Append("Description=AutoGlm phone agent ").Append(d.Name).Append(" (").Append(d.ModelId).Append(" at http://127.0.0.1:").Append(d.Port).Append("/v1)\n");
            sb.Append("Documentation=https://github.com/zai-org/Open-AutoGLM\n");
            sb.Append("After=").Append(after).Append('\n');
            sb.Append("Wants=").Append(after).Append('\n');
            // main.py exits 1 while the model is still loading (minutes); it is retried for up to about 40 minutes.
            sb.Append("StartLimitIntervalSec=3600\n");
            sb.Append("StartLimitBurst=40\n\n");
            sb.Append("[Service]\n");
            sb.Append("Type=exec\n");
            // One task per start; a finished task leaves the unit active (exited): register again changes nothing,
            // `systemctl restart` runs the task again.
            sb.Append("RemainAfterExit=yes\n");
            sb.Append("User=").Append(d.User).Append('\n');
            sb.Append("Group=").Append(d.Group).Append('\n');
            sb.Append("EnvironmentFile=").Append(d.EnvironmentFile).Append('\n');
            // adb keeps its key in ~/.android.
            sb.Append("Environment=HOME=").Append(d.CacheDirectory).Append('\n');
            sb.Append("Environment=XDG_CACHE_HOME=").Append(d.CacheDirectory).Append('\n');
            sb.Append("Environment=PYTHONUNBUFFERED=1\n");
            sb.Append("WorkingDirectory=").Append(d.RepositoryPath).Append('\n');
            sb.Append("ExecStart=").Append(string.Join(" ", d.Launch.Select(Quote))).Append('\n');
            sb.Append("Restart=on-failure\n");
            sb.Append("RestartSec=60\n");
            sb.Append("TimeoutStopSec=30\n");
            sb.Append("KillMode=mixed\n");
            sb.Append("# Sandbox: as the model server's, without any GPU device. USB devices stay allowed for phones attached\n");
            sb.Append("# through ADB (the account needs access to them, e.g. through android-udev-rules and group plugdev).\n");
            Sandbox(sb, d.CacheDirectory, AgentDevices);
            sb.Append("[Install]\n");
            sb.Append("WantedBy=multi-user.target\n");
            return sb.ToString();
        }

        /// <summary>The agent's only devices: USB, for ADB to reach a phone on a cable.</summary>
        public static readonly IReadOnlyList<string> AgentDevices = new[] { "char-usb_device" };

        /// <summary>
        /// One word of an Exec line: double quotes with C escapes when needed, "%%" for a literal '%' (specifiers)
        /// and "$$" for a literal '$' (environment substitution).
        /// </summary>
        public static string Quote(string arg)
        {
            var escaped = arg.Replace("%", "%%").Replace("$", "$$");
            bool plain = arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=:,+@%$".IndexOf(c) >= 0);
            return plain ? escaped : "\"" + escaped.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        }

        /// <summary>KEY="value" lines for EnvironmentFile=, escaping what its double-quote parser treats specially.</summary>
        public static string EnvironmentFileText(IReadOnlyDictionary<string, string> environment)
        {
            var sb = new StringBuilder("# Written by AutoGlm: secrets for the service; mode 0600, read by systemd as root.\n");
            foreach (var kv in environment.OrderBy(k => k.Key, System.StringComparer.Ordinal))
            {
                var value = kv.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("$", "\\$").Replace("`", "\\`");
                sb.Append(kv.Key).Append("=\"").Append(value).Append("\"\n");
            }
            return sb.ToString();
        }
    }
}
