using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace AutoGlm.HelpGen
{
    /// <summary>
    /// docs/help/about_*.md as the plain-text about_*.help.txt Get-Help prints: TOPIC, SHORT DESCRIPTION,
    /// LONG DESCRIPTION and any further sections, headings in capitals, text wrapped at 80 columns.
    /// </summary>
    internal static class AboutWriter
    {
        private const int Width = 80;

        public static string Write(MarkdownDoc doc, string expectedName, Diagnostics diag)
        {
            if (!string.Equals(doc.Title, expectedName, StringComparison.Ordinal))
                diag.Error(doc.Path, doc.TitleLine, $"the title must be '# {expectedName}', the file's name");
            foreach (var required in new[] { "Short description", "Long description" })
            {
                var s = doc.Find(required);
                if (s == null) diag.Error(doc.Path, 0, $"missing section '## {required}'");
                else if (s.Blocks.Count == 0 && s.Subsections.Count == 0) diag.Error(doc.Path, s.Line, $"'## {required}' is empty");
            }
            if (doc.Sections.Count > 0 && !string.Equals(doc.Sections[0].Title, "Short description", StringComparison.OrdinalIgnoreCase))
                diag.Error(doc.Path, doc.Sections[0].Line, "the first section is '## Short description'");

            var sb = new StringBuilder();
            sb.Append("TOPIC\n    ").Append(doc.Title).Append("\n\n");
            foreach (var section in doc.Sections)
            {
                sb.Append(section.Title.ToUpperInvariant()).Append('\n');
                Blocks(sb, section.Blocks);
                foreach (var sub in section.Subsections)
                {
                    sb.Append("  ").Append(sub.Title).Append('\n');
                    Blocks(sb, sub.Blocks);
                }
            }
            return sb.ToString().TrimEnd('\n') + "\n";
        }

        private static void Blocks(StringBuilder sb, List<Block> blocks)
        {
            foreach (var b in blocks)
            {
                IEnumerable<string> lines = b.Kind switch
                {
                    BlockKind.Code => b.Text.Split('\n').Select(l => l.Length == 0 ? "" : "        " + l),
                    BlockKind.Table => b.Text.Split('\n').Select(l => "    " + l),
                    BlockKind.ListItem => Inline.Wrap(Inline.ToText(b.Text), Width, "    ", "      "),
                    _ => Inline.Wrap(Inline.ToText(b.Text), Width, "    ", "    "),
                };
                foreach (var l in lines) sb.Append(l).Append('\n');
                sb.Append('\n');
            }
            if (blocks.Count == 0) sb.Append('\n');
        }
    }
}
