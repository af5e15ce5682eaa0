using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Services;
using AutoGlm.ServiceHost;
using AutoGlm.Tests.Services;
using Xunit;

namespace AutoGlm.Tests.ServiceHost
{
    /// <summary>The host reads exactly what WindowsServicePlan writes: the definition and the secrets file.</summary>
    public class HostConfigTests
    {
        private static string PlannedDefinition()
        {
            var request = new ServiceRequest { Profile = "vllm-server", WhatIf = true };
            var plan = WindowsServicePlan.Register(request, ServiceRig.Matrix, p => true, WindowsServicePlanTests.ShippedHost);
            return plan.Steps.Single(s => s.Id == "service.definition").Files.Single().Content;
        }

        [Fact]
        public void TheDefinitionThePlanWritesIsWhatTheHostRuns()
        {
            var config = HostConfig.Parse(PlannedDefinition());
            Assert.Equal("autoglm-vllm-server", config.Name);
            Assert.Equal(@"C:\AutoGlm\venv\Scripts\python.exe", config.Executable);
            Assert.Equal(new[] { "-m", "vllm.entrypoints.openai.api_server" }, config.Arguments.Take(2));
            Assert.Contains("{\"max_pixels\":5000000}", config.Arguments);
            Assert.Equal(new[] { "--port", "8000" }, config.Arguments.Skip(config.Arguments.Count - 2));
            Assert.Equal(@"C:\ProgramData\AutoGlm\cache\autoglm-vllm-server", config.WorkingDirectory);
            Assert.Equal(@"C:\ProgramData\AutoGlm\services\autoglm-vllm-server.env", config.EnvironmentFile);
            Assert.Equal("1", config.Environment["PYTHONUNBUFFERED"]);
            Assert.Equal(TimeSpan.FromSeconds(90), config.StopTimeout);
            Assert.Equal(10L * 1024 * 1024, config.LogMaxBytes);
            Assert.Equal(5, config.LogKeepFiles);
            Assert.Equal("autoglm-vllm-server.log", config.LogFile);
            Assert.True(config.MaxRestartDelay > config.RestartDelay);
        }

        [Fact]
        public void TheEnvironmentFileRoundTripsEveryValueTheWriterEscapes()
        {
            var values = new Dictionary<string, string>
            {
                ["HF_TOKEN"] = "hf_abc\"def$HOME`x`\\end\\",
                ["OPENAI_API_KEY"] = "sk-= spaced =value",
                ["EMPTY"] = "",
            };
            var parsed = HostConfig.ParseEnvironmentFile(SystemdUnit.EnvironmentFileText(values));
            Assert.Equal(values.OrderBy(k => k.Key), parsed.OrderBy(k => k.Key));
        }

        [Fact]
        public void AMalformedEnvironmentLineIsNamedByNumberNeverByContent()
        {
            var ex = Assert.Throws<HostConfigException>(() => HostConfig.ParseEnvironmentFile("# c\nGOOD=\"1\"\nhf_secret_value_without_key\n", "x.env"));
            Assert.Contains("Line 3 of x.env", ex.Message);
            Assert.DoesNotContain("hf_secret", ex.Message);
            ex = Assert.Throws<HostConfigException>(() => HostConfig.ParseEnvironmentFile("TOKEN=\"hf_secret_unterminated\n", "x.env"));
            Assert.DoesNotContain("hf_secret", ex.Message);
        }

        [Theory]
        [InlineData("{", "not valid JSON")]
        [InlineData("[]", "must hold a JSON object")]
        [InlineData("{\"name\":\"s\",\"log\":{\"directory\":\"d\",\"file\":\"f\"}}", "has no 'executable'")]
        [InlineData("{\"name\":\"s\",\"executable\":\"p\"}", "has no 'log'")]
        [InlineData("{\"name\":\"s\",\"executable\":\"p\",\"arguments\":[1],\"log\":{\"directory\":\"d\",\"file\":\"f\"}}", "array of strings")]
        [InlineData("{\"name\":\"s\",\"executable\":\"p\",\"log\":{\"directory\":\"d\",\"file\":\"..\\\\f\"}}", "a file name")]
        [InlineData("{\"name\":\"s\",\"executable\":\"p\",\"log\":{\"directory\":\"d\",\"file\":\"f\",\"keepFiles\":-1}}", "'keepFiles' must be a number")]
        [InlineData("{\"name\":\"s\",\"executable\":\"p\",\"stopTimeoutSeconds\":0,\"log\":{\"directory\":\"d\",\"file\":\"f\"}}", "'stopTimeoutSeconds'")]
        public void ABadDefinitionSaysWhatIsWrong(string json, string expected)
        {
            var ex = Assert.Throws<HostConfigException>(() => HostConfig.Parse(json, "svc.json"));
            Assert.Contains(expected, ex.Message);
            Assert.StartsWith("svc.json", ex.Message);
        }

        [Fact]
        public void MiniJsonReadsEscapesNumbersAndNesting()
        {
            var o = (Dictionary<string, object?>)MiniJson.Parse("{\"a\":[1,-2.5e1,true,null,\"x\\u0041\\n\\\"\"],\"b\":{}}")!;
            var a = (List<object?>)o["a"]!;
            Assert.Equal(new object?[] { 1.0, -25.0, true, null, "xA\n\"" }, a);
            Assert.Empty((Dictionary<string, object?>)o["b"]!);
            Assert.Contains("line 2", Assert.Throws<FormatException>(() => MiniJson.Parse("{\n \"a\": tru }")).Message);
        }

        [Fact]
        public void BackoffDoublesUpToTheCapAndStartsOverAfterAHealthyRun()
        {
            var b = new RestartBackoff(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(10));
            var quick = TimeSpan.FromSeconds(3);
            var delays = Enumerable.Range(0, 6).Select(_ => b.Next(quick).TotalSeconds).ToList();
            Assert.Equal(new[] { 5.0, 10, 20, 40, 60, 60 }, delays);
            Assert.Equal(6, b.Failures);
            Assert.Equal(5.0, b.Next(TimeSpan.FromMinutes(11)).TotalSeconds);
            Assert.Equal(10.0, b.Next(quick).TotalSeconds);
        }
    }
}
