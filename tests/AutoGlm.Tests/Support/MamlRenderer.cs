using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Xml.Linq;

namespace AutoGlm.Tests.Support
{
    /// <summary>
    /// Renders one command's MAML as `Get-Help NAME -Full` lays it out, for reading and testing the help
    /// where no PowerShell runtime exists. Deliberately small: sections, syntax, parameter attributes,
    /// examples; no line wrapping.
    /// </summary>
    public static class MamlRenderer
    {
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        public static string Render(XElement command, bool examplesOnly = false)
        {
            var sb = new StringBuilder();
            var details = command.Element(Command + "details")!;
            var name = details.Element(Command + "name")!.Value;
            void Section(string title, IEnumerable<string> lines)
            {
                sb.Append('\n').Append(title).Append('\n');
                foreach (var line in lines) sb.Append("    ").Append(line).Append('\n');
            }
            Section("NAME", new[] { name });
            if (!examplesOnly)
            {
                Section("SYNOPSIS", Paras(details.Element(Maml + "description")));
                Section("SYNTAX", command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").Select(Syntax));
                Section("DESCRIPTION", Paras(command.Element(Maml + "description")));
                var parameters = new List<string>();
                foreach (var p in command.Element(Command + "parameters")?.Elements(Command + "parameter") ?? Enumerable.Empty<XElement>())
                {
                    var value = p.Element(Command + "parameterValue")?.Value;
                    parameters.Add($"-{p.Element(Maml + "name")!.Value}{(value != null ? $" <{value}>" : "")}");
                    parameters.AddRange(Paras(p.Element(Maml + "description")).Select(l => "    " + l));
                    parameters.Add("");
                    parameters.Add($"    Required?                    {p.Attribute("required")?.Value}");
                    parameters.Add($"    Position?                    {p.Attribute("position")?.Value}");
                    parameters.Add($"    Accept pipeline input?       {p.Attribute("pipelineInput")?.Value}");
                    parameters.Add($"    Aliases                      {p.Attribute("aliases")?.Value}");
                    parameters.Add($"    Accept wildcard characters?  {p.Attribute("globbing")?.Value}");
                    parameters.Add("");
                }
                parameters.Add("<CommonParameters>");
                Section("PARAMETERS", parameters);
                Section("INPUTS", Typed(command.Element(Command + "inputTypes")?.Elements(Command + "inputType")));
                Section("OUTPUTS", Typed(command.Element(Command + "returnValues")?.Elements(Command + "returnValue")));
                Section("NOTES", command.Element(Maml + "alertSet")?.Elements(Maml + "alert").SelectMany(Paras) ?? Enumerable.Empty<string>());
            }
            foreach (var example in command.Element(Command + "examples")?.Elements(Command + "example") ?? Enumerable.Empty<XElement>())
            {
                sb.Append('\n').Append("    ").Append(example.Element(Maml + "title")!.Value).Append("\n\n");
                foreach (var line in example.Element(Dev + "code")!.Value.Split('\n')) sb.Append("    ").Append(line).Append('\n');
                sb.Append('\n');
                foreach (var line in Paras(example.Element(Dev + "remarks"))) sb.Append("    ").Append(line).Append('\n');
            }
            if (!examplesOnly)
                Section("RELATED LINKS", command.Element(Command + "relatedLinks")?.Elements(Maml + "navigationLink")
                    .Select(l => l.Element(Maml + "linkText")!.Value) ?? Enumerable.Empty<string>());
            return sb.ToString();
        }

        private static IEnumerable<string> Paras(XElement? e) =>
            e?.Elements(Maml + "para").Select(p => p.Value) ?? Enumerable.Empty<string>();

        private static IEnumerable<string> Typed(IEnumerable<XElement>? items) =>
            (items ?? Enumerable.Empty<XElement>()).SelectMany(i =>
                new[] { i.Element(Dev + "type")!.Element(Maml + "name")!.Value }
                    .Concat(Paras(i.Element(Maml + "description")).Select(l => "    " + l)).Append(""));

        private static string Syntax(XElement item)
        {
            var parts = new List<string> { item.Element(Maml + "name")!.Value };
            foreach (var p in item.Elements(Command + "parameter"))
            {
                var name = "-" + p.Element(Maml + "name")!.Value;
                var value = p.Element(Command + "parameterValue")?.Value;
                if (p.Attribute("position")?.Value != "named") name = "[" + name + "]";
                var text = value != null ? $"{name} <{value}>" : name;
                parts.Add(p.Attribute("required")?.Value == "true" ? text : "[" + text + "]");
            }
            parts.Add("[<CommonParameters>]");
            return string.Join(" ", parts);
        }
    }
}
