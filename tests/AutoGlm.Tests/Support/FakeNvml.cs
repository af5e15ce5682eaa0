using System;
using System.Diagnostics;
using System.IO;

namespace AutoGlm.Tests.Support
{
    /// <summary>
    /// The fake libnvidia-ml.so.1 (tests/fakes/libnvidia-ml/fake_nvml.c), compiled once per test run with
    /// the machine's C compiler. Each test gets its own copy with its own config file beside it
    /// ("&lt;library&gt;.conf"), so tests with different answers can run in one process.
    /// </summary>
    public static class FakeNvml
    {
        private static readonly Lazy<string> Built = new Lazy<string>(Build);
        private static readonly TempDir BuildDir = new TempDir("autoglm-fake-nvml");

        public static string Source => Path.Combine(Repo.Root, "tests", "fakes", "libnvidia-ml", "fake_nvml.c");

        /// <summary>A fresh copy of the fake library in <paramref name="dir"/> answering as <paramref name="config"/> says.</summary>
        public static string Create(string dir, string config)
        {
            Directory.CreateDirectory(dir);
            var lib = Path.Combine(dir, "libnvidia-ml.so.1");
            File.Copy(Built.Value, lib, overwrite: true);
            File.WriteAllText(lib + ".conf", config);
            return lib;
        }

        /// <summary>A GPU line for the config: name|uuid|bus|devid|cc|MiB|persistence|ecc.</summary>
        public static string Gpu(string name, string bus, string deviceId, string cc, long mib, int persistence = 1, int ecc = 1, string? uuid = null) =>
            $"gpu={name}|{uuid ?? "GPU-" + Guid.NewGuid()}|{bus}|{deviceId}|{cc}|{mib}|{persistence}|{ecc}\n";

        private static string Build()
        {
            var output = Path.Combine(BuildDir.Path, "libnvidia-ml.so.1");
            var psi = new ProcessStartInfo("cc") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-shared", "-fPIC", "-O1", "-o", output, Source, "-ldl" }) psi.ArgumentList.Add(a);
            Process p;
            try { p = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException("The fake NVML needs a C compiler: install gcc (apt-get install gcc libc6-dev). " + ex.Message);
            }
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException("cc failed to build the fake NVML: " + err.Result);
            return output;
        }
    }
}
