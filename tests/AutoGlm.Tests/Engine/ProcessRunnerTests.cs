using System;
using System.Diagnostics;
using System.Linq;
using AutoGlm.Engine.Hosting;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    public class ProcessRunnerTests
    {
        [Fact]
        public void ArgumentsArriveExactlyAsGiven_NoShellInterpretation()
        {
            using var fx = new FixtureHost();
            fx.Tool("argv", "for a in \"$@\"; do printf '<%s>\\n' \"$a\"; done");
            var host = new LiveHost(fx.RootPath, fx.PathVariable);
            var tricky = new[] { "argv", "two words", "", "$(touch /tmp/pwned)", "a\"b", "back\\slash", "; rm -rf /", "*" };
            var result = host.Run(tricky, TimeSpan.FromSeconds(10));
            Assert.Equal(CommandStatus.Completed, result.Status);
            var expected = string.Concat(tricky.Skip(1).Select(a => "<" + a + ">\n"));
            Assert.Equal(expected, result.Stdout);
        }

        [Fact]
        public void MissingToolIsAFactNotACrash()
        {
            using var fx = new FixtureHost();
            var result = new LiveHost(fx.RootPath, fx.PathVariable).Run(new[] { "nvidia-smi" }, TimeSpan.FromSeconds(5));
            Assert.Equal(CommandStatus.NotFound, result.Status);
            Assert.Contains("not installed", result.Describe());
        }

        [Fact]
        public void HungToolIsKilledAtItsTimeout_EvenWhenAChildHoldsItsOutput()
        {
            using var fx = new FixtureHost();
            // The grandchild keeps stdout open after the script is killed: the runner must not wait for it.
            fx.Tool("hang", "echo started\nsleep 300 &\nsleep 300");
            var watch = Stopwatch.StartNew();
            var result = new LiveHost(fx.RootPath, fx.PathVariable).Run(new[] { "hang" }, TimeSpan.FromSeconds(1));
            watch.Stop();
            Assert.Equal(CommandStatus.TimedOut, result.Status);
            Assert.Contains("timed out after 1 s", result.Describe());
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        }

        [Fact]
        public void NonZeroExitKeepsOutputAndCode()
        {
            using var fx = new FixtureHost();
            fx.Tool("broken", "echo 'Failed to initialize NVML: Driver/library version mismatch' >&2\nexit 18");
            var result = new LiveHost(fx.RootPath, fx.PathVariable).Run(new[] { "broken" }, TimeSpan.FromSeconds(5));
            Assert.Equal(18, result.ExitCode);
            Assert.False(result.Succeeded);
            Assert.Contains("exited with code 18: Failed to initialize NVML", result.Describe());
        }

        [Fact]
        public void StandardInputIsClosedSoPromptsCannotHang()
        {
            using var fx = new FixtureHost();
            fx.Tool("prompt", "printf 'Continue? '\nread answer\necho \"got:$answer\"");
            var result = new LiveHost(fx.RootPath, fx.PathVariable).Run(new[] { "prompt" }, TimeSpan.FromSeconds(5));
            Assert.Equal(CommandStatus.Completed, result.Status);
            Assert.Contains("got:", result.Stdout);
        }

        [Theory]
        [InlineData("plain", "plain")]
        [InlineData("two words", "\"two words\"")]
        [InlineData("", "\"\"")]
        [InlineData("a\"b", "\"a\\\"b\"")]
        [InlineData("trail\\ space\\", "\"trail\\ space\\\\\"")]
        public void WindowsQuotingFollowsTheCRuntimeRules(string arg, string expected)
        {
            var sb = new System.Text.StringBuilder();
            ProcessRunner.AppendWindowsArgument(sb, arg);
            Assert.Equal(expected, sb.ToString());
        }
    }
}
