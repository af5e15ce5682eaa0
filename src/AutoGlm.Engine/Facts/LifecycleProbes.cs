using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// What decides whether the driver survives the next change: CUDA toolkits, installed kernels,
    /// runfile traces, and module-signature messages. Files come through the host (root or snapshot);
    /// no binary under the root is ever executed (a mounted image's nvcc is read, not run).
    /// </summary>
    public static class LifecycleProbes
    {
        public static IReadOnlyList<Probe> All { get; } = new[]
        {
            Probe.Of("cuda-toolkit", CudaToolkits),
            Probe.Of("kernels", Kernels),
            Probe.Of("install-method", InstallMethod),
            Probe.Of("kernel-log", KernelLog),
        };

        // ---------------------------------------------------------------- CUDA toolkits

        public static CudaToolkitFacts CudaToolkits(ProbeContext ctx)
        {
            var host = ctx.Host;
            var facts = new CudaToolkitFacts();
            var local = host.ListDirectory("/usr/local");
            facts.Sources.Add("/usr/local/cuda*");
            foreach (var name in (local ?? Array.Empty<string>()).Where(n => n.StartsWith("cuda-", StringComparison.Ordinal)))
            {
                var dir = "/usr/local/" + name;
                if (host.ListDirectory(dir) == null) continue;
                var (version, evidence) = ReadToolkitVersion(host, dir);
                if (version == null)
                {
                    var m = Regex.Match(name, @"^cuda-(\d+\.\d+)$");
                    if (!m.Success) continue;
                    version = m.Groups[1].Value;
                    evidence = "directory name";
                }
                Add(facts, version, dir, evidence!);
            }

            if (local != null && local.Contains("cuda"))
            {
                var target = ResolveLinks(host, "/usr/local/cuda");
                if (host.ListDirectory(target) == null) facts.DefaultLinkDangling = true;
                else
                {
                    facts.DefaultPath = target;
                    if (!facts.Toolkits.Any(t => t.Path == target))
                    {
                        var (version, evidence) = ReadToolkitVersion(host, target);
                        if (version != null) Add(facts, version, target, evidence!);
                    }
                }
            }

            // nvcc on PATH is what a JIT build (flashinfer, torch cpp_extension) runs.
            var nvcc = ctx.Run("nvcc", "--version");
            facts.Sources.Add("nvcc --version");
            if (nvcc.Succeeded)
            {
                facts.NvccVersion = ParseNvccVersion(nvcc.Stdout);
                if (facts.NvccVersion != null)
                {
                    var same = facts.Toolkits.FirstOrDefault(t => t.MajorMinor == MajorMinor(facts.NvccVersion));
                    if (same != null) same.Evidence.Add("nvcc --version");
                    else Add(facts, facts.NvccVersion, null, "nvcc --version");
                }
            }

            // Packaged toolkits without a /usr/local directory (e.g. a half-removed install, or Ubuntu's nvidia-cuda-toolkit).
            var status = host.ReadFile("/var/lib/dpkg/status");
            if (status.Ok)
            {
                facts.Sources.Add(status.Path);
                foreach (var (name, version, _) in GpuProbes.ParseDpkgStatus(status.Text!))
                {
                    var m = Regex.Match(name, @"^cuda-toolkit-(\d+)-(\d+)$");
                    string? mm = m.Success ? m.Groups[1].Value + "." + m.Groups[2].Value
                        : name == "nvidia-cuda-toolkit" ? Regex.Match(version, @"^(?:\d+:)?(\d+\.\d+)").Groups[1].Value : null;
                    if (string.IsNullOrEmpty(mm)) continue;
                    var same = facts.Toolkits.FirstOrDefault(t => t.MajorMinor == mm);
                    if (same != null) same.Evidence.Add("package " + name);
                    else Add(facts, mm!, null, "package " + name);
                }
            }
            if (local == null && !status.Ok && nvcc.Status != CommandStatus.Completed && nvcc.Status != CommandStatus.NotFound)
                facts.UnknownReason = "neither /usr/local nor the dpkg database could be read, and " + nvcc.Describe();
            return facts;
        }

        private static void Add(CudaToolkitFacts facts, string version, string? path, string evidence)
        {
            var t = new CudaToolkit { Version = version, Path = path };
            t.Evidence.Add(evidence);
            facts.Toolkits.Add(t);
        }

        /// <summary>version.json (CUDA 11.1+: "cuda": { "version": "12.8.1" }), else version.txt ("CUDA Version 10.2.89").</summary>
        private static (string? version, string? evidence) ReadToolkitVersion(IHost host, string dir)
        {
            var json = host.ReadFile(dir + "/version.json");
            if (json.Ok && ParseVersionJson(json.Text!) is string v) return (v, "version.json");
            var txt = host.ReadFile(dir + "/version.txt");
            if (txt.Ok)
            {
                var m = Regex.Match(txt.Text!, @"CUDA Version\s+(\d+\.\d+(?:\.\d+)?)");
                if (m.Success) return (m.Groups[1].Value, "version.txt");
            }
            return (null, null);
        }

        /// <summary>The "cuda" entry's version; a regex, so a truncated file (as some captures are) still answers.</summary>
        internal static string? ParseVersionJson(string text)
        {
            var m = Regex.Match(text, @"""cuda""\s*:\s*\{[^}]*?""version""\s*:\s*""(\d+\.\d+(?:\.\d+)?)""");
            return m.Success ? m.Groups[1].Value : null;
        }

        /// <summary>"Cuda compilation tools, release 12.2, V12.2.140" → 12.2.140 (the release when no V number).</summary>
        internal static string? ParseNvccVersion(string text)
        {
            var m = Regex.Match(text, @"release (\d+\.\d+), V(\d+\.\d+\.\d+)");
            if (m.Success) return m.Groups[2].Value;
            m = Regex.Match(text, @"release (\d+\.\d+)");
            return m.Success ? m.Groups[1].Value : null;
        }

        internal static string MajorMinor(string version) => string.Join(".", version.Split('.').Take(2));

        /// <summary>Follows symbolic links inside the host's root (an absolute target is a host path, not this machine's).</summary>
        internal static string ResolveLinks(IHost host, string path)
        {
            for (int hop = 0; hop < 8; hop++)
            {
                var target = host.ReadLink(path);
                if (target == null) return path;
                path = Normalize(target.StartsWith("/", StringComparison.Ordinal) ? target : (HostPaths.Parent(path) ?? "/").TrimEnd('/') + "/" + target);
            }
            return path;
        }

        private static string Normalize(string path)
        {
            var parts = new List<string>();
            foreach (var p in path.Split('/'))
            {
                if (p.Length == 0 || p == ".") continue;
                if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); }
                else parts.Add(p);
            }
            return "/" + string.Join("/", parts);
        }

        // ---------------------------------------------------------------- kernels

        public static KernelFacts Kernels(ProbeContext ctx)
        {
            var host = ctx.Host;
            var facts = new KernelFacts();
            var running = host.ReadFile("/proc/sys/kernel/osrelease");
            if (running.Ok) { facts.RunningKernel = running.Text!.Trim(); facts.Sources.Add(running.Path); }

            // /boot decides what is installed: /lib/modules keeps directories of removed kernels that DKMS or
            // depmod left behind. Rescue images (vmlinuz-0-rescue-*) are not kernels a reboot picks.
            var boot = host.ListDirectory("/boot");
            var modulesRoot = host.ListDirectory("/lib/modules") != null ? "/lib/modules" : "/usr/lib/modules";
            var modules = host.ListDirectory(modulesRoot);
            facts.Sources.Add("/boot");
            facts.Sources.Add(modulesRoot);
            var releases = (boot ?? Array.Empty<string>())
                .Where(n => n.StartsWith("vmlinuz-", StringComparison.Ordinal) && !n.StartsWith("vmlinuz-0-rescue", StringComparison.Ordinal))
                .Select(n => n.Substring("vmlinuz-".Length)).ToList();
            if (releases.Count == 0 && modules != null) releases = modules.ToList();
            if (boot == null && modules == null)
            {
                facts.UnknownReason = "neither /boot nor /lib/modules could be listed";
                return facts;
            }
            foreach (var k in releases.Distinct().OrderBy(k => k, KernelReleaseComparer.Instance))
            {
                facts.Kernels.Add(new InstalledKernel
                {
                    Release = k,
                    HeadersPath = FindHeaders(host, modulesRoot, k),
                    NvidiaModule = FindNvidiaModule(host, modulesRoot + "/" + k),
                });
            }
            return facts;
        }

        private static string? FindHeaders(IHost host, string modulesRoot, string k)
        {
            foreach (var candidate in new[] { $"{modulesRoot}/{k}/build", $"/usr/src/linux-headers-{k}", $"/usr/src/kernels/{k}" })
            {
                // build is a link to /usr/src/...; a dangling one means the headers package is gone.
                var dir = ResolveLinks(host, candidate);
                if (host.ListDirectory(dir) != null) return dir;
            }
            return null;
        }

        /// <summary>
        /// Where DKMS (updates/dkms), kmod packages (extra, extra/nvidia), Ubuntu's precompiled modules
        /// (kernel/nvidia-535srv) and distribution builds (kernel/drivers/video) put the module.
        /// </summary>
        private static string? FindNvidiaModule(IHost host, string dir)
        {
            var candidates = new List<string> { dir + "/updates/dkms", dir + "/updates", dir + "/extra", dir + "/extra/nvidia", dir + "/kernel/drivers/video" };
            candidates.AddRange((host.ListDirectory(dir + "/kernel") ?? Array.Empty<string>())
                .Where(n => n.StartsWith("nvidia", StringComparison.Ordinal)).Select(n => dir + "/kernel/" + n));
            foreach (var d in candidates)
            {
                var hit = (host.ListDirectory(d) ?? Array.Empty<string>()).FirstOrDefault(IsNvidiaCoreModule);
                if (hit != null) return d + "/" + hit;
            }
            return null;
        }

        /// <summary>nvidia.ko[.xz|.zst|.gz], or Debian's renamed nvidia-current.ko; not the drm/modeset/uvm/peermem companions.</summary>
        internal static bool IsNvidiaCoreModule(string file)
        {
            var m = Regex.Match(file, @"^(nvidia(?:[-_][a-z0-9]+)*)\.ko(?:\.(?:xz|zst|gz))?$");
            if (!m.Success) return false;
            var last = m.Groups[1].Value.Split('-', '_').Last();
            return last != "drm" && last != "modeset" && last != "uvm" && last != "peermem" && last != "fs";
        }

        // ---------------------------------------------------------------- runfile traces

        public static InstallMethodFacts InstallMethod(ProbeContext ctx)
        {
            var host = ctx.Host;
            var facts = new InstallMethodFacts();
            // nvidia-installer puts nvidia-uninstall in its bin directory (default /usr/bin) and removes it on uninstall.
            var bin = host.ListDirectory("/usr/bin");
            facts.Sources.Add("/usr/bin/nvidia-uninstall");
            facts.RunfileInstalled = bin != null && bin.Contains("nvidia-uninstall");
            var log = host.ReadFile("/var/log/nvidia-installer.log");
            if (log.Exists)
            {
                facts.InstallerLog = log.Path;
                facts.Sources.Add(log.Path);
                if (log.Ok)
                {
                    var m = Regex.Match(log.Text!, @"^installer version:\s*(\S+)", RegexOptions.Multiline);
                    if (m.Success) facts.RunfileVersion = m.Groups[1].Value;
                }
            }
            return facts;
        }

        // ---------------------------------------------------------------- kernel log

        public static KernelLogFacts KernelLog(ProbeContext ctx)
        {
            var facts = new KernelLogFacts();
            // dmesg covers this boot only, which is what matters; kern.log answers when dmesg is restricted to root.
            var dmesg = ctx.Run("dmesg");
            if (dmesg.Succeeded)
            {
                facts.Sources.Add("dmesg");
                facts.Events.AddRange(ParseKernelLog(dmesg.Stdout));
                return facts;
            }
            var kern = ctx.Host.ReadFile("/var/log/kern.log");
            if (kern.Ok)
            {
                facts.Sources.Add(kern.Path);
                facts.Events.AddRange(ParseKernelLog(kern.Text!));
                return facts;
            }
            facts.Sources.Add("dmesg");
            facts.UnknownReason = $"{dmesg.Describe()}, and {kern.Describe()}";
            return facts;
        }

        /// <summary>
        /// Lines that say a module signature was refused or missing. The kernel's own lines name no module
        /// when it refuses ("Loading of unsigned module is rejected"); modprobe and systemd-modules-load
        /// name it with the errno text EKEYREJECTED prints ("Key was rejected by service").
        /// </summary>
        internal static List<ModuleSignatureEvent> ParseKernelLog(string text)
        {
            var events = new List<ModuleSignatureEvent>();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd('\r').Trim();
                if (line.Length == 0) continue;
                string? kind = null, module = null;
                Match m;
                if (line.IndexOf("Key was rejected by service", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    kind = "rejected";
                    m = Regex.Match(line, @"insert (?:module )?'([^']+)'");
                    if (m.Success) module = m.Groups[1].Value;
                }
                else if (Regex.IsMatch(line, @"Loading of (unsigned module|module with unavailable key) is rejected|unsigned module loading is restricted"))
                    kind = "rejected";
                else if ((m = Regex.Match(line, @"(?:^|\s)([A-Za-z0-9_-]+): module verification failed")).Success)
                { kind = "unsigned"; module = m.Groups[1].Value; }
                else if ((m = Regex.Match(line, @"(?:^|\s)([A-Za-z0-9_-]+): PKCS#7 signature not signed with a trusted key")).Success)
                { kind = "untrusted"; module = m.Groups[1].Value; }
                if (kind != null) events.Add(new ModuleSignatureEvent { Kind = kind, Module = module, Line = line });
            }
            return events;
        }
    }

    /// <summary>Orders kernel releases as people read them: runs of digits by value (5.15.0-101 after 5.15.0-91).</summary>
    internal sealed class KernelReleaseComparer : IComparer<string>
    {
        public static readonly KernelReleaseComparer Instance = new KernelReleaseComparer();

        public int Compare(string? a, string? b)
        {
            var x = Regex.Matches(a ?? "", @"\d+|[^\d]+").Cast<Match>().Select(m => m.Value).ToList();
            var y = Regex.Matches(b ?? "", @"\d+|[^\d]+").Cast<Match>().Select(m => m.Value).ToList();
            for (int i = 0; i < Math.Min(x.Count, y.Count); i++)
            {
                bool dx = char.IsDigit(x[i][0]), dy = char.IsDigit(y[i][0]);
                int c = dx && dy
                    ? x[i].TrimStart('0').Length != y[i].TrimStart('0').Length ? x[i].TrimStart('0').Length.CompareTo(y[i].TrimStart('0').Length) : string.CompareOrdinal(x[i].TrimStart('0'), y[i].TrimStart('0'))
                    : string.CompareOrdinal(x[i], y[i]);
                if (c != 0) return c;
            }
            return x.Count.CompareTo(y.Count);
        }
    }
}
