using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace AutoGlm.ServiceHost
{
    /// <summary>A definition file the host cannot use; the message names the file and what to fix, never a secret's value.</summary>
    public sealed class HostConfigException : Exception
    {
        public HostConfigException(string message) : base(message) { }
    }

    /// <summary>
    /// The service definition AutoGlm writes (WindowsServicePlan): what to run, where, with which environment,
    /// how long a stop may take, how to restart, and where the log goes.
    /// </summary>
    public sealed class HostConfig
    {
        public string Name { get; set; } = "";
        public string Executable { get; set; } = "";
        public IReadOnlyList<string> Arguments { get; set; } = Array.Empty<string>();
        public string? WorkingDirectory { get; set; }
        /// <summary>KEY="value" lines with secrets (API keys, HF_TOKEN); read at every start, never logged.</summary>
        public string? EnvironmentFile { get; set; }
        public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();
        public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(90);
        public TimeSpan RestartDelay { get; set; } = TimeSpan.FromSeconds(5);
        public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromMinutes(5);
        /// <summary>A child that ran this long before it exited counts as healthy: the next restart waits RestartDelay again.</summary>
        public TimeSpan ResetAfter { get; set; } = TimeSpan.FromMinutes(10);
        public string LogDirectory { get; set; } = "";
        public string LogFile { get; set; } = "";
        public long LogMaxBytes { get; set; } = 10L * 1024 * 1024;
        public int LogKeepFiles { get; set; } = 5;

        public string LogPath => Path.Combine(LogDirectory, LogFile);

        public static HostConfig Load(string path)
        {
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new HostConfigException($"Cannot read the service definition '{path}': {e.Message} Re-run Register-AutoGlmService to write it.");
            }
            return Parse(text, path);
        }

        public static HostConfig Parse(string text, string source = "the service definition")
        {
            object? root;
            try { root = MiniJson.Parse(text); }
            catch (FormatException e) { throw new HostConfigException($"{source} is not valid JSON ({e.Message}). Re-run Register-AutoGlmService to rewrite it."); }
            if (!(root is Dictionary<string, object?> o)) throw new HostConfigException($"{source} must hold a JSON object.");

            var config = new HostConfig
            {
                Name = Text(o, "name", source, required: true)!,
                Executable = Text(o, "executable", source, required: true)!,
                WorkingDirectory = Text(o, "workingDirectory", source),
                EnvironmentFile = Text(o, "environmentFile", source),
                StopTimeout = Seconds(o, "stopTimeoutSeconds", source, 90, min: 1),
            };
            if (o.TryGetValue("arguments", out var args) && args != null)
            {
                if (!(args is List<object?> list) || list.Any(a => !(a is string)))
                    throw new HostConfigException($"{source}: 'arguments' must be an array of strings.");
                config.Arguments = list.Cast<string>().ToList();
            }
            if (o.TryGetValue("environment", out var env) && env != null)
            {
                if (!(env is Dictionary<string, object?> map) || map.Values.Any(v => !(v is string)))
                    throw new HostConfigException($"{source}: 'environment' must be an object of string values.");
                config.Environment = map.ToDictionary(kv => kv.Key, kv => (string)kv.Value!, StringComparer.OrdinalIgnoreCase);
            }
            if (o.TryGetValue("restart", out var restart) && restart is Dictionary<string, object?> r)
            {
                config.RestartDelay = Seconds(r, "initialDelaySeconds", source, 5, min: 0);
                config.MaxRestartDelay = Seconds(r, "maxDelaySeconds", source, 300, min: 0);
                config.ResetAfter = Seconds(r, "resetAfterSeconds", source, 600, min: 0);
                if (config.MaxRestartDelay < config.RestartDelay)
                    throw new HostConfigException($"{source}: restart.maxDelaySeconds is less than restart.initialDelaySeconds.");
            }
            if (!(o.TryGetValue("log", out var log) && log is Dictionary<string, object?> l))
                throw new HostConfigException($"{source} has no 'log' object (directory, file, maxSizeMB, keepFiles).");
            config.LogDirectory = Text(l, "directory", source, required: true)!;
            config.LogFile = Text(l, "file", source, required: true)!;
            if (config.LogFile.IndexOfAny(new[] { '/', '\\' }) >= 0) throw new HostConfigException($"{source}: log.file must be a file name, not a path.");
            config.LogMaxBytes = (long)(Number(l, "maxSizeMB", source, 10, min: 0.001) * 1024 * 1024);
            config.LogKeepFiles = (int)Number(l, "keepFiles", source, 5, min: 0);
            return config;
        }

        /// <summary>
        /// Reads the KEY="value" lines AutoGlm writes (SystemdUnit.EnvironmentFileText: \\, \", \$ and \` escaped),
        /// plus plain KEY=value, '#' comments and blank lines. Errors name the line, never its content.
        /// </summary>
        public static Dictionary<string, string> ParseEnvironmentFile(string text, string source = "the environment file")
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var lines = text.Replace("\r\n", "\n").Split('\n');
            for (int n = 0; n < lines.Length; n++)
            {
                var line = lines[n].Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                int eq = line.IndexOf('=');
                var key = eq > 0 ? line.Substring(0, eq).Trim() : "";
                if (key.Length == 0 || !key.All(c => c == '_' || char.IsLetterOrDigit(c)) || char.IsDigit(key[0]))
                    throw new HostConfigException($"Line {n + 1} of {source} is not KEY=\"value\". Re-run Register-AutoGlmService with -Environment to rewrite it.");
                var raw = line.Substring(eq + 1);
                if (raw.Length >= 2 && raw[0] == '"' && raw[raw.Length - 1] == '"')
                {
                    var sb = new StringBuilder();
                    for (int i = 1; i < raw.Length - 1; i++)
                    {
                        if (raw[i] == '\\' && i + 1 < raw.Length - 1) i++;
                        sb.Append(raw[i]);
                    }
                    result[key] = sb.ToString();
                }
                else if (raw.Length > 0 && raw[0] == '"')
                    throw new HostConfigException($"Line {n + 1} of {source} ({key}) has an unterminated quote. Re-run Register-AutoGlmService with -Environment to rewrite it.");
                else result[key] = raw;
            }
            return result;
        }

        /// <summary>The environment file's values, or none when the definition names no file.</summary>
        public Dictionary<string, string> ReadSecrets()
        {
            if (string.IsNullOrEmpty(EnvironmentFile)) return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string text;
            try { text = File.ReadAllText(EnvironmentFile); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new HostConfigException($"Cannot read the environment file '{EnvironmentFile}': {e.Message} Re-run Register-AutoGlmService to rewrite it and its permissions.");
            }
            return ParseEnvironmentFile(text, EnvironmentFile!);
        }

        private static string? Text(Dictionary<string, object?> o, string key, string source, bool required = false)
        {
            if (o.TryGetValue(key, out var v) && v is string s && s.Length > 0) return s;
            if (o.TryGetValue(key, out v) && v != null && !(v is string)) throw new HostConfigException($"{source}: '{key}' must be a string.");
            if (required) throw new HostConfigException($"{source} has no '{key}'. Re-run Register-AutoGlmService to rewrite it.");
            return null;
        }

        private static double Number(Dictionary<string, object?> o, string key, string source, double fallback, double min)
        {
            if (!o.TryGetValue(key, out var v) || v == null) return fallback;
            if (!(v is double d) || d < min || double.IsNaN(d) || double.IsInfinity(d)) throw new HostConfigException($"{source}: '{key}' must be a number of at least {min}.");
            return d;
        }

        private static TimeSpan Seconds(Dictionary<string, object?> o, string key, string source, double fallback, double min) =>
            TimeSpan.FromSeconds(Number(o, key, source, fallback, min));
    }
}
