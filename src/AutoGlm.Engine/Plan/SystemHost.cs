using System;
using System.Collections.Generic;
using System.IO;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Plan
{
    /// <summary>
    /// The writable side of a host, for plan steps. Reads go through <see cref="IHost"/> as the checks'
    /// do; every write is atomic and confined to <see cref="IHost.Root"/>, so tests apply plans to an
    /// isolated root and never to this machine.
    /// </summary>
    public interface ISystemHost : IHost
    {
        /// <summary>Writes a file atomically (temporary sibling, fsync, rename), creating its directory.</summary>
        /// <param name="mode">Unix permission bits, e.g. 0x1A4 (0644); null keeps the default umask.</param>
        void WriteFile(string path, string content, int? mode = null);

        /// <summary>Deletes a file; false when there was none.</summary>
        bool DeleteFile(string path);

        /// <summary>The real directory of AutoGlm's state (journal, lock, locks and logs).</summary>
        string StateDirectory { get; }

        /// <summary>Identifies the current boot, so a resumed run knows whether the host rebooted.</summary>
        string BootId();
    }

    /// <summary>The machine itself (root "/"), or an isolated root directory standing in for it.</summary>
    public sealed class LiveSystem : ISystemHost
    {
        private readonly LiveHost _host;

        /// <param name="root">Directory standing for '/'.</param>
        /// <param name="path">PATH for tools; null means this process's PATH.</param>
        /// <param name="stateDirectory">Overrides where journal and lock live (tests, or a site policy).</param>
        /// <param name="environment">Variables for the tools run (tests: git without the user's global config).</param>
        public LiveSystem(string root = "/", string? path = null, string? stateDirectory = null,
            IReadOnlyDictionary<string, string?>? environment = null)
        {
            _host = new LiveHost(root, path, environment);
            StateDirectory = stateDirectory ?? DefaultStateDirectory(_host);
        }

        /// <summary>/var/lib/autoglm under the root on Linux; %ProgramData%\AutoGlm on Windows.</summary>
        public static string DefaultStateDirectory(IHost host)
        {
            if (host.Platform == HostPlatform.Windows && IsMachineRoot(host.Root))
            {
                var programData = Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData);
                return Path.Combine(programData, "AutoGlm");
            }
            return host.MapPath("/var/lib/autoglm");
        }

        private static bool IsMachineRoot(string root) =>
            Path.GetFullPath(root).TrimEnd('\\', '/').Length <= 2 || root == "/";

        public string Root => _host.Root;
        public HostKind Kind => _host.Kind;
        public HostPlatform Platform => _host.Platform;
        public string StateDirectory { get; }
        public FileRead ReadFile(string path) => _host.ReadFile(path);
        public IReadOnlyList<string>? ListDirectory(string path) => _host.ListDirectory(path);
        public string? ReadLink(string path) => _host.ReadLink(path);
        public string? GetEnvironmentVariable(string name) => _host.GetEnvironmentVariable(name);
        public IReadOnlyList<ToolLocation> FindTools(string prefix) => _host.FindTools(prefix);
        public CommandResult Run(IReadOnlyList<string> argv, TimeSpan timeout) => _host.Run(argv, timeout);
        public string MapPath(string hostPath) => _host.MapPath(hostPath);

        public void WriteFile(string path, string content, int? mode = null) =>
            AtomicFile.Write(MapPath(path), content, mode);

        public bool DeleteFile(string path)
        {
            var real = MapPath(path);
            if (!File.Exists(real)) return false;
            File.Delete(real);
            return true;
        }

        public string BootId()
        {
            var read = ReadFile("/proc/sys/kernel/random/boot_id");
            if (read.Ok) return read.Text!.Trim();
            // Windows, or a root without /proc: the system's start time identifies the boot.
            var started = DateTime.UtcNow - TimeSpan.FromMilliseconds(Environment.TickCount & int.MaxValue);
            return "uptime:" + started.ToString("yyyyMMddHHmm");
        }
    }
}
