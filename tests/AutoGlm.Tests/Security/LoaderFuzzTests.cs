using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Tests.Engine;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Security
{
    /// <summary>
    /// Generated malformed snapshots and matrices (random truncation, random bytes, deep nesting, symbolic links,
    /// huge lines), a fixed seed so every failure reproduces: each load ends in our own typed error
    /// (AutoGlmException with a stable id and a message without .NET type names) or succeeds, never a raw .NET
    /// exception, and within a time bound.
    /// </summary>
    public class LoaderFuzzTests
    {
        private const int Seed = 23;
        // Generous for a loaded 2-core CI machine; a blow-up (the 57 MB matrix of issue 23 took minutes) is far beyond it.
        private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(20);

        private static void AssertClean(Action load, string what)
        {
            var clock = Stopwatch.StartNew();
            Exception? error = null;
            try { load(); }
            catch (Exception ex) { error = ex; }
            Assert.True(clock.Elapsed < PerCase, $"{what}: took {clock.Elapsed}");
            if (error == null) return;
            Assert.True(error is AutoGlmException, $"{what}: raw {error.GetType().FullName}: {error.Message}");
            var typed = (AutoGlmException)error;
            Assert.False(string.IsNullOrEmpty(typed.ErrorId), what);
            Assert.DoesNotMatch(@"PublicKeyToken|System\.[A-Z]\w+Exception|Exception of type", typed.Message);
        }

        private static string Mutate(Random rng, string text, int kind)
        {
            switch (kind)
            {
                case 0: return text.Substring(0, rng.Next(text.Length + 1));                                   // truncation
                case 1:                                                                                            // random bytes spliced in
                {
                    var chars = text.ToCharArray();
                    for (int i = 0, n = 1 + rng.Next(12); i < n && chars.Length > 0; i++) chars[rng.Next(chars.Length)] = (char)rng.Next(0, 0x2FF);
                    return new string(chars);
                }
                case 2: return new string(Enumerable.Range(0, rng.Next(1, 4000)).Select(_ => (char)rng.Next(0, 256)).ToArray()); // noise
                case 3: return text + new string('x', 1_000_000 + rng.Next(1000));                                  // a huge line
                default:                                                                                           // a line duplicated / dropped
                {
                    var lines = text.Split('\n').ToList();
                    if (lines.Count == 0) return text;
                    var at = rng.Next(lines.Count);
                    if (rng.Next(2) == 0) lines.Insert(at, lines[at]); else lines.RemoveAt(at);
                    return string.Join("\n", lines);
                }
            }
        }

        private static string Deep(Random rng, int depth) =>
            rng.Next(2) == 0 ? new string('[', depth) + new string(']', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

        [Fact]
        public void MalformedSnapshotsAlwaysGiveATypedError()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            var recording = new RecordingHost(new LiveHost(fx.RootPath, fx.PathVariable));
            HostCheckTests.Evaluate(recording);
            var good = tmp.Combine("good");
            SnapshotFormat.Write(recording, good, force: false, DateTimeOffset.UtcNow);
            var files = Directory.GetFiles(good, "*", SearchOption.AllDirectories).Select(f => f.Substring(good.Length + 1)).OrderBy(f => f, StringComparer.Ordinal).ToList();
            var rng = new Random(Seed);
            for (int n = 0; n < 200; n++)
            {
                var dir = tmp.Combine("case" + n);
                CopyDirectory(good, dir);
                var kind = rng.Next(8);
                string what;
                if (kind <= 4)
                {
                    var target = rng.Next(3) == 0 ? "snapshot.json" : rng.Next(2) == 0 ? "index.jsonl" : files[rng.Next(files.Count)];
                    File.WriteAllText(Path.Combine(dir, target), Mutate(rng, File.ReadAllText(Path.Combine(dir, target)), kind));
                    what = $"case {n}: mutation {kind} of {target}";
                }
                else if (kind == 5)
                {
                    var index = File.ReadAllLines(Path.Combine(dir, "index.jsonl")).ToList();
                    index.Insert(rng.Next(index.Count + 1), Deep(rng, rng.Next(100, 20000)));
                    File.WriteAllLines(Path.Combine(dir, "index.jsonl"), index);
                    what = $"case {n}: deep nesting in index.jsonl";
                }
                else if (kind == 6)
                {
                    var victim = files.Where(f => f.StartsWith("files/", StringComparison.Ordinal) || f.StartsWith("commands/", StringComparison.Ordinal)).ToList();
                    var target = Path.Combine(dir, victim[rng.Next(victim.Count)]);
                    File.Delete(target);
                    File.CreateSymbolicLink(target, rng.Next(2) == 0 ? "/etc/hostname" : Path.Combine(good, "snapshot.json"));
                    what = $"case {n}: symbolic link at {target}";
                }
                else
                {
                    var lines = File.ReadAllLines(Path.Combine(dir, "index.jsonl")).ToList();
                    var i = rng.Next(lines.Count);
                    var fields = new[] { "\"path\":", "\"output\":", "\"exitCode\":", "\"argv\":", "\"status\":", "\"op\":", "\"elapsedMs\":" };
                    var values = new[] { "null", "42", "\"../../../../etc\"", "[]", "{}", "\"commands/../../x\"", "9223372036854775807", "-1", "\"\\u0000\"", "true" };
                    var field = fields[rng.Next(fields.Length)];
                    var at = lines[i].IndexOf(field, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        var end = lines[i].IndexOfAny(new[] { ',', '}' }, at + field.Length);
                        if (lines[i][at + field.Length] == '[') end = lines[i].IndexOf(']', at) + 1;
                        lines[i] = lines[i].Substring(0, at + field.Length) + values[rng.Next(values.Length)] + lines[i].Substring(Math.Max(end, at + field.Length));
                    }
                    File.WriteAllLines(Path.Combine(dir, "index.jsonl"), lines);
                    what = $"case {n}: field {field} of line {i + 1} replaced";
                }
                AssertClean(() => new SnapshotHost(dir), what);
                Directory.Delete(dir, recursive: true);
            }
        }

        [Fact]
        public void MalformedMatricesAlwaysGiveATypedError()
        {
            using var tmp = new TempDir();
            var shipped = Directory.GetFiles(Path.Combine(Repo.Root, "matrices"), "*.yaml").OrderBy(f => f, StringComparer.Ordinal).ToList();
            var rng = new Random(Seed);
            for (int n = 0; n < 200; n++)
            {
                var site = tmp.Combine($"site{n}.yaml");
                var kind = rng.Next(8);
                string what;
                if (kind <= 4)
                {
                    var source = shipped[rng.Next(shipped.Count)];
                    File.WriteAllText(site, Mutate(rng, File.ReadAllText(source), kind));
                    what = $"case {n}: mutation {kind} of {Path.GetFileName(source)}";
                }
                else if (kind == 5)
                {
                    var depth = rng.Next(50, 20000);
                    var body = rng.Next(3) switch
                    {
                        0 => new string('[', depth) + "x" + new string(']', depth),
                        1 => string.Concat(Enumerable.Repeat("{a: ", depth)) + "x" + new string('}', depth),
                        _ => "\n  " + string.Concat(Enumerable.Repeat("- ", depth)) + "x",
                    };
                    File.WriteAllText(site, "schemaVersion: 1\nprofiles: " + body + "\n");
                    what = $"case {n}: nesting {depth} deep";
                }
                else if (kind == 6)
                {
                    // Aliases and many small nodes: a "billion laughs" and a long flat list.
                    var sb = new StringBuilder("schemaVersion: 1\nx0: &a0 [q, q, q, q, q, q, q, q, q, q]\n");
                    for (int i = 1; i < 12; i++) sb.Append($"x{i}: &a{i} [" + string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10)) + "]\n");
                    if (rng.Next(2) == 0) sb.Append("profiles:\n" + string.Concat(Enumerable.Range(0, 45000).Select(i => $"  - {{id: p{i}, source: s}}\n")));
                    File.WriteAllText(site, sb.ToString());
                    what = $"case {n}: aliases / many nodes";
                }
                else
                {
                    // A symbolic link to another (shipped, or missing) file, or a folder given as the file.
                    if (rng.Next(3) == 0) Directory.CreateDirectory(site);
                    else File.CreateSymbolicLink(site, rng.Next(2) == 0 ? shipped[rng.Next(shipped.Count)] : tmp.Combine("nowhere.yaml"));
                    what = $"case {n}: link or folder";
                }
                AssertClean(() => MatrixLoader.LoadDefault(new[] { site }), what);
            }
        }

        private static void CopyDirectory(string from, string to)
        {
            foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
                Directory.CreateDirectory(Path.Combine(to, dir.Substring(from.Length + 1)));
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
                File.Copy(file, Path.Combine(to, file.Substring(from.Length + 1)));
        }
    }
}
