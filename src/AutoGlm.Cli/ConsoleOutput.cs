using System;
using AutoGlm.Engine;

namespace AutoGlm.Cli
{
    /// <summary>The engine's side channels on a terminal: all on stderr, so stdout stays parseable.</summary>
    public sealed class ConsoleOutput : IEngineOutput
    {
        private readonly bool _verbose;
        private readonly bool _progress;
        private bool _progressShown;

        public ConsoleOutput(bool verbose, bool quiet)
        {
            _verbose = verbose;
            // A progress line only when a person watches; never into a log or a pipe.
            _progress = !quiet && !Console.IsErrorRedirected;
        }

        public void Progress(string activity, string status, int percent)
        {
            if (!_progress) return;
            if (percent < 0)
            {
                if (_progressShown) Console.Error.Write("\r\x1b[K");
                _progressShown = false;
                return;
            }
            Console.Error.Write($"\r\x1b[K{activity}: {status} ({percent}%)");
            _progressShown = true;
        }

        public void Verbose(string message)
        {
            if (_verbose) Console.Error.WriteLine("VERBOSE: " + message);
        }

        public void Warning(string message) => Console.Error.WriteLine("WARNING: " + message);

        public void Debug(string message)
        {
            if (_verbose) Console.Error.WriteLine("DEBUG: " + message);
        }

        /// <summary>Whether an input failed on the way (<see cref="Error"/>): the command then exits non-zero.</summary>
        public bool HadErrors { get; private set; }

        public void Error(Engine.Diagnostics.AutoGlmException error)
        {
            HadErrors = true;
            Console.Error.WriteLine($"autoglm: error: {error.Message} [{error.ErrorId}]");
        }
    }
}
