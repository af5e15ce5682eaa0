using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace AutoGlm.HelpGen
{
    /// <summary>Errors in the canonical 'file(line): error CODE: message' form, which MSBuild shows as build errors.</summary>
    internal sealed class Diagnostics
    {
        public List<string> Errors { get; } = new List<string>();

        public void Error(string path, int line, string message) =>
            Errors.Add(line > 0 ? $"{path}({line}): error AGHELP: {message}" : $"{path}: error AGHELP: {message}");
    }

    internal sealed record TypeDoc(string Type, List<string> Paragraphs);

    internal sealed record ExampleDoc(string Title, string Code, List<string> Remarks);

    /// <summary>One cmdlet's help as written in docs/help/&lt;Verb-Noun&gt;.md, checked against the assembly.</summary>
    internal sealed class CommandHelp
    {
        public static readonly string[] Known = { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "PARAMETERS", "EXAMPLES", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };

        public CmdletModel Cmdlet { get; private set; } = new CmdletModel();
        public string Synopsis { get; private set; } = "";
        public List<string> Description { get; } = new List<string>();
        public Dictionary<string, List<string>> ParameterText { get; } = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        public List<ExampleDoc> Examples { get; } = new List<ExampleDoc>();
        public List<TypeDoc> Inputs { get; } = new List<TypeDoc>();
        public List<TypeDoc> Outputs { get; } = new List<TypeDoc>();
        public List<string> Notes { get; } = new List<string>();
        public List<(string Text, string Uri)> Links { get; } = new List<(string, string)>();

        private static readonly Dictionary<string, string> CommonText = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["WhatIf"] = "Shows what would happen if the cmdlet runs. The cmdlet is not run.",
            ["Confirm"] = "Prompts you for confirmation before running the cmdlet.",
        };

        public static CommandHelp Build(CmdletModel cmdlet, MarkdownDoc doc, Diagnostics diag)
        {
            var help = new CommandHelp { Cmdlet = cmdlet };
            var path = doc.Path;
            if (!string.Equals(doc.Title, cmdlet.Name, StringComparison.Ordinal))
                diag.Error(path, doc.TitleLine, $"the title must be '# {cmdlet.Name}', not '# {doc.Title}'");
            foreach (var s in doc.Sections.Where(s => !Known.Contains(s.Title, StringComparer.Ordinal)))
                diag.Error(path, s.Line, $"unknown section '## {s.Title}'; the sections are {string.Join(", ", Known)} (upper case)");
            foreach (var dup in doc.Sections.GroupBy(s => s.Title).Where(g => g.Count() > 1))
                diag.Error(path, dup.Skip(1).First().Line, $"section '## {dup.Key}' appears twice");

            Section? Required(string title)
            {
                var s = doc.Sections.FirstOrDefault(x => x.Title == title);
                if (s == null) diag.Error(path, 0, $"missing section '## {title}'");
                return s;
            }

            var synopsis = Required("SYNOPSIS");
            if (synopsis != null)
            {
                var paras = Text(synopsis.Blocks);
                if (paras.Count != 1 || synopsis.Subsections.Count > 0)
                    diag.Error(path, synopsis.Line, "SYNOPSIS must be exactly one paragraph (one sentence is best)");
                help.Synopsis = string.Join(" ", paras);
            }

            var description = Required("DESCRIPTION");
            if (description != null)
            {
                help.Description.AddRange(Text(description.Blocks));
                if (help.Description.Count == 0) diag.Error(path, description.Line, "DESCRIPTION is empty");
            }

            var parameters = Required("PARAMETERS");
            if (parameters != null)
            {
                foreach (var sub in parameters.Subsections)
                {
                    var m = Regex.Match(sub.Title, @"^-([A-Za-z][A-Za-z0-9]*)$");
                    if (!m.Success) { diag.Error(path, sub.Line, $"a parameter heading is '### -Name', not '### {sub.Title}'"); continue; }
                    var name = m.Groups[1].Value;
                    var p = cmdlet.Parameters.FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase));
                    if (p == null)
                    {
                        diag.Error(path, sub.Line, $"'### -{name}' documents a parameter {cmdlet.Name} does not have; its parameters are {string.Join(", ", cmdlet.Parameters.Select(x => "-" + x.Name))}");
                        continue;
                    }
                    if (p.Name != name) diag.Error(path, sub.Line, $"write the parameter as '-{p.Name}', the way the cmdlet spells it");
                    if (help.ParameterText.ContainsKey(name)) { diag.Error(path, sub.Line, $"'-{name}' is documented twice"); continue; }
                    var text = Text(sub.Blocks);
                    if (text.Count == 0) diag.Error(path, sub.Line, $"'### -{name}' has no description");
                    help.ParameterText[name] = text;
                }
                if (Text(parameters.Blocks).Count > 0)
                    diag.Error(path, parameters.Line, "PARAMETERS holds only '### -Name' subsections; move the text under one of them");
                foreach (var p in cmdlet.Parameters)
                {
                    if (help.ParameterText.ContainsKey(p.Name)) continue;
                    if (p.Common) help.ParameterText[p.Name] = new List<string> { CommonText[p.Name] };
                    else diag.Error(path, parameters.Line, $"parameter -{p.Name} of {cmdlet.Name} has no '### -{p.Name}' section");
                }
            }

            var examples = Required("EXAMPLES");
            if (examples != null)
            {
                foreach (var sub in examples.Subsections)
                {
                    var m = Regex.Match(sub.Title, @"^Example (\d+): (.+)$");
                    if (!m.Success) diag.Error(path, sub.Line, $"an example heading is '### Example N: what it shows', not '### {sub.Title}'");
                    else if (int.Parse(m.Groups[1].Value) != help.Examples.Count + 1)
                        diag.Error(path, sub.Line, $"examples are numbered 1, 2, 3...; expected 'Example {help.Examples.Count + 1}'");
                    var code = sub.Blocks.Where(b => b.Kind == BlockKind.Code).ToList();
                    if (code.Count == 0 || code.Any(c => !IsPowerShell(c.Language)))
                        diag.Error(path, sub.Line, "an example needs a ```powershell code block (and only PowerShell code blocks)");
                    var remarks = Text(sub.Blocks, includeCode: false);
                    if (remarks.Count == 0) diag.Error(path, sub.Line, "an example needs a paragraph that says what it does and what it returns");
                    help.Examples.Add(new ExampleDoc(sub.Title, string.Join("\n\n", code.Select(c => c.Text)), remarks));
                }
                if (help.Examples.Count < 2) diag.Error(path, examples.Line, $"{cmdlet.Name} has {help.Examples.Count} example(s); write at least two");
            }

            help.Inputs.AddRange(Types(Required("INPUTS"), path, diag));
            help.Outputs.AddRange(Types(Required("OUTPUTS"), path, diag));
            var outputs = doc.Sections.FirstOrDefault(s => s.Title == "OUTPUTS");
            foreach (var t in cmdlet.OutputTypes)
                if (outputs != null && !help.Outputs.Any(o => o.Type == t))
                    diag.Error(path, outputs.Line, $"{cmdlet.Name} declares [OutputType({t})]; add '### {t}' under OUTPUTS");

            var notes = Required("NOTES");
            if (notes != null)
            {
                help.Notes.AddRange(Text(notes.Blocks));
                foreach (var sub in notes.Subsections)
                {
                    help.Notes.Add(sub.Title.ToUpperInvariant());
                    help.Notes.AddRange(Text(sub.Blocks));
                }
                if (help.Notes.Count == 0) diag.Error(path, notes.Line, "NOTES is empty; it lists at least the error ids the cmdlet raises");
            }

            var links = Required("RELATED LINKS");
            if (links != null)
            {
                help.Links.AddRange(links.Blocks.Where(b => b.Kind == BlockKind.ListItem).Select(b => Inline.LinkOf(b.Text)));
                if (help.Links.Count == 0) diag.Error(path, links.Line, "RELATED LINKS needs at least one '- [Name](target)' item");
            }

            foreach (var placeholder in File.ReadAllLines(path).Select((l, i) => (l, i)).Where(x => x.l.Contains("{{")))
                diag.Error(path, placeholder.i + 1, "a '{{ ... }}' placeholder is left in the help");
            return help;
        }

        public static bool IsPowerShell(string language) =>
            language.Equals("powershell", StringComparison.OrdinalIgnoreCase) || language.Equals("pwsh", StringComparison.OrdinalIgnoreCase)
            || language.Equals("ps1", StringComparison.OrdinalIgnoreCase);

        /// <summary>The prose of a run of blocks as paragraphs; code and tables stay verbatim.</summary>
        public static List<string> Text(IEnumerable<Block> blocks, bool includeCode = true) =>
            blocks.Where(b => includeCode || b.Kind != BlockKind.Code)
                .Select(b => b.Kind switch
                {
                    BlockKind.Code => b.Text,
                    BlockKind.Table => b.Text,
                    _ => Inline.ToText(b.Text),
                })
                .Where(t => t.Trim().Length > 0).ToList();

        private static IEnumerable<TypeDoc> Types(Section? section, string path, Diagnostics diag)
        {
            if (section == null) yield break;
            var lead = Text(section.Blocks);
            if (section.Subsections.Count == 0)
            {
                if (lead.Count == 1 && lead[0].TrimEnd('.').Equals("None", StringComparison.OrdinalIgnoreCase))
                    yield return new TypeDoc("None", new List<string>());
                else diag.Error(path, section.Line, $"{section.Title} lists '### Type.Name' subsections with a sentence each, or says only 'None.'");
                yield break;
            }
            if (lead.Count > 0) diag.Error(path, section.Line, $"{section.Title} holds only '### Type.Name' subsections");
            foreach (var sub in section.Subsections)
            {
                var text = Text(sub.Blocks);
                if (text.Count == 0) diag.Error(path, sub.Line, $"say what '{sub.Title}' is, or when it is sent");
                yield return new TypeDoc(sub.Title, text);
            }
        }
    }
}
