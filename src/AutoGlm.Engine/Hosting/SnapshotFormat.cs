using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Hosting
{
    /// <summary>
    /// The on-disk snapshot: plain files a person can diff (see docs/snapshot-format.md).
    /// <code>
    /// DIR/snapshot.json           what, when, which root, which autoglm
    /// DIR/index.jsonl             one JSON object per line, one per answer, sorted
    /// DIR/files/&lt;host path&gt;      the text of every file that was read
    /// DIR/commands/NNN-name/stdout, stderr
    /// </code>
    /// </summary>
    public static class SnapshotFormat
    {
        public const string FormatName = "autoglm-snapshot";
        public const int FormatVersion = 1;

        internal static string CommandKey(IReadOnlyList<string> argv) => Json.Json.Serialize(argv.ToList(), indent: false);

        /// <summary>Whether a snapshot can be written to <paramref name="directory"/>: checked before probing, and again when writing.</summary>
        public static string CheckTarget(string directory, bool force)
        {
            var target = Path.GetFullPath(directory);
            if (File.Exists(target))
                throw new AutoGlmException("SnapshotPathIsFile", ErrorKind.InvalidArgument,
                    Messages.Format("SnapshotPathIsFile", directory), directory);
            if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !force)
                throw new AutoGlmException("SnapshotPathExists", ErrorKind.ResourceUnavailable,
                    Messages.Format("SnapshotPathExists", directory), directory);
            var parent = Path.GetDirectoryName(target.TrimEnd(Path.DirectorySeparatorChar));
            if (string.IsNullOrEmpty(parent) || !Directory.Exists(parent))
                throw new AutoGlmException("SnapshotParentNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("SnapshotParentNotFound", directory), directory);
            return target;
        }

        /// <summary>Writes what <paramref name="recording"/> saw into <paramref name="directory"/>, atomically.</summary>
        public static void Write(RecordingHost recording, string directory, bool force, DateTimeOffset created, string? hostname = null)
        {
            var target = CheckTarget(directory, force);
            // Build beside the target and rename into place: a crash leaves either the old snapshot or none.
            var staging = target + ".tmp-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            Directory.CreateDirectory(staging);
            try
            {
                WriteInto(recording, staging, created, hostname);
                if (Directory.Exists(target))
                {
                    var old = target + ".old-" + Guid.NewGuid().ToString("N").Substring(0, 8);
                    Directory.Move(target, old);
                    Directory.Move(staging, target);
                    Directory.Delete(old, recursive: true);
                }
                else
                {
                    Directory.Move(staging, target);
                }
            }
            catch
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
                throw;
            }
        }

        private static void WriteInto(RecordingHost rec, string dir, DateTimeOffset created, string? hostname)
        {
            var meta = new Dictionary<string, object?>
            {
                ["format"] = FormatName,
                ["formatVersion"] = FormatVersion,
                ["created"] = created.ToString("o", CultureInfo.InvariantCulture),
                ["autoglmVersion"] = EngineInfo.Version,
                ["root"] = rec.Root,
                ["platform"] = rec.Platform.ToText(),
            };
            if (hostname != null) meta["hostname"] = hostname;
            WriteText(Path.Combine(dir, "snapshot.json"), Json.Json.Serialize(meta) + "\n");

            var lines = new List<string>();
            foreach (var kv in rec.Files.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                var entry = new Dictionary<string, object?> { ["op"] = "file", ["path"] = kv.Key };
                var read = kv.Value;
                if (read.Ok)
                {
                    entry["status"] = "ok";
                    WriteText(Path.Combine(dir, "files", kv.Key.TrimStart('/')), read.Text!);
                }
                else if (read.Exists)
                {
                    entry["status"] = "unreadable";
                    entry["error"] = read.Error;
                }
                else entry["status"] = "absent";
                lines.Add(Json.Json.Serialize(entry, indent: false));
            }
            foreach (var kv in rec.Directories.OrderBy(k => k.Key, StringComparer.Ordinal))
                lines.Add(Json.Json.Serialize(new Dictionary<string, object?> { ["op"] = "dir", ["path"] = kv.Key, ["entries"] = kv.Value }, indent: false));
            foreach (var kv in rec.Links.OrderBy(k => k.Key, StringComparer.Ordinal))
                lines.Add(Json.Json.Serialize(new Dictionary<string, object?> { ["op"] = "link", ["path"] = kv.Key, ["target"] = kv.Value }, indent: false));
            foreach (var kv in rec.Environment.OrderBy(k => k.Key, StringComparer.Ordinal))
                lines.Add(Json.Json.Serialize(new Dictionary<string, object?> { ["op"] = "env", ["name"] = kv.Key, ["value"] = kv.Value }, indent: false));
            foreach (var kv in rec.Tools.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                var found = kv.Value.Select(t => (object?)new Dictionary<string, object?> { ["name"] = t.Name, ["path"] = t.Path }).ToList();
                lines.Add(Json.Json.Serialize(new Dictionary<string, object?> { ["op"] = "tools", ["prefix"] = kv.Key, ["found"] = found }, indent: false));
            }
            int n = 0;
            foreach (var kv in rec.Commands.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                var r = kv.Value;
                var folder = $"commands/{++n:000}-{Slug(r.Argv)}";
                WriteText(Path.Combine(dir, folder, "stdout"), r.Stdout);
                WriteText(Path.Combine(dir, folder, "stderr"), r.Stderr);
                lines.Add(Json.Json.Serialize(new Dictionary<string, object?>
                {
                    ["op"] = "cmd",
                    ["argv"] = r.Argv.ToList(),
                    ["status"] = r.Status.ToString().ToLowerInvariant(),
                    ["exitCode"] = r.ExitCode,
                    ["elapsedMs"] = (long)r.Elapsed.TotalMilliseconds,
                    ["timeoutMs"] = (long)r.Timeout.TotalMilliseconds,
                    ["output"] = folder,
                }, indent: false));
            }
            WriteText(Path.Combine(dir, "index.jsonl"), string.Join("\n", lines) + "\n");
        }

        private static string Slug(IReadOnlyList<string> argv)
        {
            var name = Path.GetFileName(argv[0]);
            if (argv.Count > 1) name += "-" + argv[1];
            var sb = new StringBuilder();
            foreach (char c in name) sb.Append(char.IsLetterOrDigit(c) || c == '.' || c == '-' ? c : '_');
            var s = sb.ToString().Trim('-', '.');
            return s.Length > 40 ? s.Substring(0, 40) : s.Length == 0 ? "cmd" : s;
        }

        private static void WriteText(string path, string text)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text, new UTF8Encoding(false));
        }
    }
}
