using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Python;

namespace AutoGlm.Cli
{
    /// <summary>`autoglm venv lock|sync|check`: hash-locked Python environments (New-AutoGlmLockFile, Sync-AutoGlmPythonEnvironment).</summary>
    public static class VenvCommand
    {
        public const string Help =
@"autoglm venv - Python environments with locked dependencies

Usage:
  autoglm venv lock  [--profile NAME] [--wheelhouse DIR | --index-url URL] [--install-path DIR] [plan options]
  autoglm venv sync  [--profile NAME] [--wheelhouse DIR | --index-url URL | --lock FILE] [--path DIR]
                     [--install-path DIR] [--python 3.X] [plan options]     (also: venv create)
  autoglm venv check [--profile NAME] [--install-path DIR] [--root DIR] [--format table|json]

  lock   write requirements.lock (+ requirements-override.lock) with exact versions and sha256 hashes
         (New-AutoGlmLockFile)
  sync   build the venv beside the old one from the lock (--require-hashes --no-deps, by uv when it is on
         PATH, else pip; AUTOGLM_INSTALLER=pip forces pip), verify it, swap it in; a venv that matches is
         left alone (Sync-AutoGlmPythonEnvironment)
  check  the drift checks python.venv.drift and python.torch.cuda (Test-AutoGlmEnvironment -Category python)

Options:
  --profile NAME      deployment profile (default: the matrix's defaultProfile)
  --wheelhouse DIR    lock and install offline from a directory of wheels; with --lock, install that lock
                      offline from DIR (each locked wheel must be there with a locked sha256)
  --index-url URL     lock from this simple index (default: PIP_INDEX_URL, pip.conf index-url, PyPI)
  --lock FILE         install this lock instead of locking the resolved stack
  --path DIR          the venv (default: INSTALL-PATH/venv)
  --install-path DIR  where the lock files live (default: the profile's installPath)
  --python 3.X        the Python to use, within the profile's range
  --facts FILE        resolve the stack for a host described by a facts file (docs/resolve.md)
  --matrix FILE       site matrix file merged over the shipped matrix (repeatable)
" + PlanRunner.OptionsHelp + @"

Exit codes: 0 done (or nothing to do; check: no failure), 1 a step or a check failed, 2 the command could not run.";

        public static int Run(IReadOnlyList<string> argv)
        {
            if (argv.Count == 0 || argv[0] == "--help" || argv[0] == "-h")
            {
                Console.WriteLine(Help);
                return argv.Count == 0 ? Program.ExitUsage : Program.ExitOk;
            }
            var sub = argv[0];
            var rest = argv.Skip(1).ToList();
            switch (sub)
            {
                case "lock":
                case "sync":
                case "create":
                    return Apply(sub, rest, argv);
                case "check":
                case "status":
                    return Check(rest);
                default:
                    throw new UsageException($"unknown venv command '{sub}'. See 'autoglm venv --help'.");
            }
        }

        private static int Apply(string sub, IReadOnlyList<string> rest, IReadOnlyList<string> argv)
        {
            var args = Args.Parse(rest, "venv " + sub,
                new[] { "profile", "wheelhouse", "index-url", "lock", "path", "install-path", "python", "facts", "matrix" }.Concat(PlanRunner.ValueOptions),
                PlanRunner.FlagOptions);
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            AutoGlm.Engine.Diagnostics.PhaseTrace.Mark("arguments parsed");
            var runner = new PlanRunner(args, "venv " + sub);
            var request = new VenvRequest
            {
                Profile = args.One("profile"),
                Wheelhouse = args.One("wheelhouse"),
                IndexUrl = args.One("index-url"),
                LockFile = args.One("lock"),
                VenvPath = args.One("path"),
                InstallPath = args.One("install-path"),
                PythonVersion = args.One("python"),
                FactsFile = args.One("facts"),
                MatrixPaths = args.All("matrix").ToList(),
                CommandTimeout = runner.CommandTimeout,
                Preview = runner.WhatIf,
            };
            if (sub == "lock" && (request.LockFile != null || request.VenvPath != null || request.PythonVersion != null))
                throw new UsageException("'venv lock' takes no --lock, --path or --python; they belong to 'venv sync'.");
            var system = runner.CreateSystem();
            var plan = sub == "lock" ? VenvService.LockPlan(system, request, runner.Output) : VenvService.SyncPlan(system, request, runner.Output);
            AutoGlm.Engine.Diagnostics.PhaseTrace.Mark("plan built");
            return runner.Execute(plan, system, new[] { "venv" }.Concat(argv).ToList());
        }

        private static int Check(IReadOnlyList<string> rest)
        {
            var args = Args.Parse(rest, "venv check", new[] { "profile", "install-path", "root", "matrix", "format", "timeout" }, new[] { "verbose" });
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var testArgs = new List<string> { "--category", "python", "--id", "python.venv.drift", "--id", "python.torch.cuda" };
            foreach (var name in new[] { "profile", "install-path", "root", "format", "timeout" })
                if (args.One(name) is string value) testArgs.AddRange(new[] { "--" + name, value });
            foreach (var m in args.All("matrix")) testArgs.AddRange(new[] { "--matrix", m });
            if (args.Flag("verbose")) testArgs.Add("--verbose");
            return TestCommand.Run(testArgs);
        }
    }
}
