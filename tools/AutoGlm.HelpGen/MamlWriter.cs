using System.Collections.Generic;
using System.Linq;
using System.Xml.Linq;

namespace AutoGlm.HelpGen
{
    /// <summary>
    /// Writes the MAML that Get-Help reads for binary cmdlets (&lt;Assembly&gt;.dll-Help.xml): the element names,
    /// namespaces and order platyPS writes (details, description, syntax, parameters, inputTypes,
    /// returnValues, alertSet, examples, relatedLinks).
    /// </summary>
    internal static class MamlWriter
    {
        public static readonly XNamespace Msh = "http://msh";
        public static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        public static readonly XNamespace MSHelp = "http://msdn.microsoft.com/mshelp";

        public static XDocument Write(IEnumerable<CommandHelp> commands) =>
            new XDocument(new XDeclaration("1.0", "utf-8", null),
                new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), commands.Select(CommandElement)));

        private static XElement CommandElement(CommandHelp h)
        {
            var c = h.Cmdlet;
            return new XElement(Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XAttribute(XNamespace.Xmlns + "MSHelp", MSHelp),
                new XElement(Command + "details",
                    new XElement(Command + "name", c.Name),
                    new XElement(Command + "verb", c.Verb),
                    new XElement(Command + "noun", c.Noun),
                    Description(new[] { h.Synopsis })),
                Description(h.Description),
                new XElement(Command + "syntax",
                    c.SetNames.Select(set => new XElement(Command + "syntaxItem",
                        new XElement(Maml + "name", c.Name),
                        c.ParametersIn(set).Select(x => Parameter(h, x.Parameter, x.InSet, inSyntax: true))))),
                new XElement(Command + "parameters",
                    c.Parameters.Select(p => Parameter(h, p, Summary(p), inSyntax: false))),
                new XElement(Command + "inputTypes", h.Inputs.Select(t => TypeElement("inputType", t))),
                new XElement(Command + "returnValues", h.Outputs.Select(t => TypeElement("returnValue", t))),
                new XElement(Maml + "alertSet", new XElement(Maml + "alert", h.Notes.Select(Para))),
                new XElement(Command + "examples", h.Examples.Select(e => new XElement(Command + "example",
                    new XElement(Maml + "title", $"-------------------------- {e.Title} --------------------------"),
                    new XElement(Dev + "code", e.Code),
                    new XElement(Dev + "remarks", e.Remarks.Select(Para))))),
                new XElement(Command + "relatedLinks", h.Links.Select(l => new XElement(Maml + "navigationLink",
                    new XElement(Maml + "linkText", l.Text),
                    new XElement(Maml + "uri", l.Uri)))));
        }

        /// <summary>How a parameter reads in the PARAMETERS list, over all its sets: required when mandatory
        /// in every set it belongs to; a position only when every set gives the same one.</summary>
        private static ParameterInSet Summary(ParameterModel p)
        {
            var positions = p.Sets.Select(s => s.Position).Distinct().ToList();
            return new ParameterInSet("",
                p.Sets.All(s => s.Mandatory),
                positions.Count == 1 ? positions[0] : null,
                p.Sets.Any(s => s.ByValue),
                p.Sets.Any(s => s.ByPropertyName));
        }

        private static XElement Parameter(CommandHelp h, ParameterModel p, ParameterInSet s, bool inSyntax)
        {
            var pipeline = (s.ByValue, s.ByPropertyName) switch
            {
                (true, true) => "True (ByValue, ByPropertyName)",
                (true, false) => "True (ByValue)",
                (false, true) => "True (ByPropertyName)",
                _ => "False",
            };
            var e = new XElement(Command + "parameter",
                new XAttribute("required", s.Mandatory ? "true" : "false"),
                new XAttribute("variableLength", p.IsArray ? "true" : "false"),
                new XAttribute("globbing", p.Globbing ? "true" : "false"),
                new XAttribute("pipelineInput", pipeline),
                new XAttribute("position", s.Position?.ToString() ?? "named"),
                new XAttribute("aliases", p.Aliases.Count == 0 ? "none" : string.Join(", ", p.Aliases)),
                new XElement(Maml + "name", p.Name),
                Description(h.ParameterText.TryGetValue(p.Name, out var text) ? text : new List<string>()));
            if (p.Values.Count > 0)
                e.Add(new XElement(Command + "parameterValueGroup", p.Values.Select(v =>
                    new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v))));
            // A switch takes no value: syntax shows [-Force], the parameter list [<SwitchParameter>].
            if (!p.IsSwitch || !inSyntax)
                e.Add(new XElement(Command + "parameterValue",
                    new XAttribute("required", p.IsSwitch ? "false" : "true"),
                    new XAttribute("variableLength", p.IsArray ? "true" : "false"), p.ShortType));
            e.Add(new XElement(Dev + "type", new XElement(Maml + "name", p.FullType), new XElement(Maml + "uri")));
            e.Add(new XElement(Dev + "defaultValue", p.IsSwitch ? "False" : "None"));
            return e;
        }

        private static XElement TypeElement(string name, TypeDoc t) =>
            new XElement(Command + name,
                new XElement(Dev + "type", new XElement(Maml + "name", t.Type)),
                Description(t.Paragraphs));

        private static XElement Description(IEnumerable<string> paragraphs) =>
            new XElement(Maml + "description", paragraphs.Select(Para));

        private static XElement Para(string text) => new XElement(Maml + "para", text);
    }
}
