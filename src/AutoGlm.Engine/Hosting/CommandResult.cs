using System;
using System.Collections.Generic;

namespace AutoGlm.Engine.Hosting
{
    public enum CommandStatus
    {
        /// <summary>The tool ran and exited (with any exit code).</summary>
        Completed,
        /// <summary>The tool is not on PATH.</summary>
        NotFound,
        /// <summary>The tool ran past its timeout and was killed.</summary>
        TimedOut,
        /// <summary>The tool was found but could not be started.</summary>
        FailedToStart,
    }

    /// <summary>What running one external tool produced. A missing or hung tool is a result, not an exception.</summary>
    public sealed class CommandResult
    {
        public CommandResult(IReadOnlyList<string> argv, CommandStatus status, int exitCode, string stdout, string stderr, TimeSpan elapsed, TimeSpan timeout)
        {
            Argv = argv;
            Status = status;
            ExitCode = exitCode;
            Stdout = stdout;
            Stderr = stderr;
            Elapsed = elapsed;
            Timeout = timeout;
        }

        public IReadOnlyList<string> Argv { get; }
        public CommandStatus Status { get; }
        public int ExitCode { get; }
        public string Stdout { get; }
        public string Stderr { get; }
        public TimeSpan Elapsed { get; }
        public TimeSpan Timeout { get; }

        public bool Succeeded => Status == CommandStatus.Completed && ExitCode == 0;

        public string CommandLine => ArgvText.Join(Argv);

        /// <summary>A one-line account of why the tool gave no usable answer, for an Unknown check.</summary>
        public string Describe()
        {
            switch (Status)
            {
                case CommandStatus.NotFound: return $"'{Argv[0]}' is not installed (not found on PATH)";
                case CommandStatus.TimedOut: return $"'{CommandLine}' timed out after {Timeout.TotalSeconds:0.#} s";
                case CommandStatus.FailedToStart: return $"'{CommandLine}' could not be started: {FirstLine(Stderr)}";
                default:
                    var detail = FirstLine(Stderr.Length > 0 ? Stderr : Stdout);
                    return ExitCode == 0
                        ? $"'{CommandLine}' succeeded"
                        : $"'{CommandLine}' exited with code {ExitCode}" + (detail.Length > 0 ? $": {detail}" : "");
            }
        }

        private static string FirstLine(string text)
        {
            text = text.Trim();
            int nl = text.IndexOf('\n');
            return nl >= 0 ? text.Substring(0, nl).TrimEnd('\r') : text;
        }
    }

    /// <summary>Renders argv for people (plans, messages). Never used to run anything.</summary>
    public static class ArgvText
    {
        public static string Join(IEnumerable<string> argv)
        {
            var parts = new List<string>();
            foreach (var a in argv) parts.Add(Quote(a));
            return string.Join(" ", parts);
        }

        /// <summary>POSIX-shell quoting, so a person can paste the command.</summary>
        public static string Quote(string arg)
        {
            if (arg.Length == 0) return "''";
            foreach (char c in arg)
            {
                if (!(char.IsLetterOrDigit(c) || "-_./=:,+@%^".IndexOf(c) >= 0))
                    return "'" + arg.Replace("'", "'\\''") + "'";
            }
            return arg;
        }
    }
}
