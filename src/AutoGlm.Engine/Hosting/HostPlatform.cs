using System;
using System.Runtime.InteropServices;

namespace AutoGlm.Engine.Hosting
{
    /// <summary>The operating system whose facts a host's probes read and whose files its plans write.</summary>
    public enum HostPlatform { Linux, Windows }

    /// <summary>What stands behind a host: the machine itself (or a root directory on it), or a recorded snapshot.</summary>
    public enum HostKind { Live, Snapshot }

    /// <summary>The text form of <see cref="HostPlatform"/> ("linux", "windows"), as snapshots, facts files and messages have always written it.</summary>
    public static class HostPlatforms
    {
        /// <summary>The machine this process runs on.</summary>
        public static HostPlatform Current =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? HostPlatform.Windows : HostPlatform.Linux;

        public static string ToText(this HostPlatform platform) => platform == HostPlatform.Windows ? "windows" : "linux";

        /// <summary>"live" or "snapshot", for messages.</summary>
        public static string ToText(this HostKind kind) => kind == HostKind.Snapshot ? "snapshot" : "live";

        /// <summary>"windows" is Windows; anything else (a missing value included) is Linux, as the string comparisons had it.</summary>
        public static HostPlatform Parse(string? text) =>
            string.Equals(text, "windows", StringComparison.Ordinal) ? HostPlatform.Windows : HostPlatform.Linux;
    }
}
