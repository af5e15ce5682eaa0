using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Commands
{
    /// <summary>The merged compatibility matrix's entries, by section and id.</summary>
    [Cmdlet(VerbsCommon.Get, "AutoGlmMatrix")]
    [OutputType(typeof(MatrixEntry))]
    public sealed class GetAutoGlmMatrixCommand : PSCmdlet
    {
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(MatrixSectionCompleter))]
        public string[]? Section { get; set; }

        [Parameter]
        [SupportsWildcards]
        public string[]? Id { get; set; }

        [Parameter]
        public string[]? MatrixPath { get; set; }

        protected override void EndProcessing()
        {
            try
            {
                var matrix = MatrixLoader.LoadDefault(MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList());
                foreach (var entry in MatrixQuery.Select(matrix, Section, Id)) WriteObject(entry);
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }
    }
}
