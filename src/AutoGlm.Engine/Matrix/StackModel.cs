using System.Collections.Generic;

namespace AutoGlm.Engine.Matrix
{
    // The stack half of the matrix: CUDA, drivers, GPUs, wheels and serving frameworks.
    // Versions are strings in the YAML and parsed by the loader, so a bad one is an error at its line.

    /// <summary>One CUDA toolkit release (GA or Update) and the driver it shipped with: NVIDIA's "Table 3".</summary>
    public sealed class CudaReleaseEntry : MatrixEntry
    {
        /// <summary>Toolkit version, "12.2" for GA or "12.2.2" for an Update.</summary>
        public string Version { get; set; } = "";
        /// <summary>How NVIDIA names it: "CUDA 12.2 Update 2".</summary>
        public string? Label { get; set; }
        /// <summary>Minimum Linux x86_64 driver for the full feature set.</summary>
        public string? LinuxDriver { get; set; }
        /// <summary>Minimum Windows driver; null where NVIDIA prints N/A.</summary>
        public string? WindowsDriver { get; set; }
        /// <summary>Driver branch NVIDIA names for it when it gives no exact version (13.3 → 610).</summary>
        public int? DriverBranch { get; set; }
    }

    /// <summary>Minor-version compatibility for one CUDA major: the driver floor below which nothing of that major runs.</summary>
    public sealed class CudaFamilyEntry : MatrixEntry
    {
        public int Major { get; set; }
        public string LinuxDriver { get; set; } = "";
        public string? WindowsDriver { get; set; }
        /// <summary>Whether PTX JIT works under minor-version compatibility (NVIDIA: it does not).</summary>
        public bool PtxJit { get; set; }
    }

    /// <summary>An NVIDIA driver branch (R535, R580) and its lifecycle.</summary>
    public sealed class DriverBranchEntry : MatrixEntry
    {
        public int Branch { get; set; }
        /// <summary>ltsb, production, new-feature or unknown.</summary>
        public string Type { get; set; } = "unknown";
        /// <summary>End of life as "YYYY-MM" or "YYYY-MM-DD"; null when not published.</summary>
        public string? EndOfLife { get; set; }
        /// <summary>The CUDA toolkit the branch shipped with ("12.2").</summary>
        public string? Cuda { get; set; }
        /// <summary>Whether open kernel modules exist for the branch (R515 on).</summary>
        public bool OpenModules { get; set; }
        /// <summary>Whether the open flavour is the default (R560 on).</summary>
        public bool OpenDefault { get; set; }
    }

    /// <summary>How a distro family installs and pins a range of driver branches.</summary>
    public sealed class DriverPackagingEntry : MatrixEntry
    {
        /// <summary>debian, rhel or windows.</summary>
        public string Family { get; set; } = "";
        /// <summary>Branch range as a specifier over the branch number, e.g. "&lt;590" or "&gt;=590".</summary>
        public string Branches { get; set; } = "";
        /// <summary>Package (or module stream) for each flavour; "{branch}" is replaced.</summary>
        public string? Proprietary { get; set; }
        public string? Open { get; set; }
        /// <summary>apt-hold, apt-preferences, pinning-package, dnf-module, dnf-versionlock or windows-policy.</summary>
        public string Pin { get; set; } = "";
        /// <summary>The pin as argv lines, "{branch}" replaced; shown in plans and remediations.</summary>
        public List<List<string>>? PinCommands { get; set; }
        /// <summary>
        /// OS ids (operatingSystems) this entry is limited to, e.g. [debian-12]; null or empty: the whole family. An entry
        /// naming the host's OS wins over a whole-family entry for the same branch.
        /// </summary>
        public List<string>? Os { get; set; }
        /// <summary>Where the packages come from: nvidia-cuda-repo (NVIDIA's flat CUDA repository, the default) or debian-archive.</summary>
        public string? Repository { get; set; }
        /// <summary>debian-archive: the suite (bookworm, trixie) and components (non-free, contrib, non-free-firmware) of the source line.</summary>
        public string? Suite { get; set; }
        public List<string>? Components { get; set; }
        /// <summary>debian-archive: the kernel module package for each flavour (nvidia-kernel-dkms, nvidia-open-kernel-dkms).</summary>
        public string? ProprietaryKernel { get; set; }
        public string? OpenKernel { get; set; }
        /// <summary>Packages installed with the driver at its exact version, and pinned and held with it.</summary>
        public List<string>? WithPackages { get; set; }

