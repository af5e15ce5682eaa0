using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Matrix;
using Xunit;
using EngineJson = AutoGlm.Engine.Json.Json;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// Every output type of the module (read from the cmdlets' [OutputType] with MetadataLoadContext, so a new
    /// one cannot be forgotten) has a JSON form, the one the CLI prints with --format json, that survives a
    /// round trip through the engine's JSON parser and holds every public property: a sample with every
    /// property set is serialized, parsed and serialized again; types with FromJson are rebuilt from it too.
    /// A new property that its ToJson leaves out fails here, unless it is listed below with the reason.
    /// </summary>
    public class OutputJsonTests : IClassFixture<ModuleContractFixture>
    {
        private readonly ModuleContractFixture _m;
        public OutputJsonTests(ModuleContractFixture m) { _m = m; }

        private static readonly Assembly Engine = typeof(CheckResult).Assembly;

        /// <summary>How the CLI writes the output types that have no ToJson of their own.</summary>
        private static readonly Dictionary<string, Func<object, IDictionary<string, object?>>> CliJson = new Dictionary<string, Func<object, IDictionary<string, object?>>>
        {
            // autoglm matrix --format json
            [typeof(MatrixEntry).FullName!] = e => MatrixQuery.ToJson((MatrixEntry)e),
        };

        /// <summary>Properties whose JSON key is not their camelCase name ("a.b" is a key inside an object).</summary>
        private static readonly Dictionary<string, string> Keys = new Dictionary<string, string>
        {
            ["ApplyResult.JournalPath"] = "journal",
            ["InstallSummary.JournalPath"] = "journal",
            ["InstallSummary.ConfigPath"] = "config",
            ["InstallSummary.HostChanged"] = "changed",
            ["InstallSummary.Changed"] = "changedSteps",
            ["RepairDiagnosis.BundlePath"] = "bundle",
            ["GpuHolder.ProcessId"] = "pid",
            ["ResolvedStack.Packages"] = "packageDetails",
            ["FleetTriage.Pass"] = "summary.pass",
            ["FleetTriage.Warn"] = "summary.warn",
            ["FleetTriage.Fail"] = "summary.fail",
            ["FleetTriage.Unknown"] = "summary.unknown",
            ["FleetTriage.Error"] = "summary.error",
            // An offline kit's JSON is its manifest's shape (docs/offline-kit.md): the target, driver, repository, model and matrix as objects.
            ["OfflineKit.Directory"] = "kit",
            ["OfflineKit.Profile"] = "target.profile",
            ["OfflineKit.Os"] = "target.os",
            ["OfflineKit.Architecture"] = "target.architecture",
            ["OfflineKit.DriverBranch"] = "target.driverBranch",
            ["OfflineKit.DriverFlavor"] = "target.driverFlavor",
            ["OfflineKit.DriverPinned"] = "target.driverPinned",
            ["OfflineKit.Kernel"] = "target.kernel",
            ["OfflineKit.DriverVersion"] = "driver.version",
            ["OfflineKit.DriverSource"] = "driver.source",
            ["OfflineKit.DriverKeyring"] = "driver.keyring",
            ["OfflineKit.DriverPackages"] = "driver.packages",
            ["OfflineKit.DriverExternal"] = "driver.external",
            ["OfflineKit.CudaToolkit"] = "driver.cudaToolkit",
            ["OfflineKit.RepositoryUrl"] = "repository.url",
            ["OfflineKit.RepositoryRef"] = "repository.ref",
            ["OfflineKit.RepositoryCommit"] = "repository.commit",
            ["OfflineKit.RepositoryBundle"] = "repository.bundle",
            ["OfflineKit.Model"] = "model.model",
            ["OfflineKit.ModelWeights"] = "model.weights",
            ["OfflineKit.ShippedMatrix"] = "matrix.shipped",
            ["OfflineKit.SiteMatrix"] = "matrix.site",
            // A matrix entry's Location (declared on Located) is where the entry was defined.
            ["Located.Location"] = "definedAt",
        };

        /// <summary>Properties left out of the JSON on purpose: each is computed from what the JSON holds.</summary>
        private static readonly Dictionary<string, string> Derived = new Dictionary<string, string>
        {
            ["ApplyResult.Succeeded"] = "status is converged or changed",
            ["ApplyResult.Failed"] = "status is failed or rolled-back",
            ["ApplyResult.RebootNeeded"] = "status is reboot-required or reboot-scheduled",
            // The typed verdicts: the JSON holds them as text (status, outcome), the words scripts compare.
            ["ApplyResult.State"] = "status, as an enum",
            ["StepOutcome.Result"] = "outcome, as an enum",
            ["RepairDiagnosis.OsFamily"] = "family, as an enum",
            ["FleetTriage.AnyFailed"] = "summary.fail or summary.error above zero",
            ["RepairDiagnosis.Unfixable"] = "the signatures whose fixable is false",
            ["RepairDiagnosis.SignatureList"] = "the signatures' ids joined",
            ["OfflineKit.HasDriver"] = "driver.packages is not empty",
            ["OfflineKit.HasModel"] = "model.model is set, or files lists model/manifest.json",
            ["CheckResult.Target"] = "the report's target: one JSON report is about one machine (a triage names each host)",
            // Nested matrix objects: only the entry itself says where it was defined (definedAt).
            ["Located.Location"] = "definedAt of the entry that holds it",
        };

        /// <summary>Our output types, from the cmdlets' [OutputType] attributes, as runtime types.</summary>
        private List<Type> OutputTypes() => _m.Cmdlets
            .SelectMany(t => t.GetCustomAttributesData().Where(a => a.AttributeType.Name == "OutputTypeAttribute"))
            .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
            .Select(arg => ((Type)arg.Value!).FullName!)
            .Where(n => n.StartsWith("AutoGlm.", StringComparison.Ordinal))
            .Distinct()
            .Select(n => Engine.GetType(n) ?? throw new InvalidOperationException($"{n} is an output type the engine does not define"))
            .ToList();

        [Fact]
        public void TheOutputTypesAreFoundAndEachHasAJsonForm()
        {
            var types = OutputTypes().Select(t => t.Name).ToList();
            foreach (var expected in new[] { "CheckResult", "CheckInfo", "ApplyResult", "ResolvedStack", "ServiceStatus", "RepairDiagnosis", "GpuInfo", "SnapshotInfo", "MatrixEntry", "InstallSummary", "FleetTriage" })
                Assert.Contains(expected, types);
            foreach (var type in OutputTypes())
                Assert.True(ToJsonMethod(type) != null || CliJson.ContainsKey(type.FullName!),
                    $"{type.FullName} is a cmdlet's output type with no ToJson() and no JSON form the CLI writes; give it one");
        }

        [Fact]
        public void EveryOutputTypeRoundTripsThroughJsonWithEveryProperty()
        {
            var checkedTypes = new HashSet<string>();
            var missing = new List<string>();
            foreach (var type in OutputTypes())
            {
                // An abstract output type (MatrixEntry): every concrete kind of it.
                var kinds = type.IsAbstract ? Engine.GetTypes().Where(t => !t.IsAbstract && type.IsAssignableFrom(t)).ToList() : new List<Type> { type };
                Assert.NotEmpty(kinds);
                foreach (var kind in kinds)
                {
                    var sample = Sample(kind, kind.Name, 0)!;
                    var json = JsonOf(type, sample);
                    var text = EngineJson.Serialize(json);
                    var parsed = (IDictionary<string, object?>)EngineJson.Parse(text)!;
                    Assert.True(text == EngineJson.Serialize(parsed), $"{kind.Name}: its JSON changes when parsed and written again:\n{text}");
                    var fromJson = kind.GetMethod("FromJson", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(IDictionary<string, object?>) }, null);
                    if (fromJson != null)
                        Assert.Equal(text, EngineJson.Serialize(JsonOf(type, fromJson.Invoke(null, new object[] { parsed })!)));
                    MissingProperties(kind, parsed, kind.Name, missing, checkedTypes);
                }
            }
            Assert.True(missing.Count == 0, string.Join("\n", missing));
            // Nested objects are checked through their holders.
            foreach (var nested in new[] { "StepOutcome", "PhaseSummary", "FleetCheckGroup", "FleetHost", "RepairSignature", "GpuHolder", "DriverChoice", "PythonChoice", "StackPackage", "CheckResult", "ProfileEntry", "GpuEntry" })
                Assert.Contains(nested, checkedTypes);
        }

        [Fact]
        public void AMissingPropertyIsReported()
        {
            // The check itself can fail: a JSON without CheckResult's remediation is caught, naming it.
            var json = (IDictionary<string, object?>)EngineJson.Parse(EngineJson.Serialize(((CheckResult)Sample(typeof(CheckResult), "x", 0)!).ToJson()))!;
            json.Remove("remediation");
            var missing = new List<string>();
            MissingProperties(typeof(CheckResult), json, "CheckResult", missing);
            Assert.Contains("CheckResult.Remediation", Assert.Single(missing));
            // ... and so is a nested object's (a step of an ApplyResult).
            var result = new AutoGlm.Engine.Plan.ApplyResult();
            result.Steps.Add((AutoGlm.Engine.Plan.StepOutcome)Sample(typeof(AutoGlm.Engine.Plan.StepOutcome), "s", 0)!);
            var applied = (IDictionary<string, object?>)EngineJson.Parse(EngineJson.Serialize(result.ToJson()))!;
            ((IDictionary<string, object?>)((IList<object?>)applied["steps"]!)[0]!).Remove("detail");
            missing.Clear();
            MissingProperties(typeof(AutoGlm.Engine.Plan.ApplyResult), applied, "ApplyResult", missing);
            Assert.Contains("StepOutcome.Detail", Assert.Single(missing));
        }

        private static MethodInfo? ToJsonMethod(Type type) => type.GetMethod("ToJson", BindingFlags.Public | BindingFlags.Instance, null, Type.EmptyTypes, null);

        private static IDictionary<string, object?> JsonOf(Type outputType, object value)
        {
            var method = ToJsonMethod(value.GetType());
            if (method != null) return (IDictionary<string, object?>)method.Invoke(value, null)!;
            return CliJson[outputType.FullName!](value);
        }

        /// <summary>Adds to <paramref name="missing"/> each public property of <paramref name="type"/> that is not a key of <paramref name="json"/>; nested objects of ours are checked the same way.</summary>
        private static void MissingProperties(Type type, IDictionary<string, object?> json, string where, List<string> missing, ISet<string>? seen = null)
        {
            seen?.Add(type.Name);
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
            {
                var name = $"{p.DeclaringType!.Name}.{p.Name}";
                var own = $"{type.Name}.{p.Name}";
                if (Derived.ContainsKey(own) || (Derived.ContainsKey(name) && !IsEntry(type))) continue;
                var key = Keys.TryGetValue(own, out var k) ? k
                    : IsEntry(type) && Keys.TryGetValue(name, out var declared) ? declared
                    : char.ToLowerInvariant(p.Name[0]) + p.Name.Substring(1);
                object? node = json;
                foreach (var part in key.Split('.'))
                {
                    if (node is IDictionary<string, object?> map && map.TryGetValue(part, out node)) continue;
                    missing.Add($"{where}: {own} is not in its JSON as '{key}'; add it to ToJson (and FromJson), or list it in OutputJsonTests with the reason");
                    node = null;
                    break;
                }
                var inner = ItemType(p.PropertyType);
                if (inner == null || !Ours(inner)) continue;
                foreach (var item in node is IDictionary<string, object?> one ? new object?[] { one } : node is IList<object?> list ? list.ToArray() : Array.Empty<object?>())
                    if (item is IDictionary<string, object?> child) MissingProperties(inner, child, $"{where}.{p.Name}", missing, seen);
            }
        }

        private static bool IsEntry(Type t) => typeof(MatrixEntry).IsAssignableFrom(t);

        private static bool Ours(Type t) => t.IsClass && t.Namespace != null && t.Namespace.StartsWith("AutoGlm.", StringComparison.Ordinal) && t != typeof(SourceLocation);

        /// <summary>The object type a property holds: itself, or the items of a list.</summary>
        private static Type? ItemType(Type t)
        {
            if (t == typeof(string)) return null;
            if (t.IsArray) return t.GetElementType();
            if (t.IsGenericType && typeof(IEnumerable).IsAssignableFrom(t))
                return t.GetGenericArguments().Length == 1 ? t.GetGenericArguments()[0] : null;
            return t;
        }

        /// <summary>A value of <paramref name="t"/> with every property set to something other than its default.</summary>
        internal static object? Sample(Type t, string name, int depth)
        {
            var nullable = Nullable.GetUnderlyingType(t);
            if (nullable != null) return Sample(nullable, name, depth);
            if (t == typeof(string)) return name + "-value";
            if (t == typeof(bool)) return true;
            if (t == typeof(int)) return 7;
            if (t == typeof(long)) return 8L;
            if (t == typeof(double)) return 1.5;
            if (t == typeof(DateTimeOffset)) return new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
            if (t == typeof(DateTime)) return new DateTime(2026, 11, 21, 10, 0, 0, DateTimeKind.Utc);
            if (t == typeof(TimeSpan)) return TimeSpan.FromSeconds(90);
            if (t.IsEnum) return Enum.GetValues(t).Cast<object>().Last();
            if (depth > 4) return null;
            if (t.IsArray)
            {
                var array = Array.CreateInstance(t.GetElementType()!, 1);
                array.SetValue(Sample(t.GetElementType()!, name, depth + 1), 0);
                return array;
            }
            if (t.IsGenericType && t.IsInterface)
            {
                var args = t.GetGenericArguments();
                t = args.Length == 2 ? typeof(Dictionary<,>).MakeGenericType(args) : typeof(List<>).MakeGenericType(args);
            }
            if (t.IsAbstract) return null;
            var ctor = t.GetConstructor(Type.EmptyTypes);
            object instance = ctor != null ? ctor.Invoke(null)
                : t.GetConstructors().OrderByDescending(c => c.GetParameters().Length).Select(c => c.Invoke(c.GetParameters().Select(a => Sample(a.ParameterType, a.Name!, depth + 1)).ToArray())).FirstOrDefault()
                  ?? throw new InvalidOperationException($"cannot make a {t.Name}");
            Fill(instance, depth);
            return instance;
        }

        private static void Fill(object instance, int depth)
        {
            var t = instance.GetType();
            if (instance is IDictionary dict && t.IsGenericType)
            {
                var args = t.GetGenericArguments();
                dict[Sample(args[0], "key", depth + 1)!] = Sample(args[1], "item", depth + 1);
                return;
            }
            if (instance is IList list && t.IsGenericType)
            {
                list.Add(Sample(t.GetGenericArguments()[0], "item", depth + 1));
                return;
            }
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
            {
                if (p.SetMethod != null && p.SetMethod.IsPublic) p.SetValue(instance, Sample(p.PropertyType, p.Name, depth + 1));
                else if (p.GetValue(instance) is object held && (held is IList || held is IDictionary)) Fill(held, depth + 1);
            }
        }
    }
}
