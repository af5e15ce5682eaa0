using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Facts
{
    /// <summary>The probes that need no GPU. Each is a function of what the host answers, nothing else.</summary>
    public static class LinuxProbes
    {
        public static IReadOnlyList<Probe> All { get; } = new[]
        {
            Probe.Of("os", Os),
            Probe.Of("cpu", Cpu),
            Probe.Of("memory", Memory),
            Probe.Of("disk", Disk),
            Probe.Of("python", Python),
            Probe.Of("privileges", Privileges),
            Probe.Of("port", Port),
            Probe.Of("venv", VenvFacts.Collect),
        }.Concat(GpuProbes.All).Concat(LifecycleProbes.All).Concat(new[]
        {
            Probe.Of("firmware", FirmwareProbes.Firmware),
            Probe.Of("runtime", RuntimeProbe.Collect),
        }).ToList();

        private static T Unknown<T>(string reason, params string[] sources) where T : FactSet, new()
        {
            var f = new T { UnknownReason = reason };
            f.Sources.AddRange(sources);
            return f;
        }

        /// <summary>Parses os-release: KEY=value lines, values optionally quoted.</summary>
        internal static Dictionary<string, string> ParseOsRelease(string text)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                int eq = line.IndexOf('=');
                if (eq <= 0) continue;
                var value = line.Substring(eq + 1).Trim();
                if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[value.Length - 1] == value[0])
                    value = value.Substring(1, value.Length - 2).Replace("\\\"", "\"").Replace("\\$", "$").Replace("\\\\", "\\");
                map[line.Substring(0, eq)] = value;
            }
            return map;
        }

        public static OsFacts Os(ProbeContext ctx)
        {
            var host = ctx.Host;
            var facts = new OsFacts();
            // os-release(5): /etc/os-release, falling back to /usr/lib/os-release.
            var read = host.ReadFile("/etc/os-release");
            if (!read.Ok) read = host.ReadFile("/usr/lib/os-release");
            if (!read.Ok) return Unknown<OsFacts>($"neither /etc/os-release nor /usr/lib/os-release could be read ({read.Describe()})", "/etc/os-release");
            facts.Sources.Add(read.Path);
            var map = ParseOsRelease(read.Text!);
            facts.Distro = map.TryGetValue("ID", out var id) ? id.ToLowerInvariant() : null;
            facts.VersionId = map.TryGetValue("VERSION_ID", out var v) ? v : null;
            facts.PrettyName = map.TryGetValue("PRETTY_NAME", out var p) ? p : null;
            if (map.TryGetValue("ID_LIKE", out var like)) facts.IdLike.AddRange(like.Split(' ').Where(s => s.Length > 0));
            if (facts.Distro == null) facts.UnknownReason = $"{read.Path} has no ID= line";

            var kernel = host.ReadFile("/proc/sys/kernel/osrelease");
            if (kernel.Ok) { facts.Kernel = kernel.Text!.Trim(); facts.Sources.Add(kernel.Path); }

            // /proc/sys/kernel/arch exists on newer kernels; uname -m everywhere else.
            var arch = host.ReadFile("/proc/sys/kernel/arch");
            if (arch.Ok) { facts.Architecture = arch.Text!.Trim(); facts.Sources.Add(arch.Path); }
            else
            {
                var uname = ctx.Run("uname", "-m");
                if (uname.Succeeded) { facts.Architecture = uname.Stdout.Trim(); facts.Sources.Add("uname -m"); }
            }
            return facts;
        }

        public static CpuFacts Cpu(ProbeContext ctx)
        {
            var read = ctx.Host.ReadFile("/proc/cpuinfo");
            if (!read.Ok) return Unknown<CpuFacts>(read.Describe(), "/proc/cpuinfo");
            var facts = new CpuFacts();
            facts.Sources.Add(read.Path);
            var flags = new HashSet<string>(StringComparer.Ordinal);
            foreach (var raw in read.Text!.Split('\n'))
            {
                int colon = raw.IndexOf(':');
                if (colon < 0) continue;
                var key = raw.Substring(0, colon).Trim();
                var value = raw.Substring(colon + 1).Trim();
                if (key == "processor") facts.LogicalCores++;
                else if (key == "model name" && facts.Model == null) facts.Model = value;
                else if (key == "flags" || key == "Features") foreach (var f in value.Split(' ')) flags.Add(f);
            }
            facts.Virtualization = flags.Contains("vmx") ? "VT-x" : flags.Contains("svm") ? "AMD-V" : null;
            facts.InVirtualMachine = flags.Contains("hypervisor");
            if (facts.LogicalCores == 0) facts.UnknownReason = "/proc/cpuinfo lists no processors";
            return facts;
        }

        public static MemoryFacts Memory(ProbeContext ctx)
        {
            var read = ctx.Host.ReadFile("/proc/meminfo");
            if (!read.Ok) return Unknown<MemoryFacts>(read.Describe(), "/proc/meminfo");
            var facts = new MemoryFacts();
            facts.Sources.Add(read.Path);
            foreach (var raw in read.Text!.Split('\n'))
            {
                var m = Regex.Match(raw, @"^(\w+):\s+(\d+)\s*kB");
                if (!m.Success) continue;
                long bytes = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) * 1024;
                if (m.Groups[1].Value == "MemTotal") facts.TotalBytes = bytes;
                else if (m.Groups[1].Value == "MemAvailable") facts.AvailableBytes = bytes;
            }
            if (facts.TotalBytes == 0) facts.UnknownReason = "/proc/meminfo has no MemTotal line";
            return facts;
        }

        public static DiskFacts Disk(ProbeContext ctx)
        {
            var host = ctx.Host;
            var facts = new DiskFacts { Path = ctx.InstallPath };
            // The install path need not exist yet: measure the directory it will be created in.
            string? measured = ctx.InstallPath;
            while (measured != null && host.ListDirectory(measured) == null) measured = HostPaths.Parent(measured);
            if (measured == null) return Unknown<DiskFacts>($"no directory above {ctx.InstallPath} exists under the root");
            facts.MeasuredPath = measured;

            var df = ctx.Run("df", "-P", "-k", host.MapPath(measured));
            facts.Sources.Add("df -P -k " + measured);
            if (!df.Succeeded) { facts.UnknownReason = df.Describe(); return facts; }
            var lines = df.Stdout.Split('\n').Where(l => l.Trim().Length > 0).ToList();
            // POSIX df -P: "Filesystem 1024-blocks Used Available Capacity Mounted on", then one line.
            var fields = lines.Count >= 2 ? Regex.Split(lines[lines.Count - 1].Trim(), @"\s+") : Array.Empty<string>();
            if (fields.Length < 6
                || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var total)
                || !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var free))
            {
                facts.UnknownReason = $"could not read the output of 'df -P -k': {lines.LastOrDefault()}";
                return facts;
            }
            facts.TotalBytes = total * 1024;
            facts.FreeBytes = free * 1024;
            facts.Device = fields[0];
            facts.MountPoint = string.Join(" ", fields.Skip(5));
            ClassifyMedia(host, facts);
            return facts;
        }

        /// <summary>NVMe, SSD or HDD from sysfs: the disk behind the partition, and its queue/rotational flag.</summary>
        private static void ClassifyMedia(IHost host, DiskFacts facts)
        {
            var device = facts.Device ?? "";
            if (!device.StartsWith("/dev/", StringComparison.Ordinal))
            {
                facts.MediaReason = $"'{device}' is not a block device (overlay, tmpfs or network filesystem)";
                return;
            }
            var name = device.Substring(5);
            if (name.StartsWith("mapper/", StringComparison.Ordinal))
            {
                var link = host.ReadLink("/dev/" + name);
                name = link != null ? link.Substring(link.LastIndexOf('/') + 1) : name;
            }
            for (int depth = 0; depth < 4; depth++)
            {
                // A partition's sysfs link ends in .../<disk>/<partition>; the disk is the parent.
                var target = host.ReadLink("/sys/class/block/" + name);
                string disk = name;
                if (target != null && host.ReadFile("/sys/class/block/" + name + "/partition").Ok)
                {
                    var parts = target.Split('/');
                    if (parts.Length >= 2) disk = parts[parts.Length - 2];
                }
                // Device mapper (LVM, LUKS): follow the first device underneath.
                if (disk.StartsWith("dm-", StringComparison.Ordinal))
                {
                    var slaves = host.ListDirectory("/sys/block/" + disk + "/slaves");
                    if (slaves != null && slaves.Count > 0) { name = slaves[0]; continue; }
                }
                var rotational = host.ReadFile("/sys/block/" + disk + "/queue/rotational");
                facts.Sources.Add("/sys/block/" + disk + "/queue/rotational");
                if (!rotational.Ok)
                {
                    facts.MediaReason = $"sysfs has no rotational flag for {disk}";
                    return;
                }
                bool spinning = rotational.Text!.Trim() == "1";
                facts.MediaKind = disk.StartsWith("nvme", StringComparison.Ordinal) ? "NVMe" : spinning ? "HDD" : "SSD";
                facts.MediaReason = $"{disk}: queue/rotational={rotational.Text!.Trim()}";
                return;
            }
            facts.MediaReason = $"could not follow {device} to a disk";
        }

        // One run per interpreter tells its version and whether venv and ensurepip exist (Debian and
        // Ubuntu ship ensurepip in a separate python3.X-venv package; without it `python3 -m venv` fails).
        internal const string PythonScript =
            "import sys, os\n" +
            "print('version=%d.%d.%d' % tuple(sys.version_info[:3]))\n" +
            "print('executable=' + os.path.realpath(sys.executable))\n" +
            "import importlib.util as u\n" +
            "print('venv=' + ('1' if u.find_spec('venv') else '0'))\n" +
            "print('ensurepip=' + ('1' if u.find_spec('ensurepip') else '0'))\n";

        private static readonly Regex PythonName = new Regex(@"^python3(\.\d+)?$", RegexOptions.CultureInvariant);

        public static PythonFacts Python(ProbeContext ctx)
        {
            var facts = new PythonFacts();
            facts.Sources.Add("PATH");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var tools = ctx.Host.FindTools("python3").Where(t => PythonName.IsMatch(t.Name)).ToList();
            // Interpreters start slowly (pyenv shims are shell scripts): ask them all at once. A snapshot's
            // recorded answers need no threads.
            var runs = tools.Select(t => ctx.Host is SnapshotHost
                ? System.Threading.Tasks.Task.FromResult(ctx.Run(t.Name, "-c", PythonScript))
                : System.Threading.Tasks.Task.Factory.StartNew(() => ctx.Run(t.Name, "-c", PythonScript),
                    System.Threading.CancellationToken.None, System.Threading.Tasks.TaskCreationOptions.LongRunning,
                    System.Threading.Tasks.TaskScheduler.Default)).ToList();
            for (int k = 0; k < tools.Count; k++)
            {
                var tool = tools[k];
                var result = runs[k].GetAwaiter().GetResult();
                var interp = new PythonInterpreter { Command = tool.Name };
                if (!result.Succeeded)
                {
                    interp.Error = result.Describe();
                    interp.TimedOut = result.Status == CommandStatus.TimedOut;
                    facts.Interpreters.Add(interp);
                    continue;
                }
                ReadProbeOutput(interp, result.Stdout);
                if (interp.Version == null) interp.Error = $"'{tool.Name}' printed no version";
                // python3 and python3.11 are often the same binary: list it once.
                if (interp.Executable != null && !seen.Add(interp.Executable)) continue;
                facts.Interpreters.Add(interp);
            }
            return facts;
        }

        public static PrivilegeFacts Privileges(ProbeContext ctx)
        {
            // /proc/self/status belongs to this very process, so it answers for whoever runs the check.
            var read = ctx.Host.ReadFile("/proc/self/status");
            if (!read.Ok) return Unknown<PrivilegeFacts>(read.Describe(), "/proc/self/status");
            var facts = new PrivilegeFacts();
            facts.Sources.Add(read.Path);
            var m = Regex.Match(read.Text!, @"^Uid:\s+(\d+)\s+(\d+)", RegexOptions.Multiline);
            if (!m.Success) return Unknown<PrivilegeFacts>("/proc/self/status has no Uid: line", read.Path);
            var euid = m.Groups[2].Value;
            facts.IsAdministrator = euid == "0";
            facts.Identity = "uid " + euid;
            return facts;
        }

        public static PortFacts Port(ProbeContext ctx)
        {
            var facts = new PortFacts { Port = ctx.Port };
            if (ctx.Port == null) return facts;
            var host = ctx.Host;
            var listeners = new List<(string address, string inode)>();
            bool anyRead = false;
            foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
            {
                var read = host.ReadFile(table);
                if (!read.Ok) continue;
                anyRead = true;
                facts.Sources.Add(table);
                listeners.AddRange(ParseTcpListeners(read.Text!, ctx.Port.Value));
            }
            if (!anyRead) return Unknown<PortFacts>("neither /proc/net/tcp nor /proc/net/tcp6 could be read", "/proc/net/tcp");
            facts.InUse = listeners.Count > 0;
            if (!facts.InUse) return facts;

            // Who holds it: the process with a socket:[inode] descriptor for the listening socket.
            var inodes = new HashSet<string>(listeners.Select(l => l.inode));
            var owners = new Dictionary<string, (int pid, string? name)>();
            foreach (var pid in (host.ListDirectory("/proc") ?? Array.Empty<string>()).Where(n => n.All(char.IsDigit)))
            {
                var fds = host.ListDirectory($"/proc/{pid}/fd");
                if (fds == null) continue;
                foreach (var fd in fds)
                {
                    var target = host.ReadLink($"/proc/{pid}/fd/{fd}");
                    if (target == null || !target.StartsWith("socket:[", StringComparison.Ordinal)) continue;
                    var inode = target.Substring(8).TrimEnd(']');
                    if (!inodes.Contains(inode) || owners.ContainsKey(inode)) continue;
                    var comm = host.ReadFile($"/proc/{pid}/comm");
                    owners[inode] = (int.Parse(pid, CultureInfo.InvariantCulture), comm.Ok ? comm.Text!.Trim() : null);
                }
            }
            foreach (var (address, inode) in listeners)
            {
                var holder = new PortHolder { Address = address };
                if (owners.TryGetValue(inode, out var o)) { holder.ProcessId = o.pid; holder.ProcessName = o.name; }
                facts.Holders.Add(holder);
            }
            return facts;
        }

        /// <summary>Listening sockets (state 0A) on a port, from /proc/net/tcp or tcp6.</summary>
        internal static IEnumerable<(string address, string inode)> ParseTcpListeners(string text, int port)
        {
            foreach (var raw in text.Split('\n').Skip(1))
            {
                var f = Regex.Split(raw.Trim(), @"\s+");
                if (f.Length < 10 || f[3] != "0A") continue;
                var local = f[1].Split(':');
                if (local.Length != 2 || !int.TryParse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var p) || p != port) continue;
                yield return (FormatAddress(local[0]) + ":" + p.ToString(CultureInfo.InvariantCulture), f[9]);
            }
        }

        // The kernel prints addresses as host-order 32-bit words in hex.
        private static string FormatAddress(string hex)
        {
            var bytes = new List<byte>();
            for (int word = 0; word + 8 <= hex.Length; word += 8)
            {
                uint value = uint.Parse(hex.Substring(word, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                bytes.AddRange(BitConverter.GetBytes(value));
            }
            if (bytes.Count == 4) return string.Join(".", bytes);
            if (bytes.Count == 16) return "[" + new System.Net.IPAddress(bytes.ToArray()) + "]";
            return hex;
        }

        /// <summary>Reads the key=value lines the interpreter probe script prints (version, executable, venv, ensurepip).</summary>
        internal static void ReadProbeOutput(PythonInterpreter interp, string stdout)
        {
            foreach (var line in stdout.Split('\n'))
            {
                int eq = line.IndexOf('=');
                if (eq < 0) continue;
                var value = line.Substring(eq + 1).Trim();
                switch (line.Substring(0, eq))
                {
                    case "version": interp.Version = value; break;
                    case "executable": interp.Executable = value; break;
                    case "venv": interp.HasVenv = value == "1"; break;
                    case "ensurepip": interp.HasEnsurepip = value == "1"; break;
                }
            }
        }
    }
}
