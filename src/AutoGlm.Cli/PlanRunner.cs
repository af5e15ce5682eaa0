using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Reports;
using AutoGlm.Engine.Workflows;

namespace AutoGlm.Cli
{
    /// <summary>
    /// What every state-changing command shares: --what-if, --resume, --reboot, --force, the lock wait,
    /// the plan and result renderings, and the exit codes (0 done, 1 failed, 2 could not run, 3 reboot needed).
    /// </summary>
    public sealed class PlanRunner
    {
        public const int ExitRebootRequired = 3;

        public static readonly string[] ValueOptions = { "root", "format", "lock-timeout", "timeout" };
        public static readonly string[] FlagOptions = { "what-if", "resume", "reboot", "force", "verbose" };

        public const string OptionsHelp =
@"  --what-if           print the plan (packages, files with content or diff, commands, reboots)
                      and change nothing
  --force             apply without asking (required when stdin is not a terminal)
  --resume            continue the run that was interrupted or stopped for a reboot
  --reboot            reboot when a step needs it, and continue by itself afterwards
  --root DIR          apply to the system under DIR instead of '/' (an image or a test root)
  --format F          text (default) or json
  --lock-timeout SEC  how long to wait for another AutoGlm run to finish (default 300)
  --timeout SEC       how long any one command may run (default 1800)
  --verbose           say what each step does and why, and the commands run, on stderr";

        private readonly Args _args;
        private readonly string _command;

        public PlanRunner(Args args, string command)
        {
            _args = args;
            _command = command;
            Format = args.Choice("format", "text", "text", "json");
            // Every option is checked here, before the command probes or plans anything.
            CommandTimeout = TimeSpan.FromSeconds(args.Int("timeout", 1, 86400) ?? 1800);
            LockTimeout = TimeSpan.FromSeconds(args.Int("lock-timeout", 0, 86400) ?? 300);
            Output = new ConsoleOutput(args.Flag("verbose"), Format == "json");
        }

        public string Format { get; }
        public ConsoleOutput Output { get; }
        public string Root => _args.One("root") ?? "/";
        public TimeSpan CommandTimeout { get; }
        public TimeSpan LockTimeout { get; }

        public LiveSystem CreateSystem() => new LiveSystem(Root);
        public bool WhatIf => _args.Flag("what-if");

        /// <summary>Previews or applies the plan (the engine's <see cref="PlanSession"/>) and prints the outcome; returns the exit code.</summary>
        /// <param name="hooks">Adds JSON fields and text to the outcome and may change the exit code (a repair's re-check).</param>
        /// <param name="report">Renders a finished run (text, JSON) instead of the plain result; <paramref name="applyOutput"/> wraps the output for the apply.</param>
        public int Execute(ChangePlan plan, ISystemHost system, IReadOnlyList<string> argv, IEnumerable<string>? secrets = null, RunHooks? hooks = null,
            Func<ApplyResult, (string Text, object Json)>? report = null, Func<Engine.IEngineOutput, Engine.IEngineOutput>? applyOutput = null)
        {
            var options = new SessionOptions
            {
                Command = "autoglm " + _command,
                Force = _args.Flag("force"),
                Resume = _args.Flag("resume"),
                Reboot = _args.Flag("reboot"),
                LockTimeout = LockTimeout,
                CommandTimeout = CommandTimeout,
                Continuation = Continuation(argv),
                Secrets = secrets ?? Array.Empty<string>(),
            };
            var face = new CliFace(this, hooks);
            var outcome = PlanSession.Run(plan, system, options, face, Output, applyOutput?.Invoke(Output));
            if (outcome.End == SessionEnd.Previewed) return Program.ExitOk;
            if (outcome.End == SessionEnd.Declined) return Program.ExitUsage;
            var result = outcome.Result!;
            int exit = result.Succeeded ? Program.ExitOk
                : result.RebootNeeded ? ExitRebootRequired
                : Program.ExitFailed;
            if (hooks?.Applied != null) exit = hooks.Applied(result, exit);
            if (report != null)
            {
                var (text, json) = report(result);
                Console.Write(Format == "json" ? Engine.Json.Json.Serialize(json) + "\n" : text);
            }
            else Console.Write(Format == "json" ? Engine.Json.Json.Serialize(Merge(result.ToJson(), hooks)) + "\n" : TextRender.Result(result));
            if (Format != "json" && hooks?.Text.Length > 0) Console.Write(hooks.Text.ToString());
            return exit;
        }

        /// <summary>The CLI's side of a session: --what-if prints the plan; a terminal is asked, a pipe needs --force.</summary>
        private sealed class CliFace : ISessionFace
        {
            private readonly PlanRunner _runner;
            private readonly RunHooks? _hooks;

            public CliFace(PlanRunner runner, RunHooks? hooks) { _runner = runner; _hooks = hooks; }

            public bool WhatIf => _runner.WhatIf;

            public void Previewed(PlanPreview preview) { } // the notes are part of the printed plan

            public void ShowPreview(PlanPreview preview) =>
                Console.Write(_runner.Format == "json" ? Engine.Json.Json.Serialize(Merge(PreviewJson(preview), _hooks)) + "\n" : TextRender.Preview(preview) + "Nothing was changed (--what-if).\n");

            public bool Confirm(ChangePlan plan, PlanPreview preview)
            {
                if (Console.IsInputRedirected)
                {
                    Console.Error.WriteLine($"autoglm: error: '{_runner._command}' would make {preview.ChangeCount} changes; pass --force to apply without a prompt, or --what-if to see them.");
                    return false;
                }
                Console.Error.Write(TextRender.Preview(preview));
                Console.Error.Write($"Apply these {preview.ChangeCount} changes? [y/N] ");
                var answer = Console.ReadLine()?.Trim().ToLowerInvariant();
                return answer == "y" || answer == "yes";
            }
        }

        /// <summary>The plan as --what-if --format json prints it, with `changed`: applying it would change the host (Ansible's check mode).</summary>
        public static IDictionary<string, object?> PreviewJson(PlanPreview preview)
        {
            var json = preview.ToJson();
            json["changed"] = preview.ChangeCount > 0;
            return json;
        }

        private static IDictionary<string, object?> Merge(IDictionary<string, object?> json, RunHooks? hooks)
        {
            foreach (var kv in hooks?.Json ?? new Dictionary<string, object?>()) json[kv.Key] = kv.Value;
            return json;
        }

        /// <summary>
        /// The command that continues this run after a reboot: the user's own options (--reboot only when given),
        /// with --resume and --force so it runs unattended. The engine masks credentials before it is journaled.
        /// </summary>
        internal static IReadOnlyList<string> Continuation(IReadOnlyList<string> argv)
        {
            var self = Environment.ProcessPath ?? "autoglm";
            var list = new List<string> { self };
            // Run through the dotnet host when the CLI was started as a dll.
            var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
            if (entry != null && self.EndsWith("dotnet", StringComparison.Ordinal)) list.Add(entry);
            list.AddRange(argv.Where(a => a != "--resume" && a != "--force" && a != "--what-if"));
            list.AddRange(new[] { "--resume", "--force" });
            return list;
        }


    }

    /// <summary>What a command adds around the plan: JSON fields beside it, and a step after applying (a re-check) that may change the exit code and add text.</summary>
    public sealed class RunHooks
    {
        public IDictionary<string, object?> Json { get; } = new Dictionary<string, object?>();
        public StringBuilder Text { get; } = new StringBuilder();
        /// <summary>Gets the result and the exit code the runner chose; returns the exit code.</summary>
        public Func<ApplyResult, int, int>? Applied { get; set; }
    }
}
