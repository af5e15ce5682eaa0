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
    }

    /// <summary>Discards everything.</summary>
    public sealed class NullOutput : IEngineOutput
    {
        public static readonly NullOutput Instance = new NullOutput();
        public void Progress(string activity, string status, int percent) { }
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void Debug(string message) { }
    }
}
