using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;
using YamlDotNet.Serialization.NodeDeserializers;

namespace AutoGlm.Engine.Matrix
{
    /// <summary>A matrix file that cannot be used: the message names file, line, column and the fix.</summary>
    public sealed class MatrixException : AutoGlmException
    {
        public MatrixException(SourceLocation location, string problem, string fix, Exception? inner = null)
            : base("MatrixInvalid", ErrorKind.InvalidData, Messages.Format("MatrixInvalid", location, problem, fix), location.File, inner)
        {
            Location = location;
            Problem = problem;
        }

        public SourceLocation Location { get; }
        public string Problem { get; }
    }

    /// <summary>
    /// Reads matrix YAML strictly: an unknown key, a wrong type, a duplicate key or id, a missing source,
    /// or a syntax error is an error naming file, line and column. Files load in order; an override file
    /// (--matrix / -MatrixPath) replaces shipped entries with the same id.
    /// </summary>
    public static class MatrixLoader
    {
        public const int SchemaVersion = 1;

        /// <summary>
        /// Limits on one matrix file, checked before and while parsing (a site file is input from elsewhere):
        /// far above the shipped files (the largest is 24,922 bytes, 1,096 nodes, 6 levels deep; docs/security.md).
        /// </summary>
        public const long MaxFileBytes = 4L * 1024 * 1024;
        /// <summary>Scalars, mappings, sequences and aliases in one file.</summary>
        public const int MaxNodes = 200_000;
        /// <summary>Mappings and sequences inside each other.</summary>
        public const int MaxDepth = 64;

