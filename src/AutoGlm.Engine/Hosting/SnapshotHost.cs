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
            foreach (var own in new[] { metaPath, indexPath })
                if ((File.GetAttributes(own) & FileAttributes.ReparsePoint) != 0)
                    throw Invalid(directory, Messages.Format("SnapshotInvalid_Outside_Link", Path.GetFileName(own)));

            IDictionary<string, object?> meta;
            try { meta = Json.Json.Parse(File.ReadAllText(metaPath)) as IDictionary<string, object?> ?? throw new FormatException("not a JSON object"); }
            catch (FormatException ex) { throw Invalid(directory, Messages.Format("SnapshotInvalid_MetaUnreadable", ex.Message)); }
            if (!(meta.TryGetValue("format", out var fmt) && fmt as string == SnapshotFormat.FormatName))
                throw Invalid(directory, Messages.Format("SnapshotInvalid_Format", SnapshotFormat.FormatName));
            if (!(meta.TryGetValue("formatVersion", out var ver) && ver is long v && v == SnapshotFormat.FormatVersion))
                throw Invalid(directory, Messages.Format("SnapshotInvalid_FormatVersion", ver ?? Messages.Format("SnapshotInvalid_NoVersion"), SnapshotFormat.FormatVersion));
            Root = meta.TryGetValue("root", out var root) && root is string r ? r : "/";
            Platform = HostPlatforms.Parse(meta.TryGetValue("platform", out var plat) ? plat as string : null);
            Hostname = meta.TryGetValue("hostname", out var name) && name is string h && h.Length > 0 ? h : null;

            int lineNo = 0;
            foreach (var line in File.ReadAllLines(indexPath))
            {
                lineNo++;
                if (line.Trim().Length == 0) continue;
                try { Load(dir, line); }
                catch (Exception ex) when (ex is FormatException || ex is IOException)
                {
                    throw Invalid(directory, Messages.Format("SnapshotInvalid_IndexLine", lineNo, ex.Message));
                }
            }
        }

        private string Directory_ { get; }
        /// <summary>The snapshot's folder, as given.</summary>
        public string Folder => Directory_;
        public string Root { get; }
        public HostKind Kind => HostKind.Snapshot;
        public HostPlatform Platform { get; }
        /// <summary>The machine's name when snapshot.json records one (snapshots since the fleet triage do).</summary>
        public string? Hostname { get; }
        public string MapPath(string hostPath) => HostPaths.Combine(Root, hostPath);

        private static AutoGlmException Invalid(string directory, string why) =>
            new AutoGlmException("SnapshotInvalid", ErrorKind.InvalidData,
                Messages.Format("SnapshotInvalid", directory, why), directory);

        private void Load(string dir, string line)
        {
            var e = Json.Json.Parse(line) as IDictionary<string, object?> ?? throw new FormatException(Messages.Format("SnapshotInvalid_NotObject"));
            var op = Str(e, "op");
            switch (op)
            {
                case "file":
                {
                    var path = Str(e, "path");
                    var status = Str(e, "status");
                    _files[path] = status switch
                    {
                        "ok" => FileRead.Found(path, ReadInside(dir, "files", path.TrimStart('/'), Messages.Format("SnapshotInvalid_FileEntry", UntrustedInput.Escape(path)))),
                        "absent" => FileRead.Absent(path),
                        "unreadable" => FileRead.Unreadable(path, e.TryGetValue("error", out var err) ? err as string ?? "" : ""),
                        _ => throw new FormatException(Messages.Format("SnapshotInvalid_UnknownFileStatus", UntrustedInput.Escape(status))),
                    };
                    break;
                }
                case "dir":
                    _dirs[Str(e, "path")] = e.TryGetValue("entries", out var entries) && entries != null ? Strings(entries, "entries") : null;
                    break;
                case "link":
                    _links[Str(e, "path")] = e.TryGetValue("target", out var target) ? target as string : null;
                    break;
                case "env":
                    _env[Str(e, "name")] = e.TryGetValue("value", out var value) ? value as string : null;
                    break;
                case "tools":
                {
                    if (!(e.TryGetValue("found", out var found) && found is IList<object?> items))
                        throw new FormatException(Messages.Format("SnapshotInvalid_FieldArray", "found"));
                    _tools[Str(e, "prefix")] = items
                        .Select(t => t as IDictionary<string, object?> ?? throw new FormatException(Messages.Format("SnapshotInvalid_FieldObjects", "found")))
                        .Select(t => new ToolLocation(Str(t, "name"), Str(t, "path"))).ToList();
                    break;
                }
                case "cmd":
                {
                    var argv = e.TryGetValue("argv", out var a) && a != null ? Strings(a, "argv") : throw new FormatException(Messages.Format("SnapshotInvalid_FieldStrings", "argv"));
                    if (argv.Count == 0) throw new FormatException(Messages.Format("SnapshotInvalid_EmptyArgv"));
                    var status = Str(e, "status");
                    var parsed = Enum.GetValues(typeof(CommandStatus)).Cast<CommandStatus>()
                        .FirstOrDefault(s => s.ToString().Equals(status, StringComparison.OrdinalIgnoreCase));
                    if (!parsed.ToString().Equals(status, StringComparison.OrdinalIgnoreCase))
                        throw new FormatException(Messages.Format("SnapshotInvalid_UnknownCommandStatus", UntrustedInput.Escape(status)));
                    var folder = Str(e, "output");
                    var what = Messages.Format("SnapshotInvalid_CmdEntry", UntrustedInput.Escape(ArgvText.Join(argv)), UntrustedInput.Escape(folder));
                    var stdout = ReadInside(dir, "commands", CommandFolder(folder, what) + "/stdout", what);
                    var stderr = ReadInside(dir, "commands", CommandFolder(folder, what) + "/stderr", what);
                    var exit = Long(e, "exitCode");
                    if (exit < int.MinValue || exit > int.MaxValue) throw new FormatException(Messages.Format("SnapshotInvalid_FieldInt32", "exitCode"));
                    _commands[SnapshotFormat.CommandKey(argv)] = new CommandResult(argv, parsed, (int)exit, stdout, stderr,
                        Millis(e, "elapsedMs"), Millis(e, "timeoutMs"));
                    break;
                }
                default:
                    throw new FormatException(Messages.Format("SnapshotInvalid_UnknownOp", UntrustedInput.Escape(op)));
            }
        }

        private static string Str(IDictionary<string, object?> e, string field) =>
            e.TryGetValue(field, out var v) && v is string s ? s : throw new FormatException(Messages.Format("SnapshotInvalid_FieldString", field));

        private static long Long(IDictionary<string, object?> e, string field) =>
            e.TryGetValue(field, out var v) && v is long l ? l : throw new FormatException(Messages.Format("SnapshotInvalid_FieldInteger", field));

        // Up to 30 days; beyond that (or negative) the entry is not one an export wrote.
        private static TimeSpan Millis(IDictionary<string, object?> e, string field)
        {
            var ms = Long(e, field);
            if (ms < 0 || ms > 30L * 24 * 3600 * 1000) throw new FormatException(Messages.Format("SnapshotInvalid_FieldDuration", field));
            return TimeSpan.FromMilliseconds(ms);
        }

        private static List<string> Strings(object value, string field) =>
            value is IList<object?> list
                ? list.Select(x => x as string ?? throw new FormatException(Messages.Format("SnapshotInvalid_FieldStrings", field))).ToList()
                : throw new FormatException(Messages.Format("SnapshotInvalid_FieldStrings", field));

        // The export writes "commands/NNN-slug": the index names the folder relative to the snapshot.
        private static string CommandFolder(string folder, string what)
        {
            const string prefix = "commands/";
            if (!folder.StartsWith(prefix, StringComparison.Ordinal))
                throw new FormatException(Messages.Format("SnapshotInvalid_Outside", what, Messages.Format("SnapshotInvalid_Outside_NotCommands")));
            return folder.Substring(prefix.Length);
        }

        /// <summary>
        /// A snapshot is input from elsewhere: the file an index entry names must lie under DIR/<paramref name="area"/>
        /// once resolved, and no part of the way from the snapshot folder to it may be a symbolic link (the export
        /// never writes one, so a link can only lead somewhere the snapshot does not hold).
        /// </summary>
        private static string ReadInside(string dir, string area, string relative, string what)
        {
            var baseDir = Path.GetFullPath(Path.Combine(dir, area));
            string full;
            try { full = Path.GetFullPath(Path.Combine(baseDir, relative)); }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
            {
                throw new FormatException(Messages.Format("SnapshotInvalid_Outside", what, Messages.Format("SnapshotInvalid_Outside_BadPath")));
            }
            var sep = Path.DirectorySeparatorChar;
            if (!full.StartsWith(baseDir.TrimEnd(sep) + sep, StringComparison.Ordinal))
                throw new FormatException(Messages.Format("SnapshotInvalid_Outside", what, Messages.Format("SnapshotInvalid_Outside_Escapes", area)));
            var root = Path.GetFullPath(dir).TrimEnd(sep);
            // Every component after the snapshot folder itself: files/, etc/, os-release.
            for (var p = full; p.Length > root.Length; p = Path.GetDirectoryName(p)!)
            {
                FileAttributes attributes;
                try { attributes = File.GetAttributes(p); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { throw new FormatException(Messages.Format("SnapshotInvalid_Missing", what, p.Substring(root.Length + 1))); }
                if ((attributes & FileAttributes.ReparsePoint) != 0)
                    throw new FormatException(Messages.Format("SnapshotInvalid_Outside", what, Messages.Format("SnapshotInvalid_Outside_Link", p.Substring(root.Length + 1))));
            }
            try { return File.ReadAllText(full); }
            catch (UnauthorizedAccessException) { throw new FormatException(Messages.Format("SnapshotInvalid_Missing", what, full.Substring(root.Length + 1))); }
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
