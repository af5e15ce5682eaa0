using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Matrix
{
    /// <summary>Get-AutoGlmMatrix and `autoglm matrix`: the merged matrix's entries by section, as objects or JSON.</summary>
    public static class MatrixQuery
    {
        /// <summary>Section names as the YAML spells them, with the entries of each.</summary>
        public static IReadOnlyDictionary<string, Func<CompatibilityMatrix, IEnumerable<MatrixEntry>>> Sections { get; } =
            new Dictionary<string, Func<CompatibilityMatrix, IEnumerable<MatrixEntry>>>(StringComparer.OrdinalIgnoreCase)
            {
                ["profiles"] = m => m.Profiles,
                ["operatingSystems"] = m => m.OperatingSystems,
                ["cudaReleases"] = m => m.CudaReleases,
                ["cudaFamilies"] = m => m.CudaFamilies,
                ["driverBranches"] = m => m.DriverBranches,
                ["driverPackaging"] = m => m.DriverPackaging,
                ["gpuArchitectures"] = m => m.GpuArchitectures,
                ["gpuChips"] = m => m.GpuChips,
                ["gpus"] = m => m.Gpus,
                ["wheelCoverage"] = m => m.WheelCoverage,
                ["torchReleases"] = m => m.TorchReleases,
                ["serverReleases"] = m => m.ServerReleases,
            };

        public static IReadOnlyList<MatrixEntry> Select(CompatibilityMatrix matrix, IReadOnlyCollection<string>? sections, IReadOnlyCollection<string>? ids)
        {
            var names = sections == null || sections.Count == 0 ? Sections.Keys.ToList() : sections.ToList();
            foreach (var name in names)
                if (!Sections.ContainsKey(name))
                    throw new AutoGlmException("UnknownMatrixSection", ErrorKind.InvalidArgument,
                        Messages.Format("UnknownMatrixSection", name, string.Join(", ", Sections.Keys)), name);
            var entries = names.SelectMany(n => Sections[n](matrix));
            if (ids != null && ids.Count > 0) entries = entries.Where(e => ids.Any(p => Wildcard.IsMatch(e.Id, p)));
            return entries.ToList();
        }

        /// <summary>The section an entry belongs to ("gpus").</summary>
        public static string SectionOf(MatrixEntry entry) => entry switch
        {
            ProfileEntry _ => "profiles",
            OperatingSystemEntry _ => "operatingSystems",
            CudaReleaseEntry _ => "cudaReleases",
            CudaFamilyEntry _ => "cudaFamilies",
            DriverBranchEntry _ => "driverBranches",
            DriverPackagingEntry _ => "driverPackaging",
            GpuArchitectureEntry _ => "gpuArchitectures",
            GpuChipEntry _ => "gpuChips",
            GpuEntry _ => "gpus",
            WheelCoverageEntry _ => "wheelCoverage",
            TorchReleaseEntry _ => "torchReleases",
            ServerReleaseEntry _ => "serverReleases",
            _ => "unknown",
        };

        /// <summary>An entry as JSON with the YAML's camelCase keys, plus its section and where it was defined.</summary>
        public static IDictionary<string, object?> ToJson(MatrixEntry entry)
        {
            var json = (IDictionary<string, object?>)ToJsonValue(entry)!;
            json["section"] = SectionOf(entry);
            json["definedAt"] = entry.Location?.ToString();
            return json;
        }

        private static object? ToJsonValue(object? value)
        {
            switch (value)
            {
                case null: return null;
                case string _: case bool _: case int _: case long _: case double _: return value;
                case IDictionary dict:
                    var map = new Dictionary<string, object?>();
                    foreach (DictionaryEntry kv in dict) map[kv.Key.ToString()!] = ToJsonValue(kv.Value);
                    return map;
                case IEnumerable list:
                    return list.Cast<object?>().Select(ToJsonValue).ToList();
            }
            var result = new Dictionary<string, object?>();
            foreach (var prop in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (prop.Name == nameof(Located.Location) || prop.GetIndexParameters().Length > 0) continue;
                var v = prop.GetValue(value);
                if (v == null) continue;
                result[char.ToLowerInvariant(prop.Name[0]) + prop.Name.Substring(1)] = ToJsonValue(v);
            }
            return result;
        }
    }
}
