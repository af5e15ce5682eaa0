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
            Console.Write(format == "json" ? Engine.Json.Json.Serialize(stack.ToJson()) + "\n" : Engine.Reports.TextRender.Stack(stack, args.Flag("explain")));
            return stack.Resolved ? Program.ExitOk : Program.ExitFailed;
        }
    }
}
