using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace AutoGlm.Cli
{
    /// <summary>Bad command-line usage: printed as one line on stderr, exit code 2.</summary>
    public sealed class UsageException : Exception
    {
        public UsageException(string message) : base(message) { }
    }

    /// <summary>
    /// A deliberately small, strict option parser: `--name value`, `--name=value`, flags, repeatable
    /// options. Anything unknown is an error, never ignored.
    /// </summary>
    public sealed class Args
    {
        private readonly Dictionary<string, List<string>> _values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        private readonly HashSet<string> _flags = new HashSet<string>(StringComparer.Ordinal);

        public static Args Parse(IReadOnlyList<string> argv, string command, IEnumerable<string> valueOptions, IEnumerable<string> flagOptions)
        {
            var values = new HashSet<string>(valueOptions);
            var flags = new HashSet<string>(flagOptions) { "help" };
            var args = new Args();
            for (int i = 0; i < argv.Count; i++)
            {
                var token = argv[i];
                if (token == "-h") token = "--help";
                if (!token.StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"'{command}' takes no argument '{token}'. See 'autoglm {command} --help'.");
                var name = token.Substring(2);
                string? inline = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) { inline = name.Substring(eq + 1); name = name.Substring(0, eq); }
                if (flags.Contains(name))
                {
                    if (inline != null) throw new UsageException($"--{name} takes no value.");
                    args._flags.Add(name);
                }
                else if (values.Contains(name))
                {
                    var value = inline ?? (i + 1 < argv.Count ? argv[++i] : throw new UsageException($"--{name} needs a value."));
                    if (!args._values.TryGetValue(name, out var list)) args._values[name] = list = new List<string>();
                    list.Add(value);
                }
                else
                {
                    throw new UsageException($"'{command}' has no option '--{name}'. See 'autoglm {command} --help'.");
                }
            }
            return args;
        }

        public bool Flag(string name) => _flags.Contains(name);

        public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : (IReadOnlyList<string>)Array.Empty<string>();

        public string? One(string name)
        {
            var all = All(name);
            if (all.Count > 1) throw new UsageException($"--{name} was given {all.Count} times; give it once.");
            return all.Count == 1 ? all[0] : null;
        }

        public string Choice(string name, string fallback, params string[] allowed)
        {
            var value = One(name) ?? fallback;
            if (!allowed.Contains(value)) throw new UsageException($"--{name} must be one of: {string.Join(", ", allowed)} (got '{value}').");
            return value;
        }

        public int? Int(string name, int min, int max)
        {
            var value = One(name);
            if (value == null) return null;
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
                throw new UsageException($"--{name} must be a whole number from {min} to {max} (got '{value}').");
            return n;
        }
    }
}
