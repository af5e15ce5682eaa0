using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Resolve;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Python
{
    /// <summary>What to lock: the stack's packages (with their stage), the torch variant, and the source.</summary>
    public sealed class LockRequest
    {
        public string Profile { get; set; } = "";
        public string? Python { get; set; }
        /// <summary>cu128, cpu...: a torch pinned without a local label takes the file with this label when the source has no plain one.</summary>
        public string? TorchTag { get; set; }
        public IReadOnlyList<StackPackage> Packages { get; set; } = Array.Empty<StackPackage>();
        public PackageSource Source { get; set; } = null!;
        /// <summary>
        /// The machine the lock is for, against which Requires-Dist markers are evaluated. Null: CPython
        /// <see cref="Python"/> (3.12 when unknown) on Linux <see cref="Machine"/>, the servers AutoGlm provisions.
        /// </summary>
        public MarkerEnvironment? Environment { get; set; }

        /// <summary>The host's CPU as uname -m names it (x86_64, aarch64 on a GH200); null: x86_64.</summary>
        public string? Machine { get; set; }

        /// <summary>Python assumed for the markers when the request names none.</summary>
        public const string DefaultPython = "3.12";

        public MarkerEnvironment Target => Environment ?? MarkerEnvironment.Linux(Python ?? DefaultPython, Machine ?? "x86_64");

        public static LockRequest FromStack(ResolvedStack stack, PackageSource source)
        {
            if (!stack.Resolved)
                throw new AutoGlmException("StackNotResolved", ErrorKind.InvalidOperation,
                    Messages.Format("StackNotResolved", stack.Profile, stack.Conflicts.FirstOrDefault()), stack.Profile);
            return new LockRequest { Profile = stack.Profile, Python = stack.Python?.Version, TorchTag = stack.TorchTag, Packages = stack.Packages, Source = source, Machine = stack.Architecture, Environment = Linux(stack) };
        }

        /// <summary>
        /// The stack's Python on Linux x86_64: its installed interpreter's full version when that is the chosen minor, and
        /// platform_release from the host's kernel (what pip on that host reads from platform.release()).
        /// </summary>
        private static MarkerEnvironment? Linux(ResolvedStack stack)
        {
            var python = stack.Python;
            if (python == null || python.Version.Length == 0)
                return stack.KernelRelease == null ? null : MarkerEnvironment.Linux(DefaultPython, stack.Architecture ?? "x86_64").WithPlatformRelease(stack.KernelRelease);
            return MarkerEnvironment.Linux(python.Installed != null && python.Installed.StartsWith(python.Version + ".", StringComparison.Ordinal) ? python.Installed : python.Version,
                stack.Architecture ?? "x86_64").WithPlatformRelease(stack.KernelRelease);
        }

        /// <summary>The same Python on Windows (AMD64, or ARM64 for an aarch64 host), for a lock made on a Windows host.</summary>
        public LockRequest ForWindows()
        {
            var linux = Target;
            Environment = MarkerEnvironment.Windows(linux.PythonFullVersion, linux.Machine == "aarch64" ? "ARM64" : "AMD64");
            return this;
        }
    }

    /// <summary>
    /// Turns a resolved stack into a hash-locked pip requirements pair. From a wheelhouse it follows each wheel's
    /// Requires-Dist to lock the dependencies too (pins win; otherwise the newest matching file), and hashes every
    /// file locally. From an index it reads the PEP 503 simple pages, takes the sha256 fragments, and follows the
    /// same Requires-Dist through the METADATA files the index serves beside the wheels (PEP 658 / PEP 714); an
    /// index that serves none is refused rather than locked without the dependencies. Either way a requirement is
    /// followed only where its PEP 508 marker holds on the target (<see cref="LockRequest.Target"/>).
    /// </summary>
    public static class Locker
    {
        public static PythonLock Lock(LockRequest request, Func<Uri, string?>? fetch = null)
        {
            var catalog = request.Source.Wheelhouse != null
                ? (Catalog)new WheelhouseCatalog(request.Source.Wheelhouse)
                : new IndexCatalog(request.Source, fetch ?? HttpFetch);
            foreach (var p in request.Packages)
                if (!PackageName.IsValid(p.Name) || !Pep440Version.TryParse(p.Version, out _))
                    throw new AutoGlmException("LockPackageInvalid", ErrorKind.InvalidData,
                        Messages.Format("LockPackageInvalid", request.Profile, p.Name, p.Version), p.Name);
            var basePins = request.Packages.Where(p => p.Stage != "override").ToList();
            var overridePins = request.Packages.Where(p => p.Stage == "override").ToList();
            var baseChosen = Closure(request, catalog, basePins, new Dictionary<string, Pep440Version>());
            var alreadyInstalled = baseChosen.ToDictionary(kv => kv.Key, kv => kv.Value[0].Version);
            var overrideChosen = Closure(request, catalog, overridePins, alreadyInstalled);
            var options = request.Source.LockOptions();
            var header = new List<string>
            {
                $"Locked by AutoGlm for profile {request.Profile}" + (request.Python != null ? $", Python {request.Python}" : "") + (request.TorchTag != null ? $", torch {request.TorchTag}" : "") + ".",
                $"Source: {request.Source.Describe()}. Do not edit: regenerate with 'autoglm venv lock' (New-AutoGlmLockFile).",
                $"Markers evaluated for {request.Target.Describe()}" + (request.Environment == null && request.Python == null ? $" (Python unknown: {LockRequest.DefaultPython} assumed)" : "") + ".",
            };
            return new PythonLock(
                new LockPhase("base", options, baseChosen.Select(kv => Locked(kv.Value))),
                new LockPhase("override", options, overrideChosen.Select(kv => Locked(kv.Value))),
                header);
        }

        private static LockedPackage Locked(IReadOnlyList<WheelFile> files) =>
            new LockedPackage(files[0].Name, files[0].Version.ToString(), files.Select(f => f.Sha256!), files.Select(f => f.FileName));

        /// <summary>
        /// The pinned packages and everything they require on the target, each as its chosen files. A requirement whose
        /// marker is false there is not followed; one asked with extras ("foo[bar]") also follows foo's requirements
        /// under those extras. The sync installs with --no-deps, so this is exactly what the venv gets.
        /// </summary>
        private static SortedDictionary<string, IReadOnlyList<WheelFile>> Closure(LockRequest request, Catalog catalog,
            IReadOnlyList<StackPackage> pins, IReadOnlyDictionary<string, Pep440Version> satisfiedBefore)
        {
            var target = request.Target;
            var pinned = pins.ToDictionary(p => PackageName.Normalize(p.Name), p => p.Version);
            var chosen = new SortedDictionary<string, IReadOnlyList<WheelFile>>(StringComparer.Ordinal);
            var extrasOf = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            var queue = new Queue<(string name, string? pin, Requirement? because, string? parent)>(pinned.Select(kv => (kv.Key, (string?)kv.Value, (Requirement?)null, (string?)null)));
            while (queue.Count > 0)
            {
                var (name, pin, because, parent) = queue.Dequeue();
                var asked = because?.Extras ?? Array.Empty<string>();
                if (chosen.TryGetValue(name, out var have))
                {
                    if (because?.Specifier != null && !because.Specifier.IsSatisfiedBy(have[0].Version, includePrereleases: true))
                        throw Conflict(request, parent!, because, have[0].Version.ToString());
                    // Asked again with an extra not seen yet: follow the requirements that extra adds.
                    if (!asked.All(extrasOf[name].Contains))
                    {
                        extrasOf[name].UnionWith(asked);
                        Follow(name, have);
                    }
                    continue;
                }
                var files = pin != null ? Pinned(request, catalog, name, pin) : Best(request, catalog, because!, parent!);
                chosen[name] = files;
                extrasOf[name] = new HashSet<string>(asked, StringComparer.Ordinal);
                Follow(name, files);
            }
            return chosen;

            void Follow(string name, IReadOnlyList<WheelFile> files)
            {
                foreach (var req in catalog.Requires(files))
                {
                    if (req.Marker != null && !Applies(request, target, name, req, extrasOf[name])) continue;
                    if (chosen.ContainsKey(req.Name) || pinned.ContainsKey(req.Name))
                    {
                        if (pinned.TryGetValue(req.Name, out var p) && req.Specifier != null && !req.Specifier.IsSatisfiedBy(Pep440Version.Parse(p), includePrereleases: true))
                            throw Conflict(request, name, req, p);
                        queue.Enqueue((req.Name, pinned.TryGetValue(req.Name, out var pv) ? pv : null, req, name));
                        continue;
                    }
                    // Installed by an earlier phase in a version that fits: nothing to add.
                    if (satisfiedBefore.TryGetValue(req.Name, out var before) && (req.Specifier == null || req.Specifier.IsSatisfiedBy(before, includePrereleases: true))) continue;
                    queue.Enqueue((req.Name, null, req, name));
                }
            }
        }

        /// <summary>Whether <paramref name="parent"/>'s requirement applies on the target, for a plain install or one of the extras asked of it.</summary>
        private static bool Applies(LockRequest request, MarkerEnvironment target, string parent, Requirement req, IEnumerable<string> extras)
        {
            try
            {
                return Markers.Evaluate(req.Marker!, target, extras);
            }
            catch (MarkerSyntaxException ex)
            {
                throw new AutoGlmException("LockMarkerInvalid", ErrorKind.InvalidData,
                    Messages.Format("LockMarkerInvalid", parent, req.Name + req.SpecifierText, req.Marker, ex.Message, request.Profile), parent, ex);
            }
        }

        private static IReadOnlyList<WheelFile> Pinned(LockRequest request, Catalog catalog, string name, string pin)
        {
            var version = Pep440Version.Parse(pin);
            var all = catalog.Files(name);
            var exact = all.Where(f => f.Version.Equals(version)).ToList();
            // PyPI's torch is a CUDA build without a label; a mirror of the PyTorch index labels it (+cu128). Take the
            // label of the chosen variant, never another one (+cpu): the hash must be of that very file.
            if (exact.Count == 0 && name == "torch" && version.Local == null && request.TorchTag != null)
                exact = all.Where(f => f.Version.Local == request.TorchTag && f.Version.Public.Equals(version)).ToList();
            if (exact.Count == 0)
            {
                var have = all.Select(f => f.Version.ToString()).Distinct().ToList();
                throw new AutoGlmException("LockPackageNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("LockPackageNotFound", name, pin, request.Profile, request.Source.Describe(), (have.Count > 0 ? Messages.Format("LockPackageNotFound_Has", name, string.Join(", ", have)) : Messages.Format("LockPackageNotFound_HasNone", name))), name);
            }
            return Hashed(catalog, exact);
        }

        private static IReadOnlyList<WheelFile> Best(LockRequest request, Catalog catalog, Requirement req, string parent)
        {
            var all = catalog.Files(req.Name);
            if (req.Name == "torch" && request.TorchTag != null) all = all.Where(f => f.Version.Local == null || f.Version.Local == request.TorchTag).ToList();
            // As pip's finder picks (packaging's SpecifierSet.filter): finals first, pre-releases when no final matches.
            var spec = req.Specifier ?? Pep440SpecifierSet.Parse("");
            var chosen = new HashSet<Pep440Version>(spec.Filter(all.Select(f => f.Version).Distinct()));
            var fits = all.Where(f => chosen.Contains(f.Version)).ToList();
            if (fits.Count == 0)
            {
                // A requirement under a marker gets here only when the marker holds on the target: missing is an error too.
                throw new AutoGlmException("LockDependencyMissing", ErrorKind.ObjectNotFound,
                    Messages.Format("LockDependencyMissing", parent, req, request.Source.Describe(), (all.Count > 0 ? Messages.Format("LockDependencyMissing_Has", string.Join(", ", all.Select(f => f.Version.ToString()).Distinct())) : "")), req.Name);
            }
            var best = fits.Max(f => f.Version)!;
            return Hashed(catalog, fits.Where(f => f.Version.Equals(best)).ToList());
        }

        private static IReadOnlyList<WheelFile> Hashed(Catalog catalog, List<WheelFile> files)
        {
            foreach (var f in files) catalog.Hash(f);
            return files.OrderBy(f => f.FileName, StringComparer.Ordinal).ToList();
        }

        private static AutoGlmException Conflict(LockRequest request, string parent, Requirement req, string version) =>
            new AutoGlmException("LockConflict", ErrorKind.InvalidData,
                Messages.Format("LockConflict", parent, req, request.Profile, req.Name, version), req.Name);

        private static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        private static string? HttpFetch(Uri uri)
        {
            // A PEP 658 .metadata file is checked against the sha256 of its bytes: decode it as UTF-8 (core metadata's
            // encoding) without dropping a byte-order mark or honouring another charset, so the text hashes back to them.
            var metadata = uri.AbsolutePath.EndsWith(".metadata", StringComparison.Ordinal);
            if (uri.IsFile)
            {
                var path = uri.LocalPath;
                if (Directory.Exists(path)) path = Path.Combine(path, "index.html");
                if (!File.Exists(path)) return null;
                return metadata ? Encoding.UTF8.GetString(File.ReadAllBytes(path)) : File.ReadAllText(path);
            }
            using var message = new HttpRequestMessage(HttpMethod.Get, uri);
            // A simple page is asked for as HTML; a .metadata file is whatever the server serves.
            if (!metadata) message.Headers.Accept.ParseAdd("text/html");
            try
            {
                using var response = Http.SendAsync(message).GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.NotFound) return null;
                if (!response.IsSuccessStatusCode)
                    throw new AutoGlmException("IndexUnavailable", ErrorKind.ResourceUnavailable,
                        Messages.Format("IndexUnavailable_Status", (int)response.StatusCode, response.ReasonPhrase, PackageSource.Mask(uri.ToString())), PackageSource.Mask(uri.ToString()));
                return metadata ? Encoding.UTF8.GetString(response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult())
                    : response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is HttpRequestException || ex is System.Threading.Tasks.TaskCanceledException)
            {
                throw new AutoGlmException("IndexUnavailable", ErrorKind.ResourceUnavailable,
                    Messages.Format("IndexUnavailable_Unreachable", PackageSource.Mask(uri.GetLeftPart(UriPartial.Authority)), ex.Message), PackageSource.Mask(uri.ToString()), ex);
            }
        }

        private abstract class Catalog
        {
            public abstract IReadOnlyList<WheelFile> Files(string name);
            /// <summary>The requirements of one chosen version, given as its chosen files.</summary>
            public abstract IReadOnlyList<Requirement> Requires(IReadOnlyList<WheelFile> files);
            public abstract void Hash(WheelFile file);
        }

        private sealed class WheelhouseCatalog : Catalog
        {
            private readonly ILookup<string, WheelFile> _files;

            public WheelhouseCatalog(string directory)
            {
                _files = Directory.GetFiles(directory, "*.whl")
                    .Select(p => WheelFile.TryParse(Path.GetFileName(p), p)).Where(w => w != null)
                    .ToLookup(w => w!.Name, w => w!);
            }

            public override IReadOnlyList<WheelFile> Files(string name) => _files[name].ToList();

            public override IReadOnlyList<Requirement> Requires(IReadOnlyList<WheelFile> files)
            {
                var file = files[0];
                try
                {
                    return WheelReader.RequiresDist(file.Location).Select(Requirement.TryParse).Where(r => r != null).Select(r => r!).ToList();
                }
                catch (InvalidDataException ex)
                {
                    throw new AutoGlmException("WheelInvalid", ErrorKind.InvalidData, Messages.Format("WheelInvalid", file.Location, ex.Message), file.Location, ex);
                }
            }

            public override void Hash(WheelFile file) => file.Sha256 ??= WheelReader.Sha256(file.Location);
        }

        /// <summary>
        /// PEP 503 simple pages: one anchor per file, sha256 in the URL fragment, and (PEP 658, renamed by PEP 714)
        /// data-core-metadata or the older data-dist-info-metadata = "true" or "sha256=HEX" when the index serves the
        /// wheel's METADATA at the file's URL (without the fragment) plus ".metadata".
        /// </summary>
        private sealed class IndexCatalog : Catalog
        {
            private static readonly Regex Anchor = new Regex(@"<a\s([^>]*)>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            private static readonly Regex Attribute = new Regex(@"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:""([^""]*)""|'([^']*)'|([^\s""'=<>`]+))", RegexOptions.CultureInvariant);
            private readonly PackageSource _source;
            private readonly Func<Uri, string?> _fetch;
            // Per listed file (by reference): the index that listed it and where its metadata is, if served.
            private readonly Dictionary<WheelFile, (string index, string? metadataUrl, string? metadataSha256)> _listed = new Dictionary<WheelFile, (string, string?, string?)>();
            private readonly Dictionary<string, IReadOnlyList<Requirement>> _requires = new Dictionary<string, IReadOnlyList<Requirement>>(StringComparer.Ordinal);

            public IndexCatalog(PackageSource source, Func<Uri, string?> fetch) { _source = source; _fetch = fetch; }

            public override IReadOnlyList<WheelFile> Files(string name)
            {
                var files = new List<WheelFile>();
                foreach (var index in new[] { _source.IndexUrl! }.Concat(_source.ExtraIndexUrls))
                {
                    // A missing project page is "not in this index"; a missing index folder is a wrong -IndexUrl.
                    var root = new Uri(index + "/");
                    if (root.IsFile && !Directory.Exists(root.LocalPath))
                        throw new AutoGlmException("IndexUnavailable", ErrorKind.ResourceUnavailable,
                            Messages.Format("IndexUnavailable_NoFolder", root.LocalPath), index);
                    var page = new Uri(index + "/" + name + "/");
                    var html = _fetch(page);
                    if (html == null) continue;
                    foreach (Match m in Anchor.Matches(html))
                    {
                        var attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                        foreach (Match a in Attribute.Matches(m.Groups[1].Value))
                            attributes[a.Groups[1].Value] = WebUtility.HtmlDecode(a.Groups[2].Success ? a.Groups[2].Value : a.Groups[3].Success ? a.Groups[3].Value : a.Groups[4].Value);
                        if (!attributes.TryGetValue("href", out var href)) continue;
                        var url = new Uri(page, href);
                        var fileName = Uri.UnescapeDataString(url.AbsolutePath.Substring(url.AbsolutePath.LastIndexOf('/') + 1));
                        var wheel = WheelFile.TryParse(fileName, url.GetLeftPart(UriPartial.Query));
                        if (wheel == null || wheel.Name != name) continue;
                        var fragment = url.Fragment.TrimStart('#');
                        if (fragment.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase)) wheel.Sha256 = fragment.Substring(7).ToLowerInvariant();
                        // PEP 714: the new name first, the PEP 658 name for indexes that only know that one.
                        if (!attributes.TryGetValue("data-core-metadata", out var metadata)) attributes.TryGetValue("data-dist-info-metadata", out metadata);
                        string? metadataUrl = null, metadataSha256 = null;
                        if (metadata != null && (metadata == "true" || metadata.Contains("=")))
                        {
                            metadataUrl = wheel.Location + ".metadata";
                            // Another hash name (sha512...) is served but not checked here: the wheel itself is locked by
                            // its own sha256, and the install checks that.
                            if (metadata.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase)) metadataSha256 = metadata.Substring(7).Trim().ToLowerInvariant();
                        }
                        _listed[wheel] = (index, metadataUrl, metadataSha256);
                        files.Add(wheel);
                    }
                }
                return files;
            }

            /// <summary>
            /// Requires-Dist from the METADATA the index serves for one of the chosen files. All wheels of one version
            /// carry the same Requires-Dist in practice (the platform differences live in markers), so one fetch per
            /// chosen version is enough, as pip and uv also assume.
            /// </summary>
            public override IReadOnlyList<Requirement> Requires(IReadOnlyList<WheelFile> files)
            {
                var key = files[0].Name + "==" + files[0].Version;
                if (_requires.TryGetValue(key, out var known)) return known;
                var served = files.FirstOrDefault(f => _listed.TryGetValue(f, out var l) && l.metadataUrl != null);
                // No metadata: refuse rather than lock the package alone. The sync installs with --no-deps, so such a
                // lock would build a venv that passes the check against its lock and fails at import; a wheelhouse
                // (pip download reads the dependencies from the wheels) works with every mirror, so there is no opt-out.
                if (served == null)
                    throw MetadataMissing(files[0], _listed.TryGetValue(files[0], out var l0) ? l0.index : _source.IndexUrl!, served: false);
                var listed = _listed[served];
                var text = _fetch(new Uri(listed.metadataUrl!));
                if (text == null) throw MetadataMissing(served, listed.index, served: true);
                // Core metadata is UTF-8 text; the hash is of its bytes.
                if (listed.metadataSha256 != null && Hashing.Sha256HexOfText(text) != listed.metadataSha256)
                    throw new AutoGlmException("IndexMetadataMismatch", ErrorKind.InvalidData,
                        Messages.Format("IndexMetadataMismatch", served.FileName, PackageSource.Mask(listed.index), listed.metadataSha256, Hashing.Sha256HexOfText(text)), served.FileName);
                var requires = WheelReader.RequiresDistOfMetadata(text).Select(Requirement.TryParse).Where(r => r != null).Select(r => r!).ToList();
                _requires[key] = requires;
                return requires;
            }

            /// <param name="served">The page announces metadata the index does not serve.</param>
            private static AutoGlmException MetadataMissing(WheelFile file, string index, bool served) =>
                new AutoGlmException("IndexMetadataMissing", ErrorKind.InvalidData, served
                    ? Messages.Format("IndexMetadataMissing_NotServed", file.Name, file.Version, PackageSource.Mask(index), file.FileName)
                    : Messages.Format("IndexMetadataMissing", file.Name, file.Version, PackageSource.Mask(index), file.FileName), file.Name);

            public override void Hash(WheelFile file)
            {
                if (file.Sha256 == null)
                    throw new AutoGlmException("IndexHashMissing", ErrorKind.InvalidData,
                        Messages.Format("IndexHashMissing", file.FileName), file.FileName);
            }
        }
    }
}
