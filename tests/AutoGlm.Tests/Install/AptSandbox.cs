using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using AutoGlm.Tests.Support;

namespace AutoGlm.Tests.Install
{
    /// <summary>A fake .deb: control fields and files (path → content, executable or not).</summary>
    public sealed class FakePackage
    {
        public string Name = "";
        public string Version = "";
        public string Architecture = "amd64";
        public string? Depends;
        public Dictionary<string, (string Content, bool Executable)> Files = new Dictionary<string, (string, bool)>();

        public static FakePackage Driver(string name, string version, bool broken = false) => new FakePackage
        {
            Name = name,
            Version = version,
            // The payload is the driver's nvidia-smi: it answers with its own version, or fails like a module that will not load.
            Files =
            {
                ["/usr/bin/nvidia-smi"] = (broken
                    ? "#!/bin/sh\necho 'NVIDIA-SMI has failed because it couldn'\"'\"'t communicate with the NVIDIA driver.' >&2\nexit 9\n"
                    : $"#!/bin/sh\necho {version.Split('-')[0]}\n", true),
            },
        };
    }

    /// <summary>
    /// Real apt and dpkg, offline: fake packages built with dpkg-deb, served as a signed flat file:
    /// repository, installed into an isolated root. Nothing touches the machine's own dpkg database or /etc.
    /// </summary>
    public sealed class AptSandbox : IDisposable
    {
        private readonly TempDir _dir = new TempDir("autoglm-apt");
        private readonly List<FakePackage> _packages = new List<FakePackage>();

        public AptSandbox(string kernel = "5.15.0-119-generic")
        {
            Root = _dir.Combine("root");
            Repo = _dir.Combine("repo");
            Bin = _dir.Combine("bin");
            GnuPgHome = _dir.Combine("gnupg");
            foreach (var d in new[] { "etc/apt/sources.list.d", "etc/apt/preferences.d", "etc/apt/apt.conf.d", "etc/apt/trusted.gpg.d",
                "var/lib/dpkg/updates", "var/lib/dpkg/info", "var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt",
                "usr/bin", "proc/sys/kernel", "lib/modules/" + kernel })
                Directory.CreateDirectory(Path.Combine(Root, d));
            File.WriteAllText(Path.Combine(Root, "var/lib/dpkg/status"), "");
            File.WriteAllText(Path.Combine(Root, "proc/sys/kernel/osrelease"), kernel + "\n");
            Directory.CreateDirectory(Repo);
            Directory.CreateDirectory(Bin);
            Directory.CreateDirectory(GnuPgHome);
            // Kernel-side tools stand in as loggers: the test machine's kernel is never touched.
            foreach (var tool in new[] { "modprobe", "update-initramfs", "dracut" })
                Script(tool, $"#!/bin/sh\necho \"{tool} $@\" >> {Path.Combine(_dir.Path, "tools.log")}\n");
            Key = GenerateKey("AutoGlm Test Repository <repo@autoglm.test>");
        }

