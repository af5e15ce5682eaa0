using System;
using System.Diagnostics.CodeAnalysis;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// A CUDA version: <c>12.2</c>, <c>12.2.2</c>, <c>13.0</c>. A missing patch compares as 0
    /// (CUDA 12.4 is 12.4.0). Converts to and from the driver-API integer
    /// (<c>cudaDriverGetVersion</c>, <c>CUDA_VERSION</c>: 1000*major + 10*minor) and the
    /// PyTorch wheel tag (<c>cu128</c>). <see cref="ToString"/> prints the numbers without padding.
    /// </summary>
    public sealed class CudaVersion : VersionBase<CudaVersion>
    {
        private const string What = "CUDA version";
        private const string Expected = "MAJOR.MINOR or MAJOR.MINOR.PATCH in decimal digits, such as 12.2 or 12.2.2";

        public CudaVersion(int major, int minor, int? patch = null)
        {
            if (major < 0) throw new ArgumentOutOfRangeException(nameof(major), major, "Must not be negative.");
            if (minor < 0) throw new ArgumentOutOfRangeException(nameof(minor), minor, "Must not be negative.");
            if (patch < 0) throw new ArgumentOutOfRangeException(nameof(patch), patch, "Must not be negative.");
            Major = major;
            Minor = minor;
            Patch = patch;
        }

        public int Major { get; }
        public int Minor { get; }
        public int? Patch { get; }

        public static CudaVersion Parse(string text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            var error = TryParseCore(text, out var version);
            if (error != null) throw VersionText.Invalid(What, text, error, Expected);
            return version!;
        }

        public static bool TryParse(string? text, [NotNullWhen(true)] out CudaVersion? version)
        {
            version = null;
            return text != null && TryParseCore(text, out version) == null;
        }

        private static string? TryParseCore(string text, out CudaVersion? version)
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
            version = new CudaVersion(numbers[0], numbers[1], parts.Length == 3 ? numbers[2] : (int?)null);
            return null;
        }

        /// <summary>Decodes the driver-API integer: 12040 is 12.4, 11040 is 11.4.</summary>
        /// <exception cref="ArgumentOutOfRangeException">Not a positive multiple of 10, which the encoding always is.</exception>
        public static CudaVersion FromDriverApi(int encoded)
        {
            if (encoded <= 0 || encoded % 10 != 0)
                throw new ArgumentOutOfRangeException(nameof(encoded), encoded,
                    "A CUDA driver-API version is 1000*major + 10*minor, such as 12040 for 12.4.");
            return new CudaVersion(encoded / 1000, encoded % 1000 / 10);
        }

        /// <summary>Encodes as 1000*major + 10*minor; the patch has no place in that encoding and is dropped.</summary>
        /// <exception cref="InvalidOperationException">The minor is above 99 or the result overflows.</exception>
        public int ToDriverApi()
        {
            if (Minor > 99 || Major > (int.MaxValue - 990) / 1000)
                throw new InvalidOperationException($"CUDA {this} cannot be written as a driver-API integer (1000*major + 10*minor).");
            return Major * 1000 + Minor * 10;
        }

        /// <summary>Decodes a PyTorch wheel tag: the last digit is the minor, the rest the major (cu128 is 12.8, cu92 is 9.2).</summary>
        public static CudaVersion FromWheelTag(string tag)
        {
            if (tag is null) throw new ArgumentNullException(nameof(tag));
            if (!TryFromWheelTag(tag, out var version))
                throw VersionText.Invalid("CUDA wheel tag", tag, "it is not 'cu' and digits in that form",
                    "'cu', the major without leading zeros, then one minor digit, such as cu118 or cu128");
            return version;
        }

        public static bool TryFromWheelTag(string? tag, [NotNullWhen(true)] out CudaVersion? version)
        {
            version = null;
            if (tag is null) return false;
            string t = tag.Trim();
            if (t.Length < 4 || !t.StartsWith("cu", StringComparison.OrdinalIgnoreCase)) return false;
            string digits = t.Substring(2);
            // A leading zero would make the split ambiguous (cu0128); torch never writes one.
            if (digits[0] == '0' || !VersionText.TryParseInt(digits.Substring(0, digits.Length - 1), out int major)) return false;
            if (!VersionText.IsAsciiDigit(digits[digits.Length - 1])) return false;
            version = new CudaVersion(major, digits[digits.Length - 1] - '0');
            return true;
        }

        /// <summary>The PyTorch wheel tag (12.8 is cu128); the patch is dropped.</summary>
        /// <exception cref="InvalidOperationException">The minor has more than one digit, which the tag cannot express.</exception>
        public string ToWheelTag()
        {
            if (Minor > 9) throw new InvalidOperationException($"CUDA {this} has a two-digit minor, which a cuXYZ wheel tag cannot express.");
            return "cu" + Major + Minor;
        }

        public override int CompareTo(CudaVersion? other)
        {
            if (other is null) return 1;
            int c = Major.CompareTo(other.Major);
            if (c != 0) return c;
            c = Minor.CompareTo(other.Minor);
            if (c != 0) return c;
            return (Patch ?? 0).CompareTo(other.Patch ?? 0);
        }

        public override int GetHashCode() => VersionText.Combine(VersionText.Combine(Major, Minor), Patch ?? 0);

        public override string ToString() => Patch is null ? $"{Major}.{Minor}" : $"{Major}.{Minor}.{Patch}";
    }
}
