using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Platforms;
using AutoGlm.Engine.Versions;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Repair
{
    /// <summary>
    /// Turns a <see cref="RepairDiagnosis"/> into the repair plan, built from the driver install's own steps
    /// (apt install and hold, the nouveau blacklist, MOK enrolment, the driver proof) plus a module reload,
    /// a DKMS build and reboot markers. Only fixable signatures get steps; proposals stay notes.
    /// </summary>
    public static class RepairPlanner
    {
        public const string PlanName = "repair-driver";
        public const string KernelHookPath = "/etc/kernel/postinst.d/zz-autoglm-nvidia";

        public static ChangePlan Plan(RepairDiagnosis d, RepairRequest request, ISystemHost system)
        {
            var steps = new List<PlanStep>();
            var notes = new List<string>();
            bool Has(string id) => d.Signatures.Any(s => s.Id == id && s.Fixable);
            var apt = new AptTool(system);
            var version = ExpectedVersion(d);

            // 3. Back to the pinned version, held again.
            if (Has(RepairSignature.DriverMovedPastPin) && d.OsFamily == OsFamily.Debian)
            {
                var pinned = d.PinnedPackages.Select(p => new PackageVersion(p.Substring(0, p.IndexOf('=')), p.Substring(p.IndexOf('=') + 1))).ToList();
                steps.Add(new AptInstallStep("driver.reinstall", $"Reinstall the pinned driver packages ({string.Join(", ", pinned.Select(p => p.Spec))}).", apt, pinned));
                steps.Add(new AptHoldStep("driver.hold", "Hold the driver packages again so upgrades cannot move them.", apt, pinned.Select(p => p.Name).ToList()));
            }

            // 2. Headers and a DKMS build for the running and the next boot's kernel.
            if (Has(RepairSignature.ModuleMissingForKernel))
            {
                var kernels = new[] { d.RunningKernel, d.NewestKernel }.Where(k => k != null).Select(k => k!).Distinct().ToList();
                if (kernels.Count == 0)
                    throw new AutoGlmException("KernelUnknown", ErrorKind.ObjectNotFound,
                        Messages.Format("KernelUnknown"), "/proc/sys/kernel/osrelease");
                if (d.OsFamily == OsFamily.Rhel)
                {
                    var packages = kernels.SelectMany(k => new[] { "kernel-devel-" + k, "kernel-headers-" + k }).Concat(new[] { "dkms" }).ToList();
                    steps.Add(new CommandStep("kernel.headers", "install-packages", string.Join(" ", packages), $"Install the kernel headers for {string.Join(" and ", kernels)}, and DKMS.",
                        new[] { (IReadOnlyList<string>)new[] { "dnf", "install", "-y" }.Concat(packages).ToList() },
                        ctx => ctx.Run(new[] { "rpm", "-q" }.Concat(packages).ToList(), check: false).Succeeded ? StepCheck.Satisfied("installed") : StepCheck.Needed("not (all) installed")));
                }
                else
                {
                    var headers = kernels.Select(k => new PackageVersion("linux-headers-" + k, null)).Concat(new[] { new PackageVersion("dkms", null) }).ToList();
                    steps.Add(new AptInstallStep("kernel.headers", $"Install the kernel headers for {string.Join(" and ", kernels)} (running and next boot), and DKMS.", apt, headers));
                }
                if (d.RunningKernel != null)
                    steps.Add(new DkmsBuildStep("dkms.running", d.RunningKernel, system));
                if (d.NewestKernel != null && d.NewestKernel != d.RunningKernel)
                    steps.Add(new DkmsBuildStep("dkms.next-boot", d.NewestKernel, system,
                        description: $"Build the nvidia module for kernel {d.NewestKernel}, which the next boot starts, and prove it with modinfo."));
            }

            // 4. nouveau: blacklist, initramfs, reboot.
            if (Has(RepairSignature.NouveauLoaded))
            {
                steps.Add(DriverPlanner.NouveauBlacklistStep(d.OsFamily));
                steps.Add(new RebootRequiredStep("nouveau.reboot", "nouveau", "Reboot so the kernel starts without nouveau and the nvidia module can bind the GPU.", NouveauGone));
            }

            // 5. Secure Boot: the MOK enrolment is resumable across the reboot it needs.
            if (Has(RepairSignature.SecureBootRejected))
            {
                var mok = DriverPlanner.MokStepFor(d.Distro);
                steps.Add(mok);
                steps.Add(new RebootRequiredStep("secureboot.enroll", mok.Target,
                    "Reboot to enrol the key: in the blue MokManager screen choose 'Enroll MOK', 'Continue', 'Yes', type the password given to mokutil, then 'Reboot'. Then run again with -Resume (--resume).",
                    ctx => ctx.Run(new[] { "mokutil", "--test-key", ctx.System.MapPath(mok.Target) }, check: false).Stdout.Contains("is already enrolled")
                        ? StepCheck.Satisfied(mok.Target + " is enrolled")
                        : StepCheck.Needed(mok.Target + " is not enrolled yet")));
                if (d.RunningKernel != null)
                    steps.Add(new DkmsBuildStep("secureboot.resign", d.RunningKernel, system, force: true,
                        description: $"Rebuild the nvidia module for {d.RunningKernel} so DKMS signs it with the enrolled key."));
                if (d.Distro == "ubuntu")
                    notes.Add($"Instead of a MOK: Ubuntu's signed prebuilt modules (sudo apt-get install linux-modules-nvidia-<branch>-server-{d.RunningKernel ?? "$(uname -r)"}) load under Secure Boot without one.");
            }

            // 1. The mismatch: reload when nobody else holds the GPU, else a reboot; then the pin.
            if (Has(RepairSignature.DriverLibraryMismatch) || (Has(RepairSignature.DriverMovedPastPin) && d.OsFamily == OsFamily.Debian))
            {
                var blocking = d.Holders.Where(h => h.Unit == null || !d.ActiveServices.Contains(h.Unit)).ToList();
                if (blocking.Count > 0)
                    steps.Add(new RebootRequiredStep("driver.reboot", "nvidia",
                        $"Reboot to load the installed driver {version}: {string.Join(", ", blocking)} hold{(blocking.Count == 1 ? "s" : "")} the GPU, so the module cannot be unloaded.",
                        ctx => ModuleReloadStep.DriverAnswers(ctx, version)));
                else
                    steps.Add(new ModuleReloadStep(d.ActiveServices, version, system));
                if (!steps.Any(s => s.Id == "driver.hold"))
                {
                    if (d.OsFamily == OsFamily.Debian && d.NvidiaPackages.Count > 0)
                        steps.Add(new AptHoldStep("driver.hold", "Hold the driver packages so the next upgrade cannot cause the mismatch again.", apt,
                            d.NvidiaPackages.Keys.Where(n => !NvidiaPackages.IsPinning(n)).ToList()));
                    else if (d.OsFamily == OsFamily.Rhel)
                        steps.Add(new CommandStep("driver.hold", "hold-packages", "*nvidia*", "Lock the driver packages with dnf versionlock so the next upgrade cannot cause the mismatch again.",
                            new IReadOnlyList<string>[] { new[] { "dnf", "versionlock", "add", "*nvidia*" } },
                            ctx => ctx.Run(new[] { "dnf", "versionlock", "list" }, check: false).Stdout.Contains("nvidia") ? StepCheck.Satisfied("versionlock lists nvidia") : StepCheck.Needed("no nvidia versionlock")));
                }
            }

            // 7. Windows: the pinned driver again, and the policy that keeps Windows Update away from it.
            if (Has(RepairSignature.WindowsUpdateReplacedDriver))
            {
                var installer = request.InstallerPath ?? throw new AutoGlmException("InstallerRequired", ErrorKind.InvalidArgument,
                    Messages.Format("InstallerRequired_WindowsUpdate", version), "InstallerPath");
                steps.Add(new RegistryValueStep("driver.windows-update", "Stop Windows Update from replacing the driver again (ExcludeWUDriversInQualityUpdate).",
                    @"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate", "ExcludeWUDriversInQualityUpdate", "1"));
                steps.Add(new WindowsInstallerStep("driver.reinstall", $"Reinstall the pinned NVIDIA driver {version} silently, without a reboot.", installer, new[] { "-s", "-noreboot", "-clean" },
                    new[] { "nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader" }));
            }

            // The proof, with the same nvidia-smi the checks ask.
            if (steps.Count > 0 && d.OsFamily != OsFamily.Windows && version.Length > 0)
                steps.Add(new DriverVerifyStep(version, null, system));

            // 8. Prevention, on request.
            if (request.Prevent) steps.AddRange(PreventionSteps(d, apt, notes));

            foreach (var s in d.Signatures.Where(s => !s.Fixable))
                notes.Add($"Not changed: {s.Title}. {s.Explanation}" + (s.Proposal != null ? " Proposal: " + s.Proposal.Replace("\n", " ") : ""));
            var fixing = d.Signatures.Where(s => s.Fixable).Select(s => s.Title).ToList();
            var title = fixing.Count > 0 ? "Repair: " + string.Join("; ", fixing) : request.Prevent ? "Prevention steps" : "Nothing to repair";
            return new ChangePlan(PlanName, title + (request.Prevent && fixing.Count > 0 ? ", with prevention" : ""), steps, notes);
        }

        /// <summary>The driver version the repaired host must report: the pinned one, else the installed one.</summary>
        internal static string ExpectedVersion(RepairDiagnosis d)
        {
            foreach (var spec in d.PinnedPackages)
            {
                var v = spec.Substring(spec.IndexOf('=') + 1);
                if (spec.StartsWith("windows-driver=", StringComparison.Ordinal)) return v;
                if (DebianVersion.TryParse(v, out var dv) && NvidiaDriverVersion.TryParse(dv.Upstream, out _)) return dv.Upstream;
            }
            return d.InstalledDriver ?? d.LoadedModule ?? "";
        }

        private static StepCheck NouveauGone(StepContext ctx)
        {
            var modules = ctx.System.ReadFile("/proc/modules");
            bool loaded = (modules.Ok && modules.Text!.Split('\n').Any(l => l.StartsWith("nouveau ", StringComparison.Ordinal)))
                || ctx.System.ListDirectory("/sys/module/nouveau") != null;
            return loaded ? StepCheck.Needed("nouveau is loaded") : StepCheck.Satisfied("nouveau is not loaded");
        }

        private static IEnumerable<PlanStep> PreventionSteps(RepairDiagnosis d, AptTool apt, List<string> notes)
        {
            if (d.OsFamily == OsFamily.Windows) { notes.Add("Prevention on Windows is the ExcludeWUDriversInQualityUpdate policy (Install-AutoGlmDriver sets it)."); yield break; }
            yield return new WriteFileStep("prevent.kernel-hook", "Build (or check) the nvidia module for every newly installed kernel, so the next boot finds one.",
                new PlannedFile(KernelHookPath, KernelHook, 0x1ED));
            if (d.OsFamily == OsFamily.Debian)
            {
                if (d.KernelMetaPackages.Count > 0)
                    yield return new AptHoldStep("prevent.kernel-hold", "Hold the kernel meta-packages, so a new kernel arrives only when you unhold them (the apt counterpart of dnf-plugin-nvidia); the hook builds the module when you do.",
                        apt, d.KernelMetaPackages.ToList());
                else notes.Add("No kernel meta-package (linux-generic, linux-image-amd64, ...) is installed, so there is no kernel upgrade to hold.");
                yield return DriverPlanner.UnattendedUpgradesStep();
            }
            else if (d.OsFamily == OsFamily.Rhel)
            {
                yield return new CommandStep("prevent.dnf-plugin-nvidia", "install-packages", "dnf-plugin-nvidia",
                    "Install dnf-plugin-nvidia: dnf then refuses a kernel update for which no NVIDIA module exists.",
                    new IReadOnlyList<string>[] { new[] { "dnf", "install", "-y", "dnf-plugin-nvidia" } },
                    ctx => ctx.Run(new[] { "rpm", "-q", "dnf-plugin-nvidia" }, check: false).Succeeded ? StepCheck.Satisfied("dnf-plugin-nvidia installed") : StepCheck.Needed("dnf-plugin-nvidia not installed"));
            }
        }

        /// <summary>Run by the kernel's postinst with the new release as $1 (after DKMS's own hook: "zz-" sorts last).</summary>
        public const string KernelHook =
            "#!/bin/sh\n" +
            "# Written by AutoGlm: build (or check) the NVIDIA module for each new kernel, so the next boot finds it.\n" +
            "# Kernel post-install hooks get the new kernel's release as $1. Never fails the kernel install: it warns.\n" +
            "kernel=\"${1:-}\"\n" +
            "[ -n \"$kernel\" ] || exit 0\n" +
            "if command -v dkms >/dev/null 2>&1; then\n" +
            "    dkms autoinstall -k \"$kernel\" || echo \"autoglm: dkms could not build the nvidia module for $kernel (see /var/lib/dkms/nvidia/*/build/make.log)\" >&2\n" +
            "fi\n" +
            "if ! modinfo -k \"$kernel\" nvidia >/dev/null 2>&1; then\n" +
            "    echo \"autoglm: WARNING: kernel $kernel has no nvidia module; run 'autoglm repair-driver' before booting it\" >&2\n" +
            "fi\n" +
            "exit 0\n";
    }
}
