using System;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Reports;

namespace AutoGlm.Engine.Workflows
{
    /// <summary>
    /// One snapshot among several inputs (piped into a cmdlet): a failure about that snapshot (missing, malformed,
    /// a fleet folder) is reported through <see cref="IEngineOutput.Error"/> and the work yields null, so the command
    /// goes on with the next input. Any other failure (a bad profile, matrix or category: no input can succeed with
    /// it) is thrown. The engine decides which is which; the faces only forward.
    /// </summary>
    public static class SnapshotInput
    {
        public static T? Evaluate<T>(string? snapshot, IEngineOutput output, Func<T> work) where T : class
        {
            if (snapshot == null) return work();
            try
            {
                return work();
            }
            catch (AutoGlmException ex) when (FleetTriager.IsAboutOneSnapshot(ex))
            {
                output.Error(ex);
                return null;
            }
        }
    }
}
