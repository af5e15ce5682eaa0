using System;

namespace AutoGlm.ServiceHost
{
    /// <summary>
    /// How long to wait before restarting a child that exited: the initial delay, doubled for each exit in a row,
    /// capped; a child that ran at least ResetAfter counts as having been healthy, so the schedule starts over.
    /// </summary>
    public sealed class RestartBackoff
    {
        private readonly TimeSpan _initial, _max, _resetAfter;
        private int _failures;

        public RestartBackoff(TimeSpan initial, TimeSpan max, TimeSpan resetAfter)
        {
            _initial = initial;
            _max = max < initial ? initial : max;
            _resetAfter = resetAfter;
        }

        /// <summary>Exits in a row without a healthy run in between.</summary>
        public int Failures => _failures;

        public TimeSpan Next(TimeSpan ranFor)
        {
            if (ranFor >= _resetAfter) _failures = 0;
            double factor = Math.Pow(2, Math.Min(_failures, 30));
            _failures++;
            double ms = Math.Min(_max.TotalMilliseconds, _initial.TotalMilliseconds * factor);
            return TimeSpan.FromMilliseconds(ms);
        }
    }
}
