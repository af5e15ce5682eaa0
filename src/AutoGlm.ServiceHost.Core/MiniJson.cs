using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AutoGlm.ServiceHost
{
    /// <summary>
    /// A small strict JSON reader (objects, arrays, strings, numbers, true/false/null) for the host's definition
    /// file, so the exe needs no JSON library beside it. Objects become Dictionary&lt;string, object?&gt;,
    /// arrays List&lt;object?&gt;, numbers double.
    /// </summary>
    public static class MiniJson
    {
        public static object? Parse(string text)
        {
            int i = 0;
            var value = Value(text, ref i);
            Skip(text, ref i);
            if (i != text.Length) throw Error(text, i, "text after the value");
            return value;
        }

        private static object? Value(string s, ref int i)
        {
            Skip(s, ref i);
            if (i >= s.Length) throw Error(s, i, "end of text where a value was expected");
            char c = s[i];
            if (c == '{') return Obj(s, ref i);
            if (c == '[') return Arr(s, ref i);
            if (c == '"') return Str(s, ref i);
            if (c == '-' || (c >= '0' && c <= '9')) return Num(s, ref i);
            foreach (var (word, value) in new (string, object?)[] { ("true", true), ("false", false), ("null", null) })
                if (string.CompareOrdinal(s, i, word, 0, word.Length) == 0) { i += word.Length; return value; }
            throw Error(s, i, $"unexpected '{c}'");
        }

        private static Dictionary<string, object?> Obj(string s, ref int i)
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            i++;
            Skip(s, ref i);
            if (i < s.Length && s[i] == '}') { i++; return result; }
            while (true)
            {
                Skip(s, ref i);
                if (i >= s.Length || s[i] != '"') throw Error(s, i, "a property name was expected");
                var key = Str(s, ref i);
                Skip(s, ref i);
                if (i >= s.Length || s[i] != ':') throw Error(s, i, "':' was expected");
                i++;
                result[key] = Value(s, ref i);
                Skip(s, ref i);
                if (i < s.Length && s[i] == ',') { i++; continue; }
                if (i < s.Length && s[i] == '}') { i++; return result; }
                throw Error(s, i, "',' or '}' was expected");
            }
        }

        private static List<object?> Arr(string s, ref int i)
        {
            var result = new List<object?>();
            i++;
            Skip(s, ref i);
            if (i < s.Length && s[i] == ']') { i++; return result; }
            while (true)
            {
                result.Add(Value(s, ref i));
                Skip(s, ref i);
                if (i < s.Length && s[i] == ',') { i++; continue; }
                if (i < s.Length && s[i] == ']') { i++; return result; }
                throw Error(s, i, "',' or ']' was expected");
            }
        }

        private static string Str(string s, ref int i)
        {
            var sb = new StringBuilder();
            i++;
            while (i < s.Length)
            {
                char c = s[i++];
                if (c == '"') return sb.ToString();
                if (c < ' ') throw Error(s, i - 1, "a control character inside a string");
                if (c != '\\') { sb.Append(c); continue; }
                if (i >= s.Length) break;
                char e = s[i++];
                switch (e)
                {
                    case '"': case '\\': case '/': sb.Append(e); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (i + 4 > s.Length || !int.TryParse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                            throw Error(s, i, "a bad \\u escape");
                        sb.Append((char)code);
                        i += 4;
                        break;
                    default: throw Error(s, i - 1, $"the unknown escape '\\{e}'");
                }
            }
            throw Error(s, i, "an unterminated string");
        }

        private static double Num(string s, ref int i)
        {
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
            if (!double.TryParse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                throw Error(s, start, "a malformed number");
            return d;
        }

        private static void Skip(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n' || s[i] == '\uFEFF')) i++;
        }

        private static FormatException Error(string s, int at, string what)
        {
            int line = 1, column = 1;
            for (int k = 0; k < at && k < s.Length; k++) { if (s[k] == '\n') { line++; column = 1; } else column++; }
            return new FormatException($"line {line}, column {column}: {what}");
        }
    }
}
