using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AutoGlm.ServiceHost
{
    /// <summary>
    /// Windows specifics of starting and ending the child. Every child goes into one Job Object that kills its
    /// processes when the job is closed or terminated: vLLM's workers go with it, also when the host itself dies.
    /// A stop is a console Ctrl-C (uvicorn shuts down on it): a service has no console, so the host attaches to the
    /// child's hidden console for the moment it sends the event.
    /// </summary>
    public sealed class WindowsLauncher : SystemProcessLauncher, IDisposable
    {
        private const uint CtrlCEvent = 0;
        private const int JobObjectExtendedLimitInformation = 9;
        private const uint JobObjectLimitKillOnJobClose = 0x2000;
        private static readonly object ConsoleGate = new object();
        private readonly bool _sharedConsole;
        private IntPtr _job;

        public WindowsLauncher(bool sharedConsole)
        {
            _sharedConsole = sharedConsole;
            _job = CreateJobObject(IntPtr.Zero, null);
            if (_job == IntPtr.Zero) throw new Win32Exception(Marshal.GetLastWin32Error(), "CreateJobObject failed");
            var info = new JOBOBJECT_EXTENDED_LIMIT_INFORMATION();
            info.BasicLimitInformation.LimitFlags = JobObjectLimitKillOnJobClose;
            int size = Marshal.SizeOf(typeof(JOBOBJECT_EXTENDED_LIMIT_INFORMATION));
            if (!SetInformationJobObject(_job, JobObjectExtendedLimitInformation, ref info, (uint)size))
                throw new Win32Exception(Marshal.GetLastWin32Error(), "SetInformationJobObject failed");
        }

        protected override void OnStarted(Process process)
        {
            if (!AssignProcessToJobObject(_job, process.Handle))
            {
                var error = Marshal.GetLastWin32Error();
                process.Kill();
                throw new Win32Exception(error, "AssignProcessToJobObject failed; the child was ended");
            }
        }

        protected override void Interrupt(Process process)
        {
            lock (ConsoleGate)
            {
                if (_sharedConsole)
                {
                    // Console mode: the child is on this console; the host's own Ctrl-C handler only sets the stop flag.
                    GenerateConsoleCtrlEvent(CtrlCEvent, 0);
                    return;
                }
                FreeConsole();
                if (!AttachConsole((uint)process.Id)) return;
                // Ignore the event here; the host has no console of its own to return to afterwards.
                SetConsoleCtrlHandler(IntPtr.Zero, true);
                GenerateConsoleCtrlEvent(CtrlCEvent, 0);
                FreeConsole();
            }
        }

        protected override void KillTree(Process process)
        {
            if (!TerminateJobObject(_job, 1) && !process.HasExited) process.Kill();
        }

        public void Dispose()
        {
            if (_job == IntPtr.Zero) return;
            CloseHandle(_job);
            _job = IntPtr.Zero;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct JOBOBJECT_BASIC_LIMIT_INFORMATION
        {
            public long PerProcessUserTimeLimit;
            public long PerJobUserTimeLimit;
            public uint LimitFlags;
            public UIntPtr MinimumWorkingSetSize;
            public UIntPtr MaximumWorkingSetSize;
            public uint ActiveProcessLimit;
            public UIntPtr Affinity;
            public uint PriorityClass;
            public uint SchedulingClass;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct IO_COUNTERS
        {
            public ulong ReadOperationCount, WriteOperationCount, OtherOperationCount, ReadTransferCount, WriteTransferCount, OtherTransferCount;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct JOBOBJECT_EXTENDED_LIMIT_INFORMATION
        {
            public JOBOBJECT_BASIC_LIMIT_INFORMATION BasicLimitInformation;
            public IO_COUNTERS IoInfo;
            public UIntPtr ProcessMemoryLimit, JobMemoryLimit, PeakProcessMemoryUsed, PeakJobMemoryUsed;
        }

        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern IntPtr CreateJobObject(IntPtr attributes, string? name);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool SetInformationJobObject(IntPtr job, int infoClass, ref JOBOBJECT_EXTENDED_LIMIT_INFORMATION info, uint length);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool AssignProcessToJobObject(IntPtr job, IntPtr process);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool TerminateJobObject(IntPtr job, uint exitCode);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool CloseHandle(IntPtr handle);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool AttachConsole(uint processId);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool FreeConsole();

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool SetConsoleCtrlHandler(IntPtr handler, bool add);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool GenerateConsoleCtrlEvent(uint ctrlEvent, uint processGroupId);
    }
}