        public const string NvidiaCudaRepo = "nvidia-cuda-repo";
        public const string DebianArchive = "debian-archive";
        /// <summary>The repository kind, nvidia-cuda-repo when not given.</summary>
        public string RepositoryKind() => Repository ?? NvidiaCudaRepo;
    }

    /// <summary>A GPU architecture: its compute capabilities and the CUDA and driver window that supports it.</summary>
    public sealed class GpuArchitectureEntry : MatrixEntry
    {
        public string Name { get; set; } = "";
        public List<string> ComputeCapabilities { get; set; } = new List<string>();
        /// <summary>First CUDA toolkit with SASS for it.</summary>
        public string? FirstCuda { get; set; }
        /// <summary>Last CUDA major.minor that supports it; null while current.</summary>
        public string? LastCuda { get; set; }
        /// <summary>open-required, proprietary-required or either.</summary>
        public string KernelModules { get; set; } = "either";
        /// <summary>The last driver branch that supports it; null while current.</summary>
        public int? LastDriverBranch { get; set; }
    }

    /// <summary>
    /// GPU chips (as pci.ids names them, without the GL/M suffixes) of one architecture and compute capability,
    /// so a device the catalogue knows only by its chip is still recognised.
    /// </summary>
    public sealed class GpuChipEntry : MatrixEntry
    {
        public List<string> Chips { get; set; } = new List<string>();
        /// <summary>Id of a gpuArchitectures entry.</summary>
        public string Architecture { get; set; } = "";
        public string ComputeCapability { get; set; } = "";
    }

    public sealed class GpuEntry : MatrixEntry
    {
        public string Name { get; set; } = "";
        /// <summary>PCI device ids ("0x2330"); vendor is always 0x10de.</summary>
        public List<string>? PciDeviceIds { get; set; }
        /// <summary>Id of a gpuArchitectures entry.</summary>
        public string Architecture { get; set; } = "";
        public string ComputeCapability { get; set; } = "";
        public double? MemoryGiB { get; set; }
        /// <summary>Data-center GPUs may use the CUDA forward-compatibility package; GeForce may not.</summary>
        public bool DataCenter { get; set; }

        // Known from the GPU catalogue or a host database, never written in YAML.
        /// <summary>The chip pci.ids names ("AD102GL").</summary>
        [YamlDotNet.Serialization.YamlIgnore] public string? Chip { get; set; }
        /// <summary>The legacy driver branch NVIDIA's supported-gpus.json puts the GPU in ("470.xx").</summary>
        [YamlDotNet.Serialization.YamlIgnore] public string? LegacyBranch { get; set; }
        /// <summary>supported-gpus.json's "kernelopen": whether the open kernel modules drive it; null when unknown.</summary>
        [YamlDotNet.Serialization.YamlIgnore] public bool? KernelOpen { get; set; }
        /// <summary>Where the identification came from: "matrix", "AutoGlm's GPU catalogue (SOURCES)" or host files.</summary>
        [YamlDotNet.Serialization.YamlIgnore] public string IdentifiedBy { get; set; } = "matrix";
    }

    /// <summary>Which compute capabilities a wheel variant carries code for, for a range of torch versions.</summary>
    public sealed class WheelCoverageEntry : MatrixEntry
    {
        /// <summary>Wheel tag: cu118, cu128, cu130.</summary>
        public string Tag { get; set; } = "";
        /// <summary>PEP 440 specifier of the torch versions this coverage applies to; empty for all.</summary>
        public string? Torch { get; set; }
        /// <summary>Compute capabilities with SASS. A cubin for X.Y also runs on X.Z with Z ≥ Y.</summary>
        public List<string> Sass { get; set; } = new List<string>();
        /// <summary>Highest compute capability shipped as PTX (JIT for newer GPUs), or null.</summary>
        public string? Ptx { get; set; }
    }

