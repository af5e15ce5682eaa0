using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace AutoGlm.HelpGen
{
    /// <summary>A parameter as one parameter set sees it.</summary>
    internal sealed record ParameterInSet(string SetName, bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

    internal sealed class ParameterModel
    {
        public string Name { get; init; } = "";
        /// <summary>The type as Get-Help shows it in syntax: String, String[], Int32, SwitchParameter.</summary>
        public string ShortType { get; init; } = "";
        /// <summary>The full type name for dev:type.</summary>
        public string FullType { get; init; } = "";
        public bool IsSwitch { get; init; }
        public bool IsArray { get; init; }
        public bool Globbing { get; init; }
        public IReadOnlyList<string> Aliases { get; init; } = Array.Empty<string>();
        /// <summary>ValidateSet values, or an enum's names.</summary>
        public IReadOnlyList<string> Values { get; init; } = Array.Empty<string>();
        public List<ParameterInSet> Sets { get; } = new List<ParameterInSet>();
        /// <summary>Common parameters the runtime adds (WhatIf, Confirm): documented, and last in every syntax line, as Get-Help shows them.</summary>
        public bool Common { get; init; }
    }

    internal sealed class CmdletModel
    {
        public string Verb { get; init; } = "";
        public string Noun { get; init; } = "";
        public string Name => Verb + "-" + Noun;
        public string TypeName { get; init; } = "";
        public string DefaultSet { get; init; } = "";
        public bool SupportsShouldProcess { get; init; }
        public List<ParameterModel> Parameters { get; } = new List<ParameterModel>();
        public List<string> OutputTypes { get; } = new List<string>();

        /// <summary>Parameter set names in Get-Help order: the default set first, then by name.</summary>
        public IReadOnlyList<string> SetNames
        {
            get
            {
                var named = Parameters.Where(p => !p.Common).SelectMany(p => p.Sets).Select(s => s.SetName)
                    .Where(s => s != CmdletReader.AllSets).Distinct().ToList();
                if (named.Count == 0) return new[] { CmdletReader.AllSets };
                return named.OrderBy(s => s == DefaultSet ? 0 : 1).ThenBy(s => s, StringComparer.Ordinal).ToList();
            }
        }

        /// <summary>The parameters of one set, positional ones first (by position), then in declaration order.</summary>
        public IEnumerable<(ParameterModel Parameter, ParameterInSet InSet)> ParametersIn(string set) =>
            Parameters
                .Select(p => (p, s: p.Sets.FirstOrDefault(s => s.SetName == set) ?? p.Sets.FirstOrDefault(s => s.SetName == CmdletReader.AllSets)))
                .Where(x => x.s != null)
                .Select((x, i) => (x.p, x.s!, i))
                .OrderBy(x => x.Item2.Position ?? int.MaxValue).ThenBy(x => x.i)
                .Select(x => (x.p, x.Item2));
    }

    /// <summary>Reads cmdlets and their parameters from a built assembly without loading it for execution.</summary>
    internal static class CmdletReader
    {
        public const string AllSets = "__AllParameterSets";
        private const string Sma = "System.Management.Automation.";

        /// <param name="references">Assemblies to resolve against besides the runtime's and the assembly's own folder
        /// (System.Management.Automation from PowerShellStandard.Library at least).</param>
        public static List<CmdletModel> Read(string assemblyPath, IEnumerable<string> references)
        {
            var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
                .Concat(Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!, "*.dll"))
                .Concat(references)
                .GroupBy(p => Path.GetFileName(p), StringComparer.OrdinalIgnoreCase).Select(g => g.Last());
            using var context = new MetadataLoadContext(new PathAssemblyResolver(paths), "netstandard");
            var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
            var cmdletBase = context.LoadFromAssemblyName("System.Management.Automation").GetType(Sma + "Cmdlet")
                ?? throw new InvalidOperationException("System.Management.Automation has no Cmdlet type");
            var list = new List<CmdletModel>();
            foreach (var type in assembly.GetTypes().Where(t => t.IsClass && t.IsPublic && !t.IsAbstract && cmdletBase.IsAssignableFrom(t)))
            {
                var attr = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Sma + "CmdletAttribute");
                if (attr == null) continue;
                var cmdlet = new CmdletModel
                {
                    Verb = (string)attr.ConstructorArguments[0].Value!,
                    Noun = (string)attr.ConstructorArguments[1].Value!,
                    TypeName = type.FullName!,
                    DefaultSet = Named(attr, "DefaultParameterSetName") as string ?? "",
                    SupportsShouldProcess = Named(attr, "SupportsShouldProcess") as bool? == true,
                };
                foreach (var prop in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    var parameterAttrs = prop.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute").ToList();
                    if (parameterAttrs.Count == 0) continue;
                    cmdlet.Parameters.Add(ReadParameter(prop, parameterAttrs));
                }
                if (cmdlet.SupportsShouldProcess)
                {
                    cmdlet.Parameters.Add(Common("WhatIf", "wi"));
                    cmdlet.Parameters.Add(Common("Confirm", "cf"));
                }
                foreach (var output in type.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute"))
                {
                    if (output.ConstructorArguments[0].Value is IEnumerable<CustomAttributeTypedArgument> types)
                        foreach (var t in types)
                            if (t.Value is Type ot && !cmdlet.OutputTypes.Contains(ot.FullName!)) cmdlet.OutputTypes.Add(ot.FullName!);
                }
                list.Add(cmdlet);
            }
            return list.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        }

        private static ParameterModel Common(string name, string alias)
        {
            var p = new ParameterModel { Name = name, ShortType = "SwitchParameter", FullType = Sma + "SwitchParameter", IsSwitch = true, Aliases = new[] { alias }, Common = true };
            p.Sets.Add(new ParameterInSet(AllSets, false, null, false, false));
            return p;
        }

        private static ParameterModel ReadParameter(PropertyInfo prop, List<CustomAttributeData> parameterAttrs)
        {
            var attrs = prop.GetCustomAttributesData();
            var type = prop.PropertyType;
            if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1") type = type.GetGenericArguments()[0];
            var element = type.IsArray ? type.GetElementType()! : type;
            var aliases = attrs.Where(a => a.AttributeType.FullName == Sma + "AliasAttribute")
                .SelectMany(a => StringArgs(a.ConstructorArguments)).ToList();
            var values = attrs.Where(a => a.AttributeType.FullName == Sma + "ValidateSetAttribute")
                .SelectMany(a => StringArgs(a.ConstructorArguments)).ToList();
            if (values.Count == 0 && element.IsEnum)
                values = element.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToList();
            var model = new ParameterModel
            {
                Name = prop.Name,
                ShortType = element.Name + (type.IsArray ? "[]" : ""),
                FullType = type.FullName ?? type.Name,
                IsSwitch = type.FullName == Sma + "SwitchParameter",
                IsArray = type.IsArray,
                Globbing = attrs.Any(a => a.AttributeType.FullName == Sma + "SupportsWildcardsAttribute"),
                Aliases = aliases,
                Values = values,
            };
            foreach (var a in parameterAttrs)
            {
                var position = Named(a, "Position") as int?;
                model.Sets.Add(new ParameterInSet(
                    Named(a, "ParameterSetName") as string ?? AllSets,
                    Named(a, "Mandatory") as bool? == true,
                    position is int p && p != int.MinValue ? p : null,
                    Named(a, "ValueFromPipeline") as bool? == true,
                    Named(a, "ValueFromPipelineByPropertyName") as bool? == true));
            }
            return model;
        }

        private static IEnumerable<string> StringArgs(IList<CustomAttributeTypedArgument> args)
        {
            foreach (var arg in args)
            {
                if (arg.Value is string s) yield return s;
                else if (arg.Value is IEnumerable<CustomAttributeTypedArgument> many)
                    foreach (var m in many) if (m.Value is string ms) yield return ms;
            }
        }

        private static object? Named(CustomAttributeData a, string name) =>
            a.NamedArguments.FirstOrDefault(n => n.MemberName == name).TypedValue.Value;
    }
}
