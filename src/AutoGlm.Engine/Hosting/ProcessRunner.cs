using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace AutoGlm.Engine.Hosting
{
    /// <summary>
    /// Runs one external tool as an argv array (never a shell string) with a timeout. Standard input is
    /// closed so a tool cannot wait on a prompt; output is captured up to a cap; a tool that outlives its
    /// timeout is killed with its children and reported as TimedOut.
    /// </summary>
    public static class ProcessRunner
    {
        private const int OutputCapBytes = 8 * 1024 * 1024;

        // After the tool exits (or is killed), how long to wait for its pipes to drain. A grandchild that
        // inherited stdout can keep the pipe open forever; we must not wait for it.
        private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

        // ProcessStartInfo.ArgumentList and Process.Kill(bool) exist on .NET Core 2.1+/3.0+ but not in
        // netstandard2.0; we use them when the runtime has them (PowerShell 7, the CLI) and fall back to
        // Windows argument quoting and a plain Kill on .NET Framework (Windows PowerShell 5.1).
        private static readonly PropertyInfo? ArgumentListProperty = typeof(ProcessStartInfo).GetProperty("ArgumentList");
        private static readonly MethodInfo? KillTreeMethod = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });

        public static CommandResult Run(string executable, IReadOnlyList<string> argv, TimeSpan timeout,
            IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
        {
            var psi = new ProcessStartInfo
            {
                FileName = executable,
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            if (workingDirectory != null) psi.WorkingDirectory = workingDirectory;
            // Parse-stable output from tools regardless of the operator's locale.
            psi.EnvironmentVariables["LC_ALL"] = "C";
            psi.EnvironmentVariables["LANG"] = "C";
            // No tool may wait on a prompt: stdin is closed above, and git, which asks for credentials on
            // the terminal itself, is told not to (nor the Git Credential Manager to open a window).
            psi.EnvironmentVariables["GIT_TERMINAL_PROMPT"] = "0";
            psi.EnvironmentVariables["GCM_INTERACTIVE"] = "never";
            if (environment != null)
            {
                foreach (var kv in environment)
                {
                    if (kv.Value == null) psi.EnvironmentVariables.Remove(kv.Key);
                    else psi.EnvironmentVariables[kv.Key] = kv.Value;
                }
            }
            if (ArgumentListProperty?.GetValue(psi) is Collection<string> list)
            {
                for (int i = 1; i < argv.Count; i++) list.Add(argv[i]);
            }
            else
            {
                var sb = new StringBuilder();
                for (int i = 1; i < argv.Count; i++)
                {
                    if (i > 1) sb.Append(' ');
                    AppendWindowsArgument(sb, argv[i]);
                }
                psi.Arguments = sb.ToString();
            }

            var watch = Stopwatch.StartNew();
            Process process;
            try
            {
                process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
            }
            catch (Exception ex)
            {
                return new CommandResult(argv, CommandStatus.FailedToStart, -1, "", ex.Message, watch.Elapsed, timeout);
            }

            using (process)
            {
                try { process.StandardInput.Close(); } catch (IOException) { }
                var stdout = new CappedBuffer();
                var stderr = new CappedBuffer();
                var outTask = Pump(process.StandardOutput.BaseStream, stdout);
                var errTask = Pump(process.StandardError.BaseStream, stderr);

                bool exited = process.WaitForExit((int)Math.Min(int.MaxValue, Math.Max(1, timeout.TotalMilliseconds)));
                if (!exited) Kill(process);
                Task.WaitAll(new[] { outTask, errTask }, DrainGrace);
                watch.Stop();
                if (!exited)
                    return new CommandResult(argv, CommandStatus.TimedOut, -1, stdout.Text, stderr.Text, watch.Elapsed, timeout);
                return new CommandResult(argv, CommandStatus.Completed, process.ExitCode, stdout.Text, stderr.Text, watch.Elapsed, timeout);
            }
        }

        private static void Kill(Process process)
        {
            try
            {
                if (KillTreeMethod != null) KillTreeMethod.Invoke(process, new object[] { true });
                else process.Kill();
                process.WaitForExit(2000);
            }
            catch (Exception)
            {
                // Already gone, or not ours to kill: either way we stop waiting for it.
            }
        }

        // Dedicated threads, not the thread pool: probes block pool threads while tools run, and pumps
        // queued behind them would wait for the pool to grow (about a second per thread).
        private static Task Pump(Stream stream, CappedBuffer into) => Task.Factory.StartNew(() =>
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) into.Append(buffer, n);
            }
            catch (Exception)
            {
                // The pipe broke because the process was killed; keep what arrived.
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        private sealed class CappedBuffer
        {
            private readonly MemoryStream _stream = new MemoryStream();
            private readonly object _gate = new object();

            public void Append(byte[] data, int count)
            {
                lock (_gate)
                {
                    int room = OutputCapBytes - (int)_stream.Length;
                    if (room > 0) _stream.Write(data, 0, Math.Min(room, count));
                }
            }

            public string Text
            {
                get { lock (_gate) return Encoding.UTF8.GetString(_stream.ToArray()); }
            }
        }

        /// <summary>Quoting per the Microsoft C runtime rules (as .NET's PasteArguments does).</summary>
        internal static void AppendWindowsArgument(StringBuilder sb, string arg)
        {
            if (arg.Length != 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0)
            {
                sb.Append(arg);
                return;
            }
            sb.Append('"');
            int i = 0;
            while (i < arg.Length)
            {
                int backslashes = 0;
                while (i < arg.Length && arg[i] == '\\') { i++; backslashes++; }
                if (i == arg.Length) { sb.Append('\\', backslashes * 2); break; }
                if (arg[i] == '"') { sb.Append('\\', backslashes * 2 + 1); sb.Append('"'); }
                else { sb.Append('\\', backslashes); sb.Append(arg[i]); }
                i++;
            }
            sb.Append('"');
        }
    }
}
