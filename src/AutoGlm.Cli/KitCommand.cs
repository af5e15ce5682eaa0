using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Kit;

namespace AutoGlm.Cli
{
    /// <summary>`autoglm kit export|verify` (Export-AutoGlmOfflineKit): everything an air-gapped site needs, in one folder.</summary>
    public static class KitCommand
    {
        public const string Help =
@"autoglm kit export|verify - an offline kit for an air-gapped site (Export-AutoGlmOfflineKit)

Usage:
  autoglm kit export --out DIR --facts FILE --lock FILE --wheelhouse DIR [--profile NAME] [--kernel RELEASE]
                     [--driver-repository-url URL [--driver-repository-keyring FILE]] [--cuda-toolkit]
                     [--driver-branch N] [--flavor open|proprietary] [--repository-url URL [--allow-local]] [--ref REF]
                     [--model-manifest FILE [--model-path DIR]] [--matrix FILE]... [--force] [--format table|json]
  autoglm kit verify DIR [--format table|json]                          (Test-AutoGlmOfflineKit)

Then, on the site: autoglm install --kit DIR [--model-path DIR] ... (Install-AutoGlmHost -OfflineKit DIR)

export, on a connected machine, for the target host described by --facts (docs/resolve.md):
  driver      the packages the target's driver plan installs (and, with --cuda-toolkit, the toolkit),
              with their dependencies that the driver repository carries, and that repository's own
              signed index (InRelease/Release/Packages) byte for byte: apt on the site checks the
              publisher's signature as it would online. --kernel adds that kernel's headers when the
              repository has them; what the repository does not carry is listed as the OS archive's.
              A flat repository (NVIDIA's layout) or a suite one (Debian's archive, dists/SUITE/...)
              keeps its layout; --driver-repository-keyring (a mirror's key) travels in the kit.
              --driver-branch and --flavor choose the driver as install-driver's do, and the install
              from the kit then uses them (the planner still checks they fit the host).
  python      the lock (autoglm venv lock --facts FILE) and exactly the wheels it names, each checked
              against the lock's sha256
  repository  a git bundle of the repository and the commit --ref names
  model       the manifest (sizes and sha256); with --model-path the weights, each checked
  matrix      the digest of the shipped matrix (the installing AutoGlm must ship the same) and the
              --matrix site files
  manifest.json lists every file with its size and sha256; install refuses a kit with a missing,
  changed or unlisted file, or one made for another OS release, architecture, driver branch or profile.

verify checks a kit as install does and prints what it holds and its id (sha256 of manifest.json).

Exit codes: 0 written (or verified), 2 the command could not run or the kit is refused (nothing is written).";

        public static int Run(IReadOnlyList<string> argv)
        {
            if (argv.Count == 0 || argv[0] == "--help" || argv[0] == "-h")
            {
                Console.WriteLine(Help);
                return argv.Count == 0 ? Program.ExitUsage : Program.ExitOk;
            }
            var rest = argv.Skip(1).ToList();
            switch (argv[0])
            {
                case "export": return Export(rest);
                case "verify": return Verify(rest);
                default: throw new UsageException($"unknown kit command '{argv[0]}'. See 'autoglm kit --help'.");
            }
        }

        private static int Export(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "kit export",
                new[] { "out", "facts", "lock", "wheelhouse", "profile", "kernel", "driver-repository-url", "driver-repository-keyring", "driver-branch", "flavor", "repository-url", "ref", "model-manifest", "model-path", "matrix", "format" },
                new[] { "cuda-toolkit", "allow-local", "force", "verbose" });
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var format = args.Choice("format", "table", "table", "json");
            var request = new KitExportRequest
            {
                Output = args.One("out") ?? throw new UsageException("'kit export' needs --out DIR."),
                FactsFile = args.One("facts") ?? throw new UsageException("'kit export' needs --facts FILE: the target host's facts (docs/resolve.md)."),
                LockFile = args.One("lock") ?? throw new UsageException("'kit export' needs --lock FILE (autoglm venv lock --facts FILE makes one)."),
                Wheelhouse = args.One("wheelhouse") ?? throw new UsageException("'kit export' needs --wheelhouse DIR holding every locked wheel."),
                Profile = args.One("profile"),
                Kernel = args.One("kernel"),
                DriverRepositoryUrl = args.One("driver-repository-url"),
                DriverRepositoryKeyring = args.One("driver-repository-keyring"),
                DriverBranch = args.Int("driver-branch", 1, 9999),
                Flavor = args.One("flavor"),
                CudaToolkit = args.Flag("cuda-toolkit"),
                RepositoryUrl = args.One("repository-url"),
                Ref = args.One("ref"),
                AllowLocalRepository = args.Flag("allow-local"),
                ModelManifest = args.One("model-manifest"),
                ModelPath = args.One("model-path"),
                MatrixPaths = args.All("matrix").ToList(),
                Force = args.Flag("force"),
            };
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var kit = KitExporter.Export(request, new ConsoleOutput(args.Flag("verbose"), format == "json"));
            Print(kit, format, watch.Elapsed.TotalSeconds);
            return Program.ExitOk;
        }

        private static int Verify(IReadOnlyList<string> argv)
        {
            // The kit's folder comes first (autoglm kit verify DIR), or as --kit DIR.
            var positional = argv.Count > 0 && !argv[0].StartsWith("-", StringComparison.Ordinal) ? argv[0] : null;
            var args = Args.Parse(positional != null ? argv.Skip(1).ToList() : argv, "kit verify", new[] { "kit", "format" }, new[] { "verbose" });
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var format = args.Choice("format", "table", "table", "json");
            var dir = positional ?? args.One("kit") ?? throw new UsageException("'kit verify' needs the kit's folder: autoglm kit verify DIR.");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Print(OfflineKit.Open(dir), format, watch.Elapsed.TotalSeconds);
            return Program.ExitOk;
        }

        private static void Print(OfflineKit kit, string format, double seconds)
        {
            if (format == "json")
            {
                var json = kit.ToJson();
                json["seconds"] = Math.Round(seconds, 3);
                Console.WriteLine(Engine.Json.Json.Serialize(json));
            }
            else Console.WriteLine(kit.Summary() + $"\n  ({seconds:0.0} s)");
        }
    }
}