        public string Root { get; }
        public string Repo { get; }
        public string Bin { get; }
        public string GnuPgHome { get; }
        /// <summary>The repository's signing key, exported in binary form (what cuda-keyring ships).</summary>
        public byte[] Key { get; }
        public string RepoUrl => "file://" + Repo + "/";
        public string Path_ => Bin + ":" + Path.Combine(Root, "usr/bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        public string ToolsLog => File.Exists(Path.Combine(_dir.Path, "tools.log")) ? File.ReadAllText(Path.Combine(_dir.Path, "tools.log")) : "";

        public void Script(string name, string text)
        {
            var path = Path.Combine(Bin, name);
            File.WriteAllText(path, text);
            File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
        }

        public byte[] GenerateKey(string uid)
        {
            Run("gpg", "--homedir", GnuPgHome, "--batch", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "1y");
            return RunBytes("gpg", "--homedir", GnuPgHome, "--export", uid);
        }

        public AptSandbox Add(FakePackage p) { _packages.Add(p); return this; }

        /// <summary>The standard repository: keyring, the R595 pinning package, two nvidia-open versions, headers, dkms.</summary>
        public AptSandbox WithNvidiaRepository(string kernel = "5.15.0-119-generic")
        {
            Add(new FakePackage { Name = "cuda-keyring", Version = "1.1-1", Architecture = "all", Files = { ["/usr/share/keyrings/cuda-archive-keyring.gpg"] = (Convert.ToBase64String(Key), false) } });
            Add(new FakePackage { Name = "nvidia-driver-pinning-595", Version = "595.45.04-1", Architecture = "all",
                Files = { ["/etc/apt/preferences.d/nvidia-driver-pinning-595"] = ("Package: nvidia-open\nPin: version 595.*\nPin-Priority: 1000\n", false) } });
            Add(FakePackage.Driver("nvidia-open", "595.45.04-1"));
            Add(FakePackage.Driver("nvidia-open", "595.58.03-1"));
            Add(new FakePackage { Name = "linux-headers-" + kernel, Version = "5.15.0-119.129" });
            Add(new FakePackage { Name = "dkms", Version = "2.8.7-2ubuntu2.2", Architecture = "all" });
            Add(new FakePackage { Name = "cuda-toolkit-13-0", Version = "13.0.1-1" });
            return this;
        }

        /// <summary>Builds every .deb, the Packages index, Release and its clearsigned InRelease.</summary>
        public void Publish(byte[]? keyringOverride = null)
        {
            // The keyring package carries the key binary, not base64: fix it up now that the key is known.
            var index = new StringBuilder();
            foreach (var p in _packages)
            {
                var deb = BuildDeb(p, keyringOverride);
                var bytes = File.ReadAllBytes(deb);
                index.Append(File.ReadAllText(Path.Combine(_dir.Path, "build", p.Name + "_" + p.Version, "DEBIAN", "control")).TrimEnd('\n')).Append('\n');
                index.Append($"Filename: ./{Path.GetFileName(deb)}\nSize: {bytes.Length}\nSHA256: {Sha(bytes)}\n\n");
            }
            File.WriteAllText(Path.Combine(Repo, "Packages"), index.ToString());
            var packages = File.ReadAllBytes(Path.Combine(Repo, "Packages"));
            var release = $"Origin: AutoGlm test\nLabel: AutoGlm test\nDate: {DateTime.UtcNow:ddd, dd MMM yyyy HH:mm:ss} UTC\nSHA256:\n {Sha(packages)} {packages.Length} Packages\n";
            File.WriteAllText(Path.Combine(Repo, "Release"), release);
            var inRelease = Path.Combine(Repo, "InRelease");
            if (File.Exists(inRelease)) File.Delete(inRelease);
            Run("gpg", "--homedir", GnuPgHome, "--batch", "--yes", "--local-user", "repo@autoglm.test", "--clearsign", "-o", inRelease, Path.Combine(Repo, "Release"));
        }

        /// <summary>
        /// A flat repository of real .debs (linked, not copied): Packages from dpkg-scanpackages, Release and its clearsigned
        /// InRelease signed by <see cref="Key"/>.
        /// </summary>
        public void PublishDebs(IEnumerable<string> debs)
        {
            foreach (var deb in debs)
            {
                var full = Path.GetFullPath(deb);
                var target = new FileInfo(full).LinkTarget is string link ? Path.GetFullPath(link, Path.GetDirectoryName(full)!) : full;
                File.CreateSymbolicLink(Path.Combine(Repo, Path.GetFileName(deb)), target);
            }
            var psi = new ProcessStartInfo("dpkg-scanpackages") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo };
            foreach (var a in new[] { "--multiversion", ".", "/dev/null" }) psi.ArgumentList.Add(a);
            using (var p = Process.Start(psi)!)
            {
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidOperationException("dpkg-scanpackages failed (apt-get install dpkg-dev): " + stderr.Result);
                File.WriteAllText(Path.Combine(Repo, "Packages"), stdout.Result);
            }
            Sign();
        }

