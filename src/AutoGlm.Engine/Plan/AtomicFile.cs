using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Plan
{
    /// <summary>
    /// Write-then-rename, so a reader (or a crash) sees the old file or the new one, never half of one. The engine's
    /// one way to write a file in place: plan files, the journal, reports, support bundles.
    /// </summary>
    /// <remarks>
    /// The temporary file is hidden ('.' + name + ".autoglm-" + 8 hex digits) in the target's directory, so the
    /// rename never crosses a file system and a collector that reads *.prom or *.json skips it. It is removed when
    /// anything fails.
    /// </remarks>
    public static class AtomicFile
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        [DllImport("libc", SetLastError = true, EntryPoint = "chmod")]
        private static extern int Chmod(string path, uint mode);

        [DllImport("libc", SetLastError = true, EntryPoint = "rename")]
        private static extern int Rename(string from, string to);

        /// <summary>Writes <paramref name="content"/> as UTF-8 without a byte order mark; returns the full path.</summary>
        public static string Write(string realPath, string content, int? mode = null,
            Func<string, Exception, AutoGlmException>? failure = null) =>
            Write(realPath, Utf8.GetBytes(content), mode, failure);

        public static string Write(string realPath, byte[] content, int? mode = null,
            Func<string, Exception, AutoGlmException>? failure = null) =>
            Write(realPath, stream => stream.Write(content, 0, content.Length), mode, failure);

        /// <summary>
        /// Writes what <paramref name="write"/> puts into the stream (which it must leave open) and returns the full
        /// path. A failure to write (<see cref="IOException"/>, <see cref="UnauthorizedAccessException"/>) becomes
        /// the error <paramref name="failure"/> makes of the full path and the cause; FileWriteFailed when null.
        /// Any other exception from <paramref name="write"/> passes through. Either way no temporary file is left.
        /// </summary>
        public static string Write(string realPath, Action<Stream> write, int? mode = null,
            Func<string, Exception, AutoGlmException>? failure = null)
        {
            var full = Path.GetFullPath(realPath);
            var dir = Path.GetDirectoryName(full)!;
            var temp = Path.Combine(dir, "." + Path.GetFileName(full) + ".autoglm-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                Directory.CreateDirectory(dir);
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    write(stream);
                    stream.Flush(true);
                }
                bool unix = !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
                if (unix)
                {
                    // Set the mode before the rename, so a secret is never readable under its final name.
                    if (mode.HasValue && Chmod(temp, (uint)mode.Value) != 0)
                        throw new IOException($"chmod {Convert.ToString(mode.Value, 8)} {temp} failed (errno {Marshal.GetLastWin32Error()})");
                    if (Rename(temp, full) != 0)
                        throw new IOException($"rename {temp} -> {full} failed (errno {Marshal.GetLastWin32Error()})");
                }
                else if (File.Exists(full)) File.Replace(temp, full, null);
                else File.Move(temp, full);
                return full;
            }
            catch (Exception ex)
            {
                try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                if (ex is IOException || ex is UnauthorizedAccessException)
                    throw failure != null ? failure(full, ex) : FileWriteFailed(realPath, ex);
                throw;
            }
        }

        private static AutoGlmException FileWriteFailed(string realPath, Exception cause) =>
            new AutoGlmException("FileWriteFailed", ErrorKind.WriteError,
                Messages.Format("FileWriteFailed", realPath, cause.Message.TrimEnd('.', ' ')), realPath, cause);
    }
}
