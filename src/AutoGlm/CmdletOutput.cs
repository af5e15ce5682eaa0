using System;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm
{
    /// <summary>Forwards the engine's side channels to PowerShell's streams. Called on the pipeline thread.</summary>
    internal sealed class CmdletOutput : IEngineOutput
    {
        private readonly PSCmdlet _cmdlet;
        private readonly int _activityId;

        public CmdletOutput(PSCmdlet cmdlet, int activityId = 1)
        {
            _cmdlet = cmdlet;
            _activityId = activityId;
        }

        public void Progress(string activity, string status, int percent)
        {
            var record = new ProgressRecord(_activityId, activity, status);
            if (percent < 0) record.RecordType = ProgressRecordType.Completed;
            else record.PercentComplete = Math.Min(100, percent);
            _cmdlet.WriteProgress(record);
        }

        public void Verbose(string message) => _cmdlet.WriteVerbose(message);
        public void Warning(string message) => _cmdlet.WriteWarning(message);
        public void Debug(string message) => _cmdlet.WriteDebug(message);
        public void Error(AutoGlmException error) => _cmdlet.WriteError(Errors.ToRecord(error));
    }

    internal static class Errors
    {
        /// <summary>An engine failure as an ErrorRecord: stable id, category by name, the input at fault as target.</summary>
        public static ErrorRecord ToRecord(AutoGlmException ex)
        {
            var category = Enum.TryParse<ErrorCategory>(ex.Kind.ToString(), out var c) ? c : ErrorCategory.NotSpecified;
            var record = new ErrorRecord(ex, ex.ErrorId, category, ex.Target);
            // The fix on its own, for scripts and for $Error[0].ErrorDetails; the message keeps it too.
            var fix = ex.RecommendedAction;
            if (fix != null) record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = fix };
            return record;
        }
    }
}
