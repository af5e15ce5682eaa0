using System.Runtime.InteropServices;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Plan
{
    /// <summary>Applying a plan to the machine itself needs root; an isolated root only needs write access to it.</summary>
    public static class Privileges
    {
        [DllImport("libc", EntryPoint = "geteuid")]
        private static extern uint GetEuid();

        public static void EnsureAdministrator(ISystemHost system, string command)
        {
            if (system.Root != "/" || RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
            if (GetEuid() != 0)
                throw new AutoGlmException("NotAdministrator", ErrorKind.PermissionDenied,
                    Messages.Format("NotAdministrator", command), command);
        }
    }
}
