using System.Collections.Generic;
using System.Linq;

namespace AutoGlm.Engine.Resolve
{
    /// <summary>The driver a stack needs and what to do about the installed one.</summary>
    public sealed class DriverChoice
    {
        /// <summary>Lowest driver for the full feature set of the stack's CUDA.</summary>
        public string Minimum { get; set; } = "";
        /// <summary>Lowest driver that runs it through minor-version compatibility (no PTX JIT).</summary>
        public string? MinimumWithMinorVersionCompatibility { get; set; }
        public int Branch { get; set; }
        /// <summary>open or proprietary.</summary>
        public string Flavor { get; set; } = "";
        /// <summary>keep (installed one fits), install (none) or replace (installed one does not fit).</summary>
        public string Action { get; set; } = "";
        public string? Installed { get; set; }
        /// <summary>The package (or module stream) and how the branch is pinned on this OS family.</summary>
        public string? Package { get; set; }
        public string? Pin { get; set; }
    }

    public sealed class PythonChoice
    {
        /// <summary>Minor version, "3.12".</summary>
        public string Version { get; set; } = "";
        /// <summary>The installed interpreter's full version when one fits; null when one must be installed.</summary>
        public string? Installed { get; set; }
        public bool Install => Installed == null;
        public string Specifier { get; set; } = "";
    }

    public sealed class StackPackage
    {
        public string Name { get; set; } = "";
        public string Version { get; set; } = "";
        /// <summary>base or override (installed after the framework).</summary>
        public string Stage { get; set; } = "base";
        /// <summary>The index it comes from, when not PyPI.</summary>
        public string? Index { get; set; }
    }

    /// <summary>What Resolve-AutoGlmStack and `autoglm resolve` return: a stack, or the conflicts that prevent one.</summary>
    public sealed class ResolvedStack
    {
        public string Profile { get; set; } = "";
        public bool Resolved => Conflicts.Count == 0;
        public DriverChoice? Driver { get; set; }
        /// <summary>The CUDA version the stack's wheels are built for ("12.9"), null without a GPU.</summary>
        public string? Cuda { get; set; }
        public string? CudaTag { get; set; }
        public string? Server { get; set; }
        public string? Torch { get; set; }
        /// <summary>The torch wheel tag (cu128); differs from <see cref="CudaTag"/> when torch has no wheel for the server's CUDA.</summary>
        public string? TorchTag { get; set; }
        public PythonChoice? Python { get; set; }
        public List<StackPackage> Packages { get; } = new List<StackPackage>();
        /// <summary>The host's CPU (uname -m: x86_64, aarch64) from its facts: what the lock's markers are evaluated for.</summary>
        public string? Architecture { get; set; }
        /// <summary>The host's kernel release (uname -r), for the platform_release marker of the lock; null when not known.</summary>
        public string? KernelRelease { get; set; }
        public List<string> IndexUrls { get; } = new List<string>();
        public List<string> Conflicts { get; } = new List<string>();
        /// <summary>Why each choice was made, in order: the -Explain text.</summary>
        public List<string> Explanation { get; } = new List<string>();
        public List<string> Warnings { get; } = new List<string>();

        public IDictionary<string, object?> ToJson()
        {
            var json = new Dictionary<string, object?>
            {
                ["profile"] = Profile,
                ["resolved"] = Resolved,
                ["driver"] = Driver == null ? null : new Dictionary<string, object?>
                {
                    ["minimum"] = Driver.Minimum,
                    ["minimumWithMinorVersionCompatibility"] = Driver.MinimumWithMinorVersionCompatibility,
                    ["branch"] = Driver.Branch,
                    ["flavor"] = Driver.Flavor,
                    ["action"] = Driver.Action,
                    ["installed"] = Driver.Installed,
                    ["package"] = Driver.Package,
                    ["pin"] = Driver.Pin,
                },
                ["cuda"] = Cuda,
                ["cudaTag"] = CudaTag,
                ["server"] = Server,
                ["torch"] = Torch,
                ["torchTag"] = TorchTag,
                ["architecture"] = Architecture,
                ["kernelRelease"] = KernelRelease,
                ["python"] = Python == null ? null : new Dictionary<string, object?>
                {
                    ["version"] = Python.Version,
                    ["installed"] = Python.Installed,
                    ["install"] = Python.Install,
                    ["specifier"] = Python.Specifier,
                },
                ["packages"] = Packages.ToDictionary(p => p.Name, p => (object?)p.Version),
                ["packageDetails"] = Packages.Select(p => (object)new Dictionary<string, object?>
                {
                    ["name"] = p.Name, ["version"] = p.Version, ["stage"] = p.Stage, ["index"] = p.Index,
                }).ToList(),
                ["indexUrls"] = IndexUrls,
                ["conflicts"] = Conflicts,
                ["explanation"] = Explanation,
                ["warnings"] = Warnings,
            };
            return json;
        }
    }
}
