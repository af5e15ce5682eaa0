using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Python
{
    /// <summary>
    /// The values of the PEP 508 marker variables for the machine a lock is made for (not the machine running AutoGlm):
    /// CPython of the profile's Python on Linux or Windows. platform_release is the target's kernel release (uname -r,
    /// what Python's platform.release() reads) when the caller knows it (<see cref="WithPlatformRelease"/>: the host's
    /// facts), else empty; platform_version (uname -v) stays empty, so a marker on it compares against "".
    /// </summary>
    public sealed class MarkerEnvironment
    {
        private readonly Dictionary<string, string> _values;

        private MarkerEnvironment(string system, string machine, string python, string? pythonFull, Dictionary<string, string> values)
        {
            System = system;
            Machine = machine;
            PythonVersion = python;
            _values = values;
            _values["python_version"] = python;
            _values["python_full_version"] = pythonFull ?? python;
            _values["platform_machine"] = machine;
            _values["platform_release"] = "";
            _values["platform_version"] = "";
            _values["platform_python_implementation"] = "CPython";
            _values["implementation_name"] = "cpython";
            _values["implementation_version"] = pythonFull ?? python;
        }

        /// <summary>Linux or Windows.</summary>
        public string System { get; }
        /// <summary>platform.machine() there: x86_64 or aarch64 on Linux, AMD64 or ARM64 on Windows.</summary>
        public string Machine { get; }
        /// <summary>The minor version, "3.12".</summary>
        public string PythonVersion { get; }
        /// <summary>The full version when known ("3.12.3"), else the minor.</summary>
        public string PythonFullVersion => _values["python_full_version"];

        /// <param name="python">"3.12", or a full version "3.12.3" (python_version is then its first two numbers).</param>
        public static MarkerEnvironment Linux(string python, string machine = "x86_64") =>
            new MarkerEnvironment("Linux", machine, Minor(python), Full(python), new Dictionary<string, string>
            {
                ["os_name"] = "posix", ["sys_platform"] = "linux", ["platform_system"] = "Linux",
            });

        public static MarkerEnvironment Windows(string python, string machine = "AMD64") =>
            new MarkerEnvironment("Windows", machine, Minor(python), Full(python), new Dictionary<string, string>
            {
                ["os_name"] = "nt", ["sys_platform"] = "win32", ["platform_system"] = "Windows",
            });

        private static string Minor(string python) => string.Join(".", python.Split('.').Take(2));
        // A minor alone leaves the patch unknown: python_full_version is then "3.12", which compares as 3.12.0.
        private static string? Full(string python) => python.Split('.').Length >= 3 ? python : null;

        /// <summary>
        /// This environment with platform_release set: the target's kernel release as uname -r prints it
        /// ("6.8.0-45-generic"), which is what pip's platform.release() gives there. Null or blank leaves it empty.
        /// </summary>
        public MarkerEnvironment WithPlatformRelease(string? release)
        {
            var values = new Dictionary<string, string>(_values);
            var copy = new MarkerEnvironment(System, Machine, PythonVersion, values["python_full_version"], values);
            copy._values["platform_release"] = release?.Trim() ?? "";
            return copy;
        }

        /// <summary>platform_release: the kernel release, or "" when not known.</summary>
        public string PlatformRelease => _values["platform_release"];

        /// <summary>Every variable given (for tests that replay another tool's environment); missing ones are empty.</summary>
        internal static MarkerEnvironment FromValues(IReadOnlyDictionary<string, string> values)
        {
            var copy = values.ToDictionary(p => p.Key, p => p.Value);
            string Get(string k) => copy.TryGetValue(k, out var v) ? v : "";
            var env = new MarkerEnvironment(Get("platform_system"), Get("platform_machine"), Get("python_version"), Get("python_full_version"), copy);
            foreach (var p in values) env._values[p.Key] = p.Value;
            return env;
        }

        /// <summary>"CPython 3.12 on Linux x86_64".</summary>
        public string Describe() => $"CPython {_values["python_full_version"]} on {System} {Machine}";

        internal bool TryGet(string variable, out string value) => _values.TryGetValue(variable, out value!);
    }

    /// <summary>A marker that is not PEP 508: what is wrong with it, in words.</summary>
    public sealed class MarkerSyntaxException : FormatException
    {
        public MarkerSyntaxException(string reason) : base(reason) { }
    }

    /// <summary>
    /// PEP 508 environment markers (packaging.python.org, "Dependency specifiers"), evaluated strictly: the grammar
    /// (or/and/parentheses over comparisons of a marker variable or a quoted string with another), an unknown
    /// variable or a stray token is an error rather than a guess. Comparisons follow pypa/packaging 26 (what pip vendors):
    /// on the version variables (python_version, python_full_version, implementation_version, platform_release) the
    /// operator with the other side is a PEP 440 specifier and the side given first the version (pre-releases count; a
    /// value that is not PEP 440 matches nothing, so platform_release &gt;= "5" is false for "5.15.0-91-generic");
    /// everywhere else, and when the other side is not a specifier, == and != compare text, &lt;= and &gt;= are equality,
    /// &lt; and &gt; are false, and ~= and === are undefined (an error); in and not in are substring tests.
    /// "extra" compares names normalized (PEP 685). One side must be a marker variable. The PEP 345 spellings packaging
    /// still accepts (os.name, sys.platform, platform.version, platform.machine, platform.python_implementation,
    /// python_implementation) name the same variables.
    /// </summary>
    public static class Markers
    {
        private static readonly string[] Variables =
        {
            "python_version", "python_full_version", "os_name", "sys_platform", "platform_system", "platform_machine",
            "platform_release", "platform_version", "platform_python_implementation", "implementation_name",
            "implementation_version", "extra",
        };

        // The PEP 345 spellings packaging (and so pip) still reads, as the variables they name.
        private static readonly Dictionary<string, string> Legacy = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["os.name"] = "os_name", ["sys.platform"] = "sys_platform", ["platform.version"] = "platform_version",
            ["platform.machine"] = "platform_machine", ["platform.python_implementation"] = "platform_python_implementation",
            ["python_implementation"] = "platform_python_implementation",
        };

        private static readonly string[] Comparisons = { "===", "~=", "==", "!=", "<=", ">=", "<", ">" };

        /// <summary>Whether <paramref name="marker"/> holds in <paramref name="environment"/> with <paramref name="extra"/> ("" for none).</summary>
        /// <exception cref="MarkerSyntaxException">The marker is not PEP 508, or compares in a way it leaves undefined.</exception>
        public static bool Evaluate(string marker, MarkerEnvironment environment, string extra = "")
        {
            var parser = new Parser(Tokenize(marker), environment, PackageName.Normalize(extra));
            var result = parser.Or();
            if (!parser.AtEnd) throw new MarkerSyntaxException($"unexpected '{parser.Peek.Text}' after a complete expression");
            return result;
        }

        /// <summary>Whether the marker holds for a plain install or for any of the extras asked for.</summary>
        public static bool Evaluate(string marker, MarkerEnvironment environment, IEnumerable<string> extras) =>
            new[] { "" }.Concat(extras).Any(e => Evaluate(marker, environment, e));

        private enum Kind { Open, Close, String, Word, Operator }

        private readonly struct Token
        {
            public Token(Kind kind, string text) { Kind = kind; Text = text; }
            public Kind Kind { get; }
            public string Text { get; }
        }

        private static List<Token> Tokenize(string marker)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (i < marker.Length)
            {
                var c = marker[i];
                if (c == ' ' || c == '\t') { i++; continue; }
                if (c == '(' || c == ')') { tokens.Add(new Token(c == '(' ? Kind.Open : Kind.Close, c.ToString())); i++; continue; }
                if (c == '"' || c == '\'')
                {
                    var end = marker.IndexOf(c, i + 1);
                    if (end < 0) throw new MarkerSyntaxException($"the string starting at character {i + 1} is not closed");
                    tokens.Add(new Token(Kind.String, marker.Substring(i + 1, end - i - 1)));
                    i = end + 1;
                    continue;
                }
                var op = Comparisons.FirstOrDefault(o => string.CompareOrdinal(marker, i, o, 0, o.Length) == 0);
                if (op != null) { tokens.Add(new Token(Kind.Operator, op)); i += op.Length; continue; }
                if (char.IsLetter(c) || c == '_')
                {
                    var start = i;
                    while (i < marker.Length && (char.IsLetterOrDigit(marker[i]) || marker[i] == '_' || marker[i] == '.')) i++;
                    var word = marker.Substring(start, i - start);
                    tokens.Add(new Token(Kind.Word, Legacy.TryGetValue(word, out var modern) ? modern : word));
                    continue;
                }
                throw new MarkerSyntaxException($"unexpected character '{c}' at position {i + 1}");
            }
            return tokens;
        }

        private sealed class Parser
        {
            private readonly List<Token> _tokens;
            private readonly MarkerEnvironment _environment;
            private readonly string _extra;
            private int _at;

            public Parser(List<Token> tokens, MarkerEnvironment environment, string extra)
            {
                _tokens = tokens;
                _environment = environment;
                _extra = extra;
            }

            public bool AtEnd => _at >= _tokens.Count;
            public Token Peek => _tokens[_at];

            private bool IsWord(string word) => !AtEnd && Peek.Kind == Kind.Word && Peek.Text == word;

            private Token Next(string expected)
            {
                if (AtEnd) throw new MarkerSyntaxException($"it ends where {expected} was expected");
                return _tokens[_at++];
            }

            // Both sides are evaluated, without short-circuit: an error anywhere in the marker is an error.
            public bool Or()
            {
                var result = And();
                while (IsWord("or")) { _at++; result = And() | result; }
                return result;
            }

            private bool And()
            {
                var result = Expression();
                while (IsWord("and")) { _at++; result = Expression() & result; }
                return result;
            }

            private bool Expression()
            {
                if (!AtEnd && Peek.Kind == Kind.Open)
                {
                    _at++;
                    var inner = Or();
                    var close = Next("')'");
                    if (close.Kind != Kind.Close) throw new MarkerSyntaxException($"'{close.Text}' where ')' was expected");
                    return inner;
                }
                var (left, leftVariable) = Value();
                var op = Operator();
                var (right, rightVariable) = Value();
                // packaging decides by the variable: the left one when both sides are variables.
                var key = leftVariable ?? rightVariable
                    ?? throw new MarkerSyntaxException($"'{left}' {op} '{right}' compares two strings; one side must be a marker variable");
                // PEP 685: extra names compare normalized, on whichever side the variable stands.
                if (key == "extra") { left = PackageName.Normalize(left); right = PackageName.Normalize(right); }
                return Compare(left, op, right, key);
            }

            private (string value, string? variable) Value()
            {
                var token = Next("a marker variable or a quoted string");
                if (token.Kind == Kind.String) return (token.Text, null);
                if (token.Kind != Kind.Word || !Variables.Contains(token.Text))
                    throw new MarkerSyntaxException(token.Kind == Kind.Word
                        ? $"'{token.Text}' is not a marker variable (known: {string.Join(", ", Variables)})"
                        : $"'{token.Text}' where a marker variable or a quoted string was expected");
                if (token.Text == "extra") return (_extra, token.Text);
                _environment.TryGet(token.Text, out var value);
                return (value ?? "", token.Text);
            }

            private string Operator()
            {
                var token = Next("a comparison");
                if (token.Kind == Kind.Operator) return token.Text;
                if (token.Kind == Kind.Word && token.Text == "in") return "in";
                if (token.Kind == Kind.Word && token.Text == "not")
                {
                    var next = Next("'in' after 'not'");
                    if (next.Kind == Kind.Word && next.Text == "in") return "not in";
                }
                throw new MarkerSyntaxException($"'{token.Text}' where a comparison (<, <=, ==, !=, >=, >, ~=, ===, in, not in) was expected");
            }
        }

        // packaging's MARKERS_REQUIRING_VERSION.
        private static readonly string[] VersionVariables = { "python_version", "python_full_version", "implementation_version", "platform_release" };

        private static bool Compare(string left, string op, string right, string key)
        {
            if (op == "in") return right.IndexOf(left, StringComparison.Ordinal) >= 0;
            if (op == "not in") return right.IndexOf(left, StringComparison.Ordinal) < 0;
            // PEP 440 on the version variables when the operator and the right side make a specifier: the left side is
            // the version (pre-releases count, as packaging evaluates markers), and one that is not PEP 440 matches nothing.
            if (Array.IndexOf(VersionVariables, key) >= 0 && Pep440Specifier.TryParse(op + right, out var specifier))
            {
                if (op == "===") return string.Equals(left.Trim(), right.Trim(), StringComparison.OrdinalIgnoreCase);
                return Pep440Version.TryParse(left, out var version) && specifier.IsSatisfiedBy(version, includePrereleases: true);
            }
            switch (op)
            {
                case "==": case "<=": case ">=": return string.Equals(left, right, StringComparison.Ordinal);
                case "!=": return !string.Equals(left, right, StringComparison.Ordinal);
                case "<": case ">": return false;
                default: throw new MarkerSyntaxException($"'{left}' {op} '{right}' is undefined: {op} is defined for versions only (PEP 440 values of {string.Join(", ", VersionVariables)})");
            }
        }
    }
}
