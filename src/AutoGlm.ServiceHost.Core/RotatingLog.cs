using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace AutoGlm.ServiceHost
{
    /// <summary>
    /// One log file that is rotated by size: past MaxBytes the file becomes NAME.1 (NAME.1 becomes NAME.2, ...),
    /// and only KeepFiles old files are kept. Thread-safe: the child's stdout and stderr and the host's own
    /// messages write whole lines to it. Opened shared, so the file can be tailed while the service runs.
    /// </summary>
    public sealed class RotatingLog : IDisposable
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false);
        private readonly object _gate = new object();
        private readonly string _path;
        private readonly long _maxBytes;
        private readonly int _keep;
        private FileStream? _stream;

        public RotatingLog(string directory, string fileName, long maxBytes, int keepFiles)
        {
            if (maxBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxBytes));
            Directory.CreateDirectory(directory);
            _path = Path.Combine(directory, fileName);
            _maxBytes = maxBytes;
            _keep = Math.Max(0, keepFiles);
            Open();
        }

        public string FilePath => _path;

        public static string Rotated(string path, int n) => path + "." + n.ToString(CultureInfo.InvariantCulture);

        /// <summary>A line from the child, as it came.</summary>
        public void WriteLine(string line) => Write(Utf8.GetBytes(line + "\n"));

        /// <summary>A line from the host itself, stamped with UTC time and marked as the host's.</summary>
        public void Host(string message) =>
            WriteLine(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + " [autoglm-servicehost] " + message);

        private void Write(byte[] bytes)
        {
            lock (_gate)
            {
                if (_stream == null) return;
                // A line never straddles two files; a line longer than the limit still goes out whole.
                if (_stream.Length > 0 && _stream.Length + bytes.Length > _maxBytes) Rotate();
                _stream!.Write(bytes, 0, bytes.Length);
                _stream.Flush();
            }
        }

        private void Rotate()
        {
            _stream!.Dispose();
            _stream = null;
            if (_keep == 0) File.Delete(_path);
            else
            {
                File.Delete(Rotated(_path, _keep));
                for (int i = _keep - 1; i >= 1; i--)
                    if (File.Exists(Rotated(_path, i))) File.Move(Rotated(_path, i), Rotated(_path, i + 1));
                File.Move(_path, Rotated(_path, 1));
            }
            Open();
        }

        private void Open()
        {
            _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _stream?.Dispose();
                _stream = null;
            }
        }
    }
}
