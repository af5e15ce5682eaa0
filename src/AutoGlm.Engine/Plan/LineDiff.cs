using System.Collections.Generic;
using System.Text;

namespace AutoGlm.Engine.Plan
{
    /// <summary>A unified diff of two small texts (configuration files), for -WhatIf.</summary>
    public static class LineDiff
    {
        public static string Unified(string path, string before, string after)
        {
            var a = Split(before);
            var b = Split(after);
            // Longest common subsequence table: fine for the few hundred lines a config file has.
            var lcs = new int[a.Length + 1, b.Length + 1];
            for (int i = a.Length - 1; i >= 0; i--)
                for (int j = b.Length - 1; j >= 0; j--)
                    lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : System.Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            var sb = new StringBuilder();
            sb.Append("--- ").Append(path).Append(" (current)\n");
            sb.Append("+++ ").Append(path).Append(" (planned)\n");
            int x = 0, y = 0;
            while (x < a.Length || y < b.Length)
            {
                if (x < a.Length && y < b.Length && a[x] == b[y]) { sb.Append(' ').Append(a[x]).Append('\n'); x++; y++; }
                // Removals before additions, as diff(1) prints them.
                else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1])) { sb.Append('-').Append(a[x]).Append('\n'); x++; }
                else { sb.Append('+').Append(b[y]).Append('\n'); y++; }
            }
            return sb.ToString();
        }

        private static string[] Split(string text)
        {
            if (text.Length == 0) return new string[0];
            var lines = new List<string>(text.Replace("\r\n", "\n").Split('\n'));
            if (lines.Count > 0 && lines[lines.Count - 1].Length == 0) lines.RemoveAt(lines.Count - 1);
            return lines.ToArray();
        }
    }
}
