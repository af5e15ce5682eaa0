using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Engine.Resolve;
using AutoGlm.Tests.Support;
using Xunit;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Tests.Python
{
    /// <summary>
    /// Locking from a PEP 503 index follows Requires-Dist through the METADATA files the index serves
    /// (PEP 658 / PEP 714), over pages held in memory and handed to the lock through its fetch function.
    /// </summary>
    public class IndexLockTests
    {
        private const string IndexUrl = "https://mirror.example/simple";

        /// <summary>A simple index over a wheelhouse's files: pages and .metadata files by URL, and what was asked for.</summary>
        internal sealed class FakeIndex
        {
            public Dictionary<string, string> Served { get; } = new Dictionary<string, string>();
            public List<string> Fetched { get; } = new List<string>();

            public string? Fetch(Uri uri)
            {
                Fetched.Add(uri.AbsoluteUri);
                return Served.TryGetValue(uri.AbsoluteUri, out var text) ? text : null;
            }

            public IEnumerable<string> MetadataFetched => Fetched.Where(u => u.EndsWith(".metadata", StringComparison.Ordinal)).Select(u => Uri.UnescapeDataString(u.Substring(u.LastIndexOf('/') + 1)));
        }

        internal static string Metadata(string wheel)
        {
            using var zip = ZipFile.OpenRead(wheel);
            using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".dist-info/METADATA", StringComparison.Ordinal)).Open(), Encoding.UTF8);
            return reader.ReadToEnd();
        }

        /// <summary>
        /// Pages for every wheel in the directory, the files under <paramref name="filesUrl"/>; <paramref name="attributes"/>
        /// gives the metadata attributes of each file's anchor ("" for none) from its file name and METADATA's sha256.
        /// </summary>
        internal static FakeIndex Serve(string wheelhouse, Func<string, string, string> attributes, string filesUrl = "https://files.example/packages/")
        {
            var index = new FakeIndex();
            foreach (var group in Directory.GetFiles(wheelhouse, "*.whl").Select(f => WheelFile.TryParse(Path.GetFileName(f), f)!).GroupBy(w => w.Name))
            {
                var page = new StringBuilder("<!DOCTYPE html>\n<html><body><h1>Links for " + group.Key + "</h1>\n");
                foreach (var w in group)
                {
                    var metadata = Metadata(w.Location);
                    var url = filesUrl + Uri.EscapeDataString(w.FileName);
                    page.Append($"<a href=\"{url}#sha256={Wheels.Sha256(w.Location)}\" {attributes(w.FileName, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(metadata))).ToLowerInvariant())}>{w.FileName}</a><br/>\n");
                    index.Served[new Uri(url + ".metadata").AbsoluteUri] = metadata;
                }
                index.Served[new Uri(IndexUrl + "/" + group.Key + "/").AbsoluteUri] = page.Append("</body></html>\n").ToString();
            }
            return index;
        }

        /// <summary>
        /// A PEP 503 tree on disk, for file:// (what pip reads too): simple/NAME/index.html with #sha256= fragments,
        /// and (PEP 658) each wheel's METADATA beside it as FILE.metadata, announced by data-core-metadata.
        /// </summary>
        internal static string FileIndex(TempDir tmp, string wheelhouse)
        {
            foreach (var group in Directory.GetFiles(wheelhouse, "*.whl").Select(f => WheelFile.TryParse(Path.GetFileName(f), f)!).GroupBy(w => w.Name))
            {
                var dir = Directory.CreateDirectory(tmp.Combine("simple", group.Key)).FullName;
                foreach (var w in group) File.WriteAllText(w.Location + ".metadata", Metadata(w.Location));
                File.WriteAllText(Path.Combine(dir, "index.html"), "<!DOCTYPE html><html><body>\n" + string.Concat(group.Select(w =>
                    $"<a href=\"../../{Path.GetFileName(wheelhouse)}/{Uri.EscapeDataString(w.FileName)}#sha256={Wheels.Sha256(w.Location)}\" data-core-metadata=\"sha256={Wheels.Sha256(w.Location + ".metadata")}\">{w.FileName}</a><br/>\n")) + "</body></html>");
            }
            return new Uri(tmp.Combine("simple")).AbsoluteUri;
        }

        private static PythonLock LockFrom(FakeIndex index, ResolvedStack? stack = null) =>
            Locker.Lock(LockRequest.FromStack(stack ?? LockTests.Stack(), PackageSource.FromIndex(IndexUrl, Array.Empty<string>(), "--index-url")), index.Fetch);

        private static IEnumerable<string> Pinned(LockPhase phase) => phase.Packages.Select(p => p.Name + "==" + p.Version + " " + string.Join(",", p.Hashes));

        [Fact]
        public void AnIndexWithMetadataLocksTheSameClosureAsTheWheelhouse()
        {
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            // A dependency under a marker false on the target (Linux), which the source lacks: not followed in both paths.
            Wheels.Build(wh, "sglang", "0.5.10", new[] { "torch==2.9.1", "transformers==4.57.1", "requests (>=2.0)", "pytest; extra == 'test'", "pywin32>=306; sys_platform == 'win32'" });
            // torch names its metadata the PEP 658 way, without a hash; sglang carries both names, and the PEP 714 one wins
            // (the old one's hash is wrong); the rest the PEP 714 way with their sha256.
            var index = Serve(wh, (file, sha) =>
                file.StartsWith("torch-") ? "data-dist-info-metadata=\"true\"" :
                file.StartsWith("sglang-") ? $"data-dist-info-metadata=\"sha256={new string('0', 64)}\" data-core-metadata=\"sha256={sha}\"" :
                $"data-core-metadata=\"sha256={sha}\"");

            var fromIndex = LockFrom(index);
            var fromWheelhouse = Locker.Lock(LockRequest.FromStack(LockTests.Stack(), PackageSource.FromWheelhouse(wh)));

            // Pins win (torch 2.9.1+cu128 over 2.8.0), the newest matching otherwise (requests 2.32.0, tokenizers 0.22.1),
            // extras left out, and each file's hash from the page's fragment.
            Assert.Equal(new Dictionary<string, string>
            {
                ["filelock"] = "3.20.0", ["requests"] = "2.32.0", ["sglang"] = "0.5.10", ["tokenizers"] = "0.22.1",
                ["torch"] = "2.9.1+cu128", ["transformers"] = "4.57.1",
            }, fromIndex.Base.Packages.ToDictionary(p => p.Name, p => p.Version));
            Assert.Equal(Pinned(fromWheelhouse.Base), Pinned(fromIndex.Base));
            // The override phase as from a wheelhouse: transformers 5.0.0rc0 alone, its tokenizers>=0.22 already met.
            Assert.Equal(new[] { "transformers==5.0.0rc0" }, fromIndex.Override!.Packages.Select(p => p.Name + "==" + p.Version));
            Assert.Equal(Pinned(fromWheelhouse.Override!), Pinned(fromIndex.Override!));
            Assert.DoesNotContain(fromIndex.Header, h => h.Contains("pywin32"));
            Assert.Contains("Markers evaluated for CPython 3.11 on Linux x86_64.", fromIndex.Header);
            Assert.Contains("Source: the index " + IndexUrl + " (--index-url).", fromIndex.BaseText);

            // Metadata is fetched for the chosen files only, once per chosen version.
            Assert.Equal(new[]
            {
                "filelock-3.20.0-py3-none-any.whl.metadata", "requests-2.32.0-py3-none-any.whl.metadata", "sglang-0.5.10-py3-none-any.whl.metadata",
                "tokenizers-0.22.1-py3-none-any.whl.metadata", "torch-2.9.1+cu128-py3-none-any.whl.metadata",
                "transformers-4.57.1-py3-none-any.whl.metadata", "transformers-5.0.0rc0-py3-none-any.whl.metadata",
            }, index.MetadataFetched.OrderBy(f => f, StringComparer.Ordinal));

            // A profile pin below the newest wins over it.
            var pinned = LockTests.Stack().With(new StackPackage { Name = "requests", Version = "2.31.0" });
            Assert.Equal("2.31.0", LockFrom(index, pinned).Base.Packages.Single(p => p.Name == "requests").Version);
        }

        [Fact]
        public void MetadataThatDoesNotMatchItsHashIsRefused()
        {
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            // The files live on a host whose URL carries a token (some mirrors sign their file links).
            var index = Serve(wh, (file, sha) => $"data-core-metadata=\"sha256={sha}\"", "https://deploy:s3cr3t@files.example/packages/");
            var metadataUrl = new Uri("https://deploy:s3cr3t@files.example/packages/transformers-4.57.1-py3-none-any.whl.metadata").AbsoluteUri;
            index.Served[metadataUrl] = index.Served[metadataUrl].Replace("tokenizers>=0.20", "tokenizers>=0.20\nRequires-Dist: evil-package");

            var ex = Assert.Throws<AutoGlmException>(() => LockFrom(index));
            Assert.Equal("IndexMetadataMismatch", ex.ErrorId);
            Assert.Contains("transformers-4.57.1-py3-none-any.whl", ex.Message);
            Assert.Contains(IndexUrl, ex.Message);
            Assert.Contains("--wheelhouse", ex.Message);
            Assert.DoesNotContain("s3cr3t", ex.Message);
            Assert.DoesNotContain(index.Fetched, u => u.Contains("evil-package"));

            // The same index with the metadata intact locks, and no file URL (nor its token) reaches the lock.
            index.Served[metadataUrl] = Metadata(Path.Combine(wh, "transformers-4.57.1-py3-none-any.whl"));
            var l = LockFrom(index);
            Assert.Contains("Source: the index " + IndexUrl + " (--index-url).", l.BaseText);
            Assert.DoesNotContain("s3cr3t", l.BaseText + l.OverrideText);
        }

        [Fact]
        public void AnIndexWithoutMetadataIsRefusedWithTheWheelhouseAsTheFix()
        {
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));

            var none = Serve(wh, (file, sha) => file.StartsWith("sglang-") ? "" : $"data-core-metadata=\"sha256={sha}\"");
            var ex = Assert.Throws<AutoGlmException>(() => LockFrom(none));
            Assert.Equal("IndexMetadataMissing", ex.ErrorId);
            Assert.Equal("sglang", ex.Target);
            Assert.Contains("sglang 0.5.10", ex.Message);
            Assert.Contains(IndexUrl, ex.Message);
            Assert.Contains("pip download -d DIR", ex.Message);
            Assert.Contains("--wheelhouse DIR", ex.Message);

            // Announced but not served (a mirror that copies pages, not .metadata files): the same refusal.
            var notServed = Serve(wh, (file, sha) => "data-core-metadata=\"true\"");
            notServed.Served.Remove(new Uri("https://files.example/packages/filelock-3.20.0-py3-none-any.whl.metadata").AbsoluteUri);
            var ex2 = Assert.Throws<AutoGlmException>(() => LockFrom(notServed));
            Assert.Equal("IndexMetadataMissing", ex2.ErrorId);
            Assert.Contains("filelock-3.20.0-py3-none-any.whl.metadata", ex2.Message);
            Assert.Contains("--wheelhouse DIR", ex2.Message);
        }

        [Fact]
        public void AVenvSyncedFromAnIndexLockHasTheDependenciesWithRealPip()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            var request = VenvSyncTests.Request(wh);
            request.Wheelhouse = null;
            request.IndexUrl = FileIndex(tmp, wh);
            var system = new LiveSystem(root.Path);

            var result = PlanExecutor.Apply(VenvService.SyncPlan(system, request, NullOutput.Instance), system, VenvSyncTests.Options(), NullOutput.Instance);
            Assert.Equal("changed", result.Status);
            Assert.Contains("--index-url " + request.IndexUrl.TrimEnd('/'), File.ReadAllText(root.Combine("opt", "autoglm", "requirements.lock")));
            // The dependencies came through the index's metadata: without them the --no-deps install leaves them out.
            var python = root.Combine("opt", "autoglm", "venv", "bin", "python");
            var (code, output) = VenvSyncTests.Run(python, "-c", "import filelock, requests, tokenizers, transformers; print(requests.__version__, tokenizers.__version__, transformers.__version__)");
            Assert.True(code == 0, output);
            Assert.Equal("2.32.0 0.22.1 5.0.0rc0", output.Trim());
        }

        [Fact]
        public void AFileIndexFolderThatDoesNotExistIsUnavailableNotAMissingPackage()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var request = VenvSyncTests.Request(Wheels.Wheelhouse(tmp.Combine("wheels")));
            request.Wheelhouse = null;
            request.IndexUrl = "file://" + tmp.Combine("no-such-index", "simple");
            var ex = Assert.Throws<AutoGlmException>(() => VenvService.SyncPlan(new LiveSystem(root.Path), request, NullOutput.Instance));
            Assert.Equal("IndexUnavailable", ex.ErrorId);
            Assert.Equal(ErrorKind.ResourceUnavailable, ex.Kind);
            Assert.Contains(tmp.Combine("no-such-index", "simple"), ex.Message);
        }
    }
}
