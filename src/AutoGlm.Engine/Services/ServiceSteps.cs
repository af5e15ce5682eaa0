using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Services
{
    /// <summary>What systemctl says about a unit; every question tolerates a missing unit or systemctl.</summary>
    internal static class Systemctl
    {
        public static string IsEnabled(StepContext c, string unit) => Word(c, "is-enabled", unit);
        public static string IsActive(StepContext c, string unit) => Word(c, "is-active", unit);

        private static string Word(StepContext c, string verb, string unit)
        {
            var r = c.System.Run(new[] { "systemctl", verb, unit }, c.CommandTimeout);
            var word = r.Stdout.Trim().Split('\n')[0].Trim();
            if (word.Length > 0) return word;
            // is-enabled on a unit systemd has never seen says so on stderr only.
            return r.Stderr.IndexOf("No such file", StringComparison.Ordinal) >= 0 || r.Stderr.IndexOf("not found", StringComparison.Ordinal) >= 0
                ? "not-found" : r.Succeeded ? "yes" : "unknown";
        }

        /// <summary>`systemctl show` properties as a dictionary (empty when systemctl cannot answer).</summary>
        public static IDictionary<string, string> Show(StepContext c, string unit, params string[] properties)
        {
            var r = c.System.Run(new[] { "systemctl", "show", unit, "--property=" + string.Join(",", properties) }, c.CommandTimeout);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!r.Succeeded) return values;
            foreach (var line in r.Stdout.Split('\n'))
            {
                int eq = line.IndexOf('=');
                if (eq > 0) values[line.Substring(0, eq).Trim()] = line.Substring(eq + 1).Trim();
            }
            return values;
        }
    }

    /// <summary>
    /// `systemctl daemon-reload` when systemd's loaded copy of the unit is stale (or, for a removed unit, still loaded).
    /// </summary>
    public sealed class DaemonReloadStep : PlanStep
    {
        private readonly string _unit;
        private readonly bool _present;

        public DaemonReloadStep(string id, string unit, bool present)
            : base(id, "run", unit, present ? $"Make systemd read the unit file of {unit}." : $"Make systemd forget the removed {unit}.")
        {
            _unit = unit;
            _present = present;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[] { new[] { "systemctl", "daemon-reload" } };

        public override StepCheck Test(StepContext context)
        {
            var show = Systemctl.Show(context, _unit, "LoadState", "NeedDaemonReload");
            if (!show.TryGetValue("LoadState", out var load)) return StepCheck.Needed("systemctl could not say what systemd has loaded");
            show.TryGetValue("NeedDaemonReload", out var stale);
            if (stale == "yes") return StepCheck.Needed($"systemd's copy of {_unit} is older than the file");
            if (_present && load != "loaded") return StepCheck.Needed($"{_unit} is {load}");
            if (!_present && load == "loaded") return StepCheck.Needed($"{_unit} is still loaded");
            return StepCheck.Satisfied(_present ? $"systemd has the current {_unit}" : $"systemd no longer knows {_unit}");
        }

        public override void Set(StepContext context) => context.Run(Commands[0]);
    }

    /// <summary>
    /// Enabled at boot and running the current unit and environment: enable, then restart, so a changed input
    /// takes effect. A hash of what it was started with (in AutoGlm's state directory) tells a rerun whether to restart.
    /// </summary>
    public sealed class ServiceRunningStep : PlanStep
    {
        private readonly string _unit;
        private readonly string _stampPath;
        private readonly string _stamp;

        public ServiceRunningStep(string unit, string stampPath, string unitText, string environmentText)
            : base("service.running", "run", unit, $"Enable {unit} at boot and (re)start it with the current unit and environment.")
        {
            _unit = unit;
            _stampPath = stampPath;
            _stamp = Hashing.Sha256HexOfText(unitText + "\0" + environmentText) + "\n";
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[]
        {
            new[] { "systemctl", "enable", _unit },
            new[] { "systemctl", "restart", _unit },
        };

        public override bool CanRollBack => true;

        public override StepCheck Test(StepContext context)
        {
            var enabled = Systemctl.IsEnabled(context, _unit);
            if (enabled != "enabled") return StepCheck.Needed($"{_unit} is {enabled} at boot");
            var active = Systemctl.IsActive(context, _unit);
            if (active != "active") return StepCheck.Needed($"{_unit} is {active}");
            var stamp = context.System.ReadFile(_stampPath);
            if (!stamp.Ok || stamp.Text != _stamp) return StepCheck.Needed($"{_unit} runs an older unit or environment");
            return StepCheck.Satisfied($"{_unit} is enabled and active with the current unit and environment");
        }

        public override void Set(StepContext context)
        {
            foreach (var argv in Commands) context.Run(argv);
            context.System.WriteFile(_stampPath, _stamp, 0x180);
        }

        public override IDictionary<string, string> Capture(StepContext context) => new Dictionary<string, string>
        {
            ["enabled"] = Systemctl.IsEnabled(context, _unit),
            ["active"] = Systemctl.IsActive(context, _unit),
        };

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            context.System.DeleteFile(_stampPath);
            bool wasActive = captured.TryGetValue("active", out var a) && a == "active";
            bool wasEnabled = captured.TryGetValue("enabled", out var e) && e == "enabled";
            if (!wasActive) context.Run(new[] { "systemctl", "stop", _unit }, check: false);
            if (!wasEnabled) context.Run(new[] { "systemctl", "disable", _unit }, check: false);
            if (wasActive)
                context.Output.Warning(Messages.Format("Warning_ServiceKeepsNewConfiguration", _unit));
        }
    }

    /// <summary>
    /// The server answers: TCP connect, then GET /v1/models (or /health), polling until the timeout. A failure
    /// carries the unit's last journal lines (or the service log's last lines on Windows).
    /// </summary>
    public sealed class HealthCheckStep : PlanStep
    {
        private readonly int _port;
        private readonly TimeSpan _timeout;
        private readonly IReadOnlyList<string> _logCommand;
        private readonly string? _logFile;

        public HealthCheckStep(string unit, int port, TimeSpan timeout, IReadOnlyList<string> logCommand, string? logFile = null)
            : base("service.health", "health-check", $"http://127.0.0.1:{port}/v1/models",
                $"Wait up to {timeout.TotalSeconds:0} s for {unit} to accept TCP connections on port {port} and answer GET /v1/models (or /health).")
        {
            _port = port;
            _timeout = timeout;
            _logCommand = logCommand;
            _logFile = logFile;
        }

        public TimeSpan ProbeTimeout => _timeout < TimeSpan.FromSeconds(5) ? _timeout : TimeSpan.FromSeconds(5);

        public override StepCheck Test(StepContext context)
        {
            var result = HealthProbe.Check("127.0.0.1", _port, ProbeTimeout);
            return result.Healthy ? StepCheck.Satisfied(result.Detail) : StepCheck.Needed(result.Detail);
        }

        public override void Set(StepContext context)
        {
            var interval = TimeSpan.FromMilliseconds(Math.Min(2000, Math.Max(100, _timeout.TotalMilliseconds / 10)));
            var result = HealthProbe.WaitHealthy("127.0.0.1", _port, _timeout, ProbeTimeout, interval);
            if (result.Healthy) return;
            throw new StepFailedException(Messages.Format("StepFailed_ServerNotHealthy", _timeout.TotalSeconds, result.Detail, Environment.NewLine, Logs(context)));
        }

        private string Logs(StepContext context)
        {
            if (_logFile != null)
            {
                var read = context.System.ReadFile(_logFile);
                var lines = read.Ok ? read.Text!.TrimEnd('\n').Split('\n') : new[] { read.Describe() };
                return $"Last lines of {_logFile}:{Environment.NewLine}" + string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - 20)));
            }
            var r = context.Run(_logCommand, check: false);
            var text = (r.Succeeded ? r.Stdout : r.Describe() + " " + r.Stderr).TrimEnd();
            return $"{ArgvText(_logCommand)}:{Environment.NewLine}{text}";
        }

        private static string ArgvText(IReadOnlyList<string> argv) => AutoGlm.Engine.Hosting.ArgvText.Join(argv);
    }

    /// <summary>Stop and disable a unit (unregister). Rolls back to the state it found.</summary>
    public sealed class ServiceStoppedStep : PlanStep
    {
        private readonly string _unit;

        public ServiceStoppedStep(string unit)
            : base("service.stopped", "run", unit, $"Stop {unit} and disable it at boot.")
        {
            _unit = unit;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[] { new[] { "systemctl", "disable", "--now", _unit } };
        public override bool CanRollBack => true;

        public override StepCheck Test(StepContext context)
        {
            var active = Systemctl.IsActive(context, _unit);
            var enabled = Systemctl.IsEnabled(context, _unit);
            bool stopped = active != "active" && active != "activating" && active != "reloading";
            bool disabled = enabled != "enabled" && enabled != "enabled-runtime";
            return stopped && disabled ? StepCheck.Satisfied($"{_unit} is {active} and {enabled}") : StepCheck.Needed($"{_unit} is {active} and {enabled}");
        }

        public override void Set(StepContext context) => context.Run(Commands[0]);

        public override IDictionary<string, string> Capture(StepContext context) => new Dictionary<string, string>
        {
            ["enabled"] = Systemctl.IsEnabled(context, _unit),
            ["active"] = Systemctl.IsActive(context, _unit),
        };

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            if (captured.TryGetValue("enabled", out var e) && e == "enabled") context.Run(new[] { "systemctl", "enable", _unit });
            if (captured.TryGetValue("active", out var a) && a == "active") context.Run(new[] { "systemctl", "start", _unit });
        }
    }

    /// <summary>A file that must not exist. Rollback restores it, except a secret file, whose content the journal never holds.</summary>
    public sealed class RemoveFileStep : PlanStep
    {
        private readonly string _path;
        private readonly bool _sensitive;
        private readonly int _mode;

        public RemoveFileStep(string id, string description, string path, bool sensitive = false, int mode = 0x1A4)
            : base(id, "remove-file", path, description)
        {
            _path = path;
            _sensitive = sensitive;
            _mode = mode;
        }

        public override bool CanRollBack => !_sensitive;

        public override StepCheck Test(StepContext context) =>
            context.System.ReadFile(_path).Exists ? StepCheck.Needed($"{_path} exists") : StepCheck.Satisfied($"{_path} does not exist");

        public override void Set(StepContext context) => context.System.DeleteFile(_path);

        public override IDictionary<string, string> Capture(StepContext context)
        {
            var read = context.System.ReadFile(_path);
            return read.Ok ? new Dictionary<string, string> { ["content"] = read.Text! } : new Dictionary<string, string>();
        }

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            if (captured.TryGetValue("content", out var content)) context.System.WriteFile(_path, content, _mode);
        }
    }
}