        /// <summary>The directory of YAML files shipped beside the assemblies (or in the source tree when run from it).</summary>
        public static string? FindShippedDirectory()
        {
            var start = Path.GetDirectoryName(typeof(MatrixLoader).Assembly.Location);
            for (var dir = start; dir != null; dir = Path.GetDirectoryName(dir))
            {
                var candidate = Path.Combine(dir, "matrices");
                if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate, "*.yaml").Any()) return candidate;
            }
            return null;
        }

        public static CompatibilityMatrix LoadDefault(IEnumerable<string>? overrides = null)
        {
            var dir = FindShippedDirectory() ?? throw new AutoGlmException("MatrixNotFound", ErrorKind.ObjectNotFound,
                Messages.Format("MatrixNotFound"));
            return Load(Directory.GetFiles(dir, "*.yaml").OrderBy(f => f, StringComparer.Ordinal), overrides ?? Array.Empty<string>());
        }

        /// <summary>
        /// The one way every verb finds its profile: the shipped matrix with the site files merged over it, then the
        /// profile by id (null: the matrix's defaultProfile). A profile defined only in a site file is found.
        /// </summary>
        public static (CompatibilityMatrix Matrix, ProfileEntry Profile) LoadProfile(string? profile, IEnumerable<string>? overrides)
        {
            var matrix = LoadDefault(overrides);
            return (matrix, matrix.GetProfile(profile));
        }

        public static CompatibilityMatrix Load(IEnumerable<string> shippedFiles, IEnumerable<string> overrideFiles)
        {
            var matrix = new CompatibilityMatrix();
            foreach (var file in shippedFiles)
            {
                Merge(matrix, file, ReadFile(file), isOverride: false);
                // The catalogue lives beside the shipped YAML (a site file's folder has none).
                var catalogue = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", GpuCatalogue.FileName);
                if (matrix.CataloguePath == null && File.Exists(catalogue)) matrix.CataloguePath = catalogue;
            }
            foreach (var file in overrideFiles)
            {
                if (Directory.Exists(file))
                    throw new AutoGlmException("MatrixOverrideNotFound", ErrorKind.InvalidArgument,
                        Messages.Format("MatrixOverrideNotFound_IsDirectory", file), file);
                if (!File.Exists(file))
                    throw new AutoGlmException("MatrixOverrideNotFound", ErrorKind.ObjectNotFound,
                        Messages.Format("MatrixOverrideNotFound", file), file);
                Merge(matrix, file, ReadFile(file), isOverride: true);
            }
            Validate(matrix);
            return matrix;
        }

        /// <summary>Parses one file's text; <paramref name="file"/> is used in messages only.</summary>
        public static MatrixDocument Parse(string file, string text)
        {
            var deserializer = new DeserializerBuilder()
                .WithNamingConvention(CamelCaseNamingConvention.Instance)
                .WithDuplicateKeyChecking()
                .WithNodeDeserializer(inner => new LocatingNodeDeserializer(inner, file), s => s.InsteadOf<ObjectNodeDeserializer>())
                .Build();
            if (text.Length > MaxFileBytes)
                throw TooLarge(file, text.Length);
            try
            {
                // The whole event stream is counted first, so a file past the limits gets that message even when
                // its shape would stop the deserializer earlier; parsing is streaming and cheap (a few ms here).
                // A syntax error stops the count; the deserializer then reports it at the node it belongs to.
                var counting = new LimitedParser(new Parser(new StringReader(text)), file);
                try { while (counting.MoveNext()) { } }
                catch (YamlException) { }
                var doc = deserializer.Deserialize<MatrixDocument?>(new Parser(new StringReader(text)));
                if (doc == null)
                    throw new MatrixException(new SourceLocation(file, 1, 1), Messages.Format("MatrixInvalid_EmptyFile"), Messages.Format("MatrixInvalid_EmptyFileFix"));
                if (doc.SchemaVersion != SchemaVersion)
                    throw new MatrixException(new SourceLocation(file, 1, 1), Messages.Format("MatrixInvalid_SchemaVersion", doc.SchemaVersion),
                        Messages.Format("MatrixInvalid_SchemaVersionFix", SchemaVersion));
                return doc;
            }
            catch (YamlException ex) when (!(ex.InnerException is MatrixException))
            {
                var location = new SourceLocation(file, ex.Start.Line, ex.Start.Column);
                throw new MatrixException(location, Describe(ex), Messages.Format("MatrixInvalid_FixYAMLPlaceSee"), ex);
            }
            catch (YamlException ex) when (ex.InnerException is MatrixException inner)
            {
                throw inner;
            }
            catch (Exception ex) when (!(ex is AutoGlmException) && !(ex is OutOfMemoryException))
            {
                // A site file is input from elsewhere: whatever the YAML library makes of bytes it cannot read,
                // the user gets our error naming the file (the fuzz test feeds it random bytes).
                throw new MatrixException(new SourceLocation(file, 1, 1), Messages.Format("MatrixInvalid_Unreadable"), Messages.Format("MatrixInvalid_FixYAMLPlaceSee"), ex);
            }
        }

        private static string Describe(YamlException ex)
        {
            // YamlDotNet wraps type errors ("Exception during deserialization") around the real cause.
            var message = ex.InnerException != null && !(ex.InnerException is YamlException) ? ex.InnerException.Message : ex.Message;
            if (message.StartsWith("Property '", StringComparison.Ordinal) && message.Contains("not found on type"))
            {
                var name = message.Split('\'')[1];
                return Messages.Format("MatrixInvalid_UnknownKey", name);
            }
            var wrongType = System.Text.RegularExpressions.Regex.Match(message, @"deserialize the node into type ([\w.`]+)");
            if (wrongType.Success)
                return Messages.Format("MatrixInvalid_WrongShape", Friendly(wrongType.Groups[1].Value));
            var expected = System.Text.RegularExpressions.Regex.Match(message, @"^Expected '(\w+)', got '(\w+)'");
            if (expected.Success)
                return Messages.Format("MatrixInvalid_ExpectedGot", Friendly(expected.Groups[1].Value), Friendly(expected.Groups[2].Value));
            // Never a .NET type or assembly name in a user's message.
            if (System.Text.RegularExpressions.Regex.IsMatch(message, @"PublicKeyToken=|Version=\d|\bSystem\.[A-Z]|AutoGlm\.Engine\."))
                return Messages.Format("MatrixInvalid_WrongShape", Messages.Format("MatrixInvalid_Shape_Value"));
            return message.TrimEnd('.');
        }

        // "AutoGlm.Engine.Matrix.ProfileEntry" -> "profile entry"; YAML events -> "a list", "a mapping", "a value".
        private static string Friendly(string name)
        {
            switch (name)
            {
                case "SequenceStart": return Messages.Format("MatrixInvalid_Shape_List");
                case "MappingStart": return Messages.Format("MatrixInvalid_Shape_Mapping");
                case "Scalar": return Messages.Format("MatrixInvalid_Shape_Scalar");
            }
            var last = name.Split('.').Last().Split('`')[0];
            if (last == "List" || last == "IList" || last == "IEnumerable") return Messages.Format("MatrixInvalid_Shape_List");
            if (last == "Dictionary" || last == "IDictionary") return Messages.Format("MatrixInvalid_Shape_Mapping");
            var words = System.Text.RegularExpressions.Regex.Replace(last, "(?<=[a-z0-9])(?=[A-Z])", " ").ToLowerInvariant();
            return Messages.Format("MatrixInvalid_Shape_Entry", words);
        }

        private static MatrixException TooLarge(string file, long bytes) =>
            new MatrixException(new SourceLocation(file, 1, 1), Messages.Format("MatrixInvalid_TooLarge", bytes, MaxFileBytes / (1024 * 1024)),
                Messages.Format("MatrixInvalid_TooLargeFix"));

        private static MatrixDocument ReadFile(string file)
        {
            string text;
            try
            {
                // Refused before reading: a site file is input from elsewhere (docs/security.md).
                var length = new FileInfo(file).Length;
                if (length > MaxFileBytes) throw TooLarge(file, length);
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new AutoGlmException("MatrixUnreadable", ErrorKind.ReadError, Messages.Format("MatrixUnreadable", file, ex.Message), file, ex);
            }
            return Parse(file, text);
        }

        private static void Merge(CompatibilityMatrix matrix, string file, MatrixDocument doc, bool isOverride)
        {
            matrix.FilesLoaded.Add(file);
            if (doc.DefaultProfile != null) matrix.DefaultProfile = doc.DefaultProfile;
            MergeList(matrix.OperatingSystems, doc.OperatingSystems, isOverride, "operating system");
            MergeList(matrix.Profiles, doc.Profiles, isOverride, "profile");
            MergeList(matrix.CudaReleases, doc.CudaReleases, isOverride, "CUDA release");
            MergeList(matrix.CudaFamilies, doc.CudaFamilies, isOverride, "CUDA family");
            MergeList(matrix.DriverBranches, doc.DriverBranches, isOverride, "driver branch");
            MergeList(matrix.DriverPackaging, doc.DriverPackaging, isOverride, "driver packaging");
            MergeList(matrix.GpuArchitectures, doc.GpuArchitectures, isOverride, "GPU architecture");
            MergeList(matrix.GpuChips, doc.GpuChips, isOverride, "GPU chip");
            MergeList(matrix.Gpus, doc.Gpus, isOverride, "GPU");
            MergeList(matrix.WheelCoverage, doc.WheelCoverage, isOverride, "wheel coverage");
            MergeList(matrix.TorchReleases, doc.TorchReleases, isOverride, "torch release");
            MergeList(matrix.ServerReleases, doc.ServerReleases, isOverride, "server release");
        }

        private static void MergeList<T>(List<T> into, List<T>? from, bool isOverride, string what) where T : MatrixEntry
        {
            if (from == null) return;
            foreach (var entry in from)
            {
                RequireField(entry, entry.Id, "id");
                RequireField(entry, entry.Source, "source");
                int existing = into.FindIndex(e => string.Equals(e.Id, entry.Id, StringComparison.OrdinalIgnoreCase));
                if (existing < 0) { into.Add(entry); continue; }
                if (!isOverride)
                    throw new MatrixException(entry.Location!, Messages.Format("MatrixInvalid_DuplicateIdFirstDefined", what, entry.Id, into[existing].Location),
                        Messages.Format("MatrixInvalid_GiveEachEntryUnique"));
                into[existing] = entry;
            }
        }

        private static void RequireField(Located entry, string? value, string field)
        {
            if (string.IsNullOrWhiteSpace(value))
                throw new MatrixException(entry.Location!, Messages.Format("MatrixInvalid_EntryHasNo", field),
                    field == "source" ? Messages.Format("MatrixInvalid_AddSource") : Messages.Format("MatrixInvalid_AddField", field));
        }

        private static readonly string[] Supports = { "supported", "deprecated", "unsupported" };
        private static readonly string[] Levels = { "required", "recommended", "optional" };

        private static void Validate(CompatibilityMatrix m)
        {
            StackValidator.ResolveInheritance(m);
            foreach (var os in m.OperatingSystems)
            {
                RequireField(os, os.Distro, "distro");
                RequireField(os, os.Version, "version");
                StackValidator.OneOf(os, os.Family, "family", StackValidator.Families);
                StackValidator.OneOf(os, os.Support, "support", Supports);
            }
            foreach (var p in m.Profiles)
            {
                var r = p.Requires;
                RequireField(r.Location != null ? r : p, r.Python, "python");
                if (!Versions.Pep440SpecifierSet.TryParse(r.Python, out _))
                    throw new MatrixException(r.Location ?? p.Location!, Messages.Format("MatrixInvalid_RequiresPythonNotPEP", r.Python), Messages.Format("MatrixInvalid_WriteSpecifier"));
                StackValidator.OneOf(r.Location != null ? r : p, r.Virtualization, "virtualization", Levels);
                if (p.Port is int port && (port < 1 || port > 65535))
                    throw new MatrixException(p.Location!, Messages.Format("MatrixInvalid_PortOutOfRange", port), Messages.Format("MatrixInvalid_UseTCPPortFrom"));
                foreach (var a in new[] { r.Memory, r.Disk, r.CpuCores })
                {
                    if (a == null) continue;
                    if (a.Minimum < 0 || (a.Recommended is double rec && rec < a.Minimum))
                        throw new MatrixException(a.Location ?? p.Location!, Messages.Format("MatrixInvalid_ImpossibleAmountMinimumRecommended", a.Minimum, a.Recommended),
                            Messages.Format("MatrixInvalid_ImpossibleAmountFix"));
                }
            }
            StackValidator.Validate(m);
            if (m.DefaultProfile != null && m.FindProfile(m.DefaultProfile) == null)
                throw new AutoGlmException("MatrixInvalid", ErrorKind.InvalidData,
                    Messages.Format("MatrixInvalid_DefaultProfile", m.DefaultProfile, string.Join(", ", m.Profiles.Select(x => x.Id))));
        }

        /// <summary>
        /// The YAML parser with a budget: past <see cref="MaxNodes"/> nodes or <see cref="MaxDepth"/> levels it stops
        /// with our message, before the deserializer builds (or recurses into) what follows.
        /// </summary>
        private sealed class LimitedParser : IParser
        {
            private readonly IParser _inner;
            private readonly string _file;
            private int _nodes, _depth;

            public LimitedParser(IParser inner, string file) { _inner = inner; _file = file; }

            public ParsingEvent? Current => _inner.Current;

            public bool MoveNext()
            {
                if (!_inner.MoveNext()) return false;
                switch (_inner.Current)
                {
                    case MappingStart _:
                    case SequenceStart _:
                        _nodes++;
                        if (++_depth > MaxDepth)
                            throw new MatrixException(At(), Messages.Format("MatrixInvalid_TooDeep", MaxDepth), Messages.Format("MatrixInvalid_TooDeepFix"));
                        break;
                    case MappingEnd _:
                    case SequenceEnd _:
                        _depth--;
                        break;
                    case Scalar _:
                    case AnchorAlias _:
                        _nodes++;
                        break;
                }
                if (_nodes > MaxNodes)
                    throw new MatrixException(At(), Messages.Format("MatrixInvalid_TooManyNodes", MaxNodes), Messages.Format("MatrixInvalid_TooLargeFix"));
                return true;
            }

            private SourceLocation At()
            {
                var mark = _inner.Current?.Start ?? Mark.Empty;
                return new SourceLocation(_file, mark.Line, mark.Column);
            }
        }

        /// <summary>Records where each <see cref="Located"/> object starts, for later errors.</summary>
        private sealed class LocatingNodeDeserializer : INodeDeserializer
        {
            private readonly INodeDeserializer _inner;
            private readonly string _file;

            public LocatingNodeDeserializer(INodeDeserializer inner, string file) { _inner = inner; _file = file; }

            public bool Deserialize(IParser reader, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer, out object? value, ObjectDeserializer rootDeserializer)
            {
                var start = reader.Current?.Start ?? Mark.Empty;
                if (!_inner.Deserialize(reader, expectedType, nestedObjectDeserializer, out value, rootDeserializer)) return false;
                if (value is Located located) located.Location = new SourceLocation(_file, start.Line, start.Column);
                return true;
            }
        }
    }
}
