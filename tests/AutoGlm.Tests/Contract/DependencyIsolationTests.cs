using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>The published module folder, as build.ps1 lays it out with dotnet publish.</summary>
    public sealed class PublishedModule : IDisposable
    {
        public string Bin { get; }

        public PublishedModule()
        {
            Bin = Path.Combine(Path.GetTempPath(), "autoglm-publish-" + Guid.NewGuid().ToString("N"));
            var configuration = new DirectoryInfo(Path.GetDirectoryName(Repo.CmdletDll)!).Parent!.Name;
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "publish", Path.Combine(Repo.Root, "src", "AutoGlm", "AutoGlm.csproj"), "-c", configuration, "--no-build", "--nologo", "-o", Bin })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException("dotnet publish failed: " + stdout.Result + stderr);
        }

        public void Dispose()
        {
            try { Directory.Delete(Bin, recursive: true); } catch (IOException) { }
        }
    }

    [Collection("publish")]
    public class DependencyIsolationTests : IClassFixture<PublishedModule>
    {
        private readonly PublishedModule _module;
        public DependencyIsolationTests(PublishedModule module) => _module = module;

        [Fact]
        public void PublishKeepsTheEngineAndYamlDotNetInDependenciesAndShipsNoPowerShellAssembly()
        {
            var bin = _module.Bin;
            Assert.True(File.Exists(Path.Combine(bin, "AutoGlm.dll")));
            Assert.True(File.Exists(Path.Combine(bin, "en-US", "AutoGlm.dll-Help.xml")));
            Assert.True(File.Exists(Path.Combine(bin, "Dependencies", "AutoGlm.Engine.dll")));
            Assert.True(File.Exists(Path.Combine(bin, "Dependencies", "YamlDotNet.dll")));
            // The Windows service host ships beside AutoGlm.dll, where the service plan looks for it.
            Assert.True(File.Exists(Path.Combine(bin, "AutoGlm.ServiceHost.exe")));
            // Beside AutoGlm.dll, default probing would find them and the isolation would be void.
            Assert.False(File.Exists(Path.Combine(bin, "AutoGlm.Engine.dll")));
            Assert.False(File.Exists(Path.Combine(bin, "YamlDotNet.dll")));
            Assert.Empty(Directory.GetFiles(bin, "System.Management.Automation.dll", SearchOption.AllDirectories));
        }

        [Fact]
        public void TheEngineBindsToItsOwnYamlDotNetEvenWhenTheDefaultContextHasOne()
        {
            // This test process already has YamlDotNet in the default context (the engine project
            // reference), as a session does after another module loaded its own copy.
            var defaultYaml = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => a.GetName().Name == "YamlDotNet")
                ?? AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("YamlDotNet"));
            var dependencies = Path.Combine(_module.Bin, DependencyIsolation.FolderName);
            DependencyIsolation.Register(dependencies);
            try
            {
                Assert.Null(DependencyIsolation.Resolve(new AssemblyName("Newtonsoft.Json"))); // not ours: left to others

                var engine = DependencyIsolation.Resolve(new AssemblyName("AutoGlm.Engine"));
                Assert.NotNull(engine);
                var context = Assert.IsAssignableFrom<AssemblyLoadContext>(DependencyIsolation.LoadContext);
                Assert.Same(context, AssemblyLoadContext.GetLoadContext(engine!));
                Assert.NotSame(AssemblyLoadContext.Default, context);

                // A type of the engine that implements a YamlDotNet interface: binding it resolves
                // the engine's reference to YamlDotNet the way running code does.
                var deserializer = engine!.GetTypes().Single(t => t.Name == "LocatingNodeDeserializer");
                var yaml = deserializer.GetInterfaces().Single(i => i.Name == "INodeDeserializer").Assembly;
                Assert.NotSame(defaultYaml, yaml);
                Assert.Same(context, AssemblyLoadContext.GetLoadContext(yaml));
                Assert.Equal(Path.Combine(dependencies, "YamlDotNet.dll"), yaml.Location);

                // And the isolated engine works: it reads the shipped matrix through its YamlDotNet.
                var loader = engine.GetType("AutoGlm.Engine.Matrix.MatrixLoader", throwOnError: true)!;
                var matrix = loader.GetMethod("LoadDefault")!.Invoke(null, new object?[] { null })!;
                var profiles = (System.Collections.IEnumerable)matrix.GetType().GetProperty("Profiles")!.GetValue(matrix)!;
                Assert.NotEmpty(profiles.Cast<object>());
            }
            finally
            {
                DependencyIsolation.Unregister();
            }
        }

        [Fact]
        public void TheMessagesAreEmbeddedInThePublishedEngineAndNeedNoSatelliteAssembly()
        {
            Assert.Empty(Directory.GetFiles(_module.Bin, "AutoGlm.Engine.resources.dll", SearchOption.AllDirectories));
            // A context of its own, like the module's, loading the published engine; a UI culture
            // with no translation falls back to the neutral (en-US) messages inside the engine.
            var context = new AssemblyLoadContext("messages-test", isCollectible: true);
            var ui = System.Globalization.CultureInfo.CurrentUICulture;
            try
            {
                System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("fr-FR");
                var engine = context.LoadFromAssemblyPath(Path.Combine(_module.Bin, DependencyIsolation.FolderName, "AutoGlm.Engine.dll"));
                var format = engine.GetType("AutoGlm.Engine.Diagnostics.Messages", throwOnError: true)!.GetMethod("Format")!;
                Assert.Equal("The lock file '/x.txt' does not exist. Make one with 'autoglm venv lock'.",
                    format.Invoke(null, new object[] { "LockFileNotFound", new object[] { "/x.txt" } }));
            }
            finally
            {
                System.Globalization.CultureInfo.CurrentUICulture = ui;
                context.Unload();
            }
        }
    }
}
