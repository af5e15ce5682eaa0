using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine;

namespace AutoGlm.Cli
{
    public static class SnapshotCommand
    {
        public const string Help =
@"autoglm snapshot export - record what the checks read and ran, as plain diffable files (Export-AutoGlmHostSnapshot)

Usage:
  autoglm snapshot export --out DIR [--root DIR] [--profile NAME] [--matrix FILE]...
                          [--install-path PATH] [--port N] [--timeout SECONDS] [--force]
                          [--format table|json] [--verbose]

Evaluate it anywhere with: autoglm test --snapshot DIR
The format is described in docs/snapshot-format.md.

Exit codes: 0 written, 2 the command could not run (nothing is written).";

        public static int Export(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "snapshot export",
                new[] { "out", "root", "profile", "matrix", "install-path", "port", "format", "timeout" },
                new[] { "force", "verbose" });
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var format = args.Choice("format", "table", "table", "json");
            var outDir = args.One("out") ?? throw new UsageException("'snapshot export' needs --out DIR.");
            var timeout = args.Int("timeout", 1, 3600);
            var request = new TestRequest
            {
                Profile = args.One("profile"),
                Root = args.One("root"),
                MatrixPaths = args.All("matrix").ToList(),
                InstallPath = args.One("install-path"),
                Port = args.Int("port", 1, 65535),
                CommandTimeout = timeout is int t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null,
            };
            var info = EnvironmentTester.ExportSnapshot(outDir, request, args.Flag("force"), new ConsoleOutput(args.Flag("verbose"), format == "json"));
            if (format == "json")
                Console.WriteLine(Engine.Json.Json.Serialize(info.ToJson()));
            else
                Console.WriteLine($"Snapshot written to {info.Path}: {info.FilesRead} files read, {info.CommandsRun} commands run.");
            return Program.ExitOk;
        }
    }
}
