using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Cli
{
    /// <summary>
    /// `autoglm`: the engine for hosts without PowerShell. Exit codes: 0 nothing failed, 1 a check failed
    /// (or the command's verdict was negative), 2 the command could not run (bad input).
    /// </summary>
    public static class Program
    {
        public const int ExitOk = 0;
        public const int ExitFailed = 1;
        public const int ExitUsage = 2;

        private const string MainHelp =
@"autoglm - provision, verify and repair GPU servers for Open-AutoGLM

Usage:
  autoglm test [options]             verify this host (Test-AutoGlmEnvironment)
  autoglm gpu [options]              list the NVIDIA GPUs: NVML, nvidia-smi or PCI (Get-AutoGlmGpu)
  autoglm resolve [options]          the stack a profile needs on this host (Resolve-AutoGlmStack)
  autoglm matrix [options]           show or validate the compatibility matrix (Get-AutoGlmMatrix)
  autoglm venv lock|sync|check       hash-locked Python venv: lock, atomic sync, drift (Sync-AutoGlmPythonEnvironment)
  autoglm snapshot export --out DIR  record what the checks read, for evaluation elsewhere (Export-AutoGlmHostSnapshot)
  autoglm install --profile NAME     fresh server to a serving, verified deployment (Install-AutoGlmHost)
  autoglm kit export|verify          an offline kit for air-gapped sites; install --kit DIR (Export-AutoGlmOfflineKit)
  autoglm install-driver [options]   install and pin the NVIDIA driver (Install-AutoGlmDriver)
  autoglm install-cuda [options]     install and pin the CUDA toolkit (Install-AutoGlmCuda)
  autoglm repair-driver [options]    diagnose and fix the GPU driver after upgrades (Repair-AutoGlmDriver)
  autoglm repo migrate --path DIR    move a checkout to its new remote URL (Update-AutoGlmRepository)
  autoglm service register|unregister|status  the model server as a systemd service (Register-AutoGlmService)
  autoglm bench [options]            in-process timings of matrix load and resolve (docs/perf.md)
  autoglm --version                  print the version
  autoglm COMMAND --help             help for a command

Exit codes: 0 nothing failed, 1 a check failed (or no stack fits, or a step failed), 2 the command
could not run, 3 a reboot is needed (run again with --resume after it).";

        public static int Main(string[] argv)
        {
            try
            {
                return Dispatch(argv);
            }
            catch (UsageException ex)
            {
                // One line, whatever the user typed: control characters are escaped (UntrustedInput.Escape).
                Console.Error.WriteLine("autoglm: error: " + Engine.Diagnostics.UntrustedInput.Escape(ex.Message));
                return ExitUsage;
            }
            catch (AutoGlmException ex)
            {
                // The engine escapes the input it echoes (UntrustedInput.Escape); some messages are lists on purpose.
                Console.Error.WriteLine($"autoglm: error: {ex.Message} [{ex.ErrorId}]");
                return ExitUsage;
            }
        }

        private static int Dispatch(string[] argv)
        {
            if (argv.Length == 0 || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help")
            {
                Console.WriteLine(MainHelp);
                return argv.Length == 0 ? ExitUsage : ExitOk;
            }
            if (argv[0] == "--version")
            {
                Console.WriteLine("autoglm " + EngineInfo.Version);
                return ExitOk;
            }
            var rest = argv.Skip(1).ToList();
            switch (argv[0])
            {
                case "test":
                    return TestCommand.Run(rest);
                case "gpu":
                    return GpuCommand.Run(rest);
                case "resolve":
                    return ResolveCommand.Run(rest);
                case "matrix":
                    return MatrixCommand.Run(rest);
                case "install":
                    return InstallCommand.Run(rest);
                case "install-driver":
                case "install-cuda":
                    return InstallDriverCommand.Run(rest, argv[0]);
                case "repair-driver":
                    return RepairCommand.Run(rest);
                case "repo":
                    return RepoCommand.Run(rest);
                case "venv":
                    return VenvCommand.Run(rest);
                case "bench":
                    return BenchCommand.Run(rest);
                case "service":
                    return ServiceCommand.Run(rest);
                case "kit":
                    return KitCommand.Run(rest);
                case "snapshot":
                    if (rest.Count == 0 || rest[0] == "--help" || rest[0] == "-h")
                    {
                        Console.WriteLine(SnapshotCommand.Help);
                        return rest.Count == 0 ? ExitUsage : ExitOk;
                    }
                    if (rest[0] != "export") throw new UsageException($"unknown snapshot command '{rest[0]}'. See 'autoglm snapshot --help'.");
                    return SnapshotCommand.Export(rest.Skip(1).ToList());
                default:
                    throw new UsageException($"unknown command '{argv[0]}'. See 'autoglm --help'.");
            }
        }
    }
}
