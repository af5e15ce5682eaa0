using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace AutoGlm
{
    /// <summary>
    /// Keeps the engine and YamlDotNet private to this module, so another module that loaded a
    /// different YamlDotNet (powershell-yaml, PlatyPS) neither breaks us nor is broken by us.
    /// The published module keeps them in bin/Dependencies, where no default probing finds them;
    /// an AppDomain.AssemblyResolve handler answers for exactly the files in that folder.
    /// On .NET (PowerShell 7) they load into one private AssemblyLoadContext, created through
    /// reflection because this assembly targets netstandard2.0; every file of the folder is loaded
    /// into it up front, so the engine's reference to YamlDotNet binds to our copy from that
    /// context's own cache before the default context is ever asked. On .NET Framework (Windows
    /// PowerShell 5.1) there are no load contexts: they load with Assembly.LoadFrom, and a different
    /// strong-named YamlDotNet version already loaded by another module can sit beside ours.
    /// Deliberately free of System.Management.Automation types, so the tests can exercise it.
    /// </summary>
    public static class DependencyIsolation
    {
        public const string FolderName = "Dependencies";

        private static readonly object Gate = new object();
        private static string? s_directory;
        private static object? s_context;
        private static Dictionary<string, Assembly>? s_loaded;

        /// <summary>The private AssemblyLoadContext on .NET; null on .NET Framework or before the first load.</summary>
        public static object? LoadContext { get { lock (Gate) return s_context; } }

        /// <summary>Answers assembly requests from <paramref name="directory"/>. Idempotent.</summary>
        public static void Register(string directory)
        {
            lock (Gate)
            {
                if (s_directory != null) return;
                s_directory = Path.GetFullPath(directory);
                AppDomain.CurrentDomain.AssemblyResolve += OnResolve;
            }
        }

        public static void Unregister()
        {
            lock (Gate)
            {
                if (s_directory == null) return;
                AppDomain.CurrentDomain.AssemblyResolve -= OnResolve;
                s_directory = null;
            }
        }

        private static Assembly? OnResolve(object? sender, ResolveEventArgs args) => Resolve(new AssemblyName(args.Name));

        /// <summary>The assembly of that name from the dependencies folder, or null when it is not ours.</summary>
        public static Assembly? Resolve(AssemblyName name)
        {
            lock (Gate)
            {
                if (s_directory == null || name.Name == null) return null;
                var path = Path.Combine(s_directory, name.Name + ".dll");
                if (!File.Exists(path)) return null;
                s_loaded ??= LoadAll(s_directory);
                return s_loaded.TryGetValue(name.Name, out var assembly) ? assembly : null;
            }
        }

        private static Dictionary<string, Assembly> LoadAll(string directory)
        {
            var loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);
            var alcType = Type.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false);
            Func<string, Assembly> load;
            if (alcType == null)
            {
                load = Assembly.LoadFrom;
            }
            else
            {
                // new AssemblyLoadContext("AutoGlm", isCollectible: false) and its LoadFromAssemblyPath.
                var ctor = alcType.GetConstructor(new[] { typeof(string), typeof(bool) })
                    ?? throw new MissingMethodException(alcType.FullName, ".ctor(string, bool)");
                s_context = ctor.Invoke(new object[] { "AutoGlm", false });
                var loadFromPath = alcType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })
                    ?? throw new MissingMethodException(alcType.FullName, "LoadFromAssemblyPath");
                var context = s_context;
                load = p => (Assembly)loadFromPath.Invoke(context, new object[] { p })!;
            }
            foreach (var file in Directory.GetFiles(directory, "*.dll"))
                loaded[Path.GetFileNameWithoutExtension(file)] = load(file);
            return loaded;
        }
    }
}
