using System;
using System.Collections.Generic;

namespace AutoGlm.Engine.Hosting
{
    /// <summary>The result of reading one file: its text, or why there is none.</summary>
    public sealed class FileRead
    {
        private FileRead(string path, string? text, bool exists, string? error)
        {
            Path = path;
            Text = text;
            Exists = exists;
            Error = error;
        }

        public string Path { get; }
        public string? Text { get; }
        public bool Exists { get; }
        /// <summary>Set when the file exists but could not be read (permissions, I/O).</summary>
        public string? Error { get; }
        public bool Ok => Text != null;

        public static FileRead Found(string path, string text) => new FileRead(path, text, true, null);
        public static FileRead Absent(string path) => new FileRead(path, null, false, null);
        public static FileRead Unreadable(string path, string error) => new FileRead(path, null, true, error);

        public string Describe() => Ok ? $"{Path} read" : Exists ? $"{Path} could not be read: {Error}" : $"{Path} does not exist";
    }

    /// <summary>An executable found on PATH.</summary>
    public sealed class ToolLocation
    {
        public ToolLocation(string name, string path) { Name = name; Path = path; }
        public string Name { get; }
        public string Path { get; }
    }

    /// <summary>
    /// Every read of the machine goes through this: files under a root directory, external tools on
    /// PATH run as argv with a timeout, and a few environment values. A live host, a recording wrapper
    /// and a snapshot replay implement it, so checks cannot tell a host from its snapshot.
    /// </summary>
    public interface IHost
    {
        /// <summary>The directory that stands for '/', e.g. "/" or a fixture tree or a mounted image.</summary>
        string Root { get; }

        /// <summary>Live or snapshot; <see cref="HostPlatforms.ToText(HostKind)"/> gives its text for messages.</summary>
        HostKind Kind { get; }

        /// <summary>The platform whose facts the probes should read.</summary>
        HostPlatform Platform { get; }

        /// <summary>Reads a text file. <paramref name="path"/> is a host path such as "/etc/os-release".</summary>
        FileRead ReadFile(string path);

        /// <summary>Names in a directory, sorted ordinally; null when the directory does not exist.</summary>
        IReadOnlyList<string>? ListDirectory(string path);

        /// <summary>The target of a symbolic link; null when the path is not a link or does not exist.</summary>
        string? ReadLink(string path);

        string? GetEnvironmentVariable(string name);

        /// <summary>Executables on PATH whose names start with <paramref name="prefix"/>; first on PATH wins.</summary>
        IReadOnlyList<ToolLocation> FindTools(string prefix);

        /// <summary>Runs argv[0] (resolved on PATH) with the remaining arguments.</summary>
        CommandResult Run(IReadOnlyList<string> argv, TimeSpan timeout);

        /// <summary>The real filesystem path of a host path, for passing to tools (e.g. df).</summary>
        string MapPath(string hostPath);
    }

    /// <summary>Thrown by a snapshot host when the snapshot holds no record of what a probe asked for.</summary>
    public sealed class SnapshotGapException : Exception
    {
        public SnapshotGapException(string what) : base($"the snapshot has no record of {what}") { What = what; }
        public string What { get; }
    }
}
