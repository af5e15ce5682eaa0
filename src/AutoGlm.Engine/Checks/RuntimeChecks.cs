using AutoGlm.Engine.Diagnostics;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Checks
{
    /// <summary>
    /// What torch says when it actually runs in the venv (-IncludeRuntime / --runtime). python.torch.cuda
    /// judges the installed build from its metadata; these catch what only a run shows.
    /// </summary>
    public static class RuntimeChecks
    {
        public static IReadOnlyList<Check> All { get; } = new[]
        {
            new Check("runtime.torch.cuda", "runtime", CheckSeverity.Critical, "The venv's torch imports, initialises CUDA and runs a tiny kernel (-IncludeRuntime / --runtime).", TorchCuda),
            new Check("runtime.torch.arch", "runtime", CheckSeverity.Critical, "The venv's torch carries kernels (sm_XY) for every GPU's compute capability (-IncludeRuntime / --runtime).", TorchArch),
        };

        private static readonly string NotRequested = "Runtime checks import torch (slow): run with " + Messages.Say("-IncludeRuntime", "--runtime") + ".";

        private static string Sync(CheckContext c) =>
            Messages.Say($"Sync-AutoGlmPythonEnvironment -Profile {c.Profile.Id} -Force", $"autoglm venv sync --profile {c.Profile.Id} --force");

        private static string Observed(RuntimeFacts r) =>
            $"torch {r.TorchVersion}" + (r.TorchCuda != null ? $" (CUDA {r.TorchCuda})" : " (CPU-only build)");

        /// <summary>Common preconditions; null when the check can go on.</summary>
        private static Verdict? Gate(CheckContext c, RuntimeFacts r, string expected)
        {
            if (!r.Requested) return Verdict.Skip(NotRequested, expected);
            if (!c.Profile.Requires.Gpu) return Verdict.Skip($"Profile {c.Profile.Id} needs no GPU.", expected);
            if (!r.Known) return Verdict.Unknown(r, expected);
            if (r.VenvMissing) return Verdict.Skip($"No venv interpreter at {r.Python} (see python.venv.drift; create it with " + Messages.Say("Sync-AutoGlmPythonEnvironment", "'autoglm venv sync'") + ").", expected);
            return null;
        }

        private static Verdict TorchCuda(CheckContext c)
        {
            var r = c.Facts.Get<RuntimeFacts>();
            const string expected = "torch imports, CUDA available, a kernel runs";
            var gate = Gate(c, r, expected);
            if (gate != null) return gate;
            var source = r.SourceText;
            Verdict Fail(string observed, string message, string remedy) =>
                new Verdict { Status = CheckStatus.Fail, Observed = observed, Expected = expected, Message = message, Remediation = remedy, Source = source };

            if (r.TimedOut)
                return new Verdict { Status = CheckStatus.Unknown, Observed = "no answer", Expected = expected, Source = source,
                    Message = $"Importing torch and initialising CUDA did not finish: {r.RunError}. A hang here usually means a hung GPU or driver.",
                    Remediation = "dmesg | grep -i -e nvrm -e xid\nnvidia-smi   # if it hangs too, the GPU or driver is wedged: reboot" };
            if (r.RunError != null) return Fail("no answer", $"The venv's python at {r.Python} failed: {r.RunError}.", Sync(c));
            if (r.ImportError != null)
                return r.ImportError.Contains("No module named 'torch'")
                    ? Fail("torch not installed", $"torch is not installed in the venv ({r.ImportError}).", Sync(c))
                    : Fail("import torch fails", $"'import torch' fails in the venv: {r.ImportError}. A broken or mixed install (e.g. CUDA libraries of another version).", Sync(c));
            if (r.TorchCuda == null)
                return Fail(Observed(r), $"torch {r.TorchVersion} is a CPU-only build (torch.version.cuda is None): it cannot use the GPU.", Sync(c));

            var why = string.Join("\n", new[] { r.CudaError }.Concat(r.Warnings).Where(w => !string.IsNullOrEmpty(w)));
            if (r.CudaAvailable != true)
            {
                var tooOld = Regex.Match(why, @"driver on your system is too old \(found version (\d+)\)");
                if (tooOld.Success)
                {
                    var found = int.Parse(tooOld.Groups[1].Value, CultureInfo.InvariantCulture);
                    var cuda = $"{found / 1000}.{found % 1000 / 10}";
                    return Fail(Observed(r) + $"; driver serves CUDA {cuda}",
                        $"The NVIDIA driver is too old for torch's CUDA {r.TorchCuda}: it serves CUDA {cuda} (found version {found}).",
                        "Upgrade the driver to the stack's minimum (see driver.minimum): " + Messages.Say("Install-AutoGlmDriver -Profile " + c.Profile.Id, "autoglm install-driver --profile " + c.Profile.Id) + "\n# or lock a torch build for CUDA " + cuda + ", then " + Sync(c));
                }
                if (why.IndexOf("not compiled with CUDA", StringComparison.OrdinalIgnoreCase) >= 0)
                    return Fail(Observed(r), $"torch {r.TorchVersion} was not compiled with CUDA: a CPU-only wheel.", Sync(c));
                if (Regex.IsMatch(why, "no NVIDIA driver|NVIDIA driver on your system|no CUDA GPUs are available|CUDA driver initialization failed", RegexOptions.IgnoreCase))
                    return Fail(Observed(r) + "; CUDA unavailable", "torch finds no usable NVIDIA driver or GPU: " + FirstLine(why) + ". See gpu.nvml and driver.module.loaded.",
                        "nvidia-smi   # must list the GPUs\nsudo modprobe nvidia");
                return Fail(Observed(r) + "; CUDA unavailable", "torch.cuda.is_available() is False" + (why.Length > 0 ? ": " + FirstLine(why) : "") + ".",
                    "nvidia-smi\ndmesg | grep -i -e nvrm -e xid");
            }
            if (r.KernelOk == false)
            {
                var error = r.KernelError ?? "";
                if (error.IndexOf("no kernel image is available", StringComparison.OrdinalIgnoreCase) >= 0)
                    return Fail(Observed(r) + "; no kernel image", $"torch {r.TorchVersion} has no kernels for this GPU ({string.Join(", ", r.Capabilities.Select(Sm))}; built for {string.Join(" ", r.ArchList)}): {FirstLine(error)}. See runtime.torch.arch.", Sync(c));
                return Fail(Observed(r) + "; kernel launch failed", "A tiny CUDA kernel failed: " + FirstLine(error) + ".", "dmesg | grep -i -e nvrm -e xid");
            }
            var devices = r.DeviceNames.Count > 0 ? string.Join(", ", r.DeviceNames) : $"{r.DeviceCount} GPU(s)";
            return Verdict.Pass(Observed(r) + $"; {r.DeviceCount} device(s)", expected, $"torch {r.TorchVersion} runs CUDA {r.TorchCuda} kernels on {devices}.", source);
        }

        private static string FirstLine(string text) => text.Trim().Split('\n')[0].Trim();

        internal static string Sm(string capability) => "sm_" + capability.Replace(".", "");

        private static Verdict TorchArch(CheckContext c)
        {
            var r = c.Facts.Get<RuntimeFacts>();
            const string expected = "sm_XY for every GPU in torch.cuda.get_arch_list()";
            var gate = Gate(c, r, expected);
            if (gate != null) return gate;
            if (r.TimedOut || r.RunError != null || r.ImportError != null || r.TorchCuda == null)
                return Verdict.Skip("torch did not report its CUDA build (see runtime.torch.cuda).", expected);
            if (r.ArchList.Count == 0) return Verdict.Skip("torch.cuda.get_arch_list() is empty (see runtime.torch.cuda).", expected);

            // Capabilities as torch saw them; when CUDA did not initialise, those of the GPUs the host reports.
            var caps = r.Capabilities.ToList();
            var source = r.SourceText;
            if (caps.Count == 0)
            {
                var gpus = c.Facts.Get<GpuFacts>();
                caps = gpus.Gpus.Select(g => g.ComputeCapability ?? c.Matrix.FindGpu(g)?.ComputeCapability)
                    .Where(cc => !string.IsNullOrEmpty(cc)).Select(cc => cc!).Distinct().ToList();
                source += ", " + gpus.SourceText;
            }
            if (caps.Count == 0) return Verdict.Skip("No GPU's compute capability is known.", expected);
            var arch = string.Join(" ", r.ArchList);
            var missing = new List<string>();
            var ptxOnly = new List<string>();
            foreach (var cap in caps.Distinct())
            {
                if (r.ArchList.Contains(Sm(cap))) continue;
                // PTX (compute_XY) for an older capability of the same major JIT-compiles for this GPU: slower start.
                bool ptx = ComputeCapability.TryParse(cap, out var cc) && r.ArchList.Any(a =>
                    a.StartsWith("compute_", StringComparison.Ordinal) && ComputeCapability.TryParse(Dotted(a.Substring(8)), out var p) && p.Major == cc.Major && p <= cc);
                (ptx ? ptxOnly : missing).Add($"{Sm(cap)} (capability {cap})");
            }
            var observed = $"GPUs {string.Join(", ", caps.Select(Sm))}; torch {r.TorchVersion} built for {arch}";
            if (missing.Count > 0)
                return new Verdict
                {
                    Status = CheckStatus.Fail, Observed = observed, Expected = expected, Source = source,
                    Message = $"torch {r.TorchVersion} (CUDA {r.TorchCuda}) has no kernels for {string.Join(", ", missing)}: CUDA calls fail with 'no kernel image is available for execution on the device'."
                        + (caps.Any(cp => cp.StartsWith("12.", StringComparison.Ordinal)) ? " Blackwell GeForce / RTX PRO (sm_120) needs a CUDA 12.8+ build of torch 2.7 or later." : ""),
                    Remediation = "Lock a torch build whose arch list includes the GPU (the stack's torch tag, see gpu.wheel-coverage), then " + Sync(c),
                };
            if (ptxOnly.Count > 0)
                return new Verdict
                {
                    Status = CheckStatus.Warn, Observed = observed, Expected = expected, Source = source,
                    Message = $"torch has no native kernels for {string.Join(", ", ptxOnly)}; it runs only by JIT-compiling PTX (slow first start).",
                    Remediation = "Lock a torch build with native kernels for the GPU, then " + Sync(c),
                };
            return Verdict.Pass(observed, expected, $"torch's arch list ({arch}) covers every GPU ({string.Join(", ", caps.Select(Sm))}).", source);
        }

        /// <summary>"90" → "9.0", "120" → "12.0", "100a" stays unparseable.</summary>
        private static string Dotted(string digits) =>
            Regex.IsMatch(digits, @"^\d{2,3}$") ? digits.Substring(0, digits.Length - 1) + "." + digits.Substring(digits.Length - 1) : digits;
    }
}
