using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// CIM instances by class name, each a property bag: the shape `Get-CimInstance X | ConvertTo-Json`
    /// produces. The cmdlet fills it from the PowerShell session; the CLI and snapshots from the JSON that
    /// <see cref="WindowsProbes.CimScript"/> prints. Property names compare case-insensitively, as in CIM.
    /// </summary>
    public sealed class CimData
    {
        private readonly Dictionary<string, List<IDictionary<string, object?>>> _classes =
            new Dictionary<string, List<IDictionary<string, object?>>>(StringComparer.OrdinalIgnoreCase);

        /// <summary>Why no CIM data could be had (powershell.exe missing, timed out, bad JSON); null when it could.</summary>
        public string? Error { get; private set; }
        /// <summary>Where the instances came from, for the checks' Source field.</summary>
        public string Source { get; private set; } = "CIM";

        public IEnumerable<string> ClassNames => _classes.Keys;

        public IReadOnlyList<IDictionary<string, object?>> Instances(string className) =>
            _classes.TryGetValue(className, out var list) ? list : (IReadOnlyList<IDictionary<string, object?>>)Array.Empty<IDictionary<string, object?>>();

        public IDictionary<string, object?>? First(string className) => Instances(className).FirstOrDefault();

        public static CimData Failed(string error, string source) => new CimData { Error = error, Source = source };

        /// <summary>Instances collected in-process (the cmdlet's session), keyed by class name.</summary>
        public static CimData FromBags(IEnumerable<KeyValuePair<string, IEnumerable<IDictionary<string, object?>>>> classes, string source)
        {
            var data = new CimData { Source = source };
            foreach (var kv in classes)
                data._classes[kv.Key] = kv.Value.Select(Bag).ToList();
            return data;
        }

        /// <summary>
        /// Parses {"Win32_X": [ {...}, ... ], ...}. A class's value may be an array, a single object
        /// (ConvertTo-Json unwraps one-element arrays), or Windows PowerShell 5.1's {"value": [...], "Count": n}.
        /// </summary>
        public static CimData Parse(string json, string source)
        {
            if (!(Json.Json.Parse(json.Trim().TrimStart('\uFEFF')) is IDictionary<string, object?> root))
                throw new FormatException("the CIM output is not a JSON object of classes");
            var data = new CimData { Source = source };
            foreach (var kv in root)
            {
                var list = new List<IDictionary<string, object?>>();
                foreach (var item in Items(kv.Value))
                    if (item is IDictionary<string, object?> bag) list.Add(Bag(bag));
                data._classes[kv.Key] = list;
            }
            return data;
        }

        private static IEnumerable<object?> Items(object? value)
        {
            if (value == null) return Array.Empty<object?>();
            if (value is IList<object?> list) return list;
            if (value is IDictionary<string, object?> dict && dict.Count <= 2 && dict.TryGetValue("value", out var inner) && inner is IList<object?> wrapped)
                return wrapped;
            return new[] { value };
        }

        private static IDictionary<string, object?> Bag(IDictionary<string, object?> source) =>
            new Dictionary<string, object?>(source, StringComparer.OrdinalIgnoreCase);

        // ------------------------------------------------------------ typed reads

        public static string? Str(IDictionary<string, object?>? bag, string name)
        {
            if (bag == null || !bag.TryGetValue(name, out var v) || v == null) return null;
            var s = v is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : v.ToString();
            s = s?.Trim();
            return string.IsNullOrEmpty(s) ? null : s;
        }

        public static long? Long(IDictionary<string, object?>? bag, string name)
        {
            if (bag == null || !bag.TryGetValue(name, out var v) || v == null) return null;
            switch (v)
            {
                case long l: return l;
                case int i: return i;
                case uint u: return u;
                case ulong ul: return ul > long.MaxValue ? (long?)null : (long)ul;
                case double d: return (long)d;
                case bool b: return b ? 1 : 0;
                case IConvertible c when !(v is string):
                    try { return Convert.ToInt64(c, CultureInfo.InvariantCulture); } catch (Exception e) when (e is InvalidCastException || e is OverflowException || e is FormatException) { return null; }
                default:
                    return long.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : (long?)null;
            }
        }

        public static bool? Bool(IDictionary<string, object?>? bag, string name)
        {
            if (bag == null || !bag.TryGetValue(name, out var v) || v == null) return null;
            if (v is bool b) return b;
            var n = Long(bag, name);
            if (n != null) return n != 0;
            return bool.TryParse(v.ToString(), out var p) ? p : (bool?)null;
        }

        /// <summary>An array property (CompatibleID, AvailableSecurityProperties) as strings; a scalar becomes one item.</summary>
        public static List<string> List(IDictionary<string, object?>? bag, string name)
        {
            if (bag == null || !bag.TryGetValue(name, out var v) || v == null) return new List<string>();
            if (v is string s) return new List<string> { s };
            if (v is IEnumerable e)
                return e.Cast<object?>().Where(x => x != null).Select(x => x is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : x!.ToString()!).ToList();
            return new List<string> { Str(bag, name)! };
        }
    }
}
