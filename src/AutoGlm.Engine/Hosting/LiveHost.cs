using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Hosting
{
    /// <summary>The machine this process runs on: files under <see cref="Root"/>, tools on PATH.</summary>
    public sealed class LiveHost : IHost
    {
        private const int MaxFileBytes = 4 * 1024 * 1024;
        private static readonly PropertyInfo? LinkTargetProperty = typeof(FileSystemInfo).GetProperty("LinkTarget");
        private readonly string? _pathOverride;
        private readonly IReadOnlyDictionary<string, string?>? _environment;

        /// <param name="root">Directory that stands for '/'. Must exist.</param>
        /// <param name="path">PATH to resolve tools on; null means this process's PATH.</param>
        /// <param name="environment">Variables set (null: removed) for the tools run, e.g. tests isolating git from the user's config;
        /// GetEnvironmentVariable reads them too (PIP_INDEX_URL, HOME, AUTOGLM_INSTALLER).</param>
        public LiveHost(string root = "/", string? path = null, IReadOnlyDictionary<string, string?>? environment = null)
        {
            if (string.IsNullOrWhiteSpace(root))
                throw new AutoGlmException("RootInvalid", ErrorKind.InvalidArgument, Messages.Format("RootInvalid"), root);
            var full = Path.GetFullPath(root);
            if (File.Exists(full))
                throw new AutoGlmException("RootInvalid", ErrorKind.InvalidArgument, Messages.Format("RootInvalid_IsFile", root), root);
            if (!Directory.Exists(full))
                throw new AutoGlmException("RootNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("RootNotFound", root), root);
            try { Directory.GetFileSystemEntries(full); }
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException)
            {
                throw new AutoGlmException("RootUnreadable", ErrorKind.PermissionDenied,
                    Messages.Format("RootUnreadable", root, ex.Message), root, ex);
            }
            Root = full;
            _pathOverride = path;
            _environment = environment;
        }

        public string Root { get; }
        public HostKind Kind => HostKind.Live;
        public HostPlatform Platform => HostPlatforms.Current;

        public string MapPath(string hostPath) => HostPaths.Combine(Root, hostPath);

        public FileRead ReadFile(string path)
        {
            var real = MapPath(path);
            try
            {
                if (!File.Exists(real)) return FileRead.Absent(path);
                // /proc and /sys files report size 0; read through a capped stream instead of trusting Length.
                using var stream = new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                // Grow with the content: most files are a few bytes, and a fixed cap-sized buffer cost 8 MB a read.
                var text = new System.Text.StringBuilder();
                var chunk = new char[8192];
                int n;
                while (text.Length < MaxFileBytes && (n = reader.Read(chunk, 0, Math.Min(chunk.Length, MaxFileBytes - text.Length))) > 0)
                    text.Append(chunk, 0, n);
                return FileRead.Found(path, text.ToString());
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException)
            {
                return FileRead.Unreadable(path, ex.Message);
            }
        }

        public IReadOnlyList<string>? ListDirectory(string path)
        {
            var real = MapPath(path);
            try
            {
                if (!Directory.Exists(real)) return null;
                return Directory.GetFileSystemEntries(real).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToList()!;
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException)
            {
                return null;
            }
        }

        public string? ReadLink(string path)
        {
            if (LinkTargetProperty == null) return null;
            try
            {
                var info = new FileInfo(MapPath(path));
                return LinkTargetProperty.GetValue(info) as string;
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>The variables the tools run see: PATH and the given environment override this process's.</summary>
        public string? GetEnvironmentVariable(string name)
        {
            if (name == "PATH" && _pathOverride != null) return _pathOverride;
            if (_environment != null && _environment.TryGetValue(name, out var value)) return value;
            return Environment.GetEnvironmentVariable(name);
        }

        private IEnumerable<string> PathDirectories() =>
            (GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Where(d => d.Length > 0).Distinct();

        public IReadOnlyList<ToolLocation> FindTools(string prefix)
        {
            var found = new Dictionary<string, ToolLocation>(StringComparer.Ordinal);
            foreach (var dir in PathDirectories())
            {
                string[] entries;
                try { entries = Directory.Exists(dir) ? Directory.GetFiles(dir, prefix + "*") : Array.Empty<string>(); }
                catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException) { continue; }
                foreach (var file in entries)
                {
                    var name = Path.GetFileName(file);
                    if (!found.ContainsKey(name)) found[name] = new ToolLocation(name, file);
                }
            }
            return found.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        }

        /// <summary>Resolves a tool name on PATH (with PATHEXT on Windows); absolute paths are taken as they are.</summary>
        public string? Resolve(string tool)
        {
            if (Path.IsPathRooted(tool)) return File.Exists(tool) ? tool : null;
            var extensions = Platform == HostPlatform.Windows
                ? new[] { "" }.Concat((Environment.GetEnvironmentVariable("PATHEXT") ?? ".EXE;.CMD;.BAT").Split(';')).ToArray()
                : new[] { "" };
            foreach (var dir in PathDirectories())
            {
                foreach (var ext in extensions)
                {
                    var candidate = Path.Combine(dir, tool + ext);
                    if (File.Exists(candidate)) return candidate;
                }
            }
            return null;
        }

        public CommandResult Run(IReadOnlyList<string> argv, TimeSpan timeout)
        {
            if (argv.Count == 0) throw new ArgumentException("argv must name a tool", nameof(argv));
            var exe = Resolve(argv[0]);
            if (exe == null)
                return new CommandResult(argv, CommandStatus.NotFound, -1, "", "", TimeSpan.Zero, timeout);
            Dictionary<string, string?>? env = null;
            if (_pathOverride != null || _environment != null)
            {
                env = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var kv in _environment ?? new Dictionary<string, string?>()) env[kv.Key] = kv.Value;
                if (_pathOverride != null) env["PATH"] = _pathOverride;
            }
            return ProcessRunner.Run(exe, argv, timeout, env);
        }
    }
}
