using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Plan
{
    /// <summary>
    /// Write-then-rename, so a reader (or a crash) sees the old file or the new one, never half of one.
    /// </summary>
    public static class AtomicFile
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        [DllImport("libc", SetLastError = true, EntryPoint = "chmod")]
        private static extern int Chmod(string path, uint mode);

        [DllImport("libc", SetLastError = true, EntryPoint = "rename")]
        private static extern int Rename(string from, string to);

        public static void Write(string realPath, string content, int? mode = null)
        {
            var full = Path.GetFullPath(realPath);
            var dir = Path.GetDirectoryName(full)!;
            var temp = Path.Combine(dir, "." + Path.GetFileName(full) + ".autoglm-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                Directory.CreateDirectory(dir);
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    var bytes = Utf8.GetBytes(content);
                    stream.Write(bytes, 0, bytes.Length);
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
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { }
                throw new AutoGlmException("FileWriteFailed", ErrorKind.WriteError,
                    Messages.Format("FileWriteFailed", realPath, ex.Message.TrimEnd('.', ' ')), realPath, ex);
            }
        }
    }
}
