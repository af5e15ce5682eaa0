// INTERIM: replaced by the full PEP 440 implementation from the 'versions' branch at merge time.
using System;
using System.Collections.Generic;
using System.Linq;

namespace AutoGlm.Engine.Versions
{
    public sealed class Pep440Version : IComparable<Pep440Version>
    {
        private readonly int[] _release;
        private Pep440Version(int[] release) { _release = release; }
        public IReadOnlyList<int> Release => _release;
        public static bool TryParse(string? s, out Pep440Version v)
        {
            v = null!;
            if (s == null) return false;
            var parts = s.Trim().Split('.');
            var nums = new List<int>();
            foreach (var p in parts) { if (!int.TryParse(p, out var n)) return false; nums.Add(n); }
            v = new Pep440Version(nums.ToArray());
            return nums.Count > 0;
        }
        public static Pep440Version Parse(string s) => TryParse(s, out var v) ? v : throw new FormatException($"'{s}' is not a version");
        public int CompareTo(Pep440Version? o)
        {
            if (o is null) return 1;
            for (int i = 0; i < Math.Max(_release.Length, o._release.Length); i++)
            {
                int a = i < _release.Length ? _release[i] : 0, b = i < o._release.Length ? o._release[i] : 0;
                if (a != b) return a.CompareTo(b);
            }
            return 0;
        }
        public override string ToString() => string.Join(".", _release);
    }

    public sealed class Pep440SpecifierSet
    {
        private readonly List<(string op, Pep440Version v)> _specs = new List<(string, Pep440Version)>();
        private string _text = "";
        public static bool TryParse(string? s, out Pep440SpecifierSet set)
        {
            set = new Pep440SpecifierSet { _text = s ?? "" };
            if (string.IsNullOrWhiteSpace(s)) return true;
            foreach (var raw in s!.Split(','))
            {
                var t = raw.Trim();
                var op = new[] { ">=", "<=", "==", "!=", ">", "<" }.FirstOrDefault(o => t.StartsWith(o, StringComparison.Ordinal));
                if (op == null || !Pep440Version.TryParse(t.Substring(op.Length), out var v)) return false;
                set._specs.Add((op, v));
            }
            return true;
        }
        public bool IsSatisfiedBy(Pep440Version v, bool includePrereleases = false) => _specs.All(s =>
        {
            int c = v.CompareTo(s.v);
            return s.op switch { ">=" => c >= 0, "<=" => c <= 0, "==" => c == 0, "!=" => c != 0, ">" => c > 0, _ => c < 0 };
        });
        public override string ToString() => _text;
    }
}
