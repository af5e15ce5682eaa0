using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace AutoGlm.Tests.Support
{
    /// <summary>Paths into the checkout and the build outputs the end-to-end and contract tests use.</summary>
    public static class Repo
    {
        public static string Root { get; } = FindRoot();

        // The test assembly's own configuration (Debug/Release) names the sibling projects' outputs.
        private static string Configuration =>
            AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Reverse().Skip(2).First();

        public static string CliDll => Path.Combine(Root, "src", "AutoGlm.Cli", "bin", Configuration, "net10.0", "autoglm.dll");
        public static string CmdletDll => Path.Combine(Root, "src", "AutoGlm", "bin", Configuration, "netstandard2.0", "AutoGlm.dll");
        public static string EngineDll => Path.Combine(Root, "src", "AutoGlm", "bin", Configuration, "netstandard2.0", "AutoGlm.Engine.dll");

        private static string FindRoot()
        {
            for (var dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
                if (File.Exists(Path.Combine(dir, "AutoGlm.slnx"))) return dir;
            throw new InvalidOperationException("could not find the repository root above " + AppContext.BaseDirectory);
        }
    }

    public sealed class ProcessOutcome
    {
        public int ExitCode { get; set; }
        public string Stdout { get; set; } = "";
        public string Stderr { get; set; } = "";
    }

    /// <summary>Runs the built autoglm CLI as a separate process, as a user would.</summary>
    public static class Cli
    {
        public static ProcessOutcome Run(string? path, params string[] args) => Run(path, null, args);

        public static ProcessOutcome Run(string? path, IDictionary<string, string>? environment, params string[] args) =>
            RunUnder(Array.Empty<string>(), path, environment, args);

        /// <summary>The CLI run by another program (strace, timeout): <paramref name="prefix"/> comes before `dotnet autoglm.dll`.</summary>
        public static ProcessOutcome RunUnder(IReadOnlyList<string> prefix, string? path, IDictionary<string, string>? environment, params string[] args)
        {
            var psi = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in prefix.Skip(1)) psi.ArgumentList.Add(a);
            if (prefix.Count > 0) psi.ArgumentList.Add("dotnet");
            psi.ArgumentList.Add(Repo.CliDll);
            foreach (var a in args) psi.ArgumentList.Add(a);
            if (path != null) psi.Environment["PATH"] = path;
            foreach (var kv in environment ?? new Dictionary<string, string>()) psi.Environment[kv.Key] = kv.Value;
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("autoglm did not finish in 120 s: " + string.Join(" ", args)); }
            return new ProcessOutcome { ExitCode = p.ExitCode, Stdout = stdout.Result, Stderr = stderr.Result };
        }
    }
}
