using System;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Services;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Services
{
    /// <summary>The Windows service plan: golden steps and command lines; applying needs the service host shipped in the module folder.</summary>
    public class WindowsServicePlanTests
    {
        private const string Python = @"C:\AutoGlm\venv\Scripts\python.exe";
        /// <summary>Where an installed module keeps the host; a fixed path so the golden file does not depend on the build folder.</summary>
        public const string ShippedHost = @"C:\Program Files\WindowsPowerShell\Modules\AutoGlm\0.1.0\bin\AutoGlm.ServiceHost.exe";

        private static ChangePlan Plan(bool whatIf = true, Func<string, bool>? exists = null)
        {
            var request = new ServiceRequest { Profile = "vllm-server", WhatIf = whatIf };
            request.Environment["HF_TOKEN"] = "hf_windows_secret";
            return WindowsServicePlan.Register(request, ServiceRig.Matrix, exists ?? (p => p == Python), ShippedHost);
        }

        /// <summary>Every step with its argv (as JSON arrays, exact) and files; secrets masked as the preview shows them.</summary>
        private static string Render(ChangePlan plan)
        {
            var sb = new StringBuilder($"plan {plan.Name}: {plan.Title}\n");
            foreach (var s in plan.Steps)
            {
                sb.Append($"[{s.Id}] {s.Action} {s.Target}\n  {s.Description}\n");
                foreach (var argv in s.Commands) sb.Append("  run: ").Append(AutoGlm.Engine.Json.Json.Serialize(argv.ToList(), indent: false)).Append('\n');
                foreach (var f in s.Files) sb.Append($"  file {f.Path}:\n").Append(string.Concat(f.ShownContent.TrimEnd('\n').Split('\n').Select(l => "    | " + l + "\n")));
            }
            foreach (var n in plan.Notes) sb.Append("note: ").Append(n).Append('\n');
            return sb.ToString();
        }

        [Fact]
        public void PlanMatchesTheGoldenFile()
        {
            var golden = Path.Combine(Repo.Root, "tests", "fixtures", "services", "windows-vllm-server.plan.txt");
            var text = Render(Plan());
            if (Environment.GetEnvironmentVariable("AUTOGLM_UPDATE_GOLDEN") == "1") File.WriteAllText(golden, text);
            Assert.Equal(File.ReadAllText(golden), text);
            Assert.DoesNotContain("hf_windows_secret", text);
        }

        [Fact]
        public void ServiceIsDelayedAutoWithRecoveryAndAVirtualAccount()
        {
            var steps = Plan().Steps.ToDictionary(s => s.Id);
            var create = steps["service.create"].Commands.Single();
            Assert.Equal(new[] { "sc.exe", "create", "autoglm-vllm-server", "binPath=" }, create.Take(4));
            Assert.Equal("\"C:\\Program Files\\AutoGlm\\AutoGlm.ServiceHost.exe\" --config \"C:\\ProgramData\\AutoGlm\\services\\autoglm-vllm-server.json\"", create[4]);
            Assert.Equal(new[] { "start=", "delayed-auto", "obj=", @"NT SERVICE\autoglm-vllm-server" }, create.Skip(5).Take(4));
            var configure = steps["service.configure"].Commands;
            Assert.Contains(configure, c => c.SequenceEqual(new[] { "sc.exe", "failure", "autoglm-vllm-server", "reset=", "86400", "actions=", "restart/10000/restart/30000/restart/60000" }));
            Assert.Contains(configure, c => c.SequenceEqual(new[] { "sc.exe", "failureflag", "autoglm-vllm-server", "1" }));
            var definition = (System.Collections.Generic.IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(steps["service.definition"].Files.Single().Content)!;
            Assert.Equal(Python, definition["executable"]);
            var log = (System.Collections.Generic.IDictionary<string, object?>)definition["log"]!;
            Assert.Equal(10.0, Convert.ToDouble(log["maxSizeMB"]));
            Assert.Equal(5.0, Convert.ToDouble(log["keepFiles"]));
            Assert.True(steps["service.environment"].Files.Single().Sensitive);
        }

        [Fact]
        public void ApplyingNeedsTheHostInTheModuleFolderAndInstallsItUnderProgramFiles()
        {
            var ex = Assert.Throws<AutoGlmException>(() => Plan(whatIf: false));
            Assert.Equal("ServiceHostMissing", ex.ErrorId);
            Assert.Contains(ShippedHost, ex.Message);
            var plan = Plan(whatIf: false, exists: p => p == Python || p == ShippedHost);
            Assert.Equal(9, plan.Steps.Count);
            var host = plan.Steps.Single(s => s.Id == "service.host");
            Assert.Equal(WindowsServicePlan.HostExecutable, host.Target);
            Assert.True(plan.Steps.ToList().IndexOf(host) < plan.Steps.ToList().FindIndex(s => s.Id == "service.create"));
        }

        [Fact]
        public void ChangedInputsRestartTheServiceAndTheSameInputsDoNot()
        {
            static string Stamp(string port, string token)
            {
                var request = new ServiceRequest { Profile = "vllm-server", WhatIf = true, Port = port };
                request.Environment["HF_TOKEN"] = token;
                var plan = WindowsServicePlan.Register(request, ServiceRig.Matrix, p => p == Python, ShippedHost);
                return ((WindowsServiceRunningStep)plan.Steps.Single(s => s.Id == "service.running")).Stamp;
            }
            Assert.Equal(Stamp("8000", "a"), Stamp("8000", "a"));
            Assert.NotEqual(Stamp("8000", "a"), Stamp("8001", "a"));
            Assert.NotEqual(Stamp("8000", "a"), Stamp("8000", "b"));
            Assert.DoesNotContain("hf_", Stamp("8000", "hf_secret"));
            Assert.Contains("service.stamp", WindowsServicePlan.Unregister("autoglm-vllm-server").Steps.Select(s => s.Id));
        }

        [Fact]
        public void TheModuleShipsTheHostBesideItsAssemblies()
        {
            // The build lays AutoGlm.ServiceHost.exe (net472) beside AutoGlm.dll, and the engine looks for it there.
            var built = Path.Combine(Path.GetDirectoryName(Repo.CmdletDll)!, "AutoGlm.ServiceHost.exe");
            Assert.True(File.Exists(built), built);
            Assert.True(File.Exists(WindowsServicePlan.ShippedHost), WindowsServicePlan.ShippedHost);
            using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(built));
            var md = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
            var frameworks = md.CustomAttributes.Select(md.GetCustomAttribute)
                .Select(a => System.Text.Encoding.UTF8.GetString(md.GetBlobBytes(a.Value)))
                .Where(v => v.Contains(".NETFramework,Version=")).ToList();
            Assert.Contains(frameworks, f => f.Contains(".NETFramework,Version=v4.7.2"));
            Assert.Equal(System.Reflection.PortableExecutable.Subsystem.WindowsCui, pe.PEHeaders.PEHeader!.Subsystem);
        }

        [Fact]
        public void AMissingVenvAndHostilePathsAreRefused()
        {
            Assert.Equal("ServiceVenvNotFound", Assert.Throws<AutoGlmException>(() => Plan(exists: p => false)).ErrorId);
            var request = new ServiceRequest { Profile = "vllm-server", WhatIf = true, InstallPath = "C:\\AutoGlm\" & calc" };
            Assert.Equal("ServicePathInvalid", Assert.Throws<AutoGlmException>(() => WindowsServicePlan.Register(request, ServiceRig.Matrix, p => true, ShippedHost)).ErrorId);
        }
    }
}
