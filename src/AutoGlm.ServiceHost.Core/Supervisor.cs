using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace AutoGlm.ServiceHost
{
    /// <summary>
    /// Runs the service's child and keeps it running: starts it with the definition's argv, working directory and
    /// environment (the environment file read at each start), copies its stdout and stderr line by line into the
    /// rotating log, restarts it with backoff when it exits, and on Stop asks it to end (Interrupt) and ends the
    /// whole tree when it has not within the stop timeout. Start returns at once, so the service reports RUNNING
    /// to the SCM in time; all waiting happens on the supervisor's own thread.
    /// </summary>
    public sealed class Supervisor : IDisposable
    {
        private readonly HostConfig _config;
        private readonly IProcessLauncher _launcher;
        private readonly RotatingLog _log;
        private readonly RestartBackoff _backoff;
        private readonly ManualResetEvent _stopRequested = new ManualResetEvent(false);
        private readonly object _gate = new object();
        private Thread? _loop;
        private IChildProcess? _child;
        private List<Thread> _pumps = new List<Thread>();
        private bool _stopping;
        private int _starts;

        public Supervisor(HostConfig config, IProcessLauncher launcher, RotatingLog log)
        {
            _config = config;
            _launcher = launcher;
            _log = log;
            _backoff = new RestartBackoff(config.RestartDelay, config.MaxRestartDelay, config.ResetAfter);
        }

        /// <summary>How many times the child was started.</summary>
        public int Starts => Volatile.Read(ref _starts);

        /// <summary>The delays the supervisor waited before restarts, in order.</summary>
        public List<TimeSpan> RestartDelays { get; } = new List<TimeSpan>();

        /// <summary>Whether the last stop ended the child by force (it did not exit within the stop timeout).</summary>
        public bool Killed { get; private set; }

        public void Start()
        {
            if (_loop != null) throw new InvalidOperationException("The supervisor was already started.");
            _log.Host($"service {_config.Name}: supervising {_config.Executable} (stop timeout {_config.StopTimeout.TotalSeconds:0.#} s; restarts after {_config.RestartDelay.TotalSeconds:0.#} s, doubling up to {_config.MaxRestartDelay.TotalSeconds:0.#} s)");
            _loop = new Thread(Loop) { IsBackground = true, Name = "autoglm-supervisor" };
            _loop.Start();
        }

        /// <summary>Ends the child (gracefully within the stop timeout, else the whole tree by force) and the supervision.</summary>
        public void Stop()
        {
            // Held throughout: the loop disposes an exited child only under the same lock, never while it is stopped here.
            lock (_gate)
            {
                if (_stopping) return;
                _stopping = true;
                _stopRequested.Set();
                var child = _child;
                if (child != null && !child.HasExited)
                {
                    _log.Host($"stopping process {child.Id}: asking it to exit, {_config.StopTimeout.TotalSeconds:0.#} s before it is killed");
                    try { child.Interrupt(); }
                    catch (Exception e) { _log.Host($"could not interrupt process {child.Id}: {e.Message}"); }
                    if (!child.WaitForExit(_config.StopTimeout))
                    {
                        Killed = true;
                        _log.Host($"process {child.Id} did not exit within {_config.StopTimeout.TotalSeconds:0.#} s: ending it and its children");
                        child.KillTree();
                        child.WaitForExit(TimeSpan.FromSeconds(10));
                    }
                }
            }
            _loop?.Join(TimeSpan.FromSeconds(30));
            _log.Host("stopped");
        }

        private void Loop()
        {
            while (true)
            {
                IChildProcess? child = null;
                var started = Stopwatch.StartNew();
                lock (_gate)
                {
                    if (_stopping) return;
                    try
                    {
                        child = _launcher.Start(Spec());
                        _child = child;
                        Interlocked.Increment(ref _starts);
                        _log.Host($"started process {child.Id}: {CommandLine.Join(new[] { _config.Executable }.Concat(_config.Arguments))}");
                        _pumps = new List<Thread> { Pump(child.StandardOutput, "stdout"), Pump(child.StandardError, "stderr") };
                    }
                    catch (Exception e) when (!(e is OutOfMemoryException))
                    {
                        // A bad path, a missing venv or an unreadable environment file: logged, then retried like a crash.
                        _log.Host($"could not start {_config.Executable}: {e.Message}");
                    }
                }
                if (child != null)
                {
                    child.WaitForExit(Timeout.InfiniteTimeSpan);
                    foreach (var pump in _pumps) pump.Join(TimeSpan.FromSeconds(5));
                    int code = child.ExitCode;
                    lock (_gate)
                    {
                        _child = null;
                        child.Dispose();
                    }
                    if (_stopRequested.WaitOne(0))
                    {
                        _log.Host($"process exited with code {code} after the stop request");
                        return;
                    }
                    _log.Host($"process exited with code {code} after {started.Elapsed.TotalSeconds:0.#} s");
                }
                var delay = _backoff.Next(started.Elapsed);
                RestartDelays.Add(delay);
                _log.Host($"restarting in {delay.TotalSeconds:0.###} s ({_backoff.Failures} exit(s) in a row)");
                if (_stopRequested.WaitOne(delay)) return;
            }
        }

        private ChildSpec Spec()
        {
            var env = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var kv in _config.Environment) env[kv.Key] = kv.Value;
            var secrets = _config.ReadSecrets();
            foreach (var kv in secrets) env[kv.Key] = kv.Value;
            if (secrets.Count > 0) _log.Host($"environment: {secrets.Count} value(s) from {_config.EnvironmentFile} (not shown)");
            return new ChildSpec { Executable = _config.Executable, Arguments = _config.Arguments, WorkingDirectory = _config.WorkingDirectory, Environment = env };
        }

        private Thread Pump(StreamReader reader, string name)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    string? line;
                    while ((line = reader.ReadLine()) != null) _log.WriteLine(line);
                }
                catch (Exception e) when (e is IOException || e is ObjectDisposedException) { }
            }) { IsBackground = true, Name = "autoglm-" + name };
            thread.Start();
            return thread;
        }

        public void Dispose()
        {
            Stop();
            _stopRequested.Dispose();
        }
    }
}
