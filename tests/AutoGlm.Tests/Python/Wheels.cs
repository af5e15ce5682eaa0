using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace AutoGlm.Tests.Python
{
    /// <summary>Writes small valid wheels (METADATA, WHEEL, RECORD with hashes) that real pip installs offline.</summary>
    public static class Wheels
    {
        public static string Build(string directory, string name, string version, IEnumerable<string>? requires = null,
            IDictionary<string, string>? files = null, string marker = "")
        {
            var dist = name.Replace('-', '_');
            var module = name.ToLowerInvariant().Replace('-', '_');
            var infoDir = $"{dist}-{version}.dist-info";
            var entries = new List<(string path, byte[] data)>
            {
                ($"{module}/__init__.py", Encoding.UTF8.GetBytes($"__version__ = '{version}'\n{marker}")),
            };
            foreach (var f in files ?? new Dictionary<string, string>()) entries.Add((f.Key, Encoding.UTF8.GetBytes(f.Value)));
            var metadata = new StringBuilder($"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
            foreach (var r in requires ?? Enumerable.Empty<string>()) metadata.Append("Requires-Dist: ").Append(r).Append('\n');
            metadata.Append("\nA test distribution.\n");
            entries.Add(($"{infoDir}/METADATA", Encoding.UTF8.GetBytes(metadata.ToString())));
            entries.Add(($"{infoDir}/WHEEL", Encoding.UTF8.GetBytes("Wheel-Version: 1.0\nGenerator: autoglm-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")));
            var record = new StringBuilder();
            foreach (var (path, data) in entries)
                record.Append(path).Append(",sha256=").Append(UrlSafe(SHA256.HashData(data))).Append(',').Append(data.Length).Append('\n');
            record.Append($"{infoDir}/RECORD,,\n");
            entries.Add(($"{infoDir}/RECORD", Encoding.UTF8.GetBytes(record.ToString())));

            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, $"{dist}-{version}-py3-none-any.whl");
            if (File.Exists(file)) File.Delete(file);
            using (var zip = ZipFile.Open(file, ZipArchiveMode.Create))
                foreach (var (path, data) in entries)
                {
                    var entry = zip.CreateEntry(path);
                    entry.LastWriteTime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
                    using var s = entry.Open();
                    s.Write(data, 0, data.Length);
                }
            return file;
        }

        private static string UrlSafe(byte[] hash) => Convert.ToBase64String(hash).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static string Sha256(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))).ToLowerInvariant();

        /// <summary>
        /// The wheelhouse the tests lock from: a CUDA and a CPU torch of the same release, a framework that
        /// depends on torch and transformers 4, transformers 4 and the 5.0.0rc0 override, and their dependencies.
        /// </summary>
        public static string Wheelhouse(string directory)
        {
            Build(directory, "torch", "2.9.1+cu128", new[] { "filelock" }, new Dictionary<string, string> { ["torch/version.py"] = "__version__ = '2.9.1+cu128'\ncuda: Optional[str] = '12.8'\n" });
            Build(directory, "torch", "2.9.1+cpu", new[] { "filelock" }, new Dictionary<string, string> { ["torch/version.py"] = "__version__ = '2.9.1+cpu'\ncuda: Optional[str] = None\n" });
            Build(directory, "torch", "2.8.0+cu126", new[] { "filelock" }, new Dictionary<string, string> { ["torch/version.py"] = "cuda = '12.6'\n" });
            Build(directory, "filelock", "3.20.0");
            Build(directory, "sglang", "0.5.10", new[] { "torch==2.9.1", "transformers==4.57.1", "requests (>=2.0)", "pytest; extra == 'test'" });
            Build(directory, "transformers", "4.57.1", new[] { "tokenizers>=0.20" });
            Build(directory, "transformers", "5.0.0rc0", new[] { "tokenizers>=0.22" });
            Build(directory, "tokenizers", "0.21.0");
            Build(directory, "tokenizers", "0.22.1");
            Build(directory, "requests", "2.31.0");
            Build(directory, "requests", "2.32.0");
            return directory;
        }
    }
}
