using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Deploy
{
    /// <summary>One file of the model: its path below the model directory, its size and SHA-256.</summary>
    public sealed class ModelFile
    {
        public string Path { get; set; } = "";
        public long Size { get; set; }
        public string Sha256 { get; set; } = "";
    }

    /// <summary>
    /// The model's files as a JSON manifest: {"model": "zai-org/AutoGLM-Phone-9B", "files": [{"path":
    /// "model-00001-of-00004.safetensors", "size": 5000000000, "sha256": "..."}]}; what `sha256sum` and
    /// the hub's file listing give.
    /// </summary>
    public sealed class ModelManifest
    {
        private static readonly Regex Hex = new Regex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant);

        public string? Model { get; set; }
        public List<ModelFile> Files { get; } = new List<ModelFile>();
        public long TotalBytes => Files.Sum(f => f.Size);

        public static ModelManifest Load(string file)
        {
            if (!File.Exists(file))
                throw new AutoGlmException("ModelManifestNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("ModelManifestNotFound", file), file);
            object? doc;
            try { doc = Json.Json.Parse(File.ReadAllText(file)); }
            catch (Exception ex) when (ex is FormatException || ex is InvalidDataException || ex is ArgumentException)
            {
                throw Invalid(file, Messages.Format("ModelManifestInvalid_NotJSON", ex.Message));
            }
            if (!(doc is IDictionary<string, object?> root) || !root.TryGetValue("files", out var list) || !(list is IList<object?> files) || files.Count == 0)
                throw Invalid(file, Messages.Format("ModelManifestInvalid_HasNoFilesArray"));
            var manifest = new ModelManifest { Model = root.TryGetValue("model", out var m) ? m as string : null };
            foreach (var item in files)
            {
                if (!(item is IDictionary<string, object?> f)) throw Invalid(file, Messages.Format("ModelManifestInvalid_EntryFilesNotObject"));
                var path = f.TryGetValue("path", out var p) ? p as string : null;
                var sha = (f.TryGetValue("sha256", out var h) ? h as string : null)?.ToLowerInvariant();
                var size = f.TryGetValue("size", out var s) ? ToLong(s) : null;
                if (path == null || path.Length == 0 || path.StartsWith("/", StringComparison.Ordinal) || path.Contains("\\") || path.Split('/').Any(x => x == ".." || x == "." || x.Length == 0))
                    throw Invalid(file, Messages.Format("ModelManifestInvalid_PathNotRelativePath", path));
                if (sha == null || !Hex.IsMatch(sha)) throw Invalid(file, Messages.Format("ModelManifestInvalid_NoSha256", path));
                if (size == null || size < 0) throw Invalid(file, Messages.Format("ModelManifestInvalid_HasNoSizeBytes", path));
                manifest.Files.Add(new ModelFile { Path = path, Size = size.Value, Sha256 = sha });
            }
            var dup = manifest.Files.GroupBy(x => x.Path).FirstOrDefault(g => g.Count() > 1);
            if (dup != null) throw Invalid(file, Messages.Format("ModelManifestInvalid_ListedTwice", dup.Key));
            return manifest;
        }

        private static long? ToLong(object? v) => v switch
        {
            long l => l,
            int i => i,
            double d when d >= 0 && d == Math.Floor(d) => (long)d,
            decimal m => (long)m,
            string s when long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var x) => x,
            _ => null,
        };

        private static AutoGlmException Invalid(string file, string why) =>
            new AutoGlmException("ModelManifestInvalid", ErrorKind.InvalidData, Messages.Format("ModelManifestInvalid", file, why), file);
    }

    /// <summary>
    /// The model's weights present, complete and readable by the service user. Verified files are recorded
    /// (size, modification time, SHA-256) in a stamp, so a no-op run never hashes gigabytes again; a file
    /// whose size or time changed is hashed again. Missing or incomplete files are downloaded from the
    /// mirror with resume (HTTP Range into FILE.partial) when one is given.
    /// </summary>
    public sealed class ModelWeightsStep : PlanStep
    {
        private readonly string _modelPath;
        private readonly ModelManifest _manifest;
        private readonly string? _url;
        private readonly string _stampPath;
        // Hashes computed by Test, reused by Set (same size and time): a file is hashed once per run.
        private readonly Dictionary<string, (long Size, long Ticks, string Sha)> _hashed = new Dictionary<string, (long, long, string)>(StringComparer.Ordinal);

        private readonly string _serviceUser;

        public ModelWeightsStep(string modelPath, ModelManifest manifest, string? url, string serviceUser = Services.ServicePlanner.DefaultUser)
            : base("model.weights", url != null ? "download" : "verify", modelPath,
                $"Verify the {manifest.Files.Count} model files ({Gib(manifest.TotalBytes)}) in {modelPath} by size and SHA-256" +
                (url != null ? $", downloading what is missing from {MaskUrl(url)} with resume" : "") + ", readable by the service user.")
        {
            _modelPath = modelPath.TrimEnd('/');
            _manifest = manifest;
            _url = url;
            _serviceUser = serviceUser;
            _stampPath = "/var/lib/autoglm/models/" + Regex.Replace(_modelPath.Trim('/'), "[^A-Za-z0-9._-]", "_") + ".verified";
        }

        public string StampPath => _stampPath;

        internal static string Gib(long bytes) => (bytes / 1073741824.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";

        internal static string MaskUrl(string url) => Regex.Replace(url, "://[^/@]+@", "://****@");

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new IReadOnlyList<string>[] { new[] { "chmod", "-R", "a+rX", _modelPath } };

        public override IReadOnlyList<PlannedFile> Files => new[] { new PlannedFile(_stampPath, "(path, size, mtime and sha256 of each verified file)", 0x1A4) };

        private Dictionary<string, (long Size, long Ticks, string Sha)> ReadStamp(StepContext c)
        {
            var map = new Dictionary<string, (long, long, string)>(StringComparer.Ordinal);
            var read = c.System.ReadFile(_stampPath);
            if (!read.Ok) return map;
            foreach (var line in read.Text!.Split('\n'))
            {
                var parts = line.Split('\t');
                if (parts.Length == 4 && long.TryParse(parts[1], out var size) && long.TryParse(parts[2], out var ticks)) map[parts[0]] = (size, ticks, parts[3]);
            }
            return map;
        }

        private string Real(StepContext c, ModelFile f) => c.System.MapPath(_modelPath + "/" + f.Path);

        private (List<string> Missing, List<string> Bad, List<string> Unrecorded) Inspect(StepContext c, bool hash)
        {
            var stamp = ReadStamp(c);
            var missing = new List<string>();
            var bad = new List<string>();
            var unrecorded = new List<string>();
            foreach (var f in _manifest.Files)
            {
                var info = new FileInfo(Real(c, f));
                if (!info.Exists) { missing.Add(f.Path); continue; }
                if (info.Length != f.Size) { bad.Add($"{f.Path} has {info.Length} of {f.Size} bytes"); continue; }
                var ticks = info.LastWriteTimeUtc.Ticks;
                if (stamp.TryGetValue(f.Path, out var s) && s.Size == f.Size && s.Ticks == ticks && s.Sha == f.Sha256) continue;
                if (!hash) { unrecorded.Add(f.Path); continue; }
                var sha = Hash(info.FullName, f.Size, ticks);
                if (sha != f.Sha256) bad.Add($"{f.Path} has SHA-256 {sha.Substring(0, 12)}…, not {f.Sha256.Substring(0, 12)}…");
                else unrecorded.Add(f.Path);
            }
            return (missing, bad, unrecorded);
        }

        private string Hash(string real, long size, long ticks)
        {
            if (_hashed.TryGetValue(real, out var h) && h.Size == size && h.Ticks == ticks) return h.Sha;
            string sha;
            using (var stream = File.OpenRead(real))
            using (var sha256 = SHA256.Create())
                sha = Hashing.Sha256Hex(stream);
            _hashed[real] = (size, ticks, sha);
            return sha;
        }

        /// <summary>Files and directories below the model path that others cannot read (or enter): the service user is not their owner.</summary>
        private List<string> Unreadable(StepContext c)
        {
            var paths = new List<string> { c.System.MapPath(_modelPath) };
            paths.AddRange(_manifest.Files.Select(f => Real(c, f)).Where(File.Exists));
            paths.AddRange(_manifest.Files.Select(f => Path.GetDirectoryName(Real(c, f))!).Where(Directory.Exists).Distinct());
            if (Path.DirectorySeparatorChar == '\\') return new List<string>();
            var r = c.System.Run(new[] { "stat", "--format=%a %n", "--" }.Concat(paths.Distinct()).ToList(), c.CommandTimeout);
            if (!r.Succeeded) return new List<string> { "could not read permissions: " + r.Describe() };
            var result = new List<string>();
            foreach (var line in r.Stdout.Split('\n').Where(l => l.Length > 0))
            {
                int space = line.IndexOf(' ');
                if (space < 0 || !int.TryParse(line.Substring(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var octal)) continue;
                var mode = Convert.ToInt32(octal.ToString(CultureInfo.InvariantCulture), 8);
                var path = line.Substring(space + 1);
                bool dir = Directory.Exists(path);
                if ((mode & 4) == 0 || (dir && (mode & 1) == 0)) result.Add(path.Substring(c.System.MapPath(_modelPath).Length).TrimStart('/') is var rel && rel.Length > 0 ? rel : _modelPath);
            }
            return result;
        }

        public override StepCheck Test(StepContext context)
        {
            if (!Directory.Exists(context.System.MapPath(_modelPath))) return StepCheck.Needed($"{_modelPath} does not exist");
            var (missing, bad, unrecorded) = Inspect(context, hash: true);
            var problems = new List<string>();
            if (missing.Count > 0) problems.Add($"{missing.Count} file(s) missing ({string.Join(", ", missing.Take(3))}{(missing.Count > 3 ? ", …" : "")})");
            problems.AddRange(bad);
            var unreadable = Unreadable(context);
            if (unreadable.Count > 0) problems.Add("not readable by the service user: " + string.Join(", ", unreadable.Take(3)) + (unreadable.Count > 3 ? ", …" : ""));
            var blocked = ModelAccess.BlockedParents(context.System, _modelPath, _serviceUser, context.CommandTimeout);
            if (blocked.Count > 0) problems.Add(ModelAccess.Detail(blocked, _serviceUser));
            if (problems.Count == 0 && unrecorded.Count > 0) problems.Add($"{unrecorded.Count} file(s) verified by SHA-256 but not yet recorded");
            return problems.Count == 0
                ? StepCheck.Satisfied($"{_manifest.Files.Count} file(s), {Gib(_manifest.TotalBytes)}, complete and readable (sizes and times as recorded)")
                : StepCheck.Needed(string.Join("; ", problems));
        }

        public override void Set(StepContext context)
        {
            // Before any download: a folder above the model that the service user cannot enter is not ours to open up.
            ModelAccess.Require(context, _modelPath, _serviceUser);
            var (missing, bad, _) = Inspect(context, hash: true);
            var broken = _manifest.Files.Where(f => missing.Contains(f.Path) || bad.Any(b => b.StartsWith(f.Path + " ", StringComparison.Ordinal))).ToList();
            if (broken.Count > 0)
            {
                if (_url == null)
                    throw new StepFailedException(Messages.Format("StepFailed_ModelFilesBroken", broken.Count, _modelPath, string.Join(", ", broken.Take(3).Select(b => b.Path)), ModelInstructions.Text(_manifest.Model, _modelPath)));
                foreach (var f in broken) Download(context, f);
            }
            context.Run(new[] { "chmod", "-R", "a+rX", context.System.MapPath(_modelPath) });
            var sb = new StringBuilder();
            foreach (var f in _manifest.Files)
            {
                var info = new FileInfo(Real(context, f));
                var sha = Hash(info.FullName, info.Length, info.LastWriteTimeUtc.Ticks);
                if (sha != f.Sha256) throw new StepFailedException(Messages.Format("StepFailed_ModelFileMismatch", f.Path, sha));
                sb.Append(f.Path).Append('\t').Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append('\t')
                  .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(sha).Append('\n');
            }
            context.System.WriteFile(_stampPath, sb.ToString(), 0x1A4);
        }

        /// <summary>Fetches one file into FILE.partial, continuing a partial one with an HTTP Range request, then renames it.</summary>
        private void Download(StepContext context, ModelFile f)
        {
            var target = Real(context, f);
            var partial = target + ".partial";
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (File.Exists(partial) && new FileInfo(partial).Length > f.Size) File.Delete(partial);
            var source = _url!.TrimEnd('/') + "/" + string.Join("/", f.Path.Split('/').Select(Uri.EscapeDataString));
            long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            context.Output.Verbose(have > 0 ? Messages.Format("Verbose_ModelResuming", f.Path, have, f.Size, MaskUrl(source)) : Messages.Format("Verbose_ModelDownloading", f.Path, f.Size, MaskUrl(source)));
            if (source.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            {
                var from = new Uri(source).LocalPath;
                if (!File.Exists(from)) throw new StepFailedException(Messages.Format("StepFailed_MirrorLacksFile", f.Path, MaskUrl(source)));
                using var input = File.OpenRead(from);
                input.Seek(Math.Min(have, input.Length), SeekOrigin.Begin);
                using var output = new FileStream(partial, FileMode.Append, FileAccess.Write);
                input.CopyTo(output);
            }
            else
            {
                using var http = new HttpClient { Timeout = context.CommandTimeout };
                using var request = new HttpRequestMessage(HttpMethod.Get, source);
                if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
                HttpResponseMessage response;
                try { response = http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult(); }
                catch (Exception ex) when (ex is HttpRequestException || ex is OperationCanceledException)
                {
                    throw new StepFailedException(Messages.Format("StepFailed_DownloadFailed", f.Path, MaskUrl(source), ex.Message));
                }
                using (response)
                {
                    var code = (int)response.StatusCode;
                    if (code != 200 && code != 206)
                        throw new StepFailedException(Messages.Format("StepFailed_DownloadHttp", f.Path, MaskUrl(source), code, response.ReasonPhrase));
                    // 200 to a Range request: the server sends the whole file, so start over.
                    var mode = code == 206 ? FileMode.Append : FileMode.Create;
                    using var body = response.Content.ReadAsStreamAsync().GetAwaiter().GetResult();
                    using var output = new FileStream(partial, mode, FileAccess.Write);
                    try { body.CopyTo(output); }
                    catch (Exception ex) when (ex is IOException || ex is HttpRequestException)
                    {
                        throw new StepFailedException(Messages.Format("StepFailed_DownloadBrokeOff", f.Path, output.Length, ex.Message));
                    }
                }
            }
            var size = new FileInfo(partial).Length;
            if (size != f.Size) throw new StepFailedException(Messages.Format("StepFailed_DownloadShort", f.Path, size, f.Size));
            using (var stream = File.OpenRead(partial))
            using (var sha256 = SHA256.Create())
            {
                var sha = Hashing.Sha256Hex(stream);
                if (sha != f.Sha256)
                {
                    stream.Dispose();
                    File.Delete(partial);
                    throw new StepFailedException(Messages.Format("StepFailed_DownloadHashMismatch", f.Path, MaskUrl(source), sha, f.Sha256));
                }
            }
            if (File.Exists(target)) File.Delete(target);
            File.Move(partial, target);
        }
    }

    /// <summary>A local model directory without a manifest: it must hold the model's config.json, readable; its completeness is not verified.</summary>
    public sealed class ModelPresentStep : PlanStep
    {
        private readonly string _modelPath;

        private readonly string _serviceUser;

        public ModelPresentStep(string modelPath, string serviceUser = Services.ServicePlanner.DefaultUser)
            : base("model.present", "verify", modelPath, $"Check that {modelPath} holds a model (config.json) readable by the service user; without a manifest its files are not verified.")
        {
            _modelPath = modelPath.TrimEnd('/');
            _serviceUser = serviceUser;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new IReadOnlyList<string>[] { new[] { "chmod", "-R", "a+rX", _modelPath } };

        public override StepCheck Test(StepContext context)
        {
            var config = context.System.MapPath(_modelPath + "/config.json");
            if (!File.Exists(config)) return StepCheck.Needed($"{_modelPath}/config.json does not exist");
            var r = context.System.Run(new[] { "stat", "--format=%a", "--", context.System.MapPath(_modelPath), config }, context.CommandTimeout);
            if (!r.Succeeded) return StepCheck.Needed("could not read permissions: " + r.Describe());
            var modes = r.Stdout.Split('\n').Where(l => l.Trim().Length > 0).Select(l => Convert.ToInt32(l.Trim(), 8)).ToList();
            bool ok = modes.Count == 2 && (modes[0] & 5) == 5 && (modes[1] & 4) == 4;
            var blocked = ModelAccess.BlockedParents(context.System, _modelPath, _serviceUser, context.CommandTimeout);
            if (blocked.Count > 0) return StepCheck.Needed((ok ? "" : $"{_modelPath} is not readable by the service user; ") + ModelAccess.Detail(blocked, _serviceUser));
            return ok ? StepCheck.Satisfied($"{_modelPath} holds config.json, readable by others") : StepCheck.Needed($"{_modelPath} is not readable by the service user");
        }

        public override void Set(StepContext context)
        {
            if (!File.Exists(context.System.MapPath(_modelPath + "/config.json")))
                throw new StepFailedException(Messages.Format("StepFailed_NoModel", _modelPath, ModelInstructions.Text(null, _modelPath)));
            ModelAccess.Require(context, _modelPath, _serviceUser);
            context.Run(new[] { "chmod", "-R", "a+rX", context.System.MapPath(_modelPath) });
        }
    }

    /// <summary>
    /// The folders above the model: the service user must be able to enter each (execute permission), or it
    /// cannot open the weights however readable they are. A model under /root (mode 0700) is the classic case;
    /// `chmod -R a+rX` on the model folder cannot help, and opening up /root is a person's decision.
    /// </summary>
    public static class ModelAccess
    {
        /// <summary>"PATH (mode 700, owner root)" for each existing folder strictly between / and the model path the user cannot enter.</summary>
        public static IReadOnlyList<string> BlockedParents(ISystemHost system, string modelPath, string user, TimeSpan timeout)
        {
            if (Path.DirectorySeparatorChar == '\\') return Array.Empty<string>();
            var path = modelPath.TrimEnd('/');
            var parents = new List<string>();
            for (int i = path.IndexOf('/', 1); i > 0; i = path.IndexOf('/', i + 1)) parents.Add(path.Substring(0, i));
            parents = parents.Where(p => Directory.Exists(system.MapPath(p))).ToList();
            if (parents.Count == 0) return Array.Empty<string>();
            var r = system.Run(new[] { "stat", "--format=%a %U %G", "--" }.Concat(parents.Select(system.MapPath)).ToList(), timeout);
            if (!r.Succeeded) return Array.Empty<string>();
            var lines = r.Stdout.Split('\n').Where(l => l.Trim().Length > 0).ToList();
            var blocked = new List<string>();
            for (int i = 0; i < Math.Min(lines.Count, parents.Count); i++)
            {
                var parts = lines[i].Trim().Split(' ');
                if (parts.Length < 3) continue;
                int mode;
                try { mode = Convert.ToInt32(parts[0], 8); }
                catch (FormatException) { continue; }
                bool enters = (mode & 1) != 0 || (parts[1] == user && (mode & 0x40) != 0) || (parts[2] == user && (mode & 0x8) != 0);
                if (!enters) blocked.Add($"{parents[i]} (mode {parts[0]}, owner {parts[1]})");
            }
            return blocked;
        }

        /// <summary>The fix, as commands: let others enter (not list) each blocked folder.</summary>
        public static string Fix(IEnumerable<string> blocked) =>
            string.Join("; ", blocked.Select(b => "sudo chmod o+x " + b.Substring(0, b.IndexOf(" (", StringComparison.Ordinal))));

        internal static string Detail(IReadOnlyList<string> blocked, string user) =>
            $"the service user {user} cannot enter {string.Join(", ", blocked)} above the model (fix: {Fix(blocked)}, or move the model)";

        internal static void Require(StepContext context, string modelPath, string user)
        {
            var blocked = BlockedParents(context.System, modelPath, user, context.CommandTimeout);
            if (blocked.Count > 0)
                throw new StepFailedException(Messages.Format("StepFailed_ModelPathNotTraversable", user, modelPath, string.Join(", ", blocked), Fix(blocked)));
        }
    }

    /// <summary>The exact commands a person runs to put the weights in place.</summary>
    public static class ModelInstructions
    {
        public static string Text(string? model, string modelPath)
        {
            var id = model ?? "zai-org/AutoGLM-Phone-9B";
            var mirror = id.Replace("zai-org/", "ZhipuAI/");
            return Messages.Format("ModelWeightsMissing_Instructions", id, modelPath, mirror);
        }
    }
}