        private void Sign()
        {
            var packages = File.ReadAllBytes(Path.Combine(Repo, "Packages"));
            var release = $"Origin: AutoGlm test\nLabel: AutoGlm test\nDate: {DateTime.UtcNow:ddd, dd MMM yyyy HH:mm:ss} UTC\nSHA256:\n {Sha(packages)} {packages.Length} Packages\n";
            File.WriteAllText(Path.Combine(Repo, "Release"), release);
            var inRelease = Path.Combine(Repo, "InRelease");
            if (File.Exists(inRelease)) File.Delete(inRelease);
            Run("gpg", "--homedir", GnuPgHome, "--batch", "--yes", "--local-user", "repo@autoglm.test", "--clearsign", "-o", inRelease, Path.Combine(Repo, "Release"));
        }

        private string BuildDeb(FakePackage p, byte[]? keyringOverride)
        {
            var dir = Path.Combine(_dir.Path, "build", p.Name + "_" + p.Version);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            Directory.CreateDirectory(Path.Combine(dir, "DEBIAN"));
            File.WriteAllText(Path.Combine(dir, "DEBIAN", "control"),
                $"Package: {p.Name}\nVersion: {p.Version}\nArchitecture: {p.Architecture}\nMaintainer: AutoGlm tests <tests@autoglm.test>\n" +
                (p.Depends != null ? $"Depends: {p.Depends}\n" : "") + $"Description: fake {p.Name} for AutoGlm's tests\n");
            foreach (var (path, (content, executable)) in p.Files)
            {
                var full = Path.Combine(dir, path.TrimStart('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                if (path.EndsWith(".gpg", StringComparison.Ordinal)) File.WriteAllBytes(full, keyringOverride ?? Convert.FromBase64String(content));
                else File.WriteAllText(full, content);
                File.SetUnixFileMode(full, executable ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4);
            }
            var deb = Path.Combine(Repo, $"{p.Name}_{p.Version}_{p.Architecture}.deb");
            Run("dpkg-deb", "-Zgzip", "--root-owner-group", "--build", dir, deb);
            return deb;
        }

        private static string Sha(byte[] bytes) => string.Concat(SHA256.HashData(bytes).Select(b => b.ToString("x2")));

        public static string Run(params string[] argv)
        {
            var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(" ", argv)} exited {p.ExitCode}: {stderr}");
            return stdout.Result;
        }

        private static byte[] RunBytes(params string[] argv)
        {
            var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            using var ms = new MemoryStream();
            var errTask = p.StandardError.ReadToEndAsync();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(" ", argv)} exited {p.ExitCode}: {errTask.Result}");
            return ms.ToArray();
        }

        /// <summary>Installed packages in the isolated root: name → (version, held).</summary>
        public Dictionary<string, (string Version, bool Held)> Installed()
        {
            var map = new Dictionary<string, (string, bool)>();
            foreach (var stanza in File.ReadAllText(Path.Combine(Root, "var/lib/dpkg/status")).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
            {
                var fields = stanza.Split('\n').Where(l => l.Contains(':')).ToDictionary(l => l.Substring(0, l.IndexOf(':')), l => l.Substring(l.IndexOf(':') + 1).Trim());
                if (fields.TryGetValue("Status", out var status) && status.EndsWith(" installed"))
                    map[fields["Package"]] = (fields["Version"], status.StartsWith("hold "));
            }
            return map;
        }

        /// <summary>Every file under the root with its content, for before/after comparisons.</summary>
        public Dictionary<string, string> Tree() =>
            Directory.GetFiles(Root, "*", SearchOption.AllDirectories)
                .ToDictionary(f => f.Substring(Root.Length), f => Sha(File.ReadAllBytes(f)));

        /// <summary>apt-get inside the root, as the operator (or unattended-upgrades) would run it.</summary>
        public string AptGet(params string[] args) =>
            Run(new[] { "apt-get", "-q", "-o", "Dir=" + Root, "-o", "Dir::State::status=" + Path.Combine(Root, "var/lib/dpkg/status"),
                "-o", "DPkg::Options::=--root=" + Root, "-o", "DPkg::Options::=--force-not-root", "-o", "APT::Sandbox::User=root" }.Concat(args).ToArray());

        public void Dispose() => _dir.Dispose();
    }
}
