using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Facts
{
    /// <summary>What the probes need to know beyond the host.</summary>
    public sealed class ProbeContext
    {
        public ProbeContext(IHost host, ProfileEntry profile, string? installPath = null, int? port = null, TimeSpan? commandTimeout = null)
        {
            Host = host;
            Profile = profile;
            InstallPath = installPath ?? profile.InstallPath ?? "/opt/autoglm";
            Port = port ?? profile.Port;
            CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(10);
            _smiLog = new Lazy<CommandResult>(() => Host.Run(GpuProbes.SmiLogArgv, CommandTimeout), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        private readonly Lazy<CommandResult> _smiLog;

        /// <summary>
        /// `nvidia-smi -q -x`, run at most once per evaluation and shared by every probe that reads it (GPUs and
        /// versions, BAR1 where sysfs has none): one nvidia-smi process per check run. A snapshot without it
        /// (recorded before AutoGlm asked it) throws <see cref="SnapshotGapException"/>, each time it is asked.
        /// </summary>
        public CommandResult NvidiaSmiLog() => _smiLog.Value;

        public IHost Host { get; }
        public ProfileEntry Profile { get; }
        public string InstallPath { get; }
        public int? Port { get; }
        /// <summary>How long any one external tool may run.</summary>
        public TimeSpan CommandTimeout { get; }

        /// <summary>
        /// The NVML library to query (a name dlopen searches, or a path), or null to use nvidia-smi only.
        /// Set for the live host; never for a snapshot or a fixture root, whose GPUs are not this machine's.
        /// </summary>
        public string? NvmlLibrary { get; set; }

        /// <summary>
        /// Windows: CIM instances already collected (the cmdlet's session hands them over); when null, the
        /// Windows probes run powershell.exe once and keep the answer here for the others.
        /// </summary>
        public CimData? CimInstances { get; set; }

        /// <summary>
        /// AutoGlm's GPU catalogue: a PCI-only GPU it lacks is looked up in the host's own pci.ids and
        /// supported-gpus.json. Null: every PCI-only GPU is (a caller without a matrix). A function, so the
        /// catalogue is read only when a GPU without a driver needs it.
        /// </summary>
        public Func<Matrix.GpuCatalogue>? GpuCatalogue { get; set; }
        internal object CimLock { get; } = new object();

        /// <summary>Run the runtime probe (import torch in the venv): -IncludeRuntime / --runtime.</summary>
        public bool IncludeRuntime { get; set; }

        /// <summary>
        /// How long the runtime probe may run; null: twice <see cref="CommandTimeout"/> (importing torch and
        /// initialising CUDA takes far longer than a tool query). Its own limit, so that a short one for the
        /// import does not also cut short the interpreter and venv probes it depends on.
        /// </summary>
        public TimeSpan? RuntimeTimeout { get; set; }

        public CommandResult Run(params string[] argv) => Host.Run(argv, CommandTimeout);
    }

    /// <summary>A named probe producing one kind of facts.</summary>
    public sealed class Probe
    {
        public Probe(string name, Type factType, Func<ProbeContext, FactSet> collect)
        {
            Name = name;
            FactType = factType;
            Collect = collect;
        }

        public string Name { get; }
        public Type FactType { get; }
        public Func<ProbeContext, FactSet> Collect { get; }

        public static Probe Of<T>(string name, Func<ProbeContext, T> collect) where T : FactSet => new Probe(name, typeof(T), collect);
    }

    /// <summary>All facts gathered for one evaluation, by type.</summary>
    public sealed class HostFacts
    {
        private readonly Dictionary<Type, FactSet> _facts = new Dictionary<Type, FactSet>();

        public HostFacts(IHost host) { Host = host; }

        public IHost Host { get; }

        /// <summary>Wall time of each probe, for the benchmark and -Verbose.</summary>
        public Dictionary<string, TimeSpan> ProbeTimes { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

        public T Get<T>() where T : FactSet, new() =>
            _facts.TryGetValue(typeof(T), out var f) ? (T)f : new T { UnknownReason = $"no probe collected {typeof(T).Name}" };

        internal void Set(Type type, FactSet facts) => _facts[type] = facts;
    }

    /// <summary>
    /// Runs probes in parallel, each bounded: a tool is killed at its own timeout, and a probe that still
    /// has not finished by the overall deadline becomes Unknown instead of holding the command.
    /// Progress is reported on the caller's thread (PowerShell allows WriteProgress only there).
    /// </summary>
    public static class FactCollector
    {
        public static HostFacts Collect(ProbeContext context, IReadOnlyList<Probe> probes, IEngineOutput? output = null, TimeSpan? deadline = null)
        {
            var limit = deadline ?? TimeSpan.FromTicks(context.CommandTimeout.Ticks * 3);
            var facts = new HostFacts(context.Host);
            var watch = Stopwatch.StartNew();
            // A snapshot answers from memory and never blocks: threads would only cost (a fleet triage replays hundreds).
            if (context.Host is SnapshotHost)
            {
                foreach (var probe in probes)
                {
                    var (set, elapsed) = RunOne(probe, context);
                    facts.Set(probe.FactType, set);
                    facts.ProbeTimes[probe.Name] = elapsed;
                }
                return facts;
            }
            // Each probe on its own thread: they block on tools, and must not wait on a starved thread pool.
            var running = probes.Select(p => (probe: p, task: Task.Factory.StartNew(() => RunOne(p, context),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))).ToList();
            var pending = running.ToList();
            int done = 0;
            while (pending.Count > 0)
            {
                var remaining = limit - watch.Elapsed;
                if (remaining <= TimeSpan.Zero) break;
                int index = Task.WaitAny(pending.Select(p => (Task)p.task).ToArray(), remaining);
                if (index < 0) break;
                var finished = pending[index];
                pending.RemoveAt(index);
                done++;
                output?.Progress("Probing the host", finished.probe.Name, done * 100 / probes.Count);
                output?.Verbose(Messages.Format("Verbose_ProbeFinished", finished.probe.Name, finished.task.Result.elapsed.TotalMilliseconds));
            }
            output?.Progress("Probing the host", "done", -1);
            foreach (var (probe, task) in running)
            {
                if (task.IsCompleted)
                {
                    facts.Set(probe.FactType, task.Result.facts);
                    facts.ProbeTimes[probe.Name] = task.Result.elapsed;
                }
                else
                {
                    var unknown = (FactSet)Activator.CreateInstance(probe.FactType)!;
                    unknown.UnknownReason = $"the {probe.Name} probe did not finish within {limit.TotalSeconds:0.#} s";
                    facts.Set(probe.FactType, unknown);
                    facts.ProbeTimes[probe.Name] = limit;
                }
            }
            return facts;
        }

        private static (FactSet facts, TimeSpan elapsed) RunOne(Probe probe, ProbeContext context)
        {
            var watch = Stopwatch.StartNew();
            FactSet result;
            try
            {
                result = probe.Collect(context);
            }
            catch (SnapshotGapException gap)
            {
                result = (FactSet)Activator.CreateInstance(probe.FactType)!;
                result.UnknownReason = gap.Message;
            }
            catch (Exception ex)
            {
                // A probe bug must not take the whole check down; it is reported as what it is.
                result = (FactSet)Activator.CreateInstance(probe.FactType)!;
                result.UnknownReason = $"the {probe.Name} probe failed: {ex.GetType().Name}: {ex.Message}";
            }
            return (result, watch.Elapsed);
        }
    }
}
