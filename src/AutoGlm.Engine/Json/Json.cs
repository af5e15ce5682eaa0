using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AutoGlm.Engine.Json
{
    /// <summary>
    /// A small JSON writer and reader. The engine must load in Windows PowerShell 5.1, where pulling in
    /// System.Text.Json drags a tree of facade assemblies that clash with other modules; our documents
    /// are small and plain, so a hundred lines do.
    /// Values: null, bool, long, double, string, IList&lt;object?&gt;, IDictionary&lt;string, object?&gt;.
    /// </summary>
    public static class Json
    {
        public static string Serialize(object? value, bool indent = true)
        {
            var sb = new StringBuilder();
            Write(sb, value, indent, 0);
            return sb.ToString();
        }

        private static void Write(StringBuilder sb, object? value, bool indent, int depth)
        {
            switch (value)
            {
                case null: sb.Append("null"); break;
                case bool b: sb.Append(b ? "true" : "false"); break;
                case string s: WriteString(sb, s); break;
                case int i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); break;
                case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
                case double d: sb.Append(double.IsNaN(d) || double.IsInfinity(d) ? "null" : d.ToString("R", CultureInfo.InvariantCulture)); break;
                case IDictionary<string, object?> map:
                {
                    if (map.Count == 0) { sb.Append("{}"); break; }
                    sb.Append('{');
                    bool first = true;
                    foreach (var kv in map)
                    {
                        if (!first) sb.Append(',');
                        first = false;
                        NewLine(sb, indent, depth + 1);
                        WriteString(sb, kv.Key);
                        sb.Append(indent ? ": " : ":");
                        Write(sb, kv.Value, indent, depth + 1);
                    }
                    NewLine(sb, indent, depth);
                    sb.Append('}');
                    break;
                }
                case System.Collections.IEnumerable list:
                {
                    bool first = true;
                    sb.Append('[');
                    foreach (var item in list)
                    {
                        if (!first) sb.Append(',');
                        first = false;
                        NewLine(sb, indent, depth + 1);
                        Write(sb, item, indent, depth + 1);
                    }
                    if (!first) NewLine(sb, indent, depth);
                    sb.Append(']');
                    break;
                }
                default:
                    if (value is IFormattable f) sb.Append(f.ToString(null, CultureInfo.InvariantCulture));
                    else WriteString(sb, value.ToString() ?? "");
                    break;
            }
        }

        private static void NewLine(StringBuilder sb, bool indent, int depth)
        {
            if (!indent) return;
            sb.Append('\n');
            sb.Append(' ', depth * 2);
        }

        public static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20 || c == '\u2028' || c == '\u2029') sb.Append("\\u").Append(((int)c).ToString("x4"));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        /// <summary>Parses one JSON document; throws FormatException naming the offset on bad input.</summary>
        public static object? Parse(string text)
        {
            var p = new Parser(text);
            p.SkipWhitespace();
            var value = p.ReadValue(0);
            p.SkipWhitespace();
            if (!p.AtEnd) throw p.Error("unexpected text after the JSON value");
            return value;
        }

        private sealed class Parser
        {
            private readonly string _s;
            private int _i;
            public Parser(string s) { _s = s; }
            public bool AtEnd => _i >= _s.Length;

            public FormatException Error(string what)
            {
                int line = 1, col = 1;
                for (int k = 0; k < _i && k < _s.Length; k++) { if (_s[k] == '\n') { line++; col = 1; } else col++; }
                return new FormatException($"invalid JSON at line {line}, column {col}: {what}");
            }

            public void SkipWhitespace() { while (_i < _s.Length && char.IsWhiteSpace(_s[_i])) _i++; }

            public object? ReadValue(int depth)
            {
                if (depth > 128) throw Error("nesting too deep");
                if (AtEnd) throw Error("unexpected end of input");
                char c = _s[_i];
                switch (c)
                {
                    case '{': return ReadObject(depth);
                    case '[': return ReadArray(depth);
                    case '"': return ReadString();
                    case 't': Expect("true"); return true;
                    case 'f': Expect("false"); return false;
                    case 'n': Expect("null"); return null;
                    default:
                        if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                        throw Error($"unexpected character '{c}'");
                }
            }

            private void Expect(string word)
            {
                if (string.CompareOrdinal(_s, _i, word, 0, word.Length) != 0) throw Error($"expected '{word}'");
                _i += word.Length;
            }

            private object ReadNumber()
            {
                int start = _i;
                if (_s[_i] == '-') _i++;
                while (_i < _s.Length && "0123456789.eE+-".IndexOf(_s[_i]) >= 0) _i++;
                var token = _s.Substring(start, _i - start);
                if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
                if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
                throw Error($"bad number '{token}'");
            }

            private string ReadString()
            {
                _i++; // opening quote
                var sb = new StringBuilder();
                while (true)
                {
                    if (AtEnd) throw Error("unterminated string");
                    char c = _s[_i++];
                    if (c == '"') return sb.ToString();
                    if (c != '\\') { sb.Append(c); continue; }
                    if (AtEnd) throw Error("unterminated escape");
                    char e = _s[_i++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (_i + 4 > _s.Length) throw Error("short \\u escape");
                            sb.Append((char)int.Parse(_s.Substring(_i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                            _i += 4;
                            break;
                        default: throw Error($"bad escape '\\{e}'");
                    }
                }
            }

            private List<object?> ReadArray(int depth)
            {
                _i++;
                var list = new List<object?>();
                SkipWhitespace();
                if (!AtEnd && _s[_i] == ']') { _i++; return list; }
                while (true)
                {
                    SkipWhitespace();
                    list.Add(ReadValue(depth + 1));
                    SkipWhitespace();
                    if (AtEnd) throw Error("unterminated array");
                    if (_s[_i] == ',') { _i++; continue; }
                    if (_s[_i] == ']') { _i++; return list; }
                    throw Error("expected ',' or ']'");
                }
            }

            private Dictionary<string, object?> ReadObject(int depth)
            {
                _i++;
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                SkipWhitespace();
                if (!AtEnd && _s[_i] == '}') { _i++; return map; }
                while (true)
                {
                    SkipWhitespace();
                    if (AtEnd || _s[_i] != '"') throw Error("expected a property name");
                    var key = ReadString();
                    SkipWhitespace();
                    if (AtEnd || _s[_i] != ':') throw Error("expected ':'");
                    _i++;
                    SkipWhitespace();
                    map[key] = ReadValue(depth + 1);
                    SkipWhitespace();
                    if (AtEnd) throw Error("unterminated object");
                    if (_s[_i] == ',') { _i++; continue; }
                    if (_s[_i] == '}') { _i++; return map; }
                    throw Error("expected ',' or '}'");
                }
            }
        }
    }
}
