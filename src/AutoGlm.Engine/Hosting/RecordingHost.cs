using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace AutoGlm.Engine.Hosting
{
    /// <summary>
    /// Passes every call through to an inner host and remembers what it answered, so the answers can be
    /// written as a snapshot. Thread-safe: probes run in parallel.
    /// </summary>
    public sealed class RecordingHost : IHost
    {
        private readonly IHost _inner;

        public RecordingHost(IHost inner) { _inner = inner; }

        internal ConcurrentDictionary<string, FileRead> Files { get; } = new ConcurrentDictionary<string, FileRead>(StringComparer.Ordinal);
        internal ConcurrentDictionary<string, IReadOnlyList<string>?> Directories { get; } = new ConcurrentDictionary<string, IReadOnlyList<string>?>(StringComparer.Ordinal);
        internal ConcurrentDictionary<string, string?> Links { get; } = new ConcurrentDictionary<string, string?>(StringComparer.Ordinal);
        internal ConcurrentDictionary<string, string?> Environment { get; } = new ConcurrentDictionary<string, string?>(StringComparer.Ordinal);
        internal ConcurrentDictionary<string, IReadOnlyList<ToolLocation>> Tools { get; } = new ConcurrentDictionary<string, IReadOnlyList<ToolLocation>>(StringComparer.Ordinal);
        internal ConcurrentDictionary<string, CommandResult> Commands { get; } = new ConcurrentDictionary<string, CommandResult>(StringComparer.Ordinal);

        public string Root => _inner.Root;
        public HostKind Kind => _inner.Kind;
        public HostPlatform Platform => _inner.Platform;
        public string MapPath(string hostPath) => _inner.MapPath(hostPath);

        public FileRead ReadFile(string path) => Files.GetOrAdd(path, p => _inner.ReadFile(p));
        public IReadOnlyList<string>? ListDirectory(string path) => Directories.GetOrAdd(path, p => _inner.ListDirectory(p));
        public string? ReadLink(string path) => Links.GetOrAdd(path, p => _inner.ReadLink(p));
        public string? GetEnvironmentVariable(string name) => Environment.GetOrAdd(name, n => _inner.GetEnvironmentVariable(n));
        public IReadOnlyList<ToolLocation> FindTools(string prefix) => Tools.GetOrAdd(prefix, p => _inner.FindTools(p));

        // Commands are memoised too: a snapshot holds one answer per argv, so the live run must see the
        // same single answer the replay will.
        public CommandResult Run(IReadOnlyList<string> argv, TimeSpan timeout) =>
            Commands.GetOrAdd(SnapshotFormat.CommandKey(argv), _ => _inner.Run(argv, timeout));
    }
}
