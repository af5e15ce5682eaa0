using AutoGlm.Engine.Diagnostics;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>The fix part of an error message, which PowerShell shows as ErrorDetails.RecommendedAction.</summary>
    public class RecommendedActionTests
    {
        [Theory]
        [InlineData("The facts file '/x.json' does not exist. Pass the path of a JSON facts file (see docs/resolve.md).",
            "Pass the path of a JSON facts file (see docs/resolve.md).")]
        [InlineData("The resolved stack names no CUDA version; pass -CudaVersion, e.g. 12.8.", "Pass -CudaVersion, e.g. 12.8.")]
        [InlineData("The repository '/r' is in the middle of a rebase. Finish or abort it (git status says how), then run again. Nothing was changed.",
            "Finish or abort it (git status says how), then run again.")]
        [InlineData("Pass either a root directory (-Root) or a snapshot (-Snapshot), not both.",
            "Pass either a root directory (-Root) or a snapshot (-Snapshot), not both.")]
        [InlineData("/m.yaml: line 3: unknown key 'x'. Use one of: id, name", "Use one of: id, name")]
        [InlineData("The index https://i/simple cannot be reached (timeout). Check the network or the mirror, or lock from a wheelhouse (-Wheelhouse DIR).",
            "Check the network or the mirror, or lock from a wheelhouse (-Wheelhouse DIR).")]
        public void TheFixIsTheImperativePart(string message, string fix) =>
            Assert.Equal(fix, RecommendedAction.Of(message));

        [Theory]
        [InlineData("Driver branch R999 is not in the matrix. Known branches: 535, 570.")]
        [InlineData("The matrix has no apt packaging for branch R470.")]
        [InlineData("")]
        [InlineData(null)]
        // "use" inside a sentence is not a fix: only at the start of a sentence or clause.
        [InlineData("The transport 'ext' is one git may use to run programs.")]
        public void AMessageWithoutAFixHasNone(string? message) => Assert.Null(RecommendedAction.Of(message));

        [Fact]
        public void TheExceptionCarriesIt()
        {
            var ex = new AutoGlmException("X", ErrorKind.InvalidArgument, "The port 0 is not valid. Give a TCP port from 1 to 65535.");
            Assert.Equal("Give a TCP port from 1 to 65535.", ex.RecommendedAction);
        }
    }
}
