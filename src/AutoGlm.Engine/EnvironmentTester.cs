using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine
{
    /// <summary>What to verify and where. The CLI and Test-AutoGlmEnvironment both fill one of these.</summary>
    public sealed class TestRequest : ProfileRequest
    {
        /// <summary>Directory standing for '/' (live host). Exclusive with <see cref="Snapshot"/>.</summary>
        public string? Root { get; set; }
        /// <summary>A snapshot directory to evaluate instead of the live host.</summary>
        public string? Snapshot { get; set; }
        public IReadOnlyCollection<string>? Categories { get; set; }
        public IReadOnlyCollection<string>? Ids { get; set; }
        public string? InstallPath { get; set; }
        public int? Port { get; set; }
        public TimeSpan? CommandTimeout { get; set; }
        /// <summary>
        /// NVML library to query instead of the default choice (see <see cref="EnvironmentTester.NvmlLibraryFor"/>);
        /// tests point it at a fake libnvidia-ml.
        /// </summary>
        public string? NvmlLibrary { get; set; }
        /// <summary>Also import torch in the venv and ask CUDA (-IncludeRuntime / --runtime): slower.</summary>
        public bool IncludeRuntime { get; set; }
        /// <summary>The runtime probe's own limit; null: twice <see cref="CommandTimeout"/>.</summary>
        public TimeSpan? RuntimeTimeout { get; set; }
        /// <summary>
        /// Windows: CIM instances the caller already collected (Test-AutoGlmEnvironment uses its session's
        /// Get-CimInstance). Null: the Windows probes run powershell.exe themselves.
        /// </summary>
        public CimData? CimInstances { get; set; }
    }

    public sealed class TestRun
    {
        internal TestRun(ProfileEntry profile, IHost host, HostFacts facts, IReadOnlyList<CheckResult> results)
        {
            Profile = profile;
            Host = host;
            Facts = facts;
            Results = results;
        }

        public ProfileEntry Profile { get; }
        public IHost Host { get; }
        public HostFacts Facts { get; }
        public IReadOnlyList<CheckResult> Results { get; }
        public bool AnyFailed => Results.Any(r => r.Status == CheckStatus.Fail);
    }

    /// <summary>What Export-AutoGlmHostSnapshot returns.</summary>
    public sealed class SnapshotInfo
    {
        public string Path { get; set; } = "";
        public string Root { get; set; } = "";
        public int FilesRead { get; set; }
        public int CommandsRun { get; set; }
        public DateTimeOffset Created { get; set; }
        /// <summary>The verdicts the live host gave while it was recorded; evaluating the snapshot gives the same.</summary>
        public IReadOnlyList<CheckResult> Results { get; set; } = Array.Empty<CheckResult>();

        /// <summary>The JSON shape of `autoglm snapshot export --format json`.</summary>
        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["path"] = Path,
            ["root"] = Root,
            ["filesRead"] = FilesRead,
            ["commandsRun"] = CommandsRun,
            ["created"] = Created.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            ["results"] = Results.Select(r => (object?)r.ToJson()).ToList(),
        };
    }

    /// <summary>Test-AutoGlmEnvironment and `autoglm test`: probes → facts → checks.</summary>
    public static class EnvironmentTester
    {
        /// <summary>Checks about kernel modules, DKMS, apt/dnf and the Linux kernel log: skipped on a Windows host.</summary>
        internal static readonly HashSet<string> LinuxOnlyChecks = new HashSet<string>(StringComparer.Ordinal)
        {
            "os.kernel", "disk.media", "driver.flavor", "driver.pinned", "driver.unattended-upgrades", "driver.dkms", "driver.nouveau",
            "driver.next-boot-kernel", "driver.install-method", "secureboot.module-rejected", "cuda.toolkit",
        };

        public static IReadOnlyList<CheckInfo> ListChecks(IReadOnlyCollection<string>? categories = null, IReadOnlyCollection<string>? ids = null)
        {
            ValidateSelection(categories, ids);
            return CheckCatalog.Select(categories, ids).Select(c => c.Info).ToList();
        }

        public static TestRun Run(TestRequest request, IEngineOutput? output = null)
        {
            output ??= NullOutput.Instance;
            if (request.Root != null && request.Snapshot != null)
                throw new AutoGlmException("RootAndSnapshot", ErrorKind.InvalidArgument,
                    Messages.Format("RootAndSnapshot"));
            var (matrix, profile) = request.LoadProfile();
            ValidateSelection(request.Categories, request.Ids);
            IHost host = request.Snapshot != null ? new SnapshotHost(request.Snapshot) : new LiveHost(request.Root ?? "/");
            output.Verbose(Messages.Format("Verbose_TestContext", profile.Id, host.Kind.ToText(), request.Snapshot ?? host.Root, string.Join(", ", matrix.FilesLoaded)));
            return Evaluate(host, matrix, profile, request, output);
        }

        internal static TestRun Evaluate(IHost host, CompatibilityMatrix matrix, ProfileEntry profile, TestRequest request, IEngineOutput output)
        {
            ValidatePort(request.Port);
            if (request.InstallPath != null) UntrustedInput.HostPath(request.InstallPath, "install path (--install-path / -InstallPath)");
            var context = new ProbeContext(host, profile, request.InstallPath, request.Port, request.CommandTimeout)
            {
                NvmlLibrary = request.NvmlLibrary ?? NvmlLibraryFor(host),
                GpuCatalogue = () => matrix.Catalogue,
                IncludeRuntime = request.IncludeRuntime,
                RuntimeTimeout = request.RuntimeTimeout,
                CimInstances = request.CimInstances,
            };
            if (context.NvmlLibrary != null) output.Verbose(Messages.Format("Verbose_NvmlLibrary", context.NvmlLibrary));
            bool windows = host.Platform == HostPlatform.Windows;
            // The runtime probe may use its whole (longer) timeout; the overall deadline leaves it room.
            var deadline = TimeSpan.FromTicks(Math.Max(context.CommandTimeout.Ticks * 3, RuntimeProbe.Timeout(context).Ticks + TimeSpan.FromSeconds(2).Ticks));
            var facts = FactCollector.Collect(context, windows ? WindowsProbes.All : LinuxProbes.All, output, deadline);
            foreach (var problem in facts.Get<GpuFacts>().DatabaseProblems) output.Warning(problem);
            var checkContext = new CheckContext(facts, matrix, profile);
            var target = TargetOf(host);
            var results = new List<CheckResult>();
            foreach (var check in CheckCatalog.Select(request.Categories, request.Ids))
            {
                Verdict v;
                if (windows && LinuxOnlyChecks.Contains(check.Info.Id))
                    v = Verdict.Skip("Linux only: there is no equivalent on Windows (this host runs Windows).");
                else
                try { v = check.Evaluate(checkContext); }
                catch (Exception ex)
                {
                    v = new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Message = $"the check failed: {ex.GetType().Name}: {ex.Message}" };
                }
                results.Add(new CheckResult
                {
                    Id = check.Info.Id,
                    Category = check.Info.Category,
                    Severity = v.Severity ?? check.Severity,
                    Status = v.Status,
                    Observed = v.Observed,
                    Expected = v.Expected,
                    Message = Messages.ForFace(v.Message),
                    Remediation = Messages.ForFace(v.Remediation),
                    Source = v.Source,
                    Target = target,
                });
            }
            return new TestRun(profile, host, facts, results);
        }

        /// <summary>Records what the probes read and ran on the live host, and writes it as a snapshot.</summary>
        public static SnapshotInfo ExportSnapshot(string directory, TestRequest request, bool force, IEngineOutput? output = null)
        {
            output ??= NullOutput.Instance;
            if (string.IsNullOrWhiteSpace(directory))
                throw new AutoGlmException("SnapshotPathMissing", ErrorKind.InvalidArgument, Messages.Format("SnapshotPathMissing"));
            if (request.Snapshot != null)
                throw new AutoGlmException("SnapshotOfSnapshot", ErrorKind.InvalidArgument, Messages.Format("SnapshotOfSnapshot"));
            // Every argument is checked before the first probe: a bad target must not cost a minute of probing.
            SnapshotFormat.CheckTarget(directory, force);
            if (request.InstallPath != null) UntrustedInput.HostPath(request.InstallPath, "install path (--install-path / -InstallPath)");
            ValidatePort(request.Port);
            var (matrix, profile) = request.LoadProfile();
            var recording = new RecordingHost(new LiveHost(request.Root ?? "/"));
            // Every check is evaluated so the snapshot holds what any check needs, whatever the filter.
            var all = new TestRequest { Profile = profile.Id, InstallPath = request.InstallPath, Port = request.Port, CommandTimeout = request.CommandTimeout };
            var run = Evaluate(recording, matrix, profile, all, output);
            var created = DateTimeOffset.UtcNow;
            SnapshotFormat.Write(recording, directory, force, created, HostName(request.Root ?? "/"));
            output.Verbose(Messages.Format("Verbose_SnapshotWritten", directory, recording.Files.Count, recording.Commands.Count));
            return new SnapshotInfo
            {
                Path = System.IO.Path.GetFullPath(directory),
                Root = recording.Root,
                FilesRead = recording.Files.Count,
                CommandsRun = recording.Commands.Count,
                Created = created,
                Results = run.Results,
            };
        }

        /// <summary>The name CheckResult.Target gives the machine a host stands for (see there).</summary>
        internal static string TargetOf(IHost host)
        {
            if (host is SnapshotHost snapshot)
                return snapshot.Hostname ?? System.IO.Path.GetFileName(snapshot.Folder.TrimEnd('/', '\\'));
            return HostName(host.Root) ?? host.Root;
        }

        /// <summary>
        /// The machine's name for snapshot.json, so a fleet triage can name hosts whatever their folders are
        /// called: /etc/hostname under the root, else (the live machine itself) the OS's name for it.
        /// Read outside the recording: it is metadata, not an answer a check used.
        /// </summary>
        private static string? HostName(string root)
        {
            var read = new LiveHost(root).ReadFile("/etc/hostname");
            var name = read.Ok ? read.Text!.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("#", StringComparison.Ordinal)) : null;
            if (name == null && root == "/") name = Environment.MachineName;
            return string.IsNullOrEmpty(name) ? null : name;
        }

        /// <summary>
        /// Which NVML library describes this host's GPUs: only the live host's own (root "/"), or the one
        /// AUTOGLM_NVML_LIBRARY names explicitly. A snapshot or another root gets none, so nvidia-smi's
        /// recorded or faked answers are used and the real library of this machine is never loaded.
        /// A recording (snapshot export) gets none either: its verdicts must be the ones the replay gives,
        /// and a replay has only the recorded nvidia-smi answers.
        /// </summary>
        internal static string? NvmlLibraryFor(IHost host)
        {
            if (host.Kind != HostKind.Live || host is RecordingHost) return null;
            var explicitLibrary = Environment.GetEnvironmentVariable(Nvml.LibraryVariable);
            if (!string.IsNullOrEmpty(explicitLibrary)) return explicitLibrary;
            if (host.Root != "/") return null;
            return host.Platform == HostPlatform.Windows ? Nvml.DefaultWindowsLibrary : Nvml.DefaultLinuxLibrary;
        }

        private static void ValidatePort(int? port)
        {
            if (port is int p && (p < 1 || p > 65535))
                throw new AutoGlmException("PortOutOfRange", ErrorKind.InvalidArgument, Messages.Format("PortOutOfRange", p), p);
        }

        internal static void ValidateSelection(IReadOnlyCollection<string>? categories, IReadOnlyCollection<string>? ids)
        {
            foreach (var c in categories ?? Array.Empty<string>())
            {
                if (!CheckCatalog.Categories.Any(k => string.Equals(k, c, StringComparison.OrdinalIgnoreCase)))
                    throw new AutoGlmException("UnknownCategory", ErrorKind.InvalidArgument,
                        Messages.Format("UnknownCategory", c, string.Join(", ", CheckCatalog.Categories)), c);
            }
            foreach (var id in ids ?? Array.Empty<string>())
            {
                if (!CheckCatalog.All.Any(k => Wildcard.IsMatch(k.Info.Id, id)))
                    throw new AutoGlmException("UnknownCheckId", ErrorKind.InvalidArgument,
                        Messages.Format("UnknownCheckId_List", id), id);
            }
        }
    }
}
