using System;
using System.Diagnostics.CodeAnalysis;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// A Windows display-driver file version, A.BB.CC.DDDD (<c>31.0.15.3598</c>), as Device Manager
    /// and Win32_VideoController.DriverVersion report it. The four fields are the 16-bit
    /// FILEVERSION words, compared numerically; <see cref="ToString"/> returns the parsed text.
    /// </summary>
    public sealed class WindowsDriverVersion : VersionBase<WindowsDriverVersion>
    {
        private const string What = "Windows driver version";
        private const string Expected = "four dot-separated numbers from 0 to 65535, A.BB.CC.DDDD, such as 31.0.15.3598";

        private readonly string _text;

        private WindowsDriverVersion(string text, int major, int minor, int build, int revision)
        {
            _text = text;
            Major = major;
            Minor = minor;
            Build = build;
            Revision = revision;
        }

        /// <summary>A: the WDDM generation.</summary>
        public int Major { get; }
        /// <summary>BB: the DirectX feature level / DDI version.</summary>
        public int Minor { get; }
        /// <summary>CC: vendor-defined; NVIDIA puts 10 plus the first digit of its version here.</summary>
        public int Build { get; }
        /// <summary>DDDD: vendor-defined; NVIDIA puts the last four digits of its version here.</summary>
        public int Revision { get; }

        public static WindowsDriverVersion Parse(string text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            var error = TryParseCore(text, out var version);
            if (error != null) throw VersionText.Invalid(What, text, error, Expected);
            return version!;
        }

        public static bool TryParse(string? text, [NotNullWhen(true)] out WindowsDriverVersion? version)
        {
            version = null;
            return text != null && TryParseCore(text, out version) == null;
        }

        private static string? TryParseCore(string text, out WindowsDriverVersion? version)
        {
            version = null;
            string trimmed = text.Trim();
            if (trimmed.Length == 0) return "it is empty";
            string[] parts = trimmed.Split('.');
            if (parts.Length != 4) return parts.Length == 1 ? "it has no dots" : $"it has {parts.Length} dot-separated fields, not 4";
            var n = new int[4];
            for (int i = 0; i < 4; i++)
            {
                if (!VersionText.IsAllDigits(parts[i])) return $"field '{parts[i]}' is not a decimal number";
                if (!VersionText.TryParseInt(parts[i], out n[i]) || n[i] > ushort.MaxValue) return $"field '{parts[i]}' is above 65535";
            }
            version = new WindowsDriverVersion(trimmed, n[0], n[1], n[2], n[3]);
            return null;
        }

        /// <summary>
        /// The NVIDIA version this file version encodes: 31.0.15.3598 is 535.98, 32.0.15.7602 is 576.02.
        /// </summary>
        /// <remarks>
        /// Microsoft fixes only A and BB ("File Version Formatting for Display Driver DLLs",
        /// https://learn.microsoft.com/windows-hardware/drivers/display/driver-dll-for-display-adapter-or-chipset-has-properly-formatted-file-version:
        /// CC is 01-9999, DDDD is 0-9999). NVIDIA fills CC.DDDD with its own version: write CC and
        /// DDDD (padded to four digits) side by side, keep the last five digits, and put a dot before
        /// the final two. For CC 10-19 that is Sodium's NvidiaDriverVersion.java,
        /// merged = (CC - 10) * 10000 + DDDD (github.com/CaffeineMC/sodium).
        /// Outside CC 10-19 no NVIDIA driver has used the scheme (20 would mean a 1000-series), so we
        /// refuse rather than guess.
        /// </remarks>
        /// <exception cref="InvalidOperationException">CC is outside 10-19 or DDDD is above 9999.</exception>
        public NvidiaDriverVersion ToNvidiaVersion()
        {
            if (!TryToNvidiaVersion(out var version))
                throw new InvalidOperationException(
                    $"Windows driver version {_text} does not carry an NVIDIA version: that needs CC from 10 to 19 and DDDD up to 9999 in A.BB.CC.DDDD.");
            return version;
        }

        /// <summary><see cref="ToNvidiaVersion"/> without the exception.</summary>
        public bool TryToNvidiaVersion([NotNullWhen(true)] out NvidiaDriverVersion? version)
        {
            version = null;
            if (Build < 10 || Build > 19 || Revision > 9999) return false;
            int merged = (Build * 10000 + Revision) % 100000;
            version = NvidiaDriverVersion.Parse($"{merged / 100}.{merged % 100:D2}");
            return true;
        }

        public override int CompareTo(WindowsDriverVersion? other)
        {
            if (other is null) return 1;
            int c = Major.CompareTo(other.Major);
            if (c != 0) return c;
            c = Minor.CompareTo(other.Minor);
            if (c != 0) return c;
            c = Build.CompareTo(other.Build);
            if (c != 0) return c;
            return Revision.CompareTo(other.Revision);
        }

        public override int GetHashCode() =>
            VersionText.Combine(VersionText.Combine(VersionText.Combine(Major, Minor), Build), Revision);

        /// <summary>The text as parsed (trimmed), padding included.</summary>
        public override string ToString() => _text;
    }
}
