using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Reports;

namespace AutoGlm.Commands
{
    /// <summary>Writes Test-AutoGlmEnvironment results to a JSON, JUnit XML or Prometheus textfile report.</summary>
    [Cmdlet(VerbsData.Export, "AutoGlmReport", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportAutoGlmReportCommand : PSCmdlet
    {
        private readonly List<CheckResult> _results = new List<CheckResult>();

        #region Parameters

        /// <summary>Gets or sets the check results, usually piped from Test-AutoGlmEnvironment.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public CheckResult[] InputObject { get; set; } = new CheckResult[0];

        /// <summary>Gets or sets the report file to write.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>Gets or sets the report format.</summary>
        [Parameter]
        public ReportFormat Format { get; set; } = ReportFormat.Json;

        /// <summary>Gets or sets whether an existing file stops the export instead of being replaced.</summary>
        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Gets or sets whether the written file is returned.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        #endregion

        #region Overrides

        protected override void ProcessRecord() => _results.AddRange(InputObject);

        protected override void EndProcessing()
        {
            var target = GetUnresolvedProviderPathFromPSPath(Path);
            if (!ShouldProcess(target, Messages.Format("ExportAutoGlmReport_Confirm", Format, _results.Count))) return;
            try
            {
                var content = Report.Render(Format, _results);
                var written = Report.Write(target, content, NoClobber);
                WriteVerbose(Messages.Format("ExportAutoGlmReport_Written", Format, _results.Count, written));
                if (PassThru) WriteObject(new FileInfo(written));
            }
            catch (AutoGlmException ex)
            {
                ThrowTerminatingError(Errors.ToRecord(ex));
            }
        }

        #endregion
    }
}
