using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Deploy;

namespace AutoGlm.Cli
{
    /// <summary>`autoglm install` (Install-AutoGlmHost): a fresh server to a serving, verified deployment.</summary>
    public static class InstallCommand
    {
        public const string Help =
@"autoglm install - from a fresh server to a serving, verified Open-AutoGLM deployment (Install-AutoGlmHost)

Usage:
  autoglm install --profile NAME [--install-path DIR] [--repository-url URL] [--ref REF] [--port N|auto]
                  [--service-name NAME] [--wheelhouse DIR | --index-url URL] [--model-path DIR
                  [--model-manifest FILE [--model-url URL]]] [--what-if] [--format json] [--force] [--resume] [--reboot]
  autoglm install --kit DIR [--model-path DIR] [--install-path DIR] [--port N|auto] [--service-name NAME] ...

Phases, as one plan: preflight (stops before any change on what no plan fixes: no GPU, firmware
settings), driver (pinned; reboot and resume), Python venv (hash-locked), the repository cloned at
the pinned ref (or migrated) and `pip install -e` into the venv, model weights (verified by size and
sha256, downloaded with resume from --model-url), the application's configuration
(/etc/autoglm/NAME.conf: PHONE_AGENT_BASE_URL, PHONE_AGENT_MODEL), the service, and a chat
completion against the server as the proof.

Options:
  --profile NAME          deployment profile from the matrix (default: the matrix's defaultProfile)
  --install-path DIR      where the venv, the locks and the checkout live (default: the profile's)
  --repository-url URL    the Open-AutoGLM repository (default: the profile's)
  --ref REF               commit, tag or branch to check out (default: the profile's pinned commit)
  --allow-local           accept a file:// URL or local path as the repository (a site mirror)
  --port N|auto           the server's port; auto takes the next free one (default: the profile's)
  --service-name NAME     the systemd unit's name (default: autoglm-PROFILE)
  --wheelhouse DIR        lock and install from this directory of wheels (offline)
  --index-url URL         lock and install from this package index
  --model-path DIR        the model's weights on this host (default: the server downloads them)
  --model-manifest FILE   JSON list of the model's files with size and sha256, verified every run
  --model-url URL         mirror to download missing model files from (with resume)
  --driver-repository-url URL   NVIDIA's CUDA repository mirror for the driver packages
  --driver-repository-keyring FILE   the driver repository's public key instead of cuda-keyring (apt)
  --cuda-toolkit          also install the CUDA toolkit (wheels carry their own CUDA runtime)
  --kit DIR               install offline from a kit (autoglm kit export): the driver packages, lock and
                          wheels, repository bundle, model and matrix come from it, after every file is
                          checked against its manifest; a kit for another OS release, architecture, driver
                          branch or profile is refused, and so are the options the kit supplies
  --kit-id SHA256         the kit's id as `kit export` printed it (sha256 of manifest.json): another kit is refused
  --lock FILE             install this lock instead of locking the resolved stack (with --wheelhouse offline)
  --health-timeout SEC    how long the server may take to answer after a (re)start (default 900)
  --matrix FILE           site matrix file merged over the shipped matrix (repeatable)
" + PlanRunner.OptionsHelp + @"

Prints a summary: per phase its status and elapsed time, what changed, what was already right, what
needs a person. With --format json the summary is an object whose `changed` is true when the host
changed (Ansible's changed_when). A line per phase goes to stderr while it runs.

Exit codes: 0 done (or nothing to do), 1 a step failed (rolled back where it can be), 2 the command
could not run (bad input, or the preflight found what no plan can fix), 3 a reboot is needed.";

        public static int Run(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "install",
                PlanRunner.ValueOptions.Concat(new[] { "profile", "install-path", "repository-url", "ref", "port", "service-name", "wheelhouse", "index-url",
                    "model-path", "model-manifest", "model-url", "driver-repository-url", "driver-repository-keyring", "health-timeout", "matrix", "kit", "kit-id", "lock" }),
                PlanRunner.FlagOptions.Concat(new[] { "allow-local", "cuda-toolkit" }));
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var runner = new PlanRunner(args, "install");
            var request = new HostInstallRequest
            {
                Profile = args.One("profile"),
                InstallPath = args.One("install-path"),
                RepositoryUrl = args.One("repository-url"),
                Ref = args.One("ref"),
                AllowLocalRepository = args.Flag("allow-local"),
                Port = args.One("port"),
                ServiceName = args.One("service-name"),
                Wheelhouse = args.One("wheelhouse"),
                IndexUrl = args.One("index-url"),
                ModelPath = args.One("model-path"),
                ModelManifest = args.One("model-manifest"),
                ModelUrl = args.One("model-url"),
                DriverRepositoryUrl = args.One("driver-repository-url"),
                DriverRepositoryKeyring = args.One("driver-repository-keyring"),
                CudaToolkit = args.Flag("cuda-toolkit"),
                Kit = args.One("kit"),
                KitId = args.One("kit-id"),
                LockFile = args.One("lock"),
                MatrixPaths = args.All("matrix").ToList(),
                HealthTimeout = TimeSpan.FromSeconds(args.Int("health-timeout", 1, 86400) ?? 900),
                CommandTimeout = TimeSpan.FromSeconds(60),
                WhatIf = runner.WhatIf,
            };
            var system = runner.CreateSystem();
            var plan = HostInstaller.Plan(system, request, runner.Output);
            foreach (var item in plan.NeedsHuman) Console.Error.WriteLine("autoglm install: needs a person: " + item);
            return runner.Execute(plan.Plan, system, argv,
                report: result =>
                {
                    var summary = HostInstaller.Summarize(plan, result);
                    return (summary.Render(), summary.ToJson());
                },
                applyOutput: output => HostInstaller.PhaseProgress(output, plan,
                    (k, n, phase) => Console.Error.WriteLine($"autoglm install: phase {k}/{n} {phase}")));
        }
    }
}
