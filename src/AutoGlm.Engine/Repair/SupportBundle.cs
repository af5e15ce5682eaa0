using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Reports;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Repair
{
    /// <summary>
    /// The support bundle for causes the repair cannot fix: the diagnosis and check report, DKMS make logs,
    /// the kernel log's NVRM/Xid lines and the package history, redacted (URL credentials, tokens, passwords,
    /// the host's name and machine id), as a .tar.gz or .zip.
    /// </summary>
    public static class SupportBundle
    {
        public static string Write(string path, RepairDiagnosis diagnosis, IHost host, TimeSpan timeout)
        {
            var zip = path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
            if (!zip && !path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase))
                throw new AutoGlmException("BundlePathInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("BundlePathInvalid_Extension", path), path);
            var redactor = Redactor.For(host);
            var entries = Collect(diagnosis, host, timeout).Select(e => (e.name, redactor.Redact(e.text))).ToList();
            var full = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(dir))
                throw new AutoGlmException("BundlePathInvalid", ErrorKind.ObjectNotFound, Messages.Format("BundlePathInvalid_NoFolder", path), path);
            return AtomicFile.Write(full, file =>
            {
                if (zip)
                {
                    using var archive = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
                    foreach (var (name, text) in entries)
                    {
                        using var w = new StreamWriter(archive.CreateEntry("autoglm-bundle/" + name).Open(), new UTF8Encoding(false));
                        w.Write(text);
                    }
                }
                else
                {
                    using var gz = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
                    foreach (var (name, text) in entries) Tar.WriteEntry(gz, "autoglm-bundle/" + name, Encoding.UTF8.GetBytes(text));
                    gz.Write(new byte[1024], 0, 1024);   // two zero blocks end the archive
                }
            });
        }

        /// <summary>The bundle's files, unredacted: name → text.</summary>
        public static List<(string name, string text)> Collect(RepairDiagnosis diagnosis, IHost host, TimeSpan timeout)
        {
            var list = new List<(string, string)>
            {
                ("diagnosis.json", Json.Json.Serialize(diagnosis.ToJson()) + "\n"),
                ("report.json", Report.Render(ReportFormat.Json, diagnosis.Results, new ReportContext { Profile = diagnosis.Profile, Target = diagnosis.Host })),
            };
            // DKMS keeps make.log under build/ (dkms 2) or <kernel>/<arch>/log/ (dkms 3).
            foreach (var module in (host.ListDirectory("/var/lib/dkms") ?? Array.Empty<string>()).Where(m => m.StartsWith("nvidia", StringComparison.Ordinal)))
                foreach (var log in FindFiles(host, $"/var/lib/dkms/{module}", "make.log", depth: 5))
                {
                    var read = host.ReadFile(log);
                    if (read.Ok) list.Add(("dkms" + log.Substring("/var/lib/dkms".Length), Tail(read.Text!, 2000)));
                }
            var dmesg = host.Run(new[] { "dmesg" }, timeout);
            var kernelLines = (dmesg.Succeeded ? dmesg.Stdout : "").Split('\n')
                .Where(l => Regex.IsMatch(l, @"NVRM|Xid|nvidia|nouveau|Key was rejected|module verification failed", RegexOptions.IgnoreCase)).ToList();
            list.Add(("dmesg-nvidia.txt", dmesg.Succeeded ? string.Join("\n", kernelLines) + "\n" : "dmesg: " + dmesg.Describe() + "\n"));
            foreach (var file in new[] { "/var/log/apt/history.log", "/var/log/apt/history.log.1", "/var/log/dnf.rpm.log" })
            {
                var read = host.ReadFile(file);
                if (read.Ok) list.Add(("packages/" + Path.GetFileName(file), Tail(read.Text!, 5000)));
            }
            if (diagnosis.OsFamily == OsFamily.Rhel)
            {
                var history = host.Run(new[] { "dnf", "history", "list" }, timeout);
                if (history.Succeeded) list.Add(("packages/dnf-history.txt", history.Stdout));
            }
            return list;
        }

        private static IEnumerable<string> FindFiles(IHost host, string dir, string name, int depth)
        {
            if (depth < 0) yield break;
            foreach (var entry in host.ListDirectory(dir) ?? Array.Empty<string>())
            {
                var path = dir + "/" + entry;
                if (entry == name) yield return path;
                else if (host.ReadLink(path) == null) foreach (var f in FindFiles(host, path, name, depth - 1)) yield return f;
            }
        }

        private static string Tail(string text, int lines)
        {
            var all = text.Split('\n');
            return all.Length <= lines ? text : string.Join("\n", all.Skip(all.Length - lines));
        }
    }

    /// <summary>Masks what must not leave the host in a support bundle.</summary>
    public sealed class Redactor
    {
        private readonly List<string> _literals;

        public Redactor(IEnumerable<string> literals)
        {
            _literals = literals.Where(l => l.Length >= 3).Distinct().OrderByDescending(l => l.Length).ToList();
        }

        /// <summary>The host's own identifiers: its name and machine id.</summary>
        public static Redactor For(IHost host)
        {
            var values = new List<string>();
            foreach (var file in new[] { "/etc/hostname", "/proc/sys/kernel/hostname", "/etc/machine-id" })
            {
                var read = host.ReadFile(file);
                if (read.Ok && read.Text!.Trim().Length > 0) values.Add(read.Text.Trim());
            }
            return new Redactor(values);
        }

        private static readonly (Regex pattern, string replacement)[] Rules =
        {
            // scheme://user:password@host → scheme://****@host
            (new Regex(@"\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+(:[^/\s@]*)?@"), "$1****@"),
            (new Regex(@"(?i)\b(Authorization:\s*(?:Bearer|Basic|token)\s+)\S+"), "$1****"),
            (new Regex(@"(?i)\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), "$1****"),
            (new Regex(@"(?i)\b((?:[A-Z0-9_]*_)?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)[A-Z0-9_]*)(\s*[=:]\s*)(""[^""]*""|'[^']*'|\S+)"), "$1$2****"),
            // Known token shapes: Hugging Face, GitHub, OpenAI-style, AWS access keys, Slack.
            (new Regex(@"\bhf_[A-Za-z0-9]{20,}"), "hf_****"),
            (new Regex(@"\bgh[pousr]_[A-Za-z0-9]{20,}"), "gh*_****"),
            (new Regex(@"\bsk-[A-Za-z0-9_-]{20,}"), "sk-****"),
            (new Regex(@"\bAKIA[0-9A-Z]{16}\b"), "AKIA****"),
            (new Regex(@"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "xox*-****"),
        };

        public string Redact(string text)
        {
            foreach (var (pattern, replacement) in Rules) text = pattern.Replace(text, replacement);
            foreach (var literal in _literals) text = text.Replace(literal, "<redacted-host>");
            return text;
        }
    }

    /// <summary>A minimal ustar writer (regular files only): netstandard2.0 has no tar support.</summary>
    internal static class Tar
    {
        public static void WriteEntry(Stream output, string name, byte[] content)
        {
            var header = new byte[512];
            var nameBytes = Encoding.UTF8.GetBytes(name);
            if (nameBytes.Length > 100) throw new ArgumentException("tar entry name longer than 100 bytes: " + name);
            Array.Copy(nameBytes, header, nameBytes.Length);
            Octal(header, 100, 8, 0x1A4);                       // mode 0644
            Octal(header, 108, 8, 0);                            // uid
            Octal(header, 116, 8, 0);                            // gid
            Octal(header, 124, 12, content.Length);              // size
            Octal(header, 136, 12, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            header[156] = (byte)'0';                             // regular file
            Encoding.ASCII.GetBytes("ustar\0").CopyTo(header, 257);
            Encoding.ASCII.GetBytes("00").CopyTo(header, 263);
            for (int i = 148; i < 156; i++) header[i] = (byte)' ';
            long sum = header.Sum(b => (long)b);
            var checksum = Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
            checksum.CopyTo(header, 148);
            output.Write(header, 0, 512);
            output.Write(content, 0, content.Length);
            var pad = (512 - content.Length % 512) % 512;
            if (pad > 0) output.Write(new byte[pad], 0, pad);
        }

        private static void Octal(byte[] header, int offset, int length, long value)
        {
            var text = Convert.ToString(value, 8).PadLeft(length - 1, '0');
            Encoding.ASCII.GetBytes(text).CopyTo(header, offset);
            header[offset + length - 1] = 0;
        }
    }
}
