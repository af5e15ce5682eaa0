using System;
using System.Diagnostics;
using System.IO;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// The cmdlet project builds into any output folder: the service host's exe and the help generator are
    /// found where their projects put them, not at a fixed bin path that -o moves (issue 22, MSB3030).
    /// </summary>
    [Collection("publish")]   // both build the cmdlet project; not at the same time
    public class BuildOutputTests
    {
        [Fact]
        public void BuildingTheCmdletProjectWithAnOutputFolderPutsTheServiceHostAndHelpThere()
        {
            using var dir = new TempDir("autoglm-build-o");
            var output = dir.Combine("out");
            var configuration = new DirectoryInfo(Path.GetDirectoryName(Repo.CmdletDll)!).Parent!.Name;
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "build", Path.Combine(Repo.Root, "src", "AutoGlm", "AutoGlm.csproj"), "-c", configuration, "-o", output,
                         "--nologo", "-v", "quiet", "-nodeReuse:false", "-p:UseSharedCompilation=false" })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(300_000), "dotnet build -o did not finish in 5 minutes");
            Assert.True(p.ExitCode == 0, "dotnet build -o failed:\n" + stdout.Result + stderr);

            Assert.True(File.Exists(Path.Combine(output, "AutoGlm.dll")));
            Assert.True(File.Exists(Path.Combine(output, "AutoGlm.ServiceHost.exe")), "the service host is missing from the -o folder");
            Assert.True(File.Exists(Path.Combine(output, "AutoGlm.ServiceHost.exe.config")));
            Assert.True(File.Exists(Path.Combine(output, "en-US", "AutoGlm.dll-Help.xml")), "the help was not generated into the -o folder");
            // The build tools build in their own folders: the module's output holds the module only.
            Assert.False(File.Exists(Path.Combine(output, "AutoGlm.HelpGen.dll")));
        }
    }
}
