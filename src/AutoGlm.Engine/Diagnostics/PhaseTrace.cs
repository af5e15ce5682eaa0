using System;
using System.Diagnostics;

namespace AutoGlm.Engine.Diagnostics
{
    /// <summary>
    /// AUTOGLM_TRACE=1: prints, on stderr, the milliseconds since the process started at each named phase, to
    /// see where a short command's time goes (docs/perf.md). Off, a mark costs one field read.
    /// </summary>
    public static class PhaseTrace
    {
        private static readonly bool On = Environment.GetEnvironmentVariable("AUTOGLM_TRACE") == "1";
        private static readonly DateTime Start = On ? Process.GetCurrentProcess().StartTime.ToUniversalTime() : default;
        private static double _last;
        // System.Runtime.JitInfo (.NET 6+), by reflection: this assembly targets netstandard2.0.
        private static readonly Type? JitInfo = On ? Type.GetType("System.Runtime.JitInfo") : null;

        public static bool Enabled => On;

        public static void Mark(string phase)
        {
            if (!On) return;
            var now = (DateTime.UtcNow - Start).TotalMilliseconds;
            var methods = JitInfo?.GetMethod("GetCompiledMethodCount")?.Invoke(null, new object[] { false });
            var jit = JitInfo?.GetMethod("GetCompilationTime")?.Invoke(null, new object[] { false }) is TimeSpan t ? t.TotalMilliseconds : 0;
            Console.Error.WriteLine($"trace: {now,7:0.0} ms (+{now - _last,6:0.0}) {phase}  [jit: {methods} methods, {jit:0.0} ms]");
            _last = now;
        }
    }
}
