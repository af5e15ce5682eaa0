using System;

namespace AutoGlm.Engine.Versions
{
    /// <summary>Small helpers shared by the version types (netstandard2.0 has no HashCode).</summary>
    internal static class VersionText
    {
        /// <summary>The FormatException every Parse throws: names the input and the expected form.</summary>
        internal static FormatException Invalid(string what, string input, string problem, string expected) =>
            new FormatException($"'{input}' is not a valid {what}: {problem}. Expected {expected}.");

        internal static bool IsAsciiDigit(char c) => c >= '0' && c <= '9';

        internal static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        internal static bool IsAllDigits(string s)
        {
            if (s.Length == 0) return false;
            foreach (char c in s)
                if (!IsAsciiDigit(c)) return false;
            return true;
        }

        /// <summary>Parses a non-empty run of ASCII digits; false when it is not one or overflows int.</summary>
        internal static bool TryParseInt(string s, out int value)
        {
            value = 0;
            if (!IsAllDigits(s)) return false;
            long acc = 0;
            foreach (char c in s)
            {
                acc = acc * 10 + (c - '0');
                if (acc > int.MaxValue) return false;
            }
            value = (int)acc;
            return true;
        }

        /// <summary>Parses a non-empty run of ASCII digits; false when it is not one or overflows long.</summary>
        internal static bool TryParseLong(string s, out long value)
        {
            value = 0;
            if (!IsAllDigits(s)) return false;
            foreach (char c in s)
            {
                int d = c - '0';
                if (value > (long.MaxValue - d) / 10) return false;
                value = value * 10 + d;
            }
            return true;
        }

        /// <summary>A digit run without its leading zeros ("" for zero), so equal numbers have equal text.</summary>
        internal static string StripLeadingZeros(string digits)
        {
            int i = 0;
            while (i < digits.Length && digits[i] == '0') i++;
            return digits.Substring(i);
        }

        /// <summary>Compares two digit runs as numbers of any length, without overflow.</summary>
        internal static int CompareDigitRuns(string a, string b)
        {
            a = StripLeadingZeros(a);
            b = StripLeadingZeros(b);
            if (a.Length != b.Length) return a.Length < b.Length ? -1 : 1;
            return Math.Sign(string.CompareOrdinal(a, b));
        }

        internal static int Combine(int hash, int value) => unchecked(hash * 31 + value);

        internal static int Hash(string s) => StringComparer.Ordinal.GetHashCode(s);

        /// <summary>Null-safe three-way compare used by every type's operators; null sorts first.</summary>
        internal static int Compare<T>(T? a, T? b) where T : class, IComparable<T>
        {
            if (ReferenceEquals(a, b)) return 0;
            if (a is null) return -1;
            if (b is null) return 1;
            return a.CompareTo(b);
        }
    }
}
