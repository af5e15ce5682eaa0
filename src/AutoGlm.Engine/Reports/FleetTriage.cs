using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Reports
{
    /// <summary>
    /// One fleet triage: many snapshots evaluated against one profile, the failing checks grouped across
    /// hosts (fix one cause, fix it everywhere) and each host's counts. Plain data: it survives remoting.
    /// </summary>
    public sealed class FleetTriage
    {
        /// <summary>Bumped when a field of the JSON form changes meaning or disappears; additions keep it.</summary>
        public const int JsonSchemaVersion = 1;
        public const string JsonKind = "autoglm-fleet-triage";

        public string Profile { get; set; } = "";
        /// <summary>The folder of snapshots, when one was given; empty for an explicit list.</summary>
        public string Folder { get; set; } = "";
        /// <summary>The worst host status: fail, error, unknown, warn or pass.</summary>
        public string Status { get; set; } = "";
        /// <summary>Hosts by overall status.</summary>
        public int Pass { get; set; }
        public int Warn { get; set; }
        public int Fail { get; set; }
        public int Unknown { get; set; }
        /// <summary>Hosts whose snapshot could not be read (see each host's Error).</summary>
        public int Error { get; set; }
        public double Seconds { get; set; }
        /// <summary>Fail, then Warn, then Unknown groups; within each, most hosts first, then by check id.</summary>
        public List<FleetCheckGroup> Groups { get; } = new List<FleetCheckGroup>();
        /// <summary>By name, ordinal.</summary>
        public List<FleetHost> Hosts { get; } = new List<FleetHost>();

        /// <summary>What the exit code says: a host failed a check, or its snapshot could not be evaluated.</summary>
        public bool AnyFailed => Fail > 0 || Error > 0;

        public override string ToString() => $"{Hosts.Count} hosts: {Fail} fail, {Warn} warn, {Unknown} unknown, {Pass} pass, {Error} error";

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["schemaVersion"] = JsonSchemaVersion,
            ["kind"] = JsonKind,
            ["autoglmVersion"] = EngineInfo.Version,
            ["profile"] = Profile,
            ["folder"] = Folder,
            ["status"] = Status,
            ["summary"] = new Dictionary<string, object?> { ["hosts"] = Hosts.Count, ["pass"] = Pass, ["warn"] = Warn, ["fail"] = Fail, ["unknown"] = Unknown, ["error"] = Error },
            ["seconds"] = Seconds,
            ["groups"] = Groups.Select(g => (object?)g.ToJson()).ToList(),
            ["hosts"] = Hosts.Select(h => (object?)h.ToJson()).ToList(),
        };

        public static FleetTriage FromJson(IDictionary<string, object?> j)
        {
            if (!(j.TryGetValue("kind", out var kind) && kind as string == JsonKind))
                throw new FormatException($"not a fleet triage (\"kind\" is not \"{JsonKind}\")");
            var summary = j.TryGetValue("summary", out var s) && s is IDictionary<string, object?> d ? d : new Dictionary<string, object?>();
            var t = new FleetTriage
            {
                Profile = Text(j, "profile"), Folder = Text(j, "folder"), Status = Text(j, "status"),
                Pass = Int(summary, "pass"), Warn = Int(summary, "warn"), Fail = Int(summary, "fail"), Unknown = Int(summary, "unknown"), Error = Int(summary, "error"),
                Seconds = j.TryGetValue("seconds", out var sec) && sec != null ? Convert.ToDouble(sec, CultureInfo.InvariantCulture) : 0,
            };
            t.Groups.AddRange(Objects(j, "groups").Select(FleetCheckGroup.FromJson));
            t.Hosts.AddRange(Objects(j, "hosts").Select(FleetHost.FromJson));
            return t;
        }

        internal static string Text(IDictionary<string, object?> j, string key) => j.TryGetValue(key, out var v) && v is string s ? s : "";
        internal static string? TextOrNull(IDictionary<string, object?> j, string key) => j.TryGetValue(key, out var v) ? v as string : null;
        internal static int Int(IDictionary<string, object?> j, string key) => j.TryGetValue(key, out var v) && v != null ? Convert.ToInt32(v, CultureInfo.InvariantCulture) : 0;
        internal static List<string> Strings(IDictionary<string, object?> j, string key) =>
            j.TryGetValue(key, out var v) && v is IList<object?> list ? list.OfType<string>().ToList() : new List<string>();
        private static IEnumerable<IDictionary<string, object?>> Objects(IDictionary<string, object?> j, string key) =>
            j.TryGetValue(key, out var v) && v is IList<object?> list ? list.OfType<IDictionary<string, object?>>() : Enumerable.Empty<IDictionary<string, object?>>();

        /// <summary>The text report: the groups (what to fix, where), then the hosts.</summary>
        public string Render(int maxHostsPerGroup = 12)
        {
            var sb = new StringBuilder();
            var where = Folder.Length > 0 ? $"snapshots in {Folder}" : "snapshots";
            sb.AppendLine($"AutoGlm {EngineInfo.Version} - profile {Profile} - fleet triage of {Hosts.Count} {where}");
            sb.AppendLine();
            if (Groups.Count == 0) sb.AppendLine("CHECKS: no check failed, warned or was unknown on any host");
            else sb.AppendLine("CHECKS (failing first, most hosts first)");
            foreach (var g in Groups)
            {
                var shown = g.Hosts.Take(maxHostsPerGroup).ToList();
                var more = g.Hosts.Count - shown.Count;
                sb.AppendLine($"  {Tag(g.Status)} {g.Id,-28} {g.HostCount,4} host{(g.HostCount == 1 ? " " : "s")}  {string.Join(", ", shown)}{(more > 0 ? $" and {more} more" : "")}");
                sb.AppendLine($"         {"",-28} {g.Title}");
                if (g.Message.Length > 0) sb.AppendLine($"         {"",-28} e.g. {g.Message}");
                if (g.Remediation.Length > 0 && g.Status != "unknown")
                    foreach (var line in g.Remediation.Split('\n')) sb.AppendLine($"         {"",-28} fix: {line}");
            }
            sb.AppendLine();
            sb.AppendLine("HOSTS");
            int width = Math.Max(4, Hosts.Select(h => h.Name.Length).DefaultIfEmpty(0).Max());
            int hostWidth = Math.Max(8, Hosts.Select(h => (h.Hostname ?? "-").Length).DefaultIfEmpty(0).Max());
            sb.AppendLine($"  {"NAME".PadRight(width)}  {"HOSTNAME".PadRight(hostWidth)}  STATUS   PASS WARN FAIL UNKNOWN");
            foreach (var h in Hosts)
            {
                var head = $"  {h.Name.PadRight(width)}  {(h.Hostname ?? "-").PadRight(hostWidth)}  {h.Status,-7}";
                sb.AppendLine(h.Status == "error"
                    ? $"{head}  {h.Error} [{h.ErrorId}]"
                    : $"{head}  {h.Pass,4} {h.Warn,4} {h.Fail,4} {h.Unknown,7}");
            }
            sb.AppendLine();
            sb.AppendLine($"{Hosts.Count} hosts: {Fail} fail, {Warn} warn, {Unknown} unknown, {Pass} pass, {Error} error");
            return sb.ToString();
        }

        private static string Tag(string status) => status switch
        {
            "fail" => "[FAIL]",
            "warn" => "[WARN]",
            _ => "[ ?? ]",
        };
    }

    /// <summary>One check that did not pass on some hosts: what it is, where, and the fix.</summary>
    public sealed class FleetCheckGroup
    {
        public string Id { get; set; } = "";
        public string Category { get; set; } = "";
        /// <summary>What the check verifies (its catalog description).</summary>
        public string Title { get; set; } = "";
        /// <summary>fail, warn or unknown.</summary>
        public string Status { get; set; } = "";
        /// <summary>The highest severity any of these hosts reported.</summary>
        public string Severity { get; set; } = "";
        public int HostCount => Hosts.Count;
        /// <summary>Host names, ordinal.</summary>
        public List<string> Hosts { get; } = new List<string>();
        /// <summary>The message most of these hosts gave (the first by host name on a tie).</summary>
        public string Message { get; set; } = "";
        /// <summary>The remediation most of these hosts gave, once.</summary>
        public string Remediation { get; set; } = "";

        public override string ToString() => $"[{Status}] {Id}: {HostCount} host(s)";

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["id"] = Id,
            ["category"] = Category,
            ["title"] = Title,
            ["status"] = Status,
            ["severity"] = Severity,
            ["hostCount"] = HostCount,
            ["hosts"] = Hosts.Cast<object?>().ToList(),
            ["message"] = Message,
            ["remediation"] = Remediation,
        };

        public static FleetCheckGroup FromJson(IDictionary<string, object?> j)
        {
            var g = new FleetCheckGroup
            {
                Id = FleetTriage.Text(j, "id"), Category = FleetTriage.Text(j, "category"), Title = FleetTriage.Text(j, "title"),
                Status = FleetTriage.Text(j, "status"), Severity = FleetTriage.Text(j, "severity"),
                Message = FleetTriage.Text(j, "message"), Remediation = FleetTriage.Text(j, "remediation"),
            };
            g.Hosts.AddRange(FleetTriage.Strings(j, "hosts"));
            return g;
        }
    }

    /// <summary>One snapshot's verdict counts, or why it could not be evaluated.</summary>
    public sealed class FleetHost
    {
        /// <summary>The snapshot folder's name (its path when two folders share a name).</summary>
        public string Name { get; set; } = "";
        /// <summary>The machine's name recorded in snapshot.json, when the snapshot has one.</summary>
        public string? Hostname { get; set; }
        public string Path { get; set; } = "";
        /// <summary>fail, warn, unknown, pass; error when the snapshot could not be read.</summary>
        public string Status { get; set; } = "";
        public int Pass { get; set; }
        public int Warn { get; set; }
        public int Fail { get; set; }
        public int Skip { get; set; }
        public int Unknown { get; set; }
        /// <summary>The ids of the checks this host fails.</summary>
        public List<string> Failing { get; } = new List<string>();
        /// <summary>For status error: the error id (SnapshotInvalid, SnapshotNotFound, SnapshotUnreadable) and message.</summary>
        public string? ErrorId { get; set; }
        public string? Error { get; set; }

        public override string ToString() => Status == "error" ? $"{Name}: error: {Error}" : $"{Name}: {Status} ({Fail} fail, {Warn} warn, {Unknown} unknown, {Pass} pass)";

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["hostname"] = Hostname,
            ["path"] = Path,
            ["status"] = Status,
            ["pass"] = Pass,
            ["warn"] = Warn,
            ["fail"] = Fail,
            ["skip"] = Skip,
            ["unknown"] = Unknown,
            ["failing"] = Failing.Cast<object?>().ToList(),
            ["errorId"] = ErrorId,
            ["error"] = Error,
        };

        public static FleetHost FromJson(IDictionary<string, object?> j)
        {
            var h = new FleetHost
            {
                Name = FleetTriage.Text(j, "name"), Hostname = FleetTriage.TextOrNull(j, "hostname"), Path = FleetTriage.Text(j, "path"),
                Status = FleetTriage.Text(j, "status"),
                Pass = FleetTriage.Int(j, "pass"), Warn = FleetTriage.Int(j, "warn"), Fail = FleetTriage.Int(j, "fail"),
                Skip = FleetTriage.Int(j, "skip"), Unknown = FleetTriage.Int(j, "unknown"),
                ErrorId = FleetTriage.TextOrNull(j, "errorId"), Error = FleetTriage.TextOrNull(j, "error"),
            };
            h.Failing.AddRange(FleetTriage.Strings(j, "failing"));
            return h;
        }
    }

    /// <summary>Evaluates many snapshots against one profile and builds a <see cref="FleetTriage"/>.</summary>
    public static class FleetTriager
    {
        private static readonly string[] GroupOrder = { "fail", "warn", "unknown" };

        /// <summary>A folder written by snapshot export (it has snapshot.json or index.jsonl).</summary>
        public static bool IsSnapshot(string directory) =>
            File.Exists(System.IO.Path.Combine(directory, "snapshot.json")) || File.Exists(System.IO.Path.Combine(directory, "index.jsonl"));

        /// <summary>
        /// A folder of snapshots: not a snapshot itself, and some subfolder is one. Its other subfolders
        /// (not hidden) are hosts too, reported as errors, so a half-copied snapshot is not silently dropped.
        /// </summary>
        public static bool IsFleetFolder(string directory) =>
            Directory.Exists(directory) && !IsSnapshot(directory) && Subfolders(directory).Any(IsSnapshot);

        /// <summary>
        /// Whether <paramref name="paths"/> ask for a triage rather than one snapshot's checks: more than one path, or
        /// one folder that is not itself a snapshot (a folder of them, or an empty one that the triage then names).
        /// </summary>
        public static bool IsTriage(IReadOnlyList<string> paths) =>
            paths.Count > 1 || (paths.Count == 1 && Directory.Exists(paths[0]) && !IsSnapshot(paths[0]));

        /// <summary>
        /// For a command that evaluates one snapshot: a folder of snapshots, or a folder holding none, is bad input
        /// naming <paramref name="shown"/> (the path as the user wrote it).
        /// </summary>
        public static void RequireOneSnapshot(string path, string shown)
        {
            if (!IsTriage(new[] { path })) return;
            throw IsFleetFolder(path)
                ? new AutoGlmException("SnapshotIsFleetFolder", ErrorKind.InvalidArgument, Messages.Format("SnapshotIsFleetFolder", shown), shown)
                : NoSnapshots(shown);
        }

        private static readonly string[] SnapshotInputIds = { "SnapshotNotFound", "SnapshotInvalid", "SnapshotIsFleetFolder", "SnapshotFolderEmpty" };

        /// <summary>
        /// Whether the failure is about one snapshot given as input (often one of many piped in): PowerShell makes that
        /// a non-terminating error for the item, so the pipeline goes on. Bad parameters (profile, matrix, category)
        /// are not: no input can succeed with them.
        /// </summary>
        public static bool IsAboutOneSnapshot(AutoGlmException ex) => Array.IndexOf(SnapshotInputIds, ex.ErrorId) >= 0;

        private static IEnumerable<string> Subfolders(string directory) =>
            Directory.EnumerateDirectories(directory).Where(d => !System.IO.Path.GetFileName(d).StartsWith(".", StringComparison.Ordinal));

        /// <summary>
        /// The snapshot folders <paramref name="paths"/> stand for: a folder of snapshots stands for its
        /// subfolders, any other path for itself; in a list, a malformed or missing one becomes an error
        /// host. One path alone must be a snapshot or a folder of them: anything else is bad input.
        /// </summary>
        public static IReadOnlyList<string> Expand(IReadOnlyList<string> paths)
        {
            if (paths.Count == 1)
            {
                var only = paths[0];
                if (!Directory.Exists(only))
                    throw new AutoGlmException("SnapshotNotFound", ErrorKind.ObjectNotFound,
                        Messages.Format("SnapshotNotFound_Fleet", only), only);
                if (!IsSnapshot(only) && !IsFleetFolder(only)) throw NoSnapshots(only);
            }
            var result = new List<string>();
            foreach (var path in paths)
            {
                if (IsFleetFolder(path)) result.AddRange(Subfolders(path).OrderBy(d => d, StringComparer.Ordinal));
                else result.Add(path);
            }
            return result;
        }

        public static AutoGlmException NoSnapshots(string folder) =>
            new AutoGlmException("SnapshotFolderEmpty", ErrorKind.ObjectNotFound,
                Messages.Format("SnapshotFolderEmpty", folder), folder);

        /// <summary>
        /// Evaluates every snapshot <paramref name="paths"/> stands for (see <see cref="Expand"/>) with the
        /// request's profile, filters and options, <paramref name="maxParallel"/> at a time (default: one per
        /// processor). A snapshot that cannot be read is an error host; it does not stop the others.
        /// </summary>
        public static FleetTriage Run(IReadOnlyList<string> paths, TestRequest request, IEngineOutput? output = null, int? maxParallel = null)
        {
            output ??= NullOutput.Instance;
            if (request.Root != null)
                throw new AutoGlmException("RootAndSnapshot", ErrorKind.InvalidArgument,
                    Messages.Format("RootAndSnapshot"));
            if (paths.Count == 0)
                throw new AutoGlmException("SnapshotFolderEmpty", ErrorKind.ObjectNotFound,
                    Messages.Format("SnapshotFolderEmpty_NoneGiven"));
            var watch = Stopwatch.StartNew();
            // Once for the whole fleet: the matrix, the profile, the selection.
            var (matrix, profile) = request.LoadProfile();
            EnvironmentTester.ValidateSelection(request.Categories, request.Ids);
            if (request.Port is int p && (p < 1 || p > 65535))
                throw new AutoGlmException("PortOutOfRange", ErrorKind.InvalidArgument, Messages.Format("PortOutOfRange", p), p);

            var snapshots = Expand(paths);
            if (snapshots.Count == 0) throw NoSnapshots(paths[0]);
            var names = Names(snapshots);
            var outcomes = new (FleetHost Host, IReadOnlyList<CheckResult> Results)[snapshots.Count];
            var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallel ?? Environment.ProcessorCount) };
            // Worker threads must not write to the output (a cmdlet's streams belong to its pipeline thread).
            Parallel.For(0, snapshots.Count, options, i => outcomes[i] = EvaluateOne(snapshots[i], names[i], matrix, profile, request));

            var triage = new FleetTriage
            {
                Profile = profile.Id,
                Folder = paths.Count == 1 && IsFleetFolder(paths[0]) ? System.IO.Path.GetFullPath(paths[0]) : "",
            };
            triage.Hosts.AddRange(outcomes.Select(o => o.Host).OrderBy(h => h.Name, StringComparer.Ordinal));
            foreach (var h in triage.Hosts) output.Verbose(Messages.Format("Verbose_TriageHost", h.Name, h));
            triage.Pass = triage.Hosts.Count(h => h.Status == "pass");
            triage.Warn = triage.Hosts.Count(h => h.Status == "warn");
            triage.Fail = triage.Hosts.Count(h => h.Status == "fail");
            triage.Unknown = triage.Hosts.Count(h => h.Status == "unknown");
            triage.Error = triage.Hosts.Count(h => h.Status == "error");
            triage.Status = triage.Fail > 0 ? "fail" : triage.Error > 0 ? "error" : triage.Unknown > 0 ? "unknown" : triage.Warn > 0 ? "warn" : "pass";
            triage.Groups.AddRange(Group(outcomes));
            triage.Seconds = Math.Round(watch.Elapsed.TotalSeconds, 3);
            return triage;
        }

        private static (FleetHost, IReadOnlyList<CheckResult>) EvaluateOne(string path, string name, CompatibilityMatrix matrix, ProfileEntry profile, TestRequest request)
        {
            var host = new FleetHost { Name = name, Path = System.IO.Path.GetFullPath(path) };
            SnapshotHost snapshot;
            try
            {
                snapshot = new SnapshotHost(path);
                host.Hostname = snapshot.Hostname;
            }
            catch (AutoGlmException ex)
            {
                return (Failed(host, ex.ErrorId, ex.Message), Array.Empty<CheckResult>());
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return (Failed(host, "SnapshotUnreadable", Messages.Format("SnapshotUnreadable_Host", path, ex.Message)), Array.Empty<CheckResult>());
            }
            var results = EnvironmentTester.Evaluate(snapshot, matrix, profile, request, NullOutput.Instance).Results;
            host.Pass = results.Count(r => r.Status == CheckStatus.Pass);
            host.Warn = results.Count(r => r.Status == CheckStatus.Warn);
            host.Fail = results.Count(r => r.Status == CheckStatus.Fail);
            host.Skip = results.Count(r => r.Status == CheckStatus.Skip);
            host.Unknown = results.Count(r => r.Status == CheckStatus.Unknown);
            host.Failing.AddRange(results.Where(r => r.Status == CheckStatus.Fail).Select(r => r.Id));
            host.Status = host.Fail > 0 ? "fail" : host.Unknown > 0 ? "unknown" : host.Warn > 0 ? "warn" : "pass";
            return (host, results);
        }

        private static FleetHost Failed(FleetHost host, string errorId, string message)
        {
            host.Hostname = HostnameOf(host.Path);
            host.Status = "error";
            host.ErrorId = errorId;
            host.Error = message;
            return host;
        }

        /// <summary>The hostname of a snapshot whose index is broken, if its snapshot.json still says: to know which machine to ask.</summary>
        private static string? HostnameOf(string directory)
        {
            try
            {
                var meta = Json.Json.Parse(File.ReadAllText(System.IO.Path.Combine(directory, "snapshot.json"))) as IDictionary<string, object?>;
                return meta != null && meta.TryGetValue("hostname", out var h) && h is string name && name.Length > 0 ? name : null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException) { return null; }
        }

        /// <summary>Folder names; where two share one, their full paths, so every host stays distinguishable.</summary>
        private static IReadOnlyList<string> Names(IReadOnlyList<string> snapshots)
        {
            var full = snapshots.Select(s => System.IO.Path.GetFullPath(s).TrimEnd(System.IO.Path.DirectorySeparatorChar)).ToList();
            var names = full.Select(System.IO.Path.GetFileName).ToList();
            return full.Select((f, i) => names.Count(n => n == names[i]) > 1 ? f : names[i]!).ToList();
        }

        private static IEnumerable<FleetCheckGroup> Group((FleetHost Host, IReadOnlyList<CheckResult> Results)[] outcomes)
        {
            var titles = CheckCatalog.All.ToDictionary(c => c.Info.Id, c => c.Info.Description, StringComparer.Ordinal);
            var rows = outcomes
                .SelectMany(o => o.Results.Select(r => (o.Host.Name, Result: r, Status: r.Status.ToString().ToLowerInvariant())))
                .Where(x => GroupOrder.Contains(x.Status));
            return rows
                .GroupBy(x => (x.Result.Id, x.Status))
                .Select(g =>
                {
                    var members = g.OrderBy(x => x.Name, StringComparer.Ordinal).ToList();
                    var group = new FleetCheckGroup
                    {
                        Id = g.Key.Id,
                        Category = members[0].Result.Category,
                        Title = titles.TryGetValue(g.Key.Id, out var t) ? t : "",
                        Status = g.Key.Status,
                        Severity = members.Max(x => x.Result.Severity).ToString().ToLowerInvariant(),
                        Message = MostCommon(members.Select(x => x.Result.Message)),
                        Remediation = MostCommon(members.Select(x => x.Result.Remediation)),
                    };
                    group.Hosts.AddRange(members.Select(x => x.Name));
                    return group;
                })
                .OrderBy(g => Array.IndexOf(GroupOrder, g.Status))
                .ThenByDescending(g => g.HostCount)
                .ThenBy(g => g.Id, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>The value most hosts share; on a tie the one the first host (by name) gave.</summary>
        private static string MostCommon(IEnumerable<string> values)
        {
            var list = values.ToList();
            return list.GroupBy(v => v, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count())
                .ThenBy(g => list.IndexOf(g.Key))
                .Select(g => g.Key).FirstOrDefault() ?? "";
        }
    }
}
