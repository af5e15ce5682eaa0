using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Repair;
using AutoGlm.Engine.Reports;
using AutoGlm.Engine.Workflows;

namespace AutoGlm.Cli
{
    /// <summary>`autoglm repair-driver` (Repair-AutoGlmDriver): diagnose with the checks, plan the fixes, apply, re-check.</summary>
    public static class RepairCommand
    {
        public const string Help =
@"autoglm repair-driver - diagnose and fix the GPU driver after OS, kernel and driver upgrades (Repair-AutoGlmDriver)

Usage:
  autoglm repair-driver [--what-if] [--format json] [--root DIR] [--force] [--reboot] [--resume]
                        [--collect-bundle PATH] [--profile NAME] [--prevent] [--check ID]...

It runs the same checks as 'autoglm test', names the cause (driver/library mismatch, no module for
the kernel, driver moved past its pin, nouveau, Secure Boot rejecting the module, CUDA out of step,
Windows Update), prints the diagnosis and the plan, applies it, and checks again.

Options:
  --profile NAME          deployment profile from the matrix (default: the matrix's defaultProfile)
  --check ID              repair only what these failing checks show (repeatable)
  --prevent               add prevention steps: a kernel post-install hook that builds the nvidia
                          module, kernel meta-packages held, NVIDIA excluded from unattended-upgrades
  --collect-bundle PATH   write a redacted support bundle (.tar.gz or .zip)
  --installer PATH        Windows: the pinned driver's installer
  --matrix FILE           site matrix file merged over the shipped matrix (repeatable)
" + PlanRunner.OptionsHelp + @"

Exit codes: 0 repaired (or nothing to repair), 1 a cause it cannot fix (a bundle is written) or a
step failed, 2 the command could not run, 3 a reboot is needed: reboot, then run again with --resume.";

        public static int Run(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "repair-driver",
                PlanRunner.ValueOptions.Concat(new[] { "profile", "matrix", "check", "collect-bundle", "installer" }),
                PlanRunner.FlagOptions.Concat(new[] { "prevent" }));
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var runner = new PlanRunner(args, "repair-driver");
            var request = new RepairRequest
            {
                Profile = args.One("profile"),
                MatrixPaths = args.All("matrix").ToList(),
                CheckIds = args.All("check").ToList(),
                Prevent = args.Flag("prevent"),
                InstallerPath = args.One("installer"),
                CommandTimeout = TimeSpan.FromSeconds(Math.Min(runner.CommandTimeout.TotalSeconds, 60)),
            };
            var system = runner.CreateSystem();
            var repair = RepairWorkflow.Diagnose(request, system, runner.Output, runner.WhatIf, args.One("collect-bundle"));
            var diagnosis = repair.Diagnosis;
            bool json = runner.Format == "json";
            if (!json) Console.Write(TextRender.Diagnosis(diagnosis));

            if (repair.Verdict != RepairVerdict.Plannable)
            {
                bool healthy = repair.Verdict == RepairVerdict.NothingToRepair;
                var message = healthy ? Messages.Format("RepairAutoGlmDriver_NothingToRepair") : repair.NotPossible().Message;
                Console.Write(json
                    ? Engine.Json.Json.Serialize(new Dictionary<string, object?> { ["status"] = healthy ? "nothing-to-repair" : "cannot-repair", ["message"] = message, ["diagnosis"] = diagnosis.ToJson() }) + "\n"
                    : message + "\n");
                return healthy ? Program.ExitOk : Program.ExitFailed;
            }

            var plan = repair.Plan(system);
            var hooks = new RunHooks();
            hooks.Json["diagnosis"] = diagnosis.ToJson();
            hooks.Applied = (result, exit) =>
            {
                if (!result.Succeeded) return exit;
                // Verify with the same checks the diagnosis ran.
                var after = repair.Verify(system, runner.Output);
                hooks.Json["after"] = after.ToJson();
                hooks.Text.Append((after.Healthy ? Messages.Format("RepairVerified") : RepairWorkflow.Incomplete(after).Message) + "\n");
                return after.Healthy ? exit : Program.ExitFailed;
            };
            return runner.Execute(plan, system, argv, hooks: hooks);
        }
    }
}
