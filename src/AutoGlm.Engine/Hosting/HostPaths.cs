using System;
using System.IO;

namespace AutoGlm.Engine.Hosting
{
    internal static class HostPaths
    {
        /// <summary>Joins a root and a host path ("/etc/x" under "/tmp/r" is "/tmp/r/etc/x").</summary>
        public static string Combine(string root, string hostPath)
        {
            if (!hostPath.StartsWith("/", StringComparison.Ordinal))
                throw new ArgumentException($"host path must be absolute: {hostPath}", nameof(hostPath));
            var relative = hostPath.TrimStart('/');
            return relative.Length == 0 ? root : Path.Combine(root, relative);
        }

        /// <summary>The parent of a host path, or null for "/".</summary>
        public static string? Parent(string hostPath)
        {
            var trimmed = hostPath.TrimEnd('/');
            if (trimmed.Length == 0) return null;
            int slash = trimmed.LastIndexOf('/');
            return slash <= 0 ? "/" : trimmed.Substring(0, slash);
        }
    }
}
