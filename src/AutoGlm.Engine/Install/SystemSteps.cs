using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Install
{
    /// <summary>A file followed by the commands that make it take effect (update-initramfs after a modprobe.d file).</summary>
    public sealed class FileThenRunStep : WriteFileStep
    {
        private readonly IReadOnlyList<IReadOnlyList<string>> _commands;

        public FileThenRunStep(string id, string description, PlannedFile file, IReadOnlyList<IReadOnlyList<string>> commands)
            : base(id, description, file)
        {
            _commands = commands;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => _commands;

        public override void Set(StepContext context)
        {
            base.Set(context);
            foreach (var argv in _commands) context.Run(argv);
        }

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            base.RollBack(context, captured);
            foreach (var argv in _commands) context.Run(argv, check: false);
        }
    }

    /// <summary>A registry value set with reg.exe; rollback restores the previous value or deletes it.</summary>
    public sealed class RegistryValueStep : PlanStep
    {
        private readonly string _key;
        private readonly string _name;
        private readonly string _value;

        public RegistryValueStep(string id, string description, string key, string name, string value)
            : base(id, "set-registry", key + "\\" + name, description)
        {
            _key = key;
            _name = name;
            _value = value;
        }

        private IReadOnlyList<string> Query => new[] { "reg.exe", "query", _key, "/v", _name };
        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[] { (IReadOnlyList<string>)new[] { "reg.exe", "add", _key, "/v", _name, "/t", "REG_DWORD", "/d", _value, "/f" } };
        public override bool CanRollBack => true;

        /// <summary>The REG_DWORD value as reg.exe prints it ("0x1"), or null when absent.</summary>
        private string? Current(StepContext context)
        {
            var r = context.Run(Query, check: false);
            if (!r.Succeeded) return null;
            var line = r.Stdout.Split('\n').FirstOrDefault(l => l.Trim().StartsWith(_name, StringComparison.OrdinalIgnoreCase));
            var parts = line?.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            return parts != null && parts.Length >= 3 ? Convert.ToInt64(parts[2], 16).ToString() : null;
        }

        public override StepCheck Test(StepContext context)
        {
            var current = Current(context);
            return current == _value ? StepCheck.Satisfied($"{_name} = {_value}") : StepCheck.Needed($"{_name} is {current ?? "not set"}");
        }

        public override void Set(StepContext context) => context.Run(Commands[0]);

        public override IDictionary<string, string> Capture(StepContext context) =>
            new Dictionary<string, string> { ["value"] = Current(context) ?? "" };

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            if (captured.TryGetValue("value", out var v) && v.Length > 0)
                context.Run(new[] { "reg.exe", "add", _key, "/v", _name, "/t", "REG_DWORD", "/d", v, "/f" });
            else context.Run(new[] { "reg.exe", "delete", _key, "/v", _name, "/f" });
        }
    }

    /// <summary>
    /// A silent installer with its exit codes mapped: 0 done; 1 and 3010 done but a reboot is needed
    /// (NVIDIA's setup and MSI conventions); anything else fails the step.
    /// </summary>
    public sealed class WindowsInstallerStep : PlanStep
    {
        private readonly string _installer;
        private readonly IReadOnlyList<string> _arguments;
        private readonly IReadOnlyList<string> _probe;

        public WindowsInstallerStep(string id, string description, string installer, IReadOnlyList<string> arguments, IReadOnlyList<string> probe)
            : base(id, "run-installer", installer, description)
        {
            _installer = installer;
            _arguments = arguments;
            _probe = probe;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[] { (IReadOnlyList<string>)new[] { _installer }.Concat(_arguments).ToList() };

        public static string Meaning(int exitCode) => exitCode switch
        {
            0 => Messages.Format("InstallerExit_Installed"),
            1 => Messages.Format("InstallerExit_RebootRequired"),
            3010 => Messages.Format("InstallerExit_RebootRequired3010"),
            1602 => Messages.Format("InstallerExit_Cancelled"),
            1618 => Messages.Format("InstallerExit_AlreadyRunning"),
            _ => Messages.Format("InstallerExit_Failed", exitCode),
        };

        public override StepCheck Test(StepContext context)
        {
            var r = context.Run(_probe, check: false);
            return r.Succeeded ? StepCheck.Satisfied($"'{Hosting.ArgvText.Join(_probe)}' answers") : StepCheck.Needed(r.Describe());
        }

        public override void Set(StepContext context)
        {
            var r = context.Run(Commands[0], check: false);
            if (r.Status != Hosting.CommandStatus.Completed) throw new StepFailedException(r.Describe());
            if (r.ExitCode == 1 || r.ExitCode == 3010) context.RequestReboot(Meaning(r.ExitCode));
            else if (r.ExitCode != 0) throw new StepFailedException(Messages.Format("StepFailed_Installer", _installer, Meaning(r.ExitCode)));
        }

        // After a reboot-requiring install the probe only answers after the reboot.
        public override StepCheck Verify(StepContext context) => Test(context);
    }
}
