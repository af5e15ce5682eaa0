using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Resolve;

namespace AutoGlm.Cli
{
    public static class ResolveCommand
    {
        public const string Help =
@"autoglm resolve - the stack a profile needs on a host (Resolve-AutoGlmStack)

Usage:
  autoglm resolve [--profile NAME] [--root DIR | --snapshot DIR | --facts FILE] [--matrix FILE]...
                  [--minor-version-compatibility] [--today YYYY-MM-DD] [--explain]
                  [--format table|json] [--timeout SECONDS] [--verbose]

Options:
  --profile NAME      deployment profile from the matrix (default: the matrix's defaultProfile)
  --root DIR          probe the host under this directory instead of '/'
  --snapshot DIR      probe a snapshot written by 'autoglm snapshot export'
  --facts FILE        a JSON description of a host instead of probing one (docs/resolve.md)
  --matrix FILE       site matrix file merged over the shipped matrix (repeatable)
  --minor-version-compatibility
                      accept a driver that runs the CUDA build only through minor-version
                      compatibility (no PTX JIT, no features that need a newer driver)
  --today DATE        judge driver end-of-life against this date instead of today
  --explain           say why each choice was made (table format)
  --format F          table (default) or json
  --timeout SECONDS   how long any one external tool may run (default 10)
  --verbose           say what each probe did, on stderr

Exit codes: 0 a stack was resolved, 1 no stack fits (the conflicts say why), 2 the command could not run.";

        public static int Run(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "resolve",
                new[] { "profile", "root", "snapshot", "facts", "matrix", "format", "timeout", "today" },
                new[] { "minor-version-compatibility", "explain", "verbose" });
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var format = args.Choice("format", "table", "table", "json");
            var timeout = args.Int("timeout", 1, 3600);
            DateTime? today = null;
            if (args.One("today") is string t)
            {
                if (!DateTime.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                    throw new UsageException($"--today '{t}' is not a date. Write YYYY-MM-DD.");
                today = d;
            }
            var request = new ResolveRequest
            {
                Profile = args.One("profile"),
                Root = args.One("root"),
                Snapshot = args.One("snapshot"),
                FactsFile = args.One("facts"),
                MatrixPaths = args.All("matrix").ToList(),
                AllowMinorVersionCompatibility = args.Flag("minor-version-compatibility"),
                CommandTimeout = timeout is int s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null,
                Today = today,
            };
            var stack = StackService.Resolve(request, new ConsoleOutput(args.Flag("verbose"), format == "json"));
            Console.Write(format == "json" ? Engine.Json.Json.Serialize(stack.ToJson()) + "\n" : Render(stack, args.Flag("explain")));
            return stack.Resolved ? Program.ExitOk : Program.ExitFailed;
        }

        public static string Render(ResolvedStack s, bool explain)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"profile {s.Profile}: {(s.Resolved ? "resolved" : "no stack fits")}");
            if (s.Resolved)
            {
                if (s.Driver != null)
                {
                    var d = s.Driver;
                    sb.AppendLine($"  driver   R{d.Branch} {d.Flavor}, minimum {d.Minimum}{(d.MinimumWithMinorVersionCompatibility != null ? $" ({d.MinimumWithMinorVersionCompatibility} with minor-version compatibility)" : "")}; {d.Action}{(d.Installed != null ? $" (installed {d.Installed})" : "")}");
                    if (d.Package != null) sb.AppendLine($"           package {d.Package}, pinned by {d.Pin}");
                }
                if (s.Cuda != null) sb.AppendLine($"  cuda     {s.Cuda} ({s.CudaTag})");
                if (s.Python != null) sb.AppendLine($"  python   {s.Python.Version}{(s.Python.Installed != null ? $" (installed {s.Python.Installed})" : " (to install)")}");
                foreach (var p in s.Packages)
                    sb.AppendLine($"  package  {p.Name}=={p.Version}{(p.Stage == "override" ? " (after the framework)" : "")}{(p.Index != null ? $" from {p.Index}" : "")}");
                foreach (var u in s.IndexUrls) sb.AppendLine($"  index    {u}");
            }
            foreach (var c in s.Conflicts) sb.AppendLine("  conflict: " + c);
            foreach (var w in s.Warnings) sb.AppendLine("  warning: " + w);
            if (explain)
            {
                sb.AppendLine("why:");
                foreach (var e in s.Explanation) sb.AppendLine("  - " + e);
            }
            return sb.ToString();
        }
    }
}
