using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Xml.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// User-facing messages live in src/AutoGlm.Engine/Resources/Messages.resx, not in literals at the
    /// throw sites: the sources are scanned for exceptions (AutoGlmException, MatrixException, a step's
    /// StepFailedException) and -Warning / -Verbose texts (IEngineOutput's Warning and Verbose) built from
    /// literals, for keys missing from (or unused in) the resx, and for calls that pass fewer arguments
    /// than their message has holes.
    /// </summary>
    public class MessageResourceTests
    {
        private static readonly string ResxPath = Path.Combine(Repo.Root, "src", "AutoGlm.Engine", "Resources", "Messages.resx");

        private static Dictionary<string, string> Resources() =>
            XDocument.Load(ResxPath).Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => d.Element("value")!.Value);

        private static IEnumerable<(string File, string Text)> Sources() =>
            Directory.GetFiles(Path.Combine(Repo.Root, "src"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
                .Select(f => (Path.GetRelativePath(Repo.Root, f), CSharpText.WithoutComments(File.ReadAllText(f))));

        private static int Line(string text, int index) => text.Take(index).Count(c => c == '\n') + 1;

        /// <summary>
        /// The message arguments of every AutoGlmException / MatrixException / StepFailedException built in
        /// <paramref name="source"/>, and of every Warning / Verbose call on an IEngineOutput (a receiver named
        /// output, Output, _output... as the engine names them). Kind is "exception" or "stream".
        /// </summary>
        internal static IEnumerable<(int Index, string Kind, string Argument)> MessageArguments(string source)
        {
            var calls = new (string Pattern, string Kind, int[] Messages)[]
            {
                (@"\bnew\s+AutoGlmException\s*\(", "exception", new[] { 2 }),
                (@"\bnew\s+MatrixException\s*\(", "exception", new[] { 1, 2 }),
                // A subclass's constructor handing its message to AutoGlmException.
                (@":\s*base\s*\(\s*""[A-Za-z]+""\s*,\s*ErrorKind\.", "exception", new[] { 2 }),
                // A step's failure: the reason ApplyResult and the cmdlet's ErrorRecord give.
                (@"\bnew\s+StepFailedException\s*\(", "exception", new[] { 0 }),
                (@"\b\w*[oO]utput\s*\??\s*\.\s*(?:Warning|Verbose)\s*\(", "stream", new[] { 0 }),
            };
            foreach (var (pattern, kind, messages) in calls)
                foreach (Match m in Regex.Matches(source, pattern))
                {
                    var args = CSharpText.Arguments(source, source.IndexOf('(', m.Index));
                    foreach (var i in messages.Where(i => i < args.Count))
                        yield return (m.Index, kind, args[i]);
                }
        }

        /// <summary>The string literals of an argument outside Messages.Format(...) calls, empty ones excepted.</summary>
        internal static List<string> LiteralsOutsideMessages(string argument)
        {
            var rest = argument;
            for (var at = rest.IndexOf("Messages.Format(", StringComparison.Ordinal); at >= 0; at = rest.IndexOf("Messages.Format(", StringComparison.Ordinal))
            {
                var close = CSharpText.Close(rest, at + "Messages.Format".Length);
                rest = rest.Substring(0, at) + "_" + rest.Substring(close + 1);
            }
            // Empty strings and the operands of a comparison (field == "source" ? ...) are not messages.
            return CSharpText.Literals(rest).Where(l => l.Text != "\"\""
                && !Regex.IsMatch(rest.Substring(0, l.Start), @"[=!]=\s*$")
                && !Regex.IsMatch(rest.Substring(l.Start + l.Text.Length), @"^\s*[=!]=")).Select(l => l.Text).ToList();
        }

        [Fact]
        public void NoExceptionIsBuiltWithALiteralMessage()
        {
            var offenders = new List<string>();
            var seen = new Dictionary<string, int> { ["exception"] = 0, ["stream"] = 0 };
            foreach (var (file, text) in Sources())
                foreach (var (index, kind, argument) in MessageArguments(text))
                {
                    seen[kind]++;
                    var literals = LiteralsOutsideMessages(argument);
                    if (literals.Count > 0)
                        offenders.Add($"{file}:{Line(text, index)}: {literals[0]}");
                }
            Assert.True(seen["exception"] > 175, $"only {seen["exception"]} exception messages found: the scan is broken");
            Assert.True(seen["stream"] > 20, $"only {seen["stream"]} Warning/Verbose calls found: the scan is broken");
            Assert.True(offenders.Count == 0,
                "Messages belong in src/AutoGlm.Engine/Resources/Messages.resx (key = ErrorId or ErrorId_Suffix; StepFailed_What, Warning_What, Verbose_What), used through Messages.Format(key, args):\n"
                + string.Join("\n", offenders));
        }

        [Fact]
        public void TheScanCatchesLiteralAndInterpolatedMessages()
        {
            const string source = @"
                throw new AutoGlmException(""A"", ErrorKind.InvalidData, $""The file '{path}' is bad."", path);
                throw new AutoGlmException(""B"", ErrorKind.InvalidData, ""No file. "" + hint, path);
                throw new AutoGlmException(""C"", ErrorKind.InvalidData, Messages.Format(""C"", path, x ? Messages.Format(""C_X"") : """"), path);
                throw new MatrixException(location, Messages.Format(""P""), ""Fix it"");
                throw new AutoGlmException(""D"", ErrorKind.InvalidData, why, path);
                throw new MatrixException(location, Messages.Format(""P""), field == ""source"" ? Messages.Format(""F"") : why);
                throw new StepFailedException($""{f.Path} has SHA-256 {sha}."");
                throw new StepFailedException(Messages.Format(""StepFailed_X"", f.Path) + "" Check the mirror."");
                throw new StepFailedException(Mask(result.Describe()) + Tail(result));
                context.Output.Warning($""Could not remove {directory}."");
                output?.Verbose(""report written to "" + path);
                output.Verbose(ours ? Messages.Format(""V_A"", id) : Messages.Format(""V_B"", id));
                _output.Warning(result.Message);
                output.Progress(""Planning"", step.Description, 50);";
            var found = MessageArguments(source).Select(a => (a.Kind, LiteralsOutsideMessages(a.Argument).Count)).ToList();
            Assert.Equal(new[]
            {
                ("exception", 1), ("exception", 1), ("exception", 0), ("exception", 0), ("exception", 0), ("exception", 1), ("exception", 0), ("exception", 0),
                ("exception", 1), ("exception", 1), ("exception", 0),
                ("stream", 1), ("stream", 1), ("stream", 0), ("stream", 0),
            }, found);
        }

        private static IEnumerable<(string File, int Line, string Key, int Arguments)> Uses()
        {
            foreach (var (file, text) in Sources())
                foreach (Match m in Regex.Matches(text, @"\bMessages\.Format\s*\("))
                {
                    var args = CSharpText.Arguments(text, text.IndexOf('(', m.Index));
                    var key = Regex.Match(args[0], @"^""([A-Za-z0-9_]+)""$");
                    Assert.True(key.Success, $"{file}:{Line(text, m.Index)}: Messages.Format needs a literal key, not {args[0]}");
                    yield return (file, Line(text, m.Index), key.Groups[1].Value, args.Count - 1);
                }
        }

        [Fact]
        public void EveryKeyUsedExistsAndEveryResourceIsUsed()
        {
            var resources = Resources();
            var uses = Uses().ToList();
            var missing = uses.Where(u => !resources.ContainsKey(u.Key)).Select(u => $"{u.File}:{u.Line}: {u.Key}").ToList();
            Assert.True(missing.Count == 0, "keys missing from Messages.resx:\n" + string.Join("\n", missing));
            var unused = resources.Keys.Except(uses.Select(u => u.Key)).ToList();
            Assert.True(unused.Count == 0, "Messages.resx entries no code uses:\n" + string.Join("\n", unused));
        }

        [Fact]
        public void EveryCallPassesAnArgumentForEachHoleOfItsMessage()
        {
            var resources = Resources();
            var short_ = Uses().Where(u => resources.ContainsKey(u.Key) && u.Arguments < Holes(resources[u.Key]))
                .Select(u => $"{u.File}:{u.Line}: {u.Key} has {Holes(resources[u.Key])} hole(s), the call passes {u.Arguments}").ToList();
            Assert.True(short_.Count == 0, string.Join("\n", short_));
        }

        [Fact]
        public void EveryResourceIsAValidCompositeFormat()
        {
            foreach (var (key, text) in Resources())
            {
                var args = Enumerable.Range(0, Holes(text)).Select(i => (object)(i + 0.5)).ToArray();
                var ex = Record.Exception(() => string.Format(CultureInfo.InvariantCulture, text, args));
                Assert.True(ex == null, $"{key}: '{text}' is not a valid format string: {ex?.Message}");
            }
        }

        [Fact]
        public void HolesCountsTheHighestIndexAndSkipsEscapedBraces()
        {
            Assert.Equal(0, Holes("Write 'server: {{package: vllm}}'"));
            Assert.Equal(2, Holes("{1:0.0} and {0}"));
            Assert.Equal(3, Holes("{2,-5} {{0}}"));
        }

        /// <summary>The highest hole index + 1 (0 when there is none); "{{" and "}}" are literal braces.</summary>
        private static int Holes(string format)
        {
            int max = -1;
            for (int i = 0; i < format.Length; i++)
            {
                if (format[i] == '{' && i + 1 < format.Length && format[i + 1] == '{') { i++; continue; }
                if (format[i] != '{') continue;
                var m = Regex.Match(format.Substring(i + 1), @"^\s*(\d+)");
                if (m.Success) max = Math.Max(max, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            }
            return max + 1;
        }

        [Fact]
        public void FormatFillsTheHolesOfTheEmbeddedMessage()
        {
            Assert.Equal("The folder '/srv/out' does not exist. Create it first (mkdir -p '/srv/out').",
                Messages.Format("ReportParentNotFound", "/srv/out"));
            Assert.Equal("Add 'server: {package: vllm, version: \">=0.12\"}' or 'torch: {version: \"==2.0.1\"}'",
                Messages.Format("MatrixInvalid_AddServerOrTorch"));
        }

        [Fact]
        public void AnotherUiCultureFallsBackToTheEmbeddedEnglishAndFormatsNumbersForTheCulture()
        {
            var (ui, culture) = (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture);
            try
            {
                CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = new CultureInfo("de-DE");
                Assert.Equal("Port 70000 is outside 1-65535. Pass a TCP port from 1 to 65535.", Messages.Format("PortOutOfRange", 70000));
                Assert.StartsWith("The health timeout of 2 s is not usable", Messages.Format("InstallTimeoutInvalid", 1.5));
                Assert.Equal("impossible amount: minimum 0,5, recommended 1", Messages.Format("MatrixInvalid_ImpossibleAmountMinimumRecommended", 0.5, 1));
            }
            finally
            {
                CultureInfo.CurrentUICulture = ui;
                CultureInfo.CurrentCulture = culture;
            }
        }

        [Fact]
        public void AnUnknownKeyIsAnErrorNotAnEmptyMessage()
        {
            Assert.Throws<System.Resources.MissingManifestResourceException>(() => Messages.Format("NoSuchMessage"));
        }
    }

    /// <summary>Just enough C# lexing to take call arguments apart: strings (regular, verbatim, interpolated), chars, nesting.</summary>
    internal static class CSharpText
    {
        public static string WithoutComments(string s)
        {
            var sb = new System.Text.StringBuilder(s.Length);
            for (int i = 0; i < s.Length;)
            {
                if (IsStringStart(s, i)) { int end = SkipString(s, i); sb.Append(s, i, end - i); i = end; }
                else if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '/') { while (i < s.Length && s[i] != '\n') i++; }
                else if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '*') { int end = s.IndexOf("*/", i + 2, StringComparison.Ordinal); i = end < 0 ? s.Length : end + 2; }
                else sb.Append(s[i++]);
            }
            return sb.ToString();
        }

        public static bool IsStringStart(string s, int i)
        {
            if (s[i] == '"' || s[i] == '\'') return true;
            if (s[i] != '$' && s[i] != '@') return false;
            if (i > 0 && (char.IsLetterOrDigit(s[i - 1]) || s[i - 1] == '_')) return false;
            int k = i;
            while (k < s.Length && (s[k] == '$' || s[k] == '@')) k++;
            return k < s.Length && s[k] == '"';
        }

        /// <summary>Index just after the string or char literal starting at <paramref name="i"/>.</summary>
        public static int SkipString(string s, int i)
        {
            bool interpolated = false, verbatim = false;
            for (; s[i] == '$' || s[i] == '@'; i++)
                if (s[i] == '$') interpolated = true; else verbatim = true;
            if (s[i] == '\'')
            {
                for (i++; s[i] != '\''; i += s[i] == '\\' ? 2 : 1) { }
                return i + 1;
            }
            for (i++; ; )
            {
                char c = s[i];
                if (verbatim && c == '"') { if (i + 1 < s.Length && s[i + 1] == '"') { i += 2; continue; } return i + 1; }
                if (!verbatim && c == '\\') { i += 2; continue; }
                if (!verbatim && c == '"') return i + 1;
                if (interpolated && c == '{')
                {
                    if (s[i + 1] == '{') { i += 2; continue; }
                    i = Close(s, i) + 1;
                    continue;
                }
                i++;
            }
        }

        /// <summary>Index of the bracket closing the one at <paramref name="open"/>.</summary>
        public static int Close(string s, int open)
        {
            int depth = 0;
            for (int i = open; i < s.Length;)
            {
                if (IsStringStart(s, i)) { i = SkipString(s, i); continue; }
                char c = s[i];
                if (c == '(' || c == '[' || c == '{') depth++;
                else if (c == ')' || c == ']' || c == '}') { if (--depth == 0) return i; }
                i++;
            }
            throw new FormatException("unbalanced brackets at " + open);
        }

        /// <summary>The top-level arguments (trimmed) of the call whose '(' is at <paramref name="open"/>.</summary>
        public static List<string> Arguments(string s, int open)
        {
            var args = new List<string>();
            int depth = 0, start = open + 1;
            for (int i = open + 1; ;)
            {
                if (IsStringStart(s, i)) { i = SkipString(s, i); continue; }
                char c = s[i];
                if (c == '(' || c == '[' || c == '{') depth++;
                else if (c == ')' || c == ']' || c == '}')
                {
                    if (depth-- == 0) { args.Add(s.Substring(start, i - start).Trim()); return args; }
                }
                else if (c == ',' && depth == 0) { args.Add(s.Substring(start, i - start).Trim()); start = i + 1; }
                i++;
            }
        }

        /// <summary>The string literals (not chars) in an expression, as written.</summary>
        public static List<(int Start, string Text)> Literals(string s)
        {
            var found = new List<(int, string)>();
            for (int i = 0; i < s.Length;)
            {
                if (IsStringStart(s, i))
                {
                    int end = SkipString(s, i);
                    if (s[i] != '\'') found.Add((i, s.Substring(i, end - i)));
                    i = end;
                }
                else i++;
            }
            return found;
        }
    }
}
