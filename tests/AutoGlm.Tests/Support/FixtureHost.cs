using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AutoGlm.Tests.Support
{
    /// <summary>
    /// A fake machine for probes: a root directory with /etc, /proc and /sys files the test writes, and a
    /// bin directory of fake tools (small shell scripts) that becomes the whole PATH.
    /// </summary>
    public sealed class FixtureHost : IDisposable
    {
        private readonly TempDir _dir = new TempDir("autoglm-fixture");

        public FixtureHost()
        {
            Directory.CreateDirectory(RootPath);
            Directory.CreateDirectory(BinPath);
            // Tools the probes may call that the fixture does not fake: link the real ones so scripts work.
            foreach (var tool in new[] { "sh", "bash", "cat", "sleep", "echo" })
            {
                var real = FindOnSystemPath(tool);
                if (real != null) System.IO.File.CreateSymbolicLink(System.IO.Path.Combine(BinPath, tool), real);
            }
        }

        public string RootPath => _dir.Combine("root");
        public string BinPath => _dir.Combine("bin");
        /// <summary>PATH for a process or LiveHost that should see only the fake tools.</summary>
        public string PathVariable => BinPath;

        public FixtureHost File(string hostPath, string content)
        {
            var real = System.IO.Path.Combine(RootPath, hostPath.TrimStart('/'));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(real)!);
            System.IO.File.WriteAllText(real, content);
            return this;
        }

        public FixtureHost Dir(string hostPath)
        {
            Directory.CreateDirectory(System.IO.Path.Combine(RootPath, hostPath.TrimStart('/')));
            return this;
        }

        public FixtureHost Link(string hostPath, string target)
        {
            var real = System.IO.Path.Combine(RootPath, hostPath.TrimStart('/'));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(real)!);
            System.IO.File.CreateSymbolicLink(real, target);
            return this;
        }

        /// <summary>A disk partition as sysfs shows it: a class/block link into devices/, and the disk's rotational flag.</summary>
        public FixtureHost Partition(string devicePath, string disk, string partition, bool rotational)
        {
            File($"/sys/devices/{devicePath}/{disk}/{partition}/partition", "1\n");
            Link($"/sys/class/block/{partition}", $"../../devices/{devicePath}/{disk}/{partition}");
            return File($"/sys/block/{disk}/queue/rotational", rotational ? "1\n" : "0\n");
        }

        /// <summary>A fake tool: a /bin/sh script with the given body.</summary>
        public FixtureHost Tool(string name, string shellBody)
        {
            var path = System.IO.Path.Combine(BinPath, name);
            if (System.IO.File.Exists(path)) System.IO.File.Delete(path);
            System.IO.File.WriteAllText(path, "#!/bin/sh\n" + shellBody + "\n");
            System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            return this;
        }

        /// <summary>A fake tool that prints fixed text and exits with a code.</summary>
        public FixtureHost ToolPrints(string name, string stdout, int exitCode = 0)
        {
            var heredoc = new StringBuilder();
            heredoc.Append("cat <<'AUTOGLM_EOF'\n").Append(stdout.TrimEnd('\n')).Append("\nAUTOGLM_EOF\n");
            heredoc.Append("exit ").Append(exitCode);
            return Tool(name, heredoc.ToString());
        }

        /// <summary>A healthy Ubuntu 22.04 server with 16 cores, 64 GiB, NVMe, Python 3.10 with venv, run as root.</summary>
        public static FixtureHost HealthyUbuntu()
        {
            var h = new FixtureHost();
            h.File("/etc/os-release", "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nID=ubuntu\nID_LIKE=debian\n")
             .File("/proc/sys/kernel/osrelease", "5.15.0-91-generic\n")
             .File("/proc/sys/kernel/arch", "x86_64\n")
             .File("/proc/cpuinfo", CpuInfo(16, "vmx"))
             .File("/proc/meminfo", "MemTotal:       65842356 kB\nMemFree:        1000000 kB\nMemAvailable:   60000000 kB\n")
             .File("/proc/self/status", "Name:\tautoglm\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n")
             .File("/proc/net/tcp", TcpHeader + "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   113        0 24610 1 0000000000000000 100 0 0 10 0\n")
             .File("/proc/net/tcp6", Tcp6Header)
             .Dir("/opt")
             .Partition("pci0000:00/0000:00:1d.0/nvme/nvme0", "nvme0n1", "nvme0n1p2", rotational: false);
            h.ToolPrints("df", "Filesystem     1024-blocks      Used Available Capacity Mounted on\n/dev/nvme0n1p2  1921724676 412345678 1411741234      23% /");
            h.Python("python3", "3.10.12", venv: true, ensurepip: true);
            h.HealthyGpu();
            return h;
        }

        /// <summary>A real-world capture from tests/fixtures/realworld.</summary>
        public static string Realworld(string name) => System.IO.Path.Combine(Repo.Root, "tests", "fixtures", "realworld", name);

        /// <summary>The H100's `nvidia-smi -q -x` (DERIVED from the real H100 590 captures, in the v12/v13 shape).</summary>
        public const string H100Log = "nvidia-smi--q-x-h100-590.48.01-v13-DERIVED.xml";

        /// <summary>
        /// One H100 SXM5 on driver 590.48.01 (open module, DKMS-built for the running kernel, apt-held,
        /// nouveau blacklisted, legacy BIOS boot, IOMMU on), answering through a fake nvidia-smi that
        /// prints the real captures.
        /// </summary>
        public FixtureHost HealthyGpu()
        {
            PciDevice("0000:00:09.0", "0x10de", "0x2330", "0x030200");
            // BAR0 16 MiB, BAR1 128 GiB (what nvidia-smi reports for an H100), BAR3 32 MiB: Above 4G decoding on.
            File("/sys/bus/pci/devices/0000:00:09.0/resource",
                "0x00000000a0000000 0x00000000a0ffffff 0x0000000000040200\n0x0000220000000000 0x0000221fffffffff 0x000000000014220c\n"
                + "0x0000000000000000 0x0000000000000000 0x0000000000000000\n0x0000222000000000 0x0000222001ffffff 0x000000000014220c\n");
            File("/sys/class/dmi/id/sys_vendor", "Supermicro\n").File("/sys/class/dmi/id/product_name", "SYS-821GE-TNHR\n")
                .File("/sys/class/dmi/id/bios_version", "2.1\n").File("/sys/class/dmi/id/bios_date", "12/01/2023\n");
            Smi(H100Log);
            File("/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  590.48.01  Release Build  (dvs-builder@U22-I3-B17-02-5)  Mon Dec  8 12:54:27 UTC 2025\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04) \n");
            File("/proc/modules", "nvidia_uvm 4943872 0 - Live 0x0000000000000000 (POE)\nnvidia_drm 122880 4 - Live 0x0000000000000000 (POE)\nnvidia_modeset 1368064 3 nvidia_drm, Live 0x0000000000000000 (POE)\nnvidia 54566912 33 nvidia_uvm,nvidia_modeset, Live 0x0000000000000000 (POE)\n");
            File("/etc/modprobe.d/blacklist-nouveau.conf", "blacklist nouveau\noptions nouveau modeset=0\n");
            Modinfo("590.48.01", "5.15.0-91-generic", "Dual MIT/GPL", signer: null);
            ToolPrints("dkms", "nvidia/590.48.01, 5.15.0-91-generic, x86_64: installed");
            File("/var/lib/dpkg/status", DpkgStatus(("nvidia-driver-590-server-open", "590.48.01-0ubuntu0.22.04.1", true), ("libnvidia-compute-590-server", "590.48.01-0ubuntu0.22.04.1", true)));
            File("/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-5.15.0-91-generic root=/dev/nvme0n1p2 ro intel_iommu=on iommu=pt\n");
            // The running kernel is the newest installed one, with headers and the DKMS module; the kernel log is clean.
            Kernel("5.15.0-91-generic", headers: true, module: "updates/dkms/nvidia.ko");
            Tool("dmesg", $"cat '{Realworld("dmesg--nvidia-load-535.104.05-healthy.txt")}'");
            Dir("/sys/class/iommu/dmar0");
            for (int g = 0; g < 4; g++) Dir($"/sys/kernel/iommu_groups/{g}/devices");
            return this;
        }

        /// <summary>
        /// An installed kernel: /boot/vmlinuz-K, /lib/modules/K, headers in /usr/src with the build link
        /// as the headers package makes it (absolute, so it must resolve inside the root), and an nvidia module.
        /// </summary>
        public FixtureHost Kernel(string release, bool headers, string? module)
        {
            File($"/boot/vmlinuz-{release}", "");
            Dir($"/lib/modules/{release}/kernel");
            if (headers)
            {
                Dir($"/usr/src/linux-headers-{release}/include");
                Link($"/lib/modules/{release}/build", $"/usr/src/linux-headers-{release}");
            }
            if (module != null) File($"/lib/modules/{release}/{module}", "");
            return this;
        }

        /// <summary>A PCI function in sysfs.</summary>
        public FixtureHost PciDevice(string bus, string vendor, string device, string cls)
        {
            File($"/sys/bus/pci/devices/{bus}/vendor", vendor + "\n");
            File($"/sys/bus/pci/devices/{bus}/device", device + "\n");
            return File($"/sys/bus/pci/devices/{bus}/class", cls + "\n");
        }

        /// <summary>Every nvidia-smi invocation, one line of its arguments each (outside the root).</summary>
        public string SmiCallsPath => _dir.Combine("nvidia-smi.calls");

        /// <summary>
        /// A fake nvidia-smi that prints one real capture (an `-q -x` log, or a failure text) with a real exit code,
        /// and logs each invocation to <see cref="SmiCallsPath"/>.
        /// </summary>
        public FixtureHost Smi(string captureFile, int exitCode = 0)
        {
            return Tool("nvidia-smi", $"echo \"$*\" >> '{SmiCallsPath}'\ncat '{Realworld(captureFile)}'\nexit {exitCode}");
        }

        /// <summary>A fake `modinfo nvidia` in modinfo's own layout.</summary>
        public FixtureHost Modinfo(string version, string kernel, string license, string? signer)
        {
            var text = $"filename:       /lib/modules/{kernel}/updates/dkms/nvidia.ko\nversion:        {version}\nlicense:        {license}\nname:           nvidia\nvermagic:       {kernel} SMP preempt mod_unload modversions\n";
            if (signer != null) text += $"sig_id:         PKCS#7\nsigner:         {signer}\nsig_hashalgo:   sha512\n";
            return ToolPrints("modinfo", text);
        }

        /// <summary>/var/lib/dpkg/status stanzas for installed packages.</summary>
        public static string DpkgStatus(params (string name, string version, bool held)[] packages)
        {
            var sb = new StringBuilder();
            foreach (var (name, version, held) in packages)
                sb.Append($"Package: {name}\nStatus: {(held ? "hold" : "install")} ok installed\nPriority: optional\nArchitecture: amd64\nVersion: {version}\nDescription: {name}\n\n");
            return sb.ToString();
        }

        public const string TcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        public const string Tcp6Header = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

        public static string CpuInfo(int cores, string? virtFlag, bool hypervisor = false)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < cores; i++)
            {
                sb.Append($"processor\t: {i}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n");
                sb.Append("flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sse sse2 ").Append(virtFlag ?? "").Append(hypervisor ? " hypervisor" : "").Append(" avx2\n\n");
            }
            return sb.ToString();
        }

        /// <summary>A fake interpreter answering the python probe's script the way a real one would.</summary>
        public FixtureHost Python(string name, string version, bool venv, bool ensurepip, string? executable = null)
        {
            var exe = executable ?? "/usr/bin/" + name;
            return ToolPrints(name, $"version={version}\nexecutable={exe}\nvenv={(venv ? 1 : 0)}\nensurepip={(ensurepip ? 1 : 0)}");
        }

        private static string? FindOnSystemPath(string tool)
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
            {
                var candidate = System.IO.Path.Combine(dir, tool);
                if (System.IO.File.Exists(candidate)) return candidate;
            }
            return null;
        }

        public void Dispose() => _dir.Dispose();
    }
}
