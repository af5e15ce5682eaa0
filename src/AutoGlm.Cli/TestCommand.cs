using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Reports;

namespace AutoGlm.Cli
{
    public static class TestCommand
    {
        public const string Help =
@"autoglm test - verify a host against a deployment profile (Test-AutoGlmEnvironment)

Usage:
  autoglm test [--profile NAME] [--root DIR | --snapshot DIR] [--category C]... [--id ID]...
               [--matrix FILE]... [--install-path PATH] [--port N] [--timeout SECONDS] [--throttle-limit N]
               [--format table|json|junit|prometheus [--out FILE]] [--runtime] [--quiet] [--list-checks] [--verbose]

Options:
  --profile NAME      deployment profile from the matrix (default: the matrix's defaultProfile)
  --root DIR          directory that stands for '/' (a chroot, a mounted image, a test fixture)
  --snapshot DIR      evaluate a snapshot written by 'autoglm snapshot export' instead of this host;
                      a folder of snapshots (one subfolder per host), or --snapshot given more than once,
                      prints a fleet triage: the failing checks grouped across hosts, then each host's counts
                      (--format table or json; a malformed snapshot is listed as an error, not fatal)
  --throttle-limit N  fleet triage: how many snapshots are evaluated at once (1-256; default: one
                      per processor)
  --category C        only checks of this category (repeatable): os, cpu, memory, disk, python, privileges,
                      network, gpu, driver, firmware, stack, cuda, runtime
  --id ID             only checks with this id; '*' wildcards allowed (repeatable)
  --matrix FILE       site matrix file merged over the shipped matrix (repeatable)
  --install-path P    where the deployment lives (default: the profile's installPath)
  --port N            the service port to check (default: the profile's port)
  --timeout SECONDS   how long any one external tool may run (default 10)
  --format F          table (default); json (an object with schemaVersion, summary and a checks array);
                      junit (JUnit XML, a testsuite per category); prometheus (text exposition format
                      for node_exporter's textfile collector)
  --out FILE          write the json/junit/prometheus report to FILE (atomically: a temporary file in
                      the same folder, then a rename) instead of stdout
  --runtime           also import torch in the venv (<install-path>/venv) and ask CUDA: version, devices,
                      arch list, a tiny kernel (runtime.* checks; slower, up to twice --timeout)
  --quiet             print nothing; the exit code is the answer
  --list-checks       list the checks instead of running them
  --verbose           say what each probe did, on stderr

Exit codes: 0 nothing failed, 1 at least one check failed (triage: on any host, or a snapshot could not
be read), 2 the command could not run.";

        public static int Run(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "test",
                new[] { "profile", "root", "snapshot", "category", "id", "matrix", "install-path", "port", "format", "timeout", "out", "throttle-limit" },
                new[] { "quiet", "list-checks", "verbose", "runtime" });
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var format = args.Choice("format", "table", "table", "json", "junit", "prometheus");
            var timeout = args.Int("timeout", 1, 3600);
            var outFile = args.One("out");
            var throttle = args.Int("throttle-limit", 1, 256);
            if (outFile != null && format == "table")
                throw new UsageException("--out writes a report: pass --format json, junit or prometheus with it.");

            if (args.Flag("list-checks"))
            {
                if (format != "table" && format != "json")
                    throw new UsageException($"--list-checks prints a table or JSON, not {format}.");
                var checks = EnvironmentTester.ListChecks(args.All("category").ToList(), args.All("id").ToList());
                if (format == "json")
                    Console.WriteLine(Engine.Json.Json.Serialize(checks.Select(c => (object?)c.ToJson()).ToList()));
                else
                    foreach (var c in checks) Console.WriteLine($"{c.Id,-28} {c.Category,-11} {c.Description}");
                return Program.ExitOk;
            }

            var snapshots = args.All("snapshot");
            // A folder that is not itself a snapshot is a fleet folder (or an empty one, which the triage names).
            bool triage = FleetTriager.IsTriage(snapshots);
            var request = new TestRequest
            {
                Profile = args.One("profile"),
                Root = args.One("root"),
                Snapshot = triage ? null : args.One("snapshot"),
                Categories = args.All("category").ToList(),
                Ids = args.All("id").ToList(),
                MatrixPaths = args.All("matrix").ToList(),
                InstallPath = args.One("install-path"),
                Port = args.Int("port", 1, 65535),
                CommandTimeout = timeout is int t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null,
                IncludeRuntime = args.Flag("runtime"),
            };
            var quiet = args.Flag("quiet");
            var output = new ConsoleOutput(args.Flag("verbose"), quiet || format != "table");
            if (triage) return Triage(snapshots, request, format, outFile, quiet, output, throttle);
            if (throttle != null)
                throw new UsageException("--throttle-limit is for a fleet triage: pass a folder of snapshots, or --snapshot more than once.");
            var run = EnvironmentTester.Run(request, output);
            if (format == "table")
            {
                if (!quiet) Console.Write(TextRender.Checks(run, request.Snapshot));
            }
            else
            {
                var kind = format == "json" ? ReportFormat.Json : format == "junit" ? ReportFormat.JUnit : ReportFormat.Prometheus;
                var content = Report.Render(kind, run.Results, new ReportContext { Profile = run.Profile.Id, Target = request.Snapshot ?? run.Host.Root });
                // A file is written even with --quiet: cron runs it that way for the textfile collector.
                if (outFile != null) output.Verbose(Messages.Format("Verbose_ReportWritten", Report.Write(outFile, content, noClobber: false)));
                else if (!quiet) Console.Write(content);
            }
            return run.AnyFailed ? Program.ExitFailed : Program.ExitOk;
        }

        private static int Triage(IReadOnlyList<string> snapshots, TestRequest request, string format, string? outFile, bool quiet, ConsoleOutput output, int? throttle)
        {
            if (format != "table" && format != "json")
                throw new UsageException($"A fleet triage prints a table or JSON, not {format}; --format {format} reports one snapshot's checks.");
            var triage = FleetTriager.Run(snapshots, request, output, throttle);
            if (format == "table")
            {
                if (!quiet) Console.Write(triage.Render());
            }
            else
            {
                var content = Engine.Json.Json.Serialize(triage.ToJson()) + "\n";
                if (outFile != null) output.Verbose(Messages.Format("Verbose_TriageWritten", Report.Write(outFile, content, noClobber: false)));
                else if (!quiet) Console.Write(content);
            }
            return triage.AnyFailed ? Program.ExitFailed : Program.ExitOk;
        }
    }

}
