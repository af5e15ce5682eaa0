using AutoGlm.Engine.Diagnostics;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Versions;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Checks
{
    /// <summary>
    /// Checks that judge the host against the matrix's resolved stack: whether one exists, and, for the stack
    /// (or, when none fits, the profile's preferred build), whether driver, GPUs and OS each meet it.
    /// </summary>
    public static class StackChecks
    {
        public static IReadOnlyList<Check> All { get; } = new[]
        {
            new Check("stack.resolved", "stack", CheckSeverity.Critical, "The matrix resolves one consistent stack (driver, CUDA, Python, pins) for this host and profile.", Resolved),
            new Check("driver.minimum", "driver", CheckSeverity.Critical, "The installed NVIDIA driver meets the stack's minimum for its CUDA build.", DriverMinimum),
            new Check("gpu.memory", "gpu", CheckSeverity.High, "The largest GPU holds the profile's model (GPU memory against the profile).", GpuMemory),
            new Check("gpu.wheel-coverage", "gpu", CheckSeverity.Critical, "The stack's torch wheel carries code for every GPU's compute capability.", WheelCoverage),
            new Check("os.cuda", "os", CheckSeverity.High, "NVIDIA's CUDA repositories support this OS for the stack's CUDA version.", OsCuda),
        };

        private static readonly string ResolveHint = Messages.Say("Resolve-AutoGlmStack -Explain", "autoglm resolve --explain");

        private static Verdict Resolved(CheckContext c)
        {
            var gpus = c.Facts.Get<GpuFacts>();
            var s = c.Stack;
            if (s.Resolved)
            {
                var what = s.Server ?? (s.Torch != null ? "torch " + s.Torch : "client packages");
                var observed = s.Driver == null ? what : $"{what}, {s.CudaTag}, driver R{s.Driver.Branch} {s.Driver.Flavor} ({s.Driver.Action})";
                return Verdict.Pass(observed, "one stack", $"The matrix resolves {observed}.", string.Join(", ", c.Matrix.FilesLoaded.Select(System.IO.Path.GetFileName)));
            }
            if (c.Profile.Requires.Gpu && !gpus.Known && gpus.Gpus.Count == 0) return Verdict.Unknown(gpus, "one stack");
            return new Verdict
            {
                Status = CheckStatus.Fail,
                Observed = "no stack",
                Expected = "one stack",
                Message = s.Conflicts[0],
                Remediation = string.Join("\n", s.Conflicts.Skip(1).Take(3).Concat(new[] { "see " + ResolveHint })),
                Source = "matrix",
            };
        }

        private static Verdict DriverMinimum(CheckContext c)
        {
            if (!c.Profile.Requires.Gpu) return Verdict.Skip($"profile {c.Profile.Id} needs no GPU driver");
            var s = c.Stack;
            if (s.Cuda == null) return Verdict.Skip("no CUDA build to judge the driver against (see stack.resolved)");
            var windows = c.Facts.Host.Platform == HostPlatform.Windows;
            var minimum = c.Resolver.DriverMinimum(CudaVersion.Parse(s.Cuda), windows);
            if (minimum == null) return Verdict.Skip($"the matrix has no minimum driver for CUDA {s.Cuda}");
            var gpus = c.Facts.Get<GpuFacts>();
            var driver = c.Facts.Get<DriverFacts>();
            var text = c.StackHost.DriverVersion;
            var expected = $"≥ {minimum} for {s.CudaTag}";
            if (text == null)
            {
                if (!gpus.Known && !driver.Known) return Verdict.Unknown(gpus, expected);
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = "no driver", Expected = expected,
                    Message = $"No NVIDIA driver is installed; {s.CudaTag} needs {minimum} or newer.",
                    Remediation = s.Driver?.Package != null ? $"Install {s.Driver.Package} (R{s.Driver.Branch}); see {ResolveHint}" : "see " + ResolveHint,
                    Source = driver.SourceText,
                };
            }
            var installed = c.StackHost.InstalledDriver;
            if (installed == null) return new Verdict { Status = CheckStatus.Unknown, Observed = text, Expected = expected, Message = $"'{text}' is not a driver version AutoGlm can read." };
            var source = gpus.Known ? gpus.SourceText : driver.SourceText;
            if (installed >= minimum)
                return Verdict.Pass(installed.ToString(), expected, $"Driver {installed} meets {s.CudaTag}'s minimum {minimum}.", source);
            var floor = s.Driver?.MinimumWithMinorVersionCompatibility;
            bool minorOk = floor != null && installed >= NvidiaDriverVersion.Parse(floor);
            return new Verdict
            {
                Status = minorOk ? CheckStatus.Warn : CheckStatus.Fail,
                Observed = installed.ToString(),
                Expected = expected,
                Message = minorOk
                    ? $"Driver {installed} is below {minimum} but runs {s.CudaTag} through minor-version compatibility: no PTX JIT, no features that need a newer driver."
                    : $"Driver {installed} is older than {minimum}, which {s.CudaTag} needs.",
                Remediation = s.Driver?.Package != null && s.Driver.Action != "keep"
                    ? $"Install {s.Driver.Package} (R{s.Driver.Branch}, {s.Driver.Flavor}); see {ResolveHint}"
                    : $"Install a driver of branch R{minimum.Branch} or newer; see {ResolveHint}",
                Source = source,
            };
        }

        private static Verdict GpuMemory(CheckContext c)
        {
            var need = c.Profile.Requires.GpuMemory;
            if (!c.Profile.Requires.Gpu || need == null) return Verdict.Skip($"profile {c.Profile.Id} sets no GPU memory need");
            var gpus = c.Facts.Get<GpuFacts>();
            var expected = $"≥ {need.Minimum:0.#} GiB on one GPU";
            var sized = gpus.Gpus.Where(g => g.MemoryMiB != null).ToList();
            if (sized.Count == 0)
            {
                if (gpus.Gpus.Count == 0 && gpus.Known) return Verdict.Skip("no NVIDIA GPU (see gpu.present)", expected);
                return gpus.Known
                    ? new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Message = "The GPUs' memory is unknown (no driver answered).", Source = gpus.SourceText }
                    : Verdict.Unknown(gpus, expected);
            }
            var largest = sized.OrderByDescending(g => g.MemoryMiB).First();
            double gib = largest.MemoryMiB!.Value / 1024.0;
            var observed = $"{gib.ToString("0.#", CultureInfo.InvariantCulture)} GiB ({largest.Name})";
            if (gib < need.Minimum)
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = observed, Expected = expected,
                    Message = $"The largest GPU, {largest.Name}, has {gib:0.#} GiB; {c.Profile.Id} needs {need.Minimum:0.#} GiB on one GPU.",
                    Remediation = "Use a GPU with more memory, or run the phone-agent profile against a hosted model endpoint.",
                    Source = gpus.SourceText,
                };
            if (need.Recommended is double rec && gib < rec)
                return new Verdict
                {
                    Status = CheckStatus.Warn, Observed = observed, Expected = expected,
                    Message = $"{largest.Name} has {gib:0.#} GiB: enough, below the {rec:0.#} GiB recommended for long contexts.",
                    Remediation = "Lower --max-model-len, or use a larger GPU.",
                    Source = gpus.SourceText,
                };
            return Verdict.Pass(observed, expected, $"{largest.Name} has {gib:0.#} GiB.", gpus.SourceText);
        }

        private static Verdict WheelCoverage(CheckContext c)
        {
            if (!c.Profile.Requires.Gpu) return Verdict.Skip($"profile {c.Profile.Id} installs no CUDA build");
            var s = c.Stack;
            var tag = s.TorchTag ?? s.CudaTag;
            if (tag == null || s.Torch == null) return Verdict.Skip("no torch build to judge (see stack.resolved)");
            var gpus = c.Facts.Get<GpuFacts>();
            if (gpus.Gpus.Count == 0) return gpus.Known ? Verdict.Skip("no NVIDIA GPU (see gpu.present)") : Verdict.Unknown(gpus, "covered");
            var expected = $"torch {s.Torch}+{tag} carries code for every GPU";
            var missing = new List<string>();
            var unknown = new List<string>();
            foreach (var g in gpus.Gpus)
            {
                var ccText = g.ComputeCapability ?? c.Matrix.FindGpu(g)?.ComputeCapability;
                if (ccText == null || !ComputeCapability.TryParse(ccText, out var cc)) { unknown.Add(g.Name ?? g.PciDeviceId ?? "a GPU"); continue; }
                var covered = c.Resolver.WheelCovers(tag, s.Torch, cc);
                if (covered == null) return new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Message = $"The matrix has no wheel coverage for {tag} with torch {s.Torch}." };
                if (covered == false) missing.Add($"{g.Name} (cc {cc})");
            }
            if (missing.Count > 0)
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = string.Join(", ", missing.Distinct()), Expected = expected,
                    Message = $"torch {s.Torch}+{tag} has no kernels for {string.Join(", ", missing.Distinct())}: 'no kernel image is available for execution on the device'.",
                    Remediation = "Choose a build whose wheel covers these GPUs; see " + ResolveHint,
                    Source = "matrix wheelCoverage",
                };
            if (unknown.Count > 0)
                return new Verdict { Status = CheckStatus.Unknown, Observed = string.Join(", ", unknown), Expected = expected, Message = "The compute capability of some GPUs is unknown." };
            return Verdict.Pass($"{gpus.Gpus.Count} GPU(s) covered", expected, $"torch {s.Torch}+{tag} carries code for every GPU.", "matrix wheelCoverage");
        }

        private static Verdict OsCuda(CheckContext c)
        {
            if (!c.Profile.Requires.Gpu) return Verdict.Skip($"profile {c.Profile.Id} installs no CUDA build");
            var s = c.Stack;
            if (s.Cuda == null) return Verdict.Skip("no CUDA build to judge (see stack.resolved)");
            var os = c.Facts.Get<OsFacts>();
            if (!os.Known) return Verdict.Unknown(os, $"supports CUDA {s.Cuda}");
            var entry = c.Matrix.FindOperatingSystem(os.Distro!, os.VersionId ?? "");
            var expected = $"supports CUDA {s.Cuda}";
            if (entry == null) return Verdict.Skip($"{os.PrettyName ?? os.Distro} is not in the matrix (see os.supported)", expected);
            if (entry.Cuda == null)
                return Verdict.Pass(entry.Name ?? entry.Id, expected, $"{entry.Name ?? entry.Id} is supported, and the matrix knows no CUDA range that limits it.", entry.Source);
            var observed = $"{entry.Name ?? entry.Id}: CUDA {entry.Cuda}";
            if (Pep440SpecifierSet.Parse(entry.Cuda).IsSatisfiedBy(Pep440Version.Parse(s.Cuda)))
                return Verdict.Pass(observed, expected, $"{entry.Name ?? entry.Id} is supported for CUDA {s.Cuda}.", entry.Source);
            return new Verdict
            {
                Status = CheckStatus.Fail, Observed = observed, Expected = expected,
                Message = $"NVIDIA's repositories support {entry.Name ?? entry.Id} for CUDA {entry.Cuda}, not {s.Cuda}.",
                Remediation = "Upgrade the OS to a release the CUDA version supports, or pin an older build in a " + Messages.Say("-MatrixPath", "--matrix") + " override.",
                Source = entry.Source,
            };
        }
    }
}
