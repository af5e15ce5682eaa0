using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Repair
{
    /// <summary>What Repair-AutoGlmDriver and `autoglm repair-driver` ask.</summary>
    public sealed class RepairRequest : ProfileRequest
    {
        /// <summary>Restricts the repair to the signatures these check ids show (from Test-AutoGlmEnvironment's results).</summary>
        public IReadOnlyCollection<string>? CheckIds { get; set; }
        /// <summary>Adds the prevention steps: kernel post-install hook, kernel meta-package hold, unattended-upgrades exclusion.</summary>
        public bool Prevent { get; set; }
        /// <summary>Windows: the NVIDIA driver installer for reinstalling the pinned version.</summary>
        public string? InstallerPath { get; set; }
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>NVML library for the live host's checks (tests point it at a fake).</summary>
        public string? NvmlLibrary { get; set; }
    }

    /// <summary>A process that holds a /dev/nvidia* device open, so the module cannot be unloaded.</summary>
    public sealed class GpuHolder
    {
        public int ProcessId { get; set; }
        public string Name { get; set; } = "";
        public string Device { get; set; } = "";
        /// <summary>The systemd unit the process runs in, when /proc/PID/cgroup names one.</summary>
        public string? Unit { get; set; }
        public override string ToString() => $"{Name} (PID {ProcessId}{(Unit != null ? ", " + Unit : "")})";
    }

    /// <summary>
    /// One recognised cause of a broken GPU host, with the evidence that shows it: the failing check
    /// results and the facts read beside them. Fixable signatures become plan steps; the others are
    /// explained (a proposal, or the bundle to send).
    /// </summary>
    public sealed class RepairSignature
    {
        public const string DriverLibraryMismatch = "driver-library-mismatch";
        public const string ModuleMissingForKernel = "module-missing-for-kernel";
        public const string DriverMovedPastPin = "driver-moved-past-pin";
        public const string NouveauLoaded = "nouveau-loaded";
        public const string SecureBootRejected = "secureboot-rejected";
        public const string CudaOutOfStep = "cuda-out-of-step";
        public const string WindowsUpdateReplacedDriver = "windows-update-replaced-driver";
        public const string Unrecognised = "unrecognised";

        public string Id { get; set; } = "";
        public string Title { get; set; } = "";
        /// <summary>What happened and why, in sentences.</summary>
        public string Explanation { get; set; } = "";
        /// <summary>The check results that show it.</summary>
        public List<CheckResult> Checks { get; } = new List<CheckResult>();
        /// <summary>Facts beside the checks: pin record lines, package history, processes holding the GPU.</summary>
        public List<string> Evidence { get; } = new List<string>();
        /// <summary>The plan can fix it; false for proposals and unrecognised causes.</summary>
        public bool Fixable { get; set; }
        /// <summary>The fix proposed to a person (not applied automatically).</summary>
        public string? Proposal { get; set; }
        public bool RebootRequired { get; set; }

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["id"] = Id,
            ["title"] = Title,
            ["explanation"] = Explanation,
            ["fixable"] = Fixable,
            ["rebootRequired"] = RebootRequired,
            ["proposal"] = Proposal,
            ["evidence"] = Evidence.ToList(),
            ["checks"] = Checks.Select(c => (object?)c.ToJson()).ToList(),
        };
    }

    /// <summary>What Repair-AutoGlmDriver found: the signatures, and the check results they came from.</summary>
    public sealed class RepairDiagnosis
    {
        /// <summary>before (what the repair starts from) or after (the same checks once the plan ran).</summary>
        public string Phase { get; set; } = "before";
        public string Host { get; set; } = "";
        public string Profile { get; set; } = "";
        /// <summary>How the host installs packages: decides every fix.</summary>
        public OsFamily OsFamily { get; set; }
        /// <summary><see cref="OsFamily"/> as JSON and the views write it: debian, rhel, windows or unknown.</summary>
        public string Family => OsFamily.ToText();
        public List<RepairSignature> Signatures { get; } = new List<RepairSignature>();
        public List<CheckResult> Results { get; } = new List<CheckResult>();
        public List<GpuHolder> Holders { get; } = new List<GpuHolder>();
        /// <summary>Our active systemd units (autoglm-*.service): stopped before a module reload, started after.</summary>
        public List<string> ActiveServices { get; } = new List<string>();
        /// <summary>The support bundle written for this diagnosis, if any.</summary>
        public string? BundlePath { get; set; }

        // Facts the planner needs beside the checks.
        public string? RunningKernel { get; set; }
        public string? NewestKernel { get; set; }
        public string? InstalledDriver { get; set; }
        public string? LoadedModule { get; set; }
        public string? Distro { get; set; }
        /// <summary>The pin record's packages (name=version), from /var/lib/autoglm/pins/driver.</summary>
        public List<string> PinnedPackages { get; } = new List<string>();
        /// <summary>Installed NVIDIA packages (name → version) from dpkg.</summary>
        public Dictionary<string, string> NvidiaPackages { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
        /// <summary>Installed kernel meta-packages (linux-generic, linux-image-amd64, ...).</summary>
        public List<string> KernelMetaPackages { get; } = new List<string>();

        public bool Healthy => Signatures.Count == 0;
        public bool AnyFixable => Signatures.Any(s => s.Fixable);
        public IEnumerable<RepairSignature> Unfixable => Signatures.Where(s => !s.Fixable);
        public string SignatureList => Signatures.Count == 0 ? "none" : string.Join(", ", Signatures.Select(s => s.Id));

        public string Summary => Healthy
            ? "Nothing to repair: the driver checks pass."
            : $"{Signatures.Count} cause(s): " + string.Join("; ", Signatures.Select(s => s.Title + (s.Fixable ? "" : " (not fixed automatically)")));

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["phase"] = Phase,
            ["host"] = Host,
            ["profile"] = Profile,
            ["family"] = Family,
            ["healthy"] = Healthy,
            ["summary"] = Summary,
            ["signatures"] = Signatures.Select(s => (object?)s.ToJson()).ToList(),
            ["holders"] = Holders.Select(h => (object?)new Dictionary<string, object?> { ["pid"] = h.ProcessId, ["name"] = h.Name, ["device"] = h.Device, ["unit"] = h.Unit }).ToList(),
            ["activeServices"] = ActiveServices.ToList(),
            ["bundle"] = BundlePath,
            // The facts the plan was built from, so a JSON reader sees what the cmdlet's object holds.
            ["anyFixable"] = AnyFixable,
            ["runningKernel"] = RunningKernel,
            ["newestKernel"] = NewestKernel,
            ["installedDriver"] = InstalledDriver,
            ["loadedModule"] = LoadedModule,
            ["distro"] = Distro,
            ["pinnedPackages"] = PinnedPackages.ToList(),
            ["nvidiaPackages"] = NvidiaPackages.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => (object?)p.Value),
            ["kernelMetaPackages"] = KernelMetaPackages.ToList(),
            ["results"] = Results.Select(c => (object?)c.ToJson()).ToList(),
        };
    }
}
