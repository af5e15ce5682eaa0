namespace AutoGlm.Engine
{
    /// <summary>
    /// How the engine reports besides its return values. The cmdlets forward these to PowerShell's
    /// streams (Write-Progress, Write-Verbose, Write-Warning, Write-Debug); the CLI to stderr.
    /// Always called on the thread that called the engine.
    /// </summary>
    public interface IEngineOutput
    {
        /// <summary>percent &lt; 0 means the activity is complete.</summary>
        void Progress(string activity, string status, int percent);
        void Verbose(string message);
        void Warning(string message);
        /// <summary>Commands run and other detail. Secrets must already be masked.</summary>
        void Debug(string message);
        /// <summary>
        /// A failure about one input among several (a snapshot piped in): the command goes on with the others.
        /// The cmdlets write a non-terminating ErrorRecord; the CLI an error line (and fails at the end).
        /// A failure that no input can get past (a bad parameter) is thrown instead.
        /// </summary>
        void Error(Diagnostics.AutoGlmException error);
    }

    /// <summary>Discards everything.</summary>
    public sealed class NullOutput : IEngineOutput
    {
        public static readonly NullOutput Instance = new NullOutput();
        public void Progress(string activity, string status, int percent) { }
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void Debug(string message) { }
        public void Error(Diagnostics.AutoGlmException error) { }
    }
}
