using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Checks
{
    /// <summary>Every check Test-AutoGlmEnvironment knows, in display order.</summary>
    public static class CheckCatalog
    {
        public static IReadOnlyList<Check> All { get; } = GroupByCategory(HostChecks.All.Concat(GpuChecks.All).Concat(StackChecks.All).Concat(LifecycleChecks.All).Concat(FirmwareChecks.All).Concat(VenvChecks.All).Concat(RuntimeChecks.All));

        /// <summary>Keeps each category together, in the order categories first appear (a stable sort).</summary>
        private static IReadOnlyList<Check> GroupByCategory(IEnumerable<Check> checks)
        {
            var list = checks.ToList();
            var order = list.Select(c => c.Info.Category).Distinct().ToList();
            return list.OrderBy(c => order.IndexOf(c.Info.Category)).ToList();
        }

        public static IEnumerable<string> Categories => All.Select(c => c.Info.Category).Distinct();

        /// <summary>The checks selected by category and id (wildcards '*' allowed in ids); empty filters select all.</summary>
        public static IReadOnlyList<Check> Select(IReadOnlyCollection<string>? categories, IReadOnlyCollection<string>? ids)
        {
            return All.Where(c =>
                    (categories == null || categories.Count == 0 || categories.Any(k => string.Equals(k, c.Info.Category, StringComparison.OrdinalIgnoreCase)))
                    && (ids == null || ids.Count == 0 || ids.Any(p => Wildcard.IsMatch(c.Info.Id, p))))
                .ToList();
        }
    }
}
