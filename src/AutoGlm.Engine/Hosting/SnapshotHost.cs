using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Hosting
{
    /// <summary>
    /// Replays a snapshot written by <see cref="SnapshotFormat"/>. What the snapshot does not hold raises
    /// <see cref="SnapshotGapException"/>, which a probe turns into an Unknown fact with the reason.
    /// </summary>
    public sealed class SnapshotHost : IHost
    {
        private readonly Dictionary<string, FileRead> _files = new Dictionary<string, FileRead>(StringComparer.Ordinal);
        private readonly Dictionary<string, IReadOnlyList<string>?> _dirs = new Dictionary<string, IReadOnlyList<string>?>(StringComparer.Ordinal);
        private readonly Dictionary<string, string?> _links = new Dictionary<string, string?>(StringComparer.Ordinal);
        private readonly Dictionary<string, string?> _env = new Dictionary<string, string?>(StringComparer.Ordinal);
        private readonly Dictionary<string, IReadOnlyList<ToolLocation>> _tools = new Dictionary<string, IReadOnlyList<ToolLocation>>(StringComparer.Ordinal);
        private readonly Dictionary<string, CommandResult> _commands = new Dictionary<string, CommandResult>(StringComparer.Ordinal);

        public SnapshotHost(string directory)
        {
            Directory_ = directory;
            var dir = Path.GetFullPath(directory);
            if (!Directory.Exists(dir))
                throw new AutoGlmException("SnapshotNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("SnapshotNotFound", directory), directory);
            var metaPath = Path.Combine(dir, "snapshot.json");
            var indexPath = Path.Combine(dir, "index.jsonl");
            if (!File.Exists(metaPath) || !File.Exists(indexPath))
                throw Invalid(directory, Messages.Format("SnapshotInvalid_Lacks", (File.Exists(metaPath) ? "index.jsonl" : "snapshot.json")));

            IDictionary<string, object?> meta;
            try { meta = Json.Json.Parse(File.ReadAllText(metaPath)) as IDictionary<string, object?> ?? throw new FormatException("not a JSON object"); }
            catch (FormatException ex) { throw Invalid(directory, Messages.Format("SnapshotInvalid_MetaUnreadable", ex.Message)); }
            if (!(meta.TryGetValue("format", out var fmt) && fmt as string == SnapshotFormat.FormatName))
                throw Invalid(directory, Messages.Format("SnapshotInvalid_Format", SnapshotFormat.FormatName));
            if (!(meta.TryGetValue("formatVersion", out var ver) && ver is long v && v == SnapshotFormat.FormatVersion))
                throw Invalid(directory, Messages.Format("SnapshotInvalid_FormatVersion", ver ?? Messages.Format("SnapshotInvalid_NoVersion"), SnapshotFormat.FormatVersion));
            Root = meta.TryGetValue("root", out var root) && root is string r ? r : "/";
            Platform = meta.TryGetValue("platform", out var plat) && plat is string p ? p : "linux";
            Hostname = meta.TryGetValue("hostname", out var name) && name is string h && h.Length > 0 ? h : null;

            int lineNo = 0;
            foreach (var line in File.ReadAllLines(indexPath))
            {
                lineNo++;
                if (line.Trim().Length == 0) continue;
                try { Load(dir, line); }
                catch (Exception ex) when (ex is FormatException || ex is InvalidCastException || ex is KeyNotFoundException || ex is IOException)
                {
                    throw Invalid(directory, Messages.Format("SnapshotInvalid_IndexLine", lineNo, ex.Message));
                }
            }
        }

        private string Directory_ { get; }
        /// <summary>The snapshot's folder, as given.</summary>
        public string Folder => Directory_;
        public string Root { get; }
        public string Kind => "snapshot";
        public string Platform { get; }
        /// <summary>The machine's name when snapshot.json records one (snapshots since the fleet triage do).</summary>
        public string? Hostname { get; }
        public string MapPath(string hostPath) => HostPaths.Combine(Root, hostPath);

        private static AutoGlmException Invalid(string directory, string why) =>
            new AutoGlmException("SnapshotInvalid", ErrorKind.InvalidData,
                Messages.Format("SnapshotInvalid", directory, why), directory);

        private void Load(string dir, string line)
        {
            var e = Json.Json.Parse(line) as IDictionary<string, object?> ?? throw new FormatException("not a JSON object");
            var op = (string)e["op"]!;
            switch (op)
            {
                case "file":
                {
                    var path = (string)e["path"]!;
                    var status = (string)e["status"]!;
                    _files[path] = status switch
                    {
                        "ok" => FileRead.Found(path, File.ReadAllText(Inside(dir, "files", path))),
                        "absent" => FileRead.Absent(path),
                        "unreadable" => FileRead.Unreadable(path, e.TryGetValue("error", out var err) ? err as string ?? "" : ""),
                        _ => throw new FormatException($"unknown file status '{status}'"),
                    };
                    break;
                }
                case "dir":
                    _dirs[(string)e["path"]!] = e["entries"] is IList<object?> list ? list.Cast<string>().ToList() : null;
                    break;
                case "link":
                    _links[(string)e["path"]!] = e["target"] as string;
                    break;
                case "env":
                    _env[(string)e["name"]!] = e["value"] as string;
                    break;
                case "tools":
                    _tools[(string)e["prefix"]!] = ((IList<object?>)e["found"]!)
                        .Select(t => (IDictionary<string, object?>)t!)
                        .Select(t => new ToolLocation((string)t["name"]!, (string)t["path"]!)).ToList();
                    break;
                case "cmd":
                {
                    var argv = ((IList<object?>)e["argv"]!).Cast<string>().ToList();
                    if (argv.Count == 0) throw new FormatException("empty argv");
                    var status = (string)e["status"]!;
                    var parsed = Enum.GetValues(typeof(CommandStatus)).Cast<CommandStatus>()
                        .FirstOrDefault(s => s.ToString().Equals(status, StringComparison.OrdinalIgnoreCase));
                    if (!parsed.ToString().Equals(status, StringComparison.OrdinalIgnoreCase)) throw new FormatException($"unknown command status '{status}'");
                    var folder = (string)e["output"]!;
                    var stdout = File.ReadAllText(Inside(dir, folder, "stdout"));
                    var stderr = File.ReadAllText(Inside(dir, folder, "stderr"));
                    _commands[SnapshotFormat.CommandKey(argv)] = new CommandResult(argv, parsed, (int)(long)e["exitCode"]!, stdout, stderr,
                        TimeSpan.FromMilliseconds((long)e["elapsedMs"]!), TimeSpan.FromMilliseconds((long)e["timeoutMs"]!));
                    break;
                }
                default:
                    throw new FormatException($"unknown op '{op}'");
            }
        }

        // A snapshot is input from elsewhere: a path in its index must not lead outside the snapshot.
        private static string Inside(string dir, string area, string relative)
        {
            var baseDir = Path.GetFullPath(Path.Combine(dir, area));
            var full = Path.GetFullPath(Path.Combine(baseDir, relative.TrimStart('/')));
            if (!full.StartsWith(baseDir.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full != baseDir)
                throw new FormatException($"path '{relative}' leads outside the snapshot");
            return full;
        }

        public FileRead ReadFile(string path) =>
            _files.TryGetValue(path, out var f) ? f : throw new SnapshotGapException($"the file {path}");

        public IReadOnlyList<string>? ListDirectory(string path) =>
            _dirs.TryGetValue(path, out var d) ? d : throw new SnapshotGapException($"the directory {path}");

        public string? ReadLink(string path) =>
            _links.TryGetValue(path, out var l) ? l : throw new SnapshotGapException($"the link {path}");

        public string? GetEnvironmentVariable(string name) =>
            _env.TryGetValue(name, out var v) ? v : throw new SnapshotGapException($"the environment variable {name}");

        public IReadOnlyList<ToolLocation> FindTools(string prefix) =>
            _tools.TryGetValue(prefix, out var t) ? t : throw new SnapshotGapException($"the tools named {prefix}*");

        public CommandResult Run(IReadOnlyList<string> argv, TimeSpan timeout) =>
            _commands.TryGetValue(SnapshotFormat.CommandKey(argv), out var c) ? c : throw new SnapshotGapException($"the command '{ArgvText.Join(argv)}'");
    }
}
