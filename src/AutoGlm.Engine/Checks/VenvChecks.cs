using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Checks
{
    /// <summary>Drift of the venv from its lock, and the torch build against the pinned CUDA and the driver.</summary>
    public static class VenvChecks
    {
        public static IReadOnlyList<Check> All { get; } = new[]
        {
            new Check("python.venv.drift", "python", CheckSeverity.High, "The venv holds exactly the lock: nothing missing, extra, or at another version.", Drift),
            new Check("python.torch.cuda", "python", CheckSeverity.Critical, "The venv's torch is the pinned CUDA build, and the driver serves its CUDA version.", TorchCuda),
        };

        private static string Remedy(CheckContext c) =>
            Messages.Say($"Sync-AutoGlmPythonEnvironment -Profile {c.Profile.Id} -Force", $"autoglm venv sync --profile {c.Profile.Id} --force");

        private static Verdict Drift(CheckContext c)
        {
            var f = c.Facts.Get<VenvFacts>();
            if (!f.Known) return Verdict.Unknown(f, "the lock's packages");
            if (!f.State.Exists) return Verdict.Skip($"no venv at {f.Path}", "the lock's packages");
            if (f.LockError != null)
                return new Verdict { Status = CheckStatus.Fail, Observed = "invalid lock", Expected = "a hash lock", Message = f.LockError, Remediation = Messages.Say($"New-AutoGlmLockFile -Profile {c.Profile.Id} -Force", $"autoglm venv lock --profile {c.Profile.Id} --force"), Source = f.SourceText };
            if (f.Lock == null) return Verdict.Skip($"there is no {PythonLock.BaseFileName} for {f.Path}: the venv is not managed by AutoGlm", "the lock's packages");
            if (f.State.Error != null)
                return new Verdict { Status = CheckStatus.Fail, Observed = "no answer", Expected = "the lock's packages", Message = $"The venv's python at {f.Path} does not run: {f.State.Error}", Remediation = Remedy(c), Source = f.SourceText };
            var drift = VenvDrift.Compare(f.Lock.Expected, f.State.Packages);
            if (!drift.Clean)
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = drift.Summary(), Expected = $"{f.Lock.Expected.Count} locked distributions",
                    Message = $"{f.Path} drifted from {f.LockPath}: {drift.Summary()}.", Remediation = Remedy(c), Source = f.SourceText,
                };
            if (f.State.Marker != f.Lock.Sha256)
                return new Verdict
                {
                    Status = CheckStatus.Warn, Observed = "installed set matches; lock hash differs", Expected = "built from this lock",
                    Message = $"{f.Path} holds the locked versions but was not built from the current {f.LockPath} (its hashes or sources changed).",
                    Remediation = Remedy(c), Source = f.SourceText,
                };
            return Verdict.Pass($"{f.State.Packages.Count} distributions", $"{f.Lock.Expected.Count} locked distributions", $"{f.Path} matches {f.LockPath}.", f.SourceText);
        }

        private static Verdict TorchCuda(CheckContext c)
        {
            var f = c.Facts.Get<VenvFacts>();
            if (!f.Known) return Verdict.Unknown(f, "a CUDA torch");
            if (!c.Profile.Requires.Gpu) return Verdict.Skip($"profile {c.Profile.Id} needs no GPU");
            if (!f.State.Exists || f.State.Error != null || !f.State.Packages.TryGetValue("torch", out var installed))
                return Verdict.Skip($"no torch in a venv at {f.Path}");
            // The CUDA build wanted: the lock's label (+cu128), else the stack's torch tag.
            string? wanted = null;
            if (f.Lock?.Expected.TryGetValue("torch", out var locked) == true && Pep440Version.TryParse(locked, out var lv) && lv.Local?.StartsWith("cu", StringComparison.Ordinal) == true) wanted = lv.Local;
            wanted ??= c.Stack.Resolved ? c.Stack.TorchTag : null;
            var local = Pep440Version.TryParse(installed, out var iv) ? iv.Local : null;
            var cuda = f.State.TorchCuda;
            var observed = $"torch {installed}" + (cuda != null ? $" (CUDA {cuda})" : " (no CUDA)");
            var expected = wanted != null ? $"torch for {wanted}" : "a CUDA torch";
            if (local == "cpu" || cuda == null)
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = observed, Expected = expected,
                    Message = $"The venv at {f.Path} holds a CPU-only torch ({installed}); the profile {c.Profile.Id} runs on the GPU and {(wanted != null ? "pins " + wanted : "needs a CUDA build")}.",
                    Remediation = Remedy(c), Source = f.SourceText,
                };
            if (wanted != null && CudaVersion.TryFromWheelTag(wanted, out var want) && CudaVersion.TryParse(cuda, out var have) && (have.Major != want.Major || have.Minor != want.Minor))
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = observed, Expected = expected,
                    Message = $"The venv's torch is built for CUDA {cuda}, but the stack pins {wanted}.", Remediation = Remedy(c), Source = f.SourceText,
                };
            var gpus = c.Facts.Get<GpuFacts>();
            if (gpus.CudaDriverVersion != null && CudaVersion.TryParse(gpus.CudaDriverVersion, out var driver) && CudaVersion.TryParse(cuda, out var built) && built > driver)
            {
                bool sameMajor = built.Major == driver.Major;
                return new Verdict
                {
                    Status = sameMajor ? CheckStatus.Warn : CheckStatus.Fail, Observed = observed, Expected = $"CUDA ≤ {driver} (driver {gpus.DriverVersion})",
                    Message = sameMajor
                        ? $"torch is built for CUDA {built} but driver {gpus.DriverVersion} serves CUDA {driver}: it runs only through minor-version compatibility (no PTX JIT)."
                        : $"torch is built for CUDA {built} but driver {gpus.DriverVersion} serves only CUDA {driver}: torch.cuda will not initialise.",
                    Remediation = "Upgrade the driver to the stack's minimum (see driver.minimum), or lock a torch build for CUDA " + driver + "; then " + Remedy(c),
                    Source = f.SourceText + ", " + gpus.SourceText,
                };
            }
            return Verdict.Pass(observed, expected, $"torch {installed} is a CUDA {cuda} build" + (gpus.CudaDriverVersion != null ? $"; the driver serves CUDA {gpus.CudaDriverVersion}." : "."), f.SourceText);
        }
    }
}
