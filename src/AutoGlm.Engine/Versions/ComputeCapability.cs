using System;
using System.Diagnostics.CodeAnalysis;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// A CUDA compute capability, "8.6" or "12.0" (sm_86, sm_120). Ordered numerically, so 12.0 &gt; 9.0.
    /// </summary>
    public sealed class ComputeCapability : VersionBase<ComputeCapability>
    {
        private ComputeCapability(int major, int minor) { Major = major; Minor = minor; }

        public int Major { get; }
        public int Minor { get; }

        public static ComputeCapability Parse(string text)
        {
            if (!TryParse(text, out var cc))
                throw new FormatException($"'{text}' is not a compute capability. Write MAJOR.MINOR, such as 8.6 or 12.0.");
            return cc;
        }

        public static bool TryParse(string? text, [NotNullWhen(true)] out ComputeCapability? cc)
        {
            cc = null;
            var parts = (text ?? "").Trim().Split('.');
            if (parts.Length != 2 || !VersionText.IsAllDigits(parts[0]) || !VersionText.IsAllDigits(parts[1])) return false;
            if (!VersionText.TryParseInt(parts[0], out int major) || !VersionText.TryParseInt(parts[1], out int minor)) return false;
            cc = new ComputeCapability(major, minor);
            return true;
        }

        /// <summary>
        /// Whether a cubin built for this capability runs on <paramref name="gpu"/>: same major, same or higher
        /// minor (CUDA binary compatibility).
        /// </summary>
        public bool SassRunsOn(ComputeCapability gpu) => gpu.Major == Major && gpu.Minor >= Minor;

        public override int CompareTo(ComputeCapability? other) =>
            other is null ? 1 : Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

        public override int GetHashCode() => VersionText.Combine(Major, Minor);

        public override string ToString() => $"{Major}.{Minor}";

        /// <summary>The nvcc architecture name, sm_86.</summary>
        public string ToSmName() => $"sm_{Major}{Minor}";
    }
}
