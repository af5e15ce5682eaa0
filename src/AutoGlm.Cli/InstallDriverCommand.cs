using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoGlm.Engine.Install;

namespace AutoGlm.Cli
{
    /// <summary>`autoglm install-driver` and `autoglm install-cuda` (Install-AutoGlmDriver, Install-AutoGlmCuda).</summary>
    public static class InstallDriverCommand
    {
        public static string Help(string command) =>
$@"autoglm {command} - install and pin the NVIDIA {(command == "install-driver" ? "driver" : "CUDA toolkit")} the profile's stack needs ({(command == "install-driver" ? "Install-AutoGlmDriver" : "Install-AutoGlmCuda")})

Usage:
  autoglm {command} [--profile NAME] [--what-if] [--force] [--resume] [--reboot] [options]

Options:
  --profile NAME      deployment profile from the matrix (default: the matrix's defaultProfile)
" + (command == "install-driver" ?
@"  --driver-branch N   driver branch instead of the resolver's choice (e.g. 570)
  --driver-version V  exact driver version instead of the newest of the branch (e.g. 570.195.03)
  --flavor F          open or proprietary kernel modules (default: what the GPUs need)
" :
@"  --cuda-version X.Y  CUDA toolkit version (default: the stack's CUDA)
") +
$@"  --repository-url U  NVIDIA's CUDA repository or a site mirror (https, http or file URL)
  --repository-keyring FILE  the repository's OpenPGP public key (binary or armored) instead of
                      NVIDIA's cuda-keyring package (apt; a mirror signed by its own key)
  --installer PATH    Windows: the NVIDIA {(command == "install-driver" ? "driver" : "CUDA")} installer
  --matrix FILE       site matrix file merged over the shipped matrix (repeatable)
  --facts FILE        plan for the host a facts file describes (with --what-if only)
  --minor-version-compatibility   accept a driver that serves the CUDA build only through it
{PlanRunner.OptionsHelp}

Exit codes: 0 done (or nothing to do), 1 a step failed (rolled back), 2 the command could not run,
3 a reboot is needed: reboot, then run again with --resume.";

        /// <summary>What install-driver and install-cuda both take, besides the plan options.</summary>
        private static readonly string[] SharedValueOptions = { "profile", "repository-url", "repository-keyring", "installer", "matrix", "facts" };
        private static readonly string[] SharedFlagOptions = { "minor-version-compatibility" };

        public static int Run(IReadOnlyList<string> argv, string command)
        {
            // Each command declares only what it uses: the driver's branch, version and flavour mean nothing to the
            // toolkit's plan, nor the toolkit's version to the driver's (Install-AutoGlmDriver and Install-AutoGlmCuda).
            var args = command == "install-driver"
                ? Args.Parse(argv, "install-driver",
                    PlanRunner.ValueOptions.Concat(SharedValueOptions).Concat(new[] { "driver-branch", "driver-version", "flavor" }),
                    PlanRunner.FlagOptions.Concat(SharedFlagOptions))
                : Args.Parse(argv, "install-cuda",
                    PlanRunner.ValueOptions.Concat(SharedValueOptions).Concat(new[] { "cuda-version" }),
                    PlanRunner.FlagOptions.Concat(SharedFlagOptions));
            if (args.Flag("help")) { Console.WriteLine(Help(command)); return Program.ExitOk; }
            var runner = new PlanRunner(args, command);
            if (args.One("facts") != null && !args.Flag("what-if"))
                throw new UsageException("--facts describes another host: it plans only, so it needs --what-if.");
            var request = new DriverInstallRequest
            {
                Profile = args.One("profile"),
                Branch = args.Int("driver-branch", 1, 9999),
                Version = args.One("driver-version"),
                Flavor = args.One("flavor"),  // the engine refuses anything but open or proprietary
                CudaVersion = args.One("cuda-version"),
                RepositoryUrl = args.One("repository-url"),
                RepositoryKeyring = args.One("repository-keyring"),
                InstallerPath = args.One("installer"),
                MatrixPaths = args.All("matrix").ToList(),
                FactsFile = args.One("facts"),
                AllowMinorVersionCompatibility = args.Flag("minor-version-compatibility"),
                Preview = runner.WhatIf,
            };
            var system = runner.CreateSystem();
            var plan = command == "install-driver"
                ? DriverPlanner.PlanDriver(request, system, runner.Output)
                : DriverPlanner.PlanCuda(request, system, runner.Output);
            return runner.Execute(plan, system, argv);
        }
    }
}
