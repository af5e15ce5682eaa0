using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Repair
{
    /// <summary>
    /// Cures a driver/library mismatch without a reboot: stops our services, unloads nvidia_uvm, nvidia_drm,
    /// nvidia_modeset and nvidia, loads the installed module, and starts the services it stopped. When a
    /// module will not unload (a process still holds it) the step asks for a reboot instead of failing.
    /// </summary>
    public sealed class ModuleReloadStep : PlanStep
    {
        public static readonly string[] Modules = { "nvidia_uvm", "nvidia_drm", "nvidia_modeset", "nvidia" };
        private readonly IReadOnlyList<string> _units;
        private readonly string _version;
        private readonly string? _root;

        public ModuleReloadStep(IReadOnlyList<string> units, string version, ISystemHost system)
            : base("driver.reload", "reload-modules", string.Join(" ", Modules),
                $"Reload the NVIDIA kernel modules so the loaded module is the installed {version}"
                + (units.Count > 0 ? $"; the AutoGLM services {string.Join(", ", units)} are stopped first and started again after." : "."))
        {
            _units = units;
            _version = version;
            _root = system.Root == "/" ? null : system.Root;
        }

        private IReadOnlyList<string> Modprobe(string module) => _root == null ? new[] { "modprobe", module } : new[] { "modprobe", "-d", _root, module };
        private IReadOnlyList<string> Systemctl(string verb) => new[] { "systemctl", verb }.Concat(_units).ToList();

        public override IReadOnlyList<IReadOnlyList<string>> Commands
        {
            get
            {
                var list = new List<IReadOnlyList<string>>();
                if (_units.Count > 0) list.Add(Systemctl("stop"));
                list.AddRange(Modules.Select(m => (IReadOnlyList<string>)new[] { "rmmod", m }));
                list.Add(Modprobe("nvidia"));
                list.Add(Modprobe("nvidia_uvm"));
                if (_units.Count > 0) list.Add(Systemctl("start"));
                return list;
            }
        }

        public override bool CanRollBack => _units.Count > 0;

        public override StepCheck Test(StepContext context) => DriverAnswers(context, _version);

        /// <summary>nvidia-smi answers with the expected version: module and libraries agree.</summary>
        internal static StepCheck DriverAnswers(StepContext context, string version)
        {
            var r = context.Run(new[] { "nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader" }, check: false);
            if (!r.Succeeded) return StepCheck.Needed("nvidia-smi: " + (r.Stdout + r.Stderr).Trim().Split('\n')[0]);
            var reported = r.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Distinct().ToList();
            return reported.Count == 1 && DriverVerifyStep.Matches(reported[0], version)
                ? StepCheck.Satisfied($"nvidia-smi reports driver {reported[0]}")
                : StepCheck.Needed($"nvidia-smi reports {string.Join(", ", reported)}, not {version}");
        }

        public override void Set(StepContext context)
        {
            if (_units.Count > 0) context.Run(Systemctl("stop"));
            var loaded = LoadedModules(context);
            foreach (var module in Modules.Where(loaded.Contains))
            {
                var r = context.Run(new[] { "rmmod", module }, check: false);
                if (!r.Succeeded)
                {
                    if (_units.Count > 0) context.Run(Systemctl("start"), check: false);
                    context.RequestReboot($"{module} would not unload ({(r.Stderr + r.Stdout).Trim().Split('\n')[0]}): a process still holds the GPU; the reboot loads the installed driver");
                    return;
                }
            }
            context.Run(Modprobe("nvidia"));
            context.Run(Modprobe("nvidia_uvm"), check: false);
            if (_units.Count > 0) context.Run(Systemctl("start"));
        }

        private static HashSet<string> LoadedModules(StepContext context)
        {
            var modules = context.System.ReadFile("/proc/modules");
            return new HashSet<string>(modules.Ok
                ? modules.Text!.Split('\n').Select(l => l.Split(' ')[0]).Where(n => n.Length > 0)
                : Modules, StringComparer.Ordinal);
        }

        public override IDictionary<string, string> Capture(StepContext context) =>
            new Dictionary<string, string> { ["units"] = string.Join(" ", _units) };

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            if (captured.TryGetValue("units", out var units) && units.Length > 0)
                context.Run(new[] { "systemctl", "start" }.Concat(units.Split(' ')).ToList(), check: false);
        }
    }

    /// <summary>A change that only a reboot makes: the run stops here and, after the reboot, the test proves it.</summary>
    public sealed class RebootRequiredStep : PlanStep
    {
        private readonly Func<StepContext, StepCheck> _test;

        public RebootRequiredStep(string id, string target, string description, Func<StepContext, StepCheck> test)
            : base(id, "reboot", target, description)
        {
            _test = test;
        }

        public override bool RequiresReboot => true;
        public override StepCheck Test(StepContext context) => _test(context);
        public override void Set(StepContext context) { }
    }

    /// <summary>
    /// DKMS builds the nvidia module for one kernel (`dkms autoinstall -k KERNEL`); modinfo for that kernel
    /// proves a module exists.
    /// </summary>
    public sealed class DkmsBuildStep : PlanStep
    {
        private readonly string _kernel;
        private readonly string? _root;
        private readonly bool _force;

        public DkmsBuildStep(string id, string kernel, ISystemHost system, bool force = false, string? description = null)
            : base(id, "build-module", "nvidia for " + kernel,
                description ?? $"Build the nvidia module for kernel {kernel} with DKMS and prove it with modinfo.")
        {
            _kernel = kernel;
            _force = force;
            _root = system.Root == "/" ? null : system.Root;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands =>
            new[] { (IReadOnlyList<string>)new[] { "dkms", "autoinstall", "-k", _kernel }.Concat(_force ? new[] { "--force" } : Array.Empty<string>()).ToList() };

        private IReadOnlyList<string> Modinfo(params string[] extra) =>
            new[] { "modinfo" }.Concat(_root != null ? new[] { "-b", _root } : Array.Empty<string>()).Concat(new[] { "-k", _kernel }).Concat(extra).Concat(new[] { "nvidia" }).ToList();

        public override StepCheck Test(StepContext context)
        {
            var r = context.Run(Modinfo("-F", "filename"), check: false);
            if (!r.Succeeded || r.Stdout.Trim().Length == 0) return StepCheck.Needed($"modinfo -k {_kernel} nvidia finds no module");
            if (_force)
            {
                // Re-signing: the module must carry a signer for Secure Boot to accept it.
                var signer = context.Run(Modinfo("-F", "signer"), check: false);
                if (!signer.Succeeded || signer.Stdout.Trim().Length == 0) return StepCheck.Needed($"{r.Stdout.Trim()} is not signed");
                return StepCheck.Satisfied($"{r.Stdout.Trim()} signed by {signer.Stdout.Trim()}");
            }
            return StepCheck.Satisfied($"{r.Stdout.Trim().Split('\n')[0]} exists for {_kernel}");
        }

        public override void Set(StepContext context) => context.Run(Commands[0]);
    }
}
