using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace AutoGlm.HelpGen
{
    internal enum BlockKind { Paragraph, ListItem, Code, Table }

    /// <summary>One block of a section: a paragraph, a list item, a fenced code block or a table (kept verbatim).</summary>
    internal sealed record Block(BlockKind Kind, string Text, int Line, string Language = "");

    internal sealed class Section
    {
        public Section(string title, int level, int line)
        {
            Title = title;
            Level = level;
            Line = line;
        }

        public string Title { get; }
        public int Level { get; }
        public int Line { get; }
        public List<Block> Blocks { get; } = new List<Block>();
        public List<Section> Subsections { get; } = new List<Section>();
    }

    /// <summary>
    /// The small subset of Markdown the help files use (docs/help/README.md): one '# Title', '## SECTION'
    /// headings, '### Sub' headings, paragraphs, '-'/'*'/'1.' list items, fenced code blocks and tables.
    /// Anything deeper is not needed for Get-Help, whose output is plain text.
    /// </summary>
    internal sealed class MarkdownDoc
    {
        private MarkdownDoc(string path, string title, int titleLine)
        {
            Path = path;
            Title = title;
            TitleLine = titleLine;
        }

        public string Path { get; }
        public string Title { get; }
        public int TitleLine { get; }
        /// <summary>Blocks between the title and the first '##' heading.</summary>
        public List<Block> Preamble { get; } = new List<Block>();
        public List<Section> Sections { get; } = new List<Section>();

        public Section? Find(string title) =>
            Sections.FirstOrDefault(s => string.Equals(s.Title, title, StringComparison.OrdinalIgnoreCase));

        public static MarkdownDoc Load(string path, Diagnostics diag) => Parse(path, File.ReadAllText(path), diag);

        public static MarkdownDoc Parse(string path, string text, Diagnostics diag)
        {
            var lines = text.Replace("\r\n", "\n").Split('\n');
            int i = 0;
            while (i < lines.Length && lines[i].Trim().Length == 0) i++;
            string title = "";
            int titleLine = i + 1;
            if (i < lines.Length && lines[i].StartsWith("# ", StringComparison.Ordinal)) { title = lines[i].Substring(2).Trim(); i++; }
            else diag.Error(path, titleLine, "the file must start with a '# Title' line (the cmdlet or about_ topic name)");
            var doc = new MarkdownDoc(path, title, titleLine);

            Section? section = null, sub = null;
            var para = new List<string>();
            int paraLine = 0;
            BlockKind paraKind = BlockKind.Paragraph;

            List<Block> Target() => sub?.Blocks ?? section?.Blocks ?? doc.Preamble;
            void Flush()
            {
                if (para.Count == 0) return;
                var joined = paraKind == BlockKind.Table ? string.Join("\n", para) : string.Join(" ", para.Select(l => l.Trim()));
                Target().Add(new Block(paraKind, joined, paraLine));
                para.Clear();
            }
            void Start(BlockKind kind, int line, string first)
            {
                Flush();
                paraKind = kind;
                paraLine = line;
                para.Add(first);
            }

            for (; i < lines.Length; i++)
            {
                var line = lines[i];
                var lineNo = i + 1;
                var trimmed = line.TrimStart();
                if (trimmed.StartsWith("```", StringComparison.Ordinal))
                {
                    Flush();
                    var fence = trimmed.Substring(0, trimmed.Length - trimmed.TrimStart('`').Length);
                    var lang = trimmed.Substring(fence.Length).Trim();
                    var indent = line.Length - trimmed.Length;
                    var code = new List<string>();
                    int start = lineNo;
                    i++;
                    for (; i < lines.Length && !lines[i].TrimStart().StartsWith(fence, StringComparison.Ordinal); i++)
                        code.Add(lines[i].Length >= indent && lines[i].Substring(0, indent).Trim().Length == 0 ? lines[i].Substring(indent) : lines[i].TrimStart());
                    if (i >= lines.Length) diag.Error(path, start, "a code block opened here is never closed with " + fence);
                    Target().Add(new Block(BlockKind.Code, string.Join("\n", code).TrimEnd(), start, lang));
                    continue;
                }
                if (line.StartsWith("## ", StringComparison.Ordinal))
                {
                    Flush();
                    section = new Section(line.Substring(3).Trim(), 2, lineNo);
                    sub = null;
                    doc.Sections.Add(section);
                    continue;
                }
                if (line.StartsWith("### ", StringComparison.Ordinal))
                {
                    Flush();
                    sub = new Section(line.Substring(4).Trim(), 3, lineNo);
                    if (section == null) diag.Error(path, lineNo, "a '###' heading must sit under a '##' section");
                    else section.Subsections.Add(sub);
                    continue;
                }
                if (line.StartsWith("#", StringComparison.Ordinal) && Regex.IsMatch(line, "^#{1,6} "))
                {
                    diag.Error(path, lineNo, "only one '# Title' and '##'/'###' headings are understood; use '##' or '###' here");
                    continue;
                }
                if (trimmed.Length == 0) { Flush(); continue; }
                if (trimmed.StartsWith("<!--", StringComparison.Ordinal))
                {
                    // HTML comments are notes for authors; they are not help text.
                    Flush();
                    while (i < lines.Length && !lines[i].Contains("-->")) i++;
                    continue;
                }
                if (trimmed.StartsWith("|", StringComparison.Ordinal))
                {
                    if (paraKind != BlockKind.Table || para.Count == 0) Start(BlockKind.Table, lineNo, trimmed);
                    else para.Add(trimmed);
                    continue;
                }
                var item = Regex.Match(trimmed, @"^([-*]|\d+\.)\s+(.*)$");
                if (item.Success) { Start(BlockKind.ListItem, lineNo, trimmed); continue; }
                if (para.Count == 0) Start(BlockKind.Paragraph, lineNo, trimmed);
                else if (paraKind == BlockKind.Table) Start(BlockKind.Paragraph, lineNo, trimmed);
                else para.Add(trimmed);
            }
            Flush();
            return doc;
        }
    }

    /// <summary>Inline Markdown to the plain text Get-Help prints.</summary>
    internal static class Inline
    {
        private static readonly Regex Link = new Regex(@"\[([^\]]+)\]\(([^)\s]+)\)");

        public static string ToText(string markdown)
        {
            var text = Link.Replace(markdown, m =>
            {
                var label = m.Groups[1].Value;
                var uri = m.Groups[2].Value;
                return IsWebUri(uri) && uri != label ? $"{label} ({uri})" : label;
            });
            text = text.Replace("**", "");
            // A trailing backslash or two spaces is a Markdown hard break; in plain text it is noise.
            return text.Replace("\\\n", "\n");
        }

        public static bool IsWebUri(string uri) =>
            uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

        /// <summary>A '- [text](uri)' list item as (text, uri); a bare '- text' as (text, "").</summary>
        public static (string Text, string Uri) LinkOf(string listItem)
        {
            var body = Regex.Replace(listItem, @"^([-*]|\d+\.)\s+", "").Trim();
            var m = Link.Match(body);
            if (m.Success && m.Index == 0) return (m.Groups[1].Value, IsWebUri(m.Groups[2].Value) ? m.Groups[2].Value : "");
            return (ToText(body), "");
        }

        /// <summary>Word-wraps text to a width, prefixing every line with an indent (about_ topics).</summary>
        public static IEnumerable<string> Wrap(string text, int width, string indent, string hangingIndent)
        {
            var words = text.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            var line = new StringBuilder(indent);
            bool empty = true;
            foreach (var word in words)
            {
                if (!empty && line.Length + 1 + word.Length > width)
                {
                    yield return line.ToString();
                    line.Clear().Append(hangingIndent);
                    empty = true;
                }
                if (!empty) line.Append(' ');
                line.Append(word);
                empty = false;
            }
            if (!empty) yield return line.ToString();
        }
    }
}
