using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Plan
{
    /// <summary>What a step's test found: already in the desired state, or not (and why).</summary>
    public sealed class StepCheck
    {
        private StepCheck(bool done, string detail) { Done = done; Detail = detail; }
        public bool Done { get; }
        public string Detail { get; }
        public static StepCheck Satisfied(string detail) => new StepCheck(true, detail);
        public static StepCheck Needed(string detail) => new StepCheck(false, detail);
        public override string ToString() => (Done ? "ok: " : "change: ") + Detail;
    }

    /// <summary>A file a step will write, shown in full (or as a diff) by -WhatIf.</summary>
    public sealed class PlannedFile
    {
        public PlannedFile(string path, string content, int? mode = null, bool sensitive = false)
        {
            Path = path;
            Content = content;
            Mode = mode;
            Sensitive = sensitive;
        }

        public string Path { get; }
        public string Content { get; }
        public int? Mode { get; }
        /// <summary>Holds secrets: plans and logs show its size, never its content.</summary>
        public bool Sensitive { get; }
        public string ModeText => Mode.HasValue ? "0" + Convert.ToString(Mode.Value, 8) : "";
        public string ShownContent => Sensitive ? $"({Content.Length} characters, masked: holds secrets)" : Content;
    }

    /// <summary>
    /// One idempotent change: <see cref="Test"/> says whether it is needed, <see cref="Set"/> makes it,
    /// <see cref="Verify"/> proves it took. Test and the plan's description read only, so -WhatIf can run
    /// them. A step that can be undone captures what it replaces before Set and restores it in RollBack.
    /// </summary>
    public abstract class PlanStep
    {
        protected PlanStep(string id, string action, string target, string description)
        {
            Id = id;
            Action = action;
            Target = target;
            Description = description;
        }

        /// <summary>Stable within a plan ("driver.pin"); the journal keys on it.</summary>
        public string Id { get; }
        /// <summary>A verb for the kind of change: write-file, install-packages, hold-packages, run, reboot.</summary>
        public string Action { get; }
        /// <summary>What it changes: a path, package names, a service.</summary>
        public string Target { get; }
        /// <summary>One sentence a person reads in the plan, saying what and why.</summary>
        public string Description { get; }

        /// <summary>The commands Set runs, as argv, in order.</summary>
        public virtual IReadOnlyList<IReadOnlyList<string>> Commands => Array.Empty<IReadOnlyList<string>>();
        /// <summary>The files Set writes.</summary>
        public virtual IReadOnlyList<PlannedFile> Files => Array.Empty<PlannedFile>();
        /// <summary>The change takes effect only after a reboot: the run stops after this step.</summary>
        public virtual bool RequiresReboot => false;
        public virtual bool CanRollBack => false;

        public abstract StepCheck Test(StepContext context);
        public abstract void Set(StepContext context);
        public virtual StepCheck Verify(StepContext context) => Test(context);

        /// <summary>What Set will replace, for RollBack; recorded in the journal before Set runs.</summary>
        public virtual IDictionary<string, string> Capture(StepContext context) => new Dictionary<string, string>();
        public virtual void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured) { }
    }

    /// <summary>A step's view of the run: the host to change, the output streams, the time limits.</summary>
    public sealed class StepContext
    {
        public StepContext(ISystemHost system, IEngineOutput output, TimeSpan commandTimeout)
        {
            System = system;
            Output = output;
            CommandTimeout = commandTimeout;
        }

        public ISystemHost System { get; }
        public IEngineOutput Output { get; }
        public TimeSpan CommandTimeout { get; }
        /// <summary>Values to mask in anything logged (API keys, passwords).</summary>
        public ISet<string> Secrets { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Set by a step whose change turned out to need a reboot (an installer's exit code, a loaded old module).</summary>
        public string? RebootRequest { get; private set; }

        public void RequestReboot(string reason) => RebootRequest = reason;

        internal string? TakeRebootRequest()
        {
            var reason = RebootRequest;
            RebootRequest = null;
            return reason;
        }

        public string Mask(string text) =>
            Secrets.Where(s => s.Length > 0).Aggregate(text, (t, s) => t.Replace(s, "****"));

        /// <summary>Runs argv, logging it to the debug stream; a failure becomes a <see cref="StepFailedException"/>.</summary>
        public CommandResult Run(IReadOnlyList<string> argv, TimeSpan? timeout = null, bool check = true)
        {
            Output.Debug("run: " + Mask(ArgvText.Join(argv)));
            var result = System.Run(argv, timeout ?? CommandTimeout);
            if (check && !result.Succeeded)
                throw new StepFailedException(Mask(result.Describe()) + Tail(result));
            return result;
        }

        private string Tail(CommandResult result)
        {
            var text = (result.Stderr.Trim().Length > 0 ? result.Stderr : result.Stdout).Trim();
            var lines = text.Split('\n');
            if (lines.Length <= 1) return "";
            return Environment.NewLine + Mask(string.Join("\n", lines.Skip(Math.Max(0, lines.Length - 8))));
        }
    }

    /// <summary>A step could not make its change. The executor rolls back and reports it.</summary>
    public sealed class StepFailedException : Exception
    {
        public StepFailedException(string message) : base(message) { }
    }

    /// <summary>A file with exact content (and mode); rollback restores what was there, or removes it.</summary>
    public class WriteFileStep : PlanStep
    {
        private readonly PlannedFile _file;

        public WriteFileStep(string id, string description, PlannedFile file)
            : base(id, "write-file", file.Path, description)
        {
            _file = file;
        }

        public PlannedFile File => _file;
        public override IReadOnlyList<PlannedFile> Files => new[] { _file };
        public override bool CanRollBack => true;

        public override StepCheck Test(StepContext context)
        {
            var read = context.System.ReadFile(_file.Path);
            if (!read.Exists) return StepCheck.Needed($"{_file.Path} does not exist");
            if (!read.Ok) return StepCheck.Needed(read.Describe());
            return read.Text == _file.Content
                ? StepCheck.Satisfied($"{_file.Path} has the expected content")
                : StepCheck.Needed($"{_file.Path} differs from the expected content");
        }

        public override void Set(StepContext context) => context.System.WriteFile(_file.Path, _file.Content, _file.Mode);

        public override IDictionary<string, string> Capture(StepContext context)
        {
            var read = context.System.ReadFile(_file.Path);
            var captured = new Dictionary<string, string> { ["existed"] = read.Ok ? "true" : "false" };
            // Secrets are not copied into the journal; rolling back a secret file removes it instead.
            if (read.Ok && !_file.Sensitive) captured["content"] = read.Text!;
            return captured;
        }

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            if (captured.TryGetValue("content", out var previous)) context.System.WriteFile(_file.Path, previous, _file.Mode);
            else context.System.DeleteFile(_file.Path);
        }
    }

    /// <summary>A step whose test and change are given as functions: for one-off commands.</summary>
    /// <summary>
    /// A step of a preview planned without its source (an unreachable repository): what it does is known, the exact
    /// version is not. It previews as a change that says so, and never applies: an applying run reads the source first.
    /// </summary>
    public sealed class DeferredStep : PlanStep
    {
        private readonly string _reason;
        private readonly IReadOnlyList<IReadOnlyList<string>> _commands;

        public DeferredStep(string id, string action, string target, string description, string reason, IReadOnlyList<string>? command = null)
            : base(id, action, target, description)
        {
            _reason = reason;
            _commands = command == null ? Array.Empty<IReadOnlyList<string>>() : new[] { command };
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => _commands;
        public override StepCheck Test(StepContext context) => StepCheck.Needed(_reason);
        public override void Set(StepContext context) =>
            throw new StepFailedException(Messages.Format("StepFailed_PreviewOnly", Id, _reason));
    }

    public sealed class CommandStep : PlanStep
    {
        private readonly Func<StepContext, StepCheck> _test;
        private readonly IReadOnlyList<IReadOnlyList<string>> _commands;
        private readonly bool _reboot;

        public CommandStep(string id, string action, string target, string description,
            IReadOnlyList<IReadOnlyList<string>> commands, Func<StepContext, StepCheck> test, bool requiresReboot = false)
            : base(id, action, target, description)
        {
            if (commands.Count == 0) throw new ArgumentException("a command step needs a command", nameof(commands));
            _commands = commands;
            _test = test;
            _reboot = requiresReboot;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => _commands;
        public override bool RequiresReboot => _reboot;
        public override StepCheck Test(StepContext context) => _test(context);

        public override void Set(StepContext context)
        {
            foreach (var argv in _commands) context.Run(argv);
        }
    }
}
