using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace AutoGlm.Tests.Support
{
    /// <summary>
    /// NVIDIA's own user-space binaries (the real libnvidia-ml.so.1 and nvidia-smi), downloaded pinned from Debian's
    /// non-free archive and unpacked, never installed, by tools/nvidia-artifacts/fetch.sh (tests/run.sh runs it
    /// before xunit). Found in $AUTOGLM_REAL_NVIDIA, else out/nvidia-artifacts. The pinned versions are read from
    /// the fetch script itself, so a version it pins but did not deliver fails instead of being quietly left out.
    /// </summary>
    public static class RealNvidia
    {
        public const string Variable = "AUTOGLM_REAL_NVIDIA";

        public static string FetchScript => Path.Combine(Repo.Root, "tools", "nvidia-artifacts", "fetch.sh");

        public static string Folder =>
            Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } dir ? dir : Path.Combine(Repo.Root, "out", "nvidia-artifacts");

        /// <summary>Why the tests cannot run here, or null when the artifacts were downloaded.</summary>
        public static string? Missing =>
            Directory.Exists(Folder) && Directory.EnumerateDirectories(Folder).Any(d => File.Exists(Path.Combine(d, "nvidia-smi")))
                ? null
                : $"the real NVIDIA binaries are not downloaded: no {Folder} (run tools/nvidia-artifacts/fetch.sh, as tests/run.sh does, or set {Variable})";

        /// <summary>The Debian package versions the fetch script pins: VERSIONS=("535.261.03-1" ...).</summary>
        public static IReadOnlyList<string> PinnedVersions()
        {
            var m = Regex.Match(File.ReadAllText(FetchScript), @"^VERSIONS=\(([^)]*)\)", RegexOptions.Multiline);
            if (!m.Success) throw new InvalidOperationException("no VERSIONS=(...) line in " + FetchScript);
            return Regex.Matches(m.Groups[1].Value, "\"([^\"]+)\"").Select(x => x.Groups[1].Value).ToList();
        }

        public static TheoryData<string> Versions()
        {
            var data = new TheoryData<string>();
            foreach (var v in PinnedVersions()) data.Add(v);
            return data;
        }

        private static string VersionDir(string version)
        {
            var dir = Path.Combine(Folder, version);
            Assert.True(Directory.Exists(dir), $"{version} is pinned in {FetchScript} but not in {Folder}: rerun the script");
            return dir;
        }

        /// <summary>The real libnvidia-ml.so.1 (usr/lib/x86_64-linux-gnu/nvidia/current/ of libnvidia-ml1).</summary>
        public static string Library(string version) => Path.GetFullPath(Path.Combine(VersionDir(version), "root", "usr", "lib", "x86_64-linux-gnu", "nvidia", "current", "libnvidia-ml.so.1"));

        public static string LibraryDir(string version) => Path.GetDirectoryName(Library(version))!;

        /// <summary>The real nvidia-smi (usr/lib/nvidia/current/ of nvidia-smi).</summary>
        public static string Smi(string version) => Path.GetFullPath(Path.Combine(VersionDir(version), "root", "usr", "lib", "nvidia", "current", "nvidia-smi"));

        /// <summary>Runs a program with LD_LIBRARY_PATH set to <paramref name="libraryPath"/> (empty: none).</summary>
        public static ProcessOutcome Run(string program, string libraryPath, params string[] args)
        {
            var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["LD_LIBRARY_PATH"] = libraryPath;
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException($"{program} {string.Join(" ", args)} did not finish in 60 s"); }
            return new ProcessOutcome { ExitCode = p.ExitCode, Stdout = stdout.Result, Stderr = stderr.Result };
        }

        /// <summary>The functions a library exports (nm -D --defined-only, type T).</summary>
        public static IReadOnlyList<string> ExportedFunctions(string library)
        {
            ProcessOutcome r;
            try { r = Run("nm", "", "-D", "--defined-only", library); }
            catch (System.ComponentModel.Win32Exception ex) { throw new InvalidOperationException("listing the real library's exports needs nm: apt-get install binutils. " + ex.Message); }
            Assert.True(r.ExitCode == 0, "nm -D failed: " + r.Stderr);
            return r.Stdout.Split('\n').Select(l => l.Trim().Split(' ')).Where(f => f.Length == 3 && (f[1] == "T" || f[1] == "W")).Select(f => f[2]).ToList();
        }

        /// <summary>
        /// A stand-in libnvidia-ml.so.1 that exports every function the real one of <paramref name="version"/> exports,
        /// each returning NVML_SUCCESS without writing anything. Without a driver the real nvidia-smi refuses even
        /// --help-query-gpu (it initializes NVML first: exit 9); against this stand-in it prints its own help and
        /// validates --query-gpu fields, which is all the tests ask of it. Compiled with the machine's C compiler.
        /// </summary>
        public static string SuccessStub(string version, string dir)
        {
            var functions = ExportedFunctions(Library(version));
            Assert.Contains("nvmlInit_v2", functions);
            var source = Path.Combine(dir, "stub_nvml.c");
            File.WriteAllLines(source, new[] { "const char *nvmlErrorString(int rc) { (void)rc; return \"stub\"; }" }
                .Concat(functions.Where(f => f != "nvmlErrorString").Select(f => $"int {f}(void) {{ return 0; }}")));
            var lib = Path.Combine(dir, "libnvidia-ml.so.1");
            ProcessOutcome cc;
            try { cc = Run("cc", "", "-shared", "-fPIC", "-w", "-o", lib, source); }
            catch (System.ComponentModel.Win32Exception ex) { throw new InvalidOperationException("the NVML stand-in needs a C compiler: apt-get install gcc libc6-dev. " + ex.Message); }
            Assert.True(cc.ExitCode == 0, "cc failed on the NVML stand-in: " + cc.Stderr);
            return lib;
        }
    }

    /// <summary>A test against the real NVIDIA binaries: skipped, with the reason, only when they were not downloaded.</summary>
    public sealed class RealNvidiaFactAttribute : FactAttribute
    {
        public RealNvidiaFactAttribute() { if (RealNvidia.Missing is string why) Skip = why; }
    }

    /// <summary>A theory over the pinned versions of the real NVIDIA binaries: skipped only when they were not downloaded.</summary>
    public sealed class RealNvidiaTheoryAttribute : TheoryAttribute
    {
        public RealNvidiaTheoryAttribute() { if (RealNvidia.Missing is string why) Skip = why; }
    }
}
