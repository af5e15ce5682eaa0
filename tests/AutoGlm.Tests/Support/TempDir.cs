using System;
using System.IO;

namespace AutoGlm.Tests.Support
{
    /// <summary>A directory that lives as long as the test.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir(string prefix = "autoglm-test")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 10));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Combine(params string[] parts) => System.IO.Path.Combine(new[] { Path }.Concat(parts));

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    internal static class ArrayExtensions
    {
        public static T[] Concat<T>(this T[] first, T[] second)
        {
            var all = new T[first.Length + second.Length];
            first.CopyTo(all, 0);
            second.CopyTo(all, first.Length);
            return all;
        }
    }
}
