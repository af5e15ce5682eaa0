using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Plan;

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

        /// <summary>Previews or applies the plan and prints the outcome; returns the exit code.</summary>
        /// <param name="hooks">Adds JSON fields and text to the outcome and may change the exit code (a repair's re-check).</param>
        /// <param name="report">Renders a finished run (text, JSON) instead of the plain result; <paramref name="applyOutput"/> wraps the output for the apply.</param>
        public int Execute(ChangePlan plan, ISystemHost system, IReadOnlyList<string> argv, IEnumerable<string>? secrets = null, RunHooks? hooks = null,
            Func<ApplyResult, (string Text, object Json)>? report = null, Func<Engine.IEngineOutput, Engine.IEngineOutput>? applyOutput = null)
        {
            var preview = PlanExecutor.Preview(plan, system, Output, CommandTimeout);
            Engine.Diagnostics.PhaseTrace.Mark("previewed");
            if (_args.Flag("what-if"))
            {
                Console.Write(Format == "json" ? Engine.Json.Json.Serialize(Merge(PreviewJson(preview), hooks)) + "\n" : RenderPreview(preview) + "Nothing was changed (--what-if).\n");
                return Program.ExitOk;
            }
            Privileges.EnsureAdministrator(system, "autoglm " + _command);
            if (preview.ChangeCount > 0 && !_args.Flag("force") && !_args.Flag("resume") && !Confirm(preview))
                return Program.ExitUsage;
            var options = new ApplyOptions
            {
                Resume = _args.Flag("resume"),
                Reboot = _args.Flag("reboot"),
                LockTimeout = LockTimeout,
                CommandTimeout = CommandTimeout,
                Continuation = Continuation(argv),
            };
            foreach (var secret in secrets ?? Array.Empty<string>()) options.Secrets.Add(secret);
            var result = PlanExecutor.Apply(plan, system, options, applyOutput?.Invoke(Output) ?? Output);
            Engine.Diagnostics.PhaseTrace.Mark("applied");
            int exit;
            switch (result.Status)
            {
                case "converged":
                case "changed":
                    exit = Program.ExitOk;
                    break;
                case "reboot-required":
                case "reboot-scheduled":
                    exit = ExitRebootRequired;
                    break;
                default:
                    exit = Program.ExitFailed;
                    break;
            }
            if (hooks?.Applied != null) exit = hooks.Applied(result, exit);
            if (report != null)
            {
                var (text, json) = report(result);
                Console.Write(Format == "json" ? Engine.Json.Json.Serialize(json) + "\n" : text);
            }
            else Console.Write(Format == "json" ? Engine.Json.Json.Serialize(Merge(result.ToJson(), hooks)) + "\n" : RenderResult(result));
            if (Format != "json" && hooks?.Text.Length > 0) Console.Write(hooks.Text.ToString());
            return exit;
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

        private bool Confirm(PlanPreview preview)
        {
            if (Console.IsInputRedirected)
            {
                Console.Error.WriteLine($"autoglm: error: '{_command}' would make {preview.ChangeCount} changes; pass --force to apply without a prompt, or --what-if to see them.");
                return false;
            }
            Console.Error.Write(RenderPreview(preview));
            Console.Error.Write($"Apply these {preview.ChangeCount} changes? [y/N] ");
            var answer = Console.ReadLine()?.Trim().ToLowerInvariant();
            return answer == "y" || answer == "yes";
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

        public static string RenderPreview(PlanPreview p)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"Plan {p.Plan}: {p.Title} ({p.Host})");
            sb.AppendLine(p.ChangeCount == 0
                ? $"All {p.Steps.Count} steps are already in the desired state."
                : $"{p.ChangeCount} of {p.Steps.Count} steps to change{(p.RebootExpected ? "; a reboot is expected" : "")}.");
            int idWidth = p.Steps.Select(s => s.Id.Length).DefaultIfEmpty(0).Max();
            foreach (var s in p.Steps)
            {
                sb.AppendLine($"  {s.Number,2}. {s.Status,-7} {s.Id.PadRight(idWidth)}  {s.Action} {s.Target}");
                const string pad = "              ";
                sb.AppendLine(pad + s.Description);
                if (s.Status == "ok") { sb.AppendLine(pad + "already: " + s.Detail); continue; }
                if (s.Detail.Length > 0) sb.AppendLine(pad + "now: " + s.Detail);
                foreach (var f in s.Files)
                {
                    sb.AppendLine($"{pad}file {f.Path}{(f.Mode.HasValue ? ", mode " + f.ModeText : "")}:");
                    var body = !f.Sensitive && s.Diffs.TryGetValue(f.Path, out var diff) ? diff : f.ShownContent;
                    foreach (var line in body.TrimEnd('\n').Split('\n')) sb.AppendLine(pad + "  | " + line);
                }
                foreach (var c in s.CommandLines) sb.AppendLine(pad + "run: " + c);
                if (s.Reboot) sb.AppendLine(pad + "reboot: the run stops here until the host has rebooted");
            }
            foreach (var n in p.Notes) sb.AppendLine("note: " + n);
            return sb.ToString();
        }

        public static string RenderResult(ApplyResult r)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"{r.Plan}: {r.Status}{(r.Resumed ? " (resumed)" : "")} in {r.Seconds:0.0} s");
            foreach (var s in r.Steps)
                sb.AppendLine($"  {s.Number,2}. {s.Outcome,-15} {s.Id}{(s.Detail.Length > 0 ? ": " + s.Detail.Split('\n')[0] : "")}");
            sb.AppendLine(r.Message);
            return sb.ToString();
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
