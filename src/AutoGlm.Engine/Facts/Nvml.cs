using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace AutoGlm.Engine.Facts
{
    /// <summary>What one NVML session reported, or the return code that stopped it.</summary>
    public sealed class NvmlAnswer
    {
        /// <summary>Where the library came from ("libnvidia-ml.so.1", or the explicit path).</summary>
        public string Library { get; set; } = "";
        /// <summary>The nvmlReturn_t that stopped the query (0 = success); -1 = the library could not be loaded or did not answer.</summary>
        public int ReturnCode { get; set; }
        /// <summary>Which call returned <see cref="ReturnCode"/>.</summary>
        public string? FailedCall { get; set; }
        /// <summary>A sentence for people: what the return code means on this host.</summary>
        public string? Error { get; set; }
        public string? DriverVersion { get; set; }
        public int? CudaDriverVersion { get; set; }
        public List<GpuDevice> Gpus { get; } = new List<GpuDevice>();
        public bool Ok => ReturnCode == 0 && Error == null;
    }

    /// <summary>
    /// NVML by P/Invoke. netstandard2.0 has no NativeLibrary, so the library is opened explicitly
    /// (dlopen on Linux, LoadLibrary on Windows) and each entry point bound with
    /// Marshal.GetDelegateForFunctionPointer. A missing entry point is an answer (old driver), not a crash.
    ///
    /// Hangs: NVML runs in this process (an out-of-process helper would need a second executable
    /// shipped beside the module). It runs on its own background thread and the caller waits at most
    /// the probe timeout; a hung call is abandoned (the thread stays blocked, the process still exits)
    /// and reported as "did not answer". A crash inside the driver library cannot be contained this way;
    /// that risk is accepted for the live host only — snapshots and fixture roots never load it.
    /// </summary>
    public static class Nvml
    {
        public const string DefaultLinuxLibrary = "libnvidia-ml.so.1";
        public const string DefaultWindowsLibrary = "nvml.dll";
        /// <summary>Explicit library path; tests point it at a fake libnvidia-ml.</summary>
        public const string LibraryVariable = "AUTOGLM_NVML_LIBRARY";

        // nvmlReturn_t values, from nvml.h.
        public const int Success = 0, Uninitialized = 1, InvalidArgument = 2, NotSupported = 3, NoPermission = 4,
            NotFound = 6, InsufficientSize = 7, InsufficientPower = 8, DriverNotLoaded = 9, Timeout = 10, IrqIssue = 11,
            LibraryNotFound = 12, FunctionNotFound = 13, CorruptedInforom = 14, GpuIsLost = 15, ResetRequired = 16,
            OperatingSystem = 17, LibRmVersionMismatch = 18, InUse = 19, Memory = 20, Unknown = 999;

        /// <summary>The cause a person should read for an NVML return code.</summary>
        public static string Cause(int code) => code switch
        {
            DriverNotLoaded => "the NVIDIA kernel module is not loaded (NVML_ERROR_DRIVER_NOT_LOADED)",
            LibRmVersionMismatch => "Driver/library version mismatch: the loaded kernel module and the user-space libraries are different versions (NVML_ERROR_LIB_RM_VERSION_MISMATCH)",
            LibraryNotFound => "the NVML library could not be found or loaded (NVML_ERROR_LIBRARY_NOT_FOUND)",
            NoPermission => "no permission to talk to the NVIDIA driver (NVML_ERROR_NO_PERMISSION); check /dev/nvidia* permissions or run as root",
            GpuIsLost => "a GPU has fallen off the bus or is otherwise inaccessible (NVML_ERROR_GPU_IS_LOST); see dmesg for Xid 79",
            ResetRequired => "a GPU needs a reset before it can be used again (NVML_ERROR_RESET_REQUIRED)",
            OperatingSystem => "the GPU device is blocked by the operating system or cgroups (NVML_ERROR_OPERATING_SYSTEM)",
            CorruptedInforom => "a GPU's infoROM is corrupted (NVML_ERROR_CORRUPTED_INFOROM)",
            InsufficientPower => "a GPU's external power cables are not properly attached (NVML_ERROR_INSUFFICIENT_POWER)",
            IrqIssue => "the NVIDIA kernel module detected an interrupt problem with a GPU (NVML_ERROR_IRQ_ISSUE)",
            Timeout => "the NVIDIA driver timed out (NVML_ERROR_TIMEOUT)",
            FunctionNotFound => "this NVML lacks a function AutoGlm needs (NVML_ERROR_FUNCTION_NOT_FOUND); the driver is very old",
            Uninitialized => "NVML was not initialized (NVML_ERROR_UNINITIALIZED)",
            Unknown => "NVML reported an unknown internal driver error (NVML_ERROR_UNKNOWN)",
            _ => $"NVML returned error {code}",
        };

        // Init and shutdown are process-wide reference counts: one NVML session at a time.
        private static readonly object Gate = new object();

        /// <summary>Queries NVML on a background thread, waiting at most <paramref name="timeout"/>.</summary>
        public static NvmlAnswer Query(string library, TimeSpan timeout)
        {
            var task = Task.Factory.StartNew(() => QueryNow(library), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                if (task.Wait(timeout)) return task.Result;
            }
            catch (AggregateException ex)
            {
                return new NvmlAnswer { Library = library, ReturnCode = -1, Error = $"NVML failed: {ex.InnerException?.Message ?? ex.Message}" };
            }
            return new NvmlAnswer { Library = library, ReturnCode = -1, Error = $"NVML did not answer within {timeout.TotalSeconds:0.#} s (the driver may be hung)" };
        }

        private static NvmlAnswer QueryNow(string library)
        {
            var answer = new NvmlAnswer { Library = library };
            // A previous session that hung still holds the gate: do not queue behind it.
            if (!Monitor.TryEnter(Gate, TimeSpan.FromSeconds(1)))
            {
                answer.ReturnCode = -1;
                answer.Error = "an earlier NVML call in this process has not returned (the driver may be hung)";
                return answer;
            }
            try
            {
                var lib = NativeLibraryLoader.Open(library, out var loadError);
                if (lib == IntPtr.Zero)
                {
                    answer.ReturnCode = LibraryNotFound;
                    answer.FailedCall = "load";
                    answer.Error = $"{library} could not be loaded ({loadError}); the NVIDIA user-space driver is not installed";
                    return answer;
                }
                // The library stays loaded: unloading a driver library that registered exit handlers can crash later.
                Collect(new Api(lib), answer);
                return answer;
            }
            finally { Monitor.Exit(Gate); }
        }

        private static void Collect(Api api, NvmlAnswer answer)
        {
            var init = api.Bind<Init>("nvmlInit_v2") ?? api.Bind<Init>("nvmlInit");
            if (init == null) { Fail(answer, null, FunctionNotFound, "nvmlInit_v2"); return; }
            int rc = init();
            if (rc != Success) { Fail(answer, api, rc, "nvmlInit_v2"); return; }
            try
            {
                var buffer = new StringBuilder(96);
                var driverVersion = api.Bind<GetString>("nvmlSystemGetDriverVersion");
                if (driverVersion != null && driverVersion(buffer, (uint)buffer.Capacity) == Success) answer.DriverVersion = buffer.ToString();

                var cuda = api.Bind<GetInt>("nvmlSystemGetCudaDriverVersion_v2") ?? api.Bind<GetInt>("nvmlSystemGetCudaDriverVersion");
                if (cuda != null && cuda(out var cudaVersion) == Success && cudaVersion > 0) answer.CudaDriverVersion = cudaVersion;

                var count = api.Bind<GetUInt>("nvmlDeviceGetCount_v2") ?? api.Bind<GetUInt>("nvmlDeviceGetCount");
                if (count == null) { Fail(answer, null, FunctionNotFound, "nvmlDeviceGetCount_v2"); return; }
                rc = count(out var n);
                if (rc != Success) { Fail(answer, api, rc, "nvmlDeviceGetCount_v2"); return; }

                var handleByIndex = api.Bind<GetHandle>("nvmlDeviceGetHandleByIndex_v2") ?? api.Bind<GetHandle>("nvmlDeviceGetHandleByIndex");
                var name = api.Bind<DeviceString>("nvmlDeviceGetName");
                var uuid = api.Bind<DeviceString>("nvmlDeviceGetUUID");
                var pci = api.Bind<DevicePci>("nvmlDeviceGetPciInfo_v3") ?? api.Bind<DevicePci>("nvmlDeviceGetPciInfo_v2");
                var memory = api.Bind<DeviceMemory>("nvmlDeviceGetMemoryInfo");
                var cc = api.Bind<DeviceTwoInts>("nvmlDeviceGetCudaComputeCapability");
                var persistence = api.Bind<DeviceInt>("nvmlDeviceGetPersistenceMode");
                var ecc = api.Bind<DeviceTwoInts>("nvmlDeviceGetEccMode");
                if (handleByIndex == null) { Fail(answer, null, FunctionNotFound, "nvmlDeviceGetHandleByIndex_v2"); return; }

                for (uint i = 0; i < n; i++)
                {
                    rc = handleByIndex(i, out var device);
                    // One lost GPU must not hide the others: record it and go on.
                    if (rc != Success)
                    {
                        answer.Gpus.Add(new GpuDevice { Index = (int)i, Source = "nvml", Name = $"(NVML error {rc}: {Cause(rc)})" });
                        if (answer.ReturnCode == Success) Fail(answer, api, rc, $"nvmlDeviceGetHandleByIndex_v2({i})");
                        continue;
                    }
                    var gpu = new GpuDevice { Index = (int)i, Source = "nvml" };
                    buffer.Clear();
                    if (name != null && name(device, buffer, (uint)buffer.Capacity) == Success) gpu.Name = buffer.ToString();
                    buffer.Clear();
                    if (uuid != null && uuid(device, buffer, (uint)buffer.Capacity) == Success) gpu.Uuid = buffer.ToString();
                    if (pci != null && pci(device, out var info) == Success)
                    {
                        gpu.PciBusId = info.busId;
                        // pciDeviceId is (device id << 16) | vendor id.
                        gpu.PciDeviceId = "0x" + (info.pciDeviceId >> 16).ToString("x4", System.Globalization.CultureInfo.InvariantCulture);
                    }
                    if (memory != null && memory(device, out var mem) == Success) gpu.MemoryMiB = (long)(mem.total / (1024UL * 1024UL));
                    if (cc != null && cc(device, out var major, out var minor) == Success) gpu.ComputeCapability = $"{major}.{minor}";
                    if (persistence != null && persistence(device, out var p) == Success) gpu.PersistenceMode = p == 1;
                    if (ecc != null && ecc(device, out var current, out _) == Success) gpu.EccEnabled = current == 1;
                    answer.Gpus.Add(gpu);
                }
            }
            finally
            {
                api.Bind<Init>("nvmlShutdown")?.Invoke();
            }
        }

        private static void Fail(NvmlAnswer answer, Api? api, int rc, string call)
        {
            answer.ReturnCode = rc;
            answer.FailedCall = call;
            string? text = null;
            var errorString = api?.Bind<ErrorString>("nvmlErrorString");
            if (errorString != null)
            {
                try { text = Marshal.PtrToStringAnsi(errorString(rc)); } catch (Exception) { text = null; }
            }
            answer.Error = $"{call} returned {rc}" + (text != null ? $" (\"{text}\")" : "") + ": " + Cause(rc);
        }

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Ansi)]
        internal struct PciInfo
        {
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 16)] public string busIdLegacy;
            public uint domain;
            public uint bus;
            public uint device;
            public uint pciDeviceId;
            public uint pciSubSystemId;
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 32)] public string busId;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct MemoryInfo
        {
            public ulong total;
            public ulong free;
            public ulong used;
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int Init();
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate IntPtr ErrorString(int code);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl, CharSet = CharSet.Ansi)] private delegate int GetString(StringBuilder text, uint length);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int GetInt(out int value);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int GetUInt(out uint value);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int GetHandle(uint index, out IntPtr device);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl, CharSet = CharSet.Ansi)] private delegate int DeviceString(IntPtr device, StringBuilder text, uint length);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int DevicePci(IntPtr device, out PciInfo info);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int DeviceMemory(IntPtr device, out MemoryInfo info);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int DeviceInt(IntPtr device, out int value);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int DeviceTwoInts(IntPtr device, out int first, out int second);

        private sealed class Api
        {
            private readonly IntPtr _lib;
            public Api(IntPtr lib) { _lib = lib; }

            public T? Bind<T>(string symbol) where T : Delegate
            {
                var fn = NativeLibraryLoader.Symbol(_lib, symbol);
                return fn == IntPtr.Zero ? null : Marshal.GetDelegateForFunctionPointer<T>(fn);
            }
        }
    }

    /// <summary>dlopen/dlsym or LoadLibrary/GetProcAddress: what NativeLibrary does on newer runtimes.</summary>
    internal static class NativeLibraryLoader
    {
        private const int RTLD_NOW = 2;

        private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public static IntPtr Open(string library, out string? error)
        {
            error = null;
            if (IsWindows)
            {
                var h = LoadLibraryW(library);
                if (h == IntPtr.Zero) error = $"LoadLibrary error {Marshal.GetLastWin32Error()}";
                return h;
            }
            // glibc 2.34 moved dlopen into libc; older ones keep it in libdl.so.2. Try both.
            try
            {
                var h = Libdl2.dlopen(library, RTLD_NOW);
                if (h == IntPtr.Zero) error = Marshal.PtrToStringAnsi(Libdl2.dlerror());
                return h;
            }
            catch (DllNotFoundException)
            {
                var h = Libc.dlopen(library, RTLD_NOW);
                if (h == IntPtr.Zero) error = Marshal.PtrToStringAnsi(Libc.dlerror());
                return h;
            }
        }

        public static IntPtr Symbol(IntPtr lib, string name)
        {
            if (IsWindows) return GetProcAddress(lib, name);
            try { return Libdl2.dlsym(lib, name); }
            catch (DllNotFoundException) { return Libc.dlsym(lib, name); }
        }

        private static class Libdl2
        {
            [DllImport("libdl.so.2")] public static extern IntPtr dlopen(string file, int mode);
            [DllImport("libdl.so.2")] public static extern IntPtr dlsym(IntPtr handle, string name);
            [DllImport("libdl.so.2")] public static extern IntPtr dlerror();
        }

        private static class Libc
        {
            [DllImport("libc")] public static extern IntPtr dlopen(string file, int mode);
            [DllImport("libc")] public static extern IntPtr dlsym(IntPtr handle, string name);
            [DllImport("libc")] public static extern IntPtr dlerror();
        }

        [DllImport("kernel32", SetLastError = true, CharSet = CharSet.Unicode)] private static extern IntPtr LoadLibraryW(string path);
        [DllImport("kernel32", CharSet = CharSet.Ansi, ExactSpelling = true)] private static extern IntPtr GetProcAddress(IntPtr module, string name);
    }
}