    /// <summary>A torch minor series: its releases, Python range and CUDA wheel variants.</summary>
    public sealed class TorchReleaseEntry : MatrixEntry
    {
        /// <summary>Minor series, "2.9".</summary>
        public string Series { get; set; } = "";
        /// <summary>Exact releases in the series, oldest first: ["2.9.0", "2.9.1"].</summary>
        public List<string> Versions { get; set; } = new List<string>();
        public string Python { get; set; } = "";
        /// <summary>CUDA wheel tags published at download.pytorch.org/whl/TAG.</summary>
        public List<string> Variants { get; set; } = new List<string>();
        /// <summary>The variant `pip install torch` gets from PyPI on Linux x86_64.</summary>
        public string? PypiDefault { get; set; }
    }

    /// <summary>A release of a serving framework (vLLM, SGLang) and the torch build it pins.</summary>
    public sealed class ServerReleaseEntry : MatrixEntry
    {
        /// <summary>vllm or sglang (the PyPI name).</summary>
        public string Package { get; set; } = "";
        public string Version { get; set; } = "";
        /// <summary>The exact torch version it pins.</summary>
        public string Torch { get; set; } = "";
        public string? Python { get; set; }
        /// <summary>CUDA tag of its default PyPI wheel.</summary>
        public string Cuda { get; set; } = "";
        /// <summary>Operating-system platforms it supports (linux, windows).</summary>
        public List<string> Platforms { get; set; } = new List<string> { "linux" };
        /// <summary>Other packages it pins exactly (name → version), e.g. sglang's sgl-kernel.</summary>
        public Dictionary<string, string>? Pins { get; set; }
    }

    /// <summary>What a profile installs: the serving framework range, a direct torch build, and exact pins.</summary>
    public sealed class StackSpec : Located
    {
        /// <summary>The serving framework and the versions the profile accepts.</summary>
        public PackageSpec? Server { get; set; }
        /// <summary>For profiles without a framework: the torch versions and wheel tags accepted.</summary>
        public TorchSpec? Torch { get; set; }
        /// <summary>Exact pins installed with the stack, in order; stage "override" goes in after the framework.</summary>
        public List<PinnedPackage>? Packages { get; set; }
        /// <summary>Preferred driver branch when the host has none that fits; null for the newest supported.</summary>
        public int? DriverBranch { get; set; }
    }

    public sealed class PackageSpec : Located
    {
        public string Package { get; set; } = "";
        /// <summary>PEP 440 specifier, e.g. "&gt;=0.12".</summary>
        public string Version { get; set; } = "";
    }

    public sealed class TorchSpec : Located
    {
        public string Version { get; set; } = "";
        /// <summary>Wheel tags accepted, most preferred first; empty for any the torch series publishes.</summary>
        public List<string>? Variants { get; set; }
    }

    public sealed class PinnedPackage : Located
    {
        public string Name { get; set; } = "";
        public string Version { get; set; } = "";
        /// <summary>base (with the stack) or override (reinstalled after the framework, as upstream READMEs ask).</summary>
        public string Stage { get; set; } = "base";
        /// <summary>Why this pin: a URL or repository path.</summary>
        public string? Source { get; set; }
    }

    public sealed class RepositorySpec : Located
    {
        public string Url { get; set; } = "";
        /// <summary>Commit, tag or branch to check out.</summary>
        public string? Ref { get; set; }
        /// <summary>URLs the repository lived at before (THUDM → zai-org).</summary>
        public List<string>? MovedFrom { get; set; }
    }

    public sealed class ModelSpec : Located
    {
        /// <summary>Hugging Face id, e.g. zai-org/AutoGLM-Phone-9B.</summary>
        public string Id { get; set; } = "";
        public List<string>? Mirrors { get; set; }
    }
}
