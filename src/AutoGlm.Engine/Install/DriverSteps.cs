using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Install
{
    /// <summary>
    /// The proof after an install: the driver's own nvidia-smi answers with the pinned version (NVML
    /// initialised, module and library agree). When another module is loaded, or nouveau holds the GPU, or a
    /// new MOK awaits enrolment, the proof needs a reboot and the run stops here until then.
    /// </summary>
    public sealed class DriverVerifyStep : PlanStep
    {
        private readonly string _version;
        private readonly string? _rebootReason;
        private readonly string? _root;

        /// <param name="version">The exact version, or a branch prefix such as "570." when the package manager picks it.</param>
        public DriverVerifyStep(string version, string? rebootReason, ISystemHost system)
            : base("driver.verify", "verify", "nvidia-smi",
                $"Load the driver and prove it: nvidia-smi must report {version}." + (rebootReason != null ? " Needs a reboot first: " + rebootReason + "." : ""))
        {
            _version = version;
            _rebootReason = rebootReason;
            _root = system.Root == "/" ? null : system.Root;
        }

        private IReadOnlyList<string> Modprobe => _root == null ? new[] { "modprobe", "nvidia" } : new[] { "modprobe", "-d", _root, "nvidia" };
        private static readonly string[] Query = { "nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader" };

        public override IReadOnlyList<IReadOnlyList<string>> Commands =>
            _rebootReason != null ? new IReadOnlyList<string>[] { Query } : new IReadOnlyList<string>[] { Modprobe, Query };
        public override bool RequiresReboot => _rebootReason != null;

        public override StepCheck Test(StepContext context)
        {
            var result = context.Run(Query, check: false);
            if (!result.Succeeded) return StepCheck.Needed(result.Describe());
            var reported = result.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Distinct().ToList();
            return reported.Count == 1 && Matches(reported[0], _version)
                ? StepCheck.Satisfied($"nvidia-smi reports driver {_version}")
                : StepCheck.Needed($"nvidia-smi reports {string.Join(", ", reported)}, not {_version}");
        }

        public static bool Matches(string reported, string expected) =>
            expected.EndsWith(".", StringComparison.Ordinal) ? reported.StartsWith(expected, StringComparison.Ordinal) : reported == expected;

        public override void Set(StepContext context)
        {
            if (_rebootReason != null) return;
            var load = context.Run(Modprobe, check: false);
            if (!load.Succeeded && (load.Stderr.Contains("Key was rejected") || load.Stderr.Contains("Required key not available")))
                throw new StepFailedException(Messages.Format("StepFailed_SecureBootRejected", load.Stderr.Trim()));
        }
    }

    /// <summary>
    /// Secure Boot with DKMS-built modules: a Machine Owner Key that DKMS signs with, imported for
    /// enrolment at the next boot (MokManager asks for the root password). Never leaves an unsigned module
    /// expected to load.
    /// </summary>
    public sealed class MokStep : PlanStep
    {
        private readonly string _key;
        private readonly string _cert;

        /// <summary>The step's id in every plan that enrols a MOK (install-driver, install, repair).</summary>
        public const string StepId = "secureboot.mok";

        public MokStep(string key, string cert)
            : base(StepId, "run", cert,
                "Create a module signing key for DKMS and queue it for enrolment: at the next boot choose 'Enroll MOK' in the blue MokManager screen, then 'Continue', 'Yes', and type the root password.")
        {
            _key = key;
            _cert = cert;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new IReadOnlyList<string>[]
        {
            new[] { "openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "36500", "-outform", "DER",
                "-keyout", _key, "-out", _cert, "-subj", "/CN=AutoGlm DKMS module signing key/" },
            new[] { "mokutil", "--import", _cert, "--root-pw" },
        };

        public override StepCheck Test(StepContext context)
        {
            if (!context.System.ReadFile(_cert).Exists) return StepCheck.Needed(_cert + " does not exist");
            var test = context.Run(new[] { "mokutil", "--test-key", context.System.MapPath(_cert) }, check: false);
            if (test.Stdout.Contains("is already enrolled")) return StepCheck.Satisfied(_cert + " is enrolled");
            var pending = context.Run(new[] { "mokutil", "--list-new" }, check: false);
            return pending.Succeeded && pending.Stdout.Trim().Length > 0
                ? StepCheck.Satisfied(_cert + " is queued for enrolment at the next boot")
                : StepCheck.Needed(_cert + " is neither enrolled nor queued");
        }

        public override void Set(StepContext context)
        {
            if (!context.System.ReadFile(_cert).Exists)
            {
                var generate = Commands[0].Select(a => a == _key || a == _cert ? context.System.MapPath(a) : a).ToList();
                System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(context.System.MapPath(_key))!);
                context.Run(generate);
            }
            context.Run(new[] { "mokutil", "--import", context.System.MapPath(_cert), "--root-pw" });
        }
    }
}
