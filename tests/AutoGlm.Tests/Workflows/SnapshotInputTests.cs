using System.Collections.Generic;
using System.IO;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Workflows;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Workflows
{
    /// <summary>The engine, not the face, decides which failures are about one input (and let the others go on).</summary>
    public class SnapshotInputTests
    {
        private sealed class Errors : IEngineOutput
        {
            public List<string> Ids { get; } = new List<string>();
            public void Progress(string activity, string status, int percent) { }
            public void Verbose(string message) { }
            public void Warning(string message) { }
            public void Debug(string message) { }
            public void Error(AutoGlmException error) => Ids.Add(error.ErrorId);
        }

        [Fact]
        public void AMissingSnapshotIsReportedAndYieldsNothing()
        {
            using var dir = new TempDir();
            var missing = dir.Combine("no-such-snapshot");
            var output = new Errors();
            var run = SnapshotInput.Evaluate(missing, output, () => EnvironmentTester.Run(new TestRequest { Snapshot = missing }, output));
            Assert.Null(run);
            Assert.Equal(new[] { "SnapshotNotFound" }, output.Ids);
        }

        [Fact]
        public void ABadParameterStillStopsTheCommand()
        {
            using var dir = new TempDir();
            var output = new Errors();
            var ex = Assert.Throws<AutoGlmException>(() => SnapshotInput.Evaluate(dir.Path, output,
                () => EnvironmentTester.Run(new TestRequest { Snapshot = dir.Path, Profile = "no-such-profile" }, output)));
            Assert.Equal("ProfileNotFound", ex.ErrorId);
            Assert.Empty(output.Ids);
        }

        [Fact]
        public void WithoutASnapshotEveryFailureIsThrown()
        {
            var output = new Errors();
            var ex = Assert.Throws<AutoGlmException>(() => SnapshotInput.Evaluate<TestRun>(null, output,
                () => throw new AutoGlmException("SnapshotNotFound", ErrorKind.ObjectNotFound, "x")));
            Assert.Equal("SnapshotNotFound", ex.ErrorId);
            Assert.Empty(output.Ids);
        }
    }
}
