using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// The engine's layers point one way: Foundation → Model → Observe → Judge → Change → Workflows. A type may use
    /// its own layer and those below; only workflows compose the others. Read from the built assembly's IL (every
    /// signature, base type, field and instruction operand), so a reference through `var` or a fully qualified name
    /// counts as much as a `using`.
    /// </summary>
    public class LayerDirectionTests
    {
        private enum Layer { Foundation, Model, Observe, Judge, Change, Workflows }

        // By namespace under AutoGlm.Engine. The root namespace is split by type below.
        private static readonly Dictionary<string, Layer> Namespaces = new Dictionary<string, Layer>(StringComparer.Ordinal)
        {
            ["Diagnostics"] = Layer.Foundation,
            ["Json"] = Layer.Foundation,
            ["Versions"] = Layer.Model,
            ["Matrix"] = Layer.Model,
            ["Hosting"] = Layer.Observe,
            ["Facts"] = Layer.Observe,
            ["Checks"] = Layer.Judge,
            ["Resolve"] = Layer.Judge,
            ["Plan"] = Layer.Change,
            // Package managers (apt): they plan changes on an ISystemHost.
            ["Platforms"] = Layer.Change,
            ["Install"] = Layer.Workflows,
            ["Services"] = Layer.Workflows,
            ["Git"] = Layer.Workflows,
            ["Python"] = Layer.Workflows,
            ["Deploy"] = Layer.Workflows,
            ["Kit"] = Layer.Workflows,
            ["Repair"] = Layer.Workflows,
            ["Reports"] = Layer.Workflows,
            ["Workflows"] = Layer.Workflows,
        };

        // Root-namespace types: the output seam and build facts are foundation; the test verb is a workflow.
        private static readonly Dictionary<string, Layer> RootTypes = new Dictionary<string, Layer>(StringComparer.Ordinal)
        {
            ["IEngineOutput"] = Layer.Foundation,
            ["NullOutput"] = Layer.Foundation,
            ["EngineInfo"] = Layer.Foundation,
            ["Hashing"] = Layer.Foundation,
            ["EnvironmentTester"] = Layer.Workflows,
            ["TestRequest"] = Layer.Workflows,
            ["TestRun"] = Layer.Workflows,
            ["SnapshotInfo"] = Layer.Workflows,
        };

        private static Layer? LayerOf(TypeReference type)
        {
            while (type.DeclaringType != null) type = type.DeclaringType;
            var ns = type.Namespace;
            if (ns == "AutoGlm.Engine") return RootTypes.TryGetValue(type.Name, out var l) ? l : (Layer?)null;
            if (!ns.StartsWith("AutoGlm.Engine.", StringComparison.Ordinal)) return null;
            var first = ns.Substring("AutoGlm.Engine.".Length).Split('.')[0];
            return Namespaces.TryGetValue(first, out var layer) ? layer : (Layer?)null;
        }

        private static string Name(TypeReference type)
        {
            while (type.DeclaringType != null) type = type.DeclaringType;
            return type.Namespace.Replace("AutoGlm.Engine", "").TrimStart('.') is var ns && ns.Length > 0 ? ns + "." + type.Name : type.Name;
        }

        /// <summary>Every engine type a type uses, through its signatures and its code.</summary>
        private static IEnumerable<TypeReference> Uses(TypeDefinition type)
        {
            IEnumerable<TypeReference> Expand(TypeReference? t)
            {
                if (t == null) yield break;
                if (t is TypeSpecification spec) foreach (var e in Expand(spec.ElementType)) yield return e;
                if (t is GenericInstanceType g) foreach (var a in g.GenericArguments) foreach (var e in Expand(a)) yield return e;
                if (!(t is TypeSpecification) && !(t is GenericParameter)) yield return t;
            }
            var found = new List<TypeReference>();
            found.AddRange(Expand(type.BaseType));
            foreach (var i in type.Interfaces) found.AddRange(Expand(i.InterfaceType));
            foreach (var f in type.Fields) found.AddRange(Expand(f.FieldType));
            foreach (var p in type.Properties) found.AddRange(Expand(p.PropertyType));
            foreach (var m in type.Methods)
            {
                found.AddRange(Expand(m.ReturnType));
                foreach (var p in m.Parameters) found.AddRange(Expand(p.ParameterType));
                if (!m.HasBody) continue;
                foreach (var v in m.Body.Variables) found.AddRange(Expand(v.VariableType));
                foreach (var ins in m.Body.Instructions)
                {
                    switch (ins.Operand)
                    {
                        case TypeReference t: found.AddRange(Expand(t)); break;
                        case MethodReference mr:
                            found.AddRange(Expand(mr.DeclaringType));
                            found.AddRange(Expand(mr.ReturnType));
                            if (mr is GenericInstanceMethod gm) foreach (var a in gm.GenericArguments) found.AddRange(Expand(a));
                            break;
                        case FieldReference fr: found.AddRange(Expand(fr.DeclaringType)); found.AddRange(Expand(fr.FieldType)); break;
                    }
                }
            }
            return found;
        }

        /// <summary>Each use of a higher layer, as "From → To" between namespaces (root types by name).</summary>
        internal static SortedSet<string> Violations()
        {
            var path = typeof(EngineInfo).Assembly.Location;
            using var module = ModuleDefinition.ReadModule(path);
            var edges = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var type in module.GetTypes())
            {
                var from = LayerOf(type);
                if (from == null) continue;
                foreach (var used in Uses(type))
                {
                    var to = LayerOf(used);
                    if (to != null && to > from) edges.Add($"{Name(type).Split('.')[0]} ({from}) -> {Name(used)} ({to})");
                }
            }
            return edges;
        }

        [Fact]
        public void EveryEngineNamespaceHasALayer()
        {
            var path = typeof(EngineInfo).Assembly.Location;
            using var module = ModuleDefinition.ReadModule(path);
            var unplaced = module.GetTypes().Where(t => t.Namespace.StartsWith("AutoGlm.Engine", StringComparison.Ordinal) && LayerOf(t) == null)
                .Select(t => t.FullName).Where(n => !n.Contains("<")).ToList();
            Assert.True(unplaced.Count == 0, "types in no layer (add their namespace to the map):\n" + string.Join("\n", unplaced));
        }

        [Fact]
        public void NoTypeUsesAHigherLayer()
        {
            var violations = Violations();
            Assert.True(violations.Count == 0, "lower layers using higher ones (move the type, or the code, to where the direction allows):\n" + string.Join("\n", violations));
        }

        [Fact]
        public void TheScanSeesUsesInCodeAndSignatures()
        {
            // Proof that the IL scan finds references at all (a scan that saw nothing would pass the test above).
            using var module = ModuleDefinition.ReadModule(typeof(EngineInfo).Assembly.Location);
            var session = module.GetType("AutoGlm.Engine.Workflows.PlanSession");
            var used = Uses(session).Select(t => t.FullName).ToList();
            Assert.Contains("AutoGlm.Engine.Plan.PlanExecutor", used);        // a static call in the body
            Assert.Contains("AutoGlm.Engine.Workflows.ISessionFace", used);   // a parameter type
            Assert.Equal(Layer.Change, LayerOf(module.GetType("AutoGlm.Engine.Plan.PlanExecutor")));
        }
    }
}
