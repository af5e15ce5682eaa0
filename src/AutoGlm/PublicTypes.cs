using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace AutoGlm
{
    /// <summary>
    /// The engine types a script can name: every type a cmdlet declares in [OutputType], every engine type
    /// reachable from those through public properties (element types of lists included), and the enums among
    /// them. On PowerShell 7 the engine loads into a private AssemblyLoadContext (DependencyIsolation), whose
    /// types PowerShell's type-name resolution does not search; registering each under its full name as a
    /// type accelerator makes <c>[AutoGlm.Engine.Reports.FleetTriage]</c>, <c>-is</c> and script [OutputType]
    /// work as they do on Windows PowerShell 5.1, where the engine sits in the one AppDomain. Nothing else of
    /// the engine is named: its other types are implementation, free to change.
    /// </summary>
    public static class PublicTypes
    {
        private static readonly object Gate = new object();
        private static List<string>? s_registered;

        /// <summary>The public surface, computed from the cmdlets in this assembly.</summary>
        public static IReadOnlyList<Type> All => Closure(typeof(PublicTypes).Assembly);

        /// <summary>Adds a type accelerator per public type, replacing one a side-by-side copy of the module left.</summary>
        public static void Register()
        {
            lock (Gate)
            {
                var accelerators = AcceleratorsType();
                if (accelerators == null) return;
                var add = accelerators.GetMethod("Add", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string), typeof(Type) }, null)!;
                var remove = accelerators.GetMethod("Remove", BindingFlags.Public | BindingFlags.Static)!;
                var names = new List<string>();
                foreach (var type in All)
                {
                    remove.Invoke(null, new object[] { type.FullName! });
                    add.Invoke(null, new object[] { type.FullName!, type });
                    names.Add(type.FullName!);
                }
                s_registered = names;
            }
        }

        /// <summary>Removes what <see cref="Register"/> added (Remove-Module).</summary>
        public static void Unregister()
        {
            lock (Gate)
            {
                var accelerators = AcceleratorsType();
                if (accelerators == null || s_registered == null) return;
                var remove = accelerators.GetMethod("Remove", BindingFlags.Public | BindingFlags.Static)!;
                foreach (var name in s_registered) remove.Invoke(null, new object[] { name });
                s_registered = null;
            }
        }

        // System.Management.Automation.TypeAccelerators is not public API; PowerShell's own documentation of
        // module assembly isolation and most modules that isolate reach it this way (5.1 and 7 alike).
        private static Type? AcceleratorsType() =>
            typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators", throwOnError: false);

        internal static IReadOnlyList<Type> Closure(Assembly cmdlets)
        {
            var engine = typeof(Engine.Diagnostics.AutoGlmException).Assembly;
            var seen = new HashSet<Type>();
            var queue = new Queue<Type>();
            foreach (var cmdlet in cmdlets.GetTypes().Where(t => t.GetCustomAttributes(typeof(CmdletAttribute), false).Length > 0))
                foreach (OutputTypeAttribute output in cmdlet.GetCustomAttributes(typeof(OutputTypeAttribute), false))
                    foreach (var name in output.Type)
                        if (name.Type != null) queue.Enqueue(name.Type);
            while (queue.Count > 0)
            {
                var type = queue.Dequeue();
                // List<T>, T[], Nullable<T>, IDictionary<K, V>: the engine types inside them.
                if (type.IsArray) { queue.Enqueue(type.GetElementType()!); continue; }
                if (type.IsGenericType) { foreach (var argument in type.GetGenericArguments()) queue.Enqueue(argument); continue; }
                if (type.Assembly != engine || !type.IsPublic || !seen.Add(type)) continue;
                if (type.BaseType != null) queue.Enqueue(type.BaseType);
                if (type.IsEnum) continue;
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                    queue.Enqueue(property.PropertyType);
            }
            return seen.OrderBy(t => t.FullName, StringComparer.Ordinal).ToList();
        }
    }
}
