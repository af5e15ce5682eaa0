using System;
using System.Diagnostics.CodeAnalysis;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// An NVIDIA driver version as nvidia-smi and the Linux packages print it: <c>535.104.05</c>,
    /// <c>570.26</c>. Compares numerically but keeps the text, so the zero padding NVIDIA uses
    /// (<c>.05</c>) survives <see cref="ToString"/>. A missing patch compares as 0.
    /// Windows file versions such as <c>31.0.15.3598</c> are <see cref="WindowsDriverVersion"/>.
    /// </summary>
    public sealed class NvidiaDriverVersion : VersionBase<NvidiaDriverVersion>
    {
        private const string What = "NVIDIA driver version";
        private const string Expected = "MAJOR.MINOR or MAJOR.MINOR.PATCH in decimal digits, such as 535.104.05 or 570.26";

        private readonly string _text;

        private NvidiaDriverVersion(string text, int major, int minor, int? patch)
        {
            _text = text;
            Major = major;
            Minor = minor;
            Patch = patch;
        }

        public int Major { get; }
        public int Minor { get; }
        public int? Patch { get; }

        /// <summary>The driver branch, which NVIDIA names by the major number (the 535 branch).</summary>
        public int Branch => Major;

        public static NvidiaDriverVersion Parse(string text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            var error = TryParseCore(text, out var version);
            if (error != null) throw VersionText.Invalid(What, text, error, Expected);
            return version!;
        }

        public static bool TryParse(string? text, [NotNullWhen(true)] out NvidiaDriverVersion? version)
        {
            version = null;
            return text != null && TryParseCore(text, out version) == null;
        }

        private static string? TryParseCore(string text, out NvidiaDriverVersion? version)
        {
            version = null;
            string trimmed = text.Trim();
            if (trimmed.Length == 0) return "it is empty";
            string[] parts = trimmed.Split('.');
            if (parts.Length < 2 || parts.Length > 3) return parts.Length == 1 ? "it has no dots" : $"it has {parts.Length} dot-separated fields, not 2 or 3";
            var numbers = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!VersionText.IsAllDigits(parts[i])) return $"field '{parts[i]}' is not a decimal number";
                if (!VersionText.TryParseInt(parts[i], out numbers[i])) return $"field '{parts[i]}' is too large";
            }
            version = new NvidiaDriverVersion(trimmed, numbers[0], numbers[1], parts.Length == 3 ? numbers[2] : (int?)null);
            return null;
        }

        public override int CompareTo(NvidiaDriverVersion? other)
        {
            if (other is null) return 1;
            int c = Major.CompareTo(other.Major);
            if (c != 0) return c;
            c = Minor.CompareTo(other.Minor);
            if (c != 0) return c;
            return (Patch ?? 0).CompareTo(other.Patch ?? 0);
        }

        public override int GetHashCode() => VersionText.Combine(VersionText.Combine(Major, Minor), Patch ?? 0);

        /// <summary>The text as parsed (trimmed), padding included.</summary>
        public override string ToString() => _text;
    }
}
