using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace AutoGlm.ServiceHost
{
    /// <summary>What to start: argv, working directory and the environment added to the host's own.</summary>
    public sealed class ChildSpec
    {
        public string Executable { get; set; } = "";
        public IReadOnlyList<string> Arguments { get; set; } = Array.Empty<string>();
        public string? WorkingDirectory { get; set; }
        public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();
    }

    /// <summary>A started child: its output, its exit, and the two ways to end it.</summary>
    public interface IChildProcess : IDisposable
    {
        int Id { get; }
        StreamReader StandardOutput { get; }
        StreamReader StandardError { get; }
        bool WaitForExit(TimeSpan timeout);
        bool HasExited { get; }
        int ExitCode { get; }
        /// <summary>Ask the child to stop (Ctrl-C on Windows, SIGTERM elsewhere); it may ignore it.</summary>
        void Interrupt();
        /// <summary>End the child and everything it started, now.</summary>
        void KillTree();
    }

    public interface IProcessLauncher
    {
        IChildProcess Start(ChildSpec spec);
    }

    /// <summary>
    /// Children through System.Diagnostics.Process: argv as a Windows command line (CommandLine), stdin closed,
    /// stdout and stderr piped. Interrupt and KillTree are POSIX here (SIGTERM; SIGKILL to the child and its
    /// descendants found in /proc); the Windows host overrides them with a console Ctrl-C and a Job Object.
    /// </summary>
    public class SystemProcessLauncher : IProcessLauncher
    {
        public IChildProcess Start(ChildSpec spec)
        {
            var psi = new ProcessStartInfo(spec.Executable, CommandLine.Join(spec.Arguments))
            {
                UseShellExecute = false,
                CreateNoWindow = true,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = spec.WorkingDirectory ?? "",
            };
            foreach (var kv in spec.Environment) psi.EnvironmentVariables[kv.Key] = kv.Value;
            var process = Process.Start(psi) ?? throw new InvalidOperationException($"{spec.Executable} did not start.");
            // No one types into a service: the child sees end of input at once instead of waiting on it.
            process.StandardInput.Close();
            OnStarted(process);
            return new Child(this, process);
        }

        /// <summary>Right after the start: the Windows host puts the child into its Job Object here.</summary>
        protected virtual void OnStarted(Process process) { }

        protected virtual void Interrupt(Process process)
        {
            if (!process.HasExited) kill(process.Id, 15);
        }

        protected virtual void KillTree(Process process)
        {
            foreach (var pid in Descendants(process.Id).Prepend(process.Id)) kill(pid, 9);
        }

        protected virtual void OnExited(Process process) { }

        /// <summary>The child's descendants from /proc/*/stat (parent pid is field 4, after the parenthesised name).</summary>
        private static IEnumerable<int> Descendants(int root)
        {
            var parents = new Dictionary<int, int>();
            if (!Directory.Exists("/proc")) return Array.Empty<int>();
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                    parents[pid] = int.Parse(fields[1]);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException || e is ArgumentException) { }
            }
            var found = new List<int>();
            var queue = new Queue<int>(new[] { root });
            while (queue.Count > 0)
            {
                int p = queue.Dequeue();
                foreach (var child in parents.Where(kv => kv.Value == p).Select(kv => kv.Key))
                {
                    found.Add(child);
                    queue.Enqueue(child);
                }
            }
            return found;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int signal);

        private sealed class Child : IChildProcess
        {
            private readonly SystemProcessLauncher _owner;
            private readonly Process _process;

            public Child(SystemProcessLauncher owner, Process process)
            {
                _owner = owner;
                _process = process;
            }

            public int Id => _process.Id;
            public StreamReader StandardOutput => _process.StandardOutput;
            public StreamReader StandardError => _process.StandardError;
            public bool HasExited => _process.HasExited;
            public int ExitCode => _process.ExitCode;

            public bool WaitForExit(TimeSpan timeout)
            {
                if (timeout == System.Threading.Timeout.InfiniteTimeSpan) { _process.WaitForExit(); return true; }
                return _process.WaitForExit((int)Math.Min(int.MaxValue, Math.Max(0, timeout.TotalMilliseconds)));
            }

            public void Interrupt() { if (!_process.HasExited) _owner.Interrupt(_process); }
            public void KillTree() => _owner.KillTree(_process);

            public void Dispose()
            {
                _owner.OnExited(_process);
                _process.Dispose();
            }
        }
    }
}
