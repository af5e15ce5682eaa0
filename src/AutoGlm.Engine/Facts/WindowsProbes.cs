using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// Windows facts through CIM. One PowerShell run (or the cmdlet's own session) returns every class the
    /// probes need; each probe maps its classes into the same fact model the Linux probes fill, so the
    /// checks read one model on both platforms.
    /// </summary>
    public static class WindowsProbes
    {
        public static IReadOnlyList<Probe> All { get; } = new[]
        {
            Probe.Of("os", ctx => Os(Cim(ctx))),
            Probe.Of("cpu", ctx => Cpu(Cim(ctx))),
            Probe.Of("memory", ctx => Memory(Cim(ctx))),
            Probe.Of("python", LinuxProbes.Python),
            Probe.Of("venv", VenvFacts.Collect),
            Probe.Of("gpu", GpuProbes.Gpu),
            Probe.Of("driver", ctx => Driver(Cim(ctx))),
            Probe.Of("secureboot", ctx => SecureBoot(Cim(ctx))),
            Probe.Of("iommu", ctx => Iommu(Cim(ctx))),
            Probe.Of("firmware", FirmwareProbes.Firmware),
            Probe.Of("runtime", RuntimeProbe.Collect),
        };

        /// <summary>The classes the probes read; the cmdlet collects exactly these from its session.</summary>
        public static readonly IReadOnlyList<(string Class, string? Namespace, string? Filter, string[] Properties)> Classes = new[]
        {
            ("Win32_OperatingSystem", (string?)null, (string?)null, new[] { "Caption", "Version", "BuildNumber", "OSArchitecture", "TotalVisibleMemorySize", "FreePhysicalMemory" }),
            ("Win32_ComputerSystem", null, null, new[] { "Manufacturer", "Model", "TotalPhysicalMemory", "HypervisorPresent" }),
            ("Win32_Processor", null, null, new[] { "Name", "Manufacturer", "NumberOfLogicalProcessors", "VirtualizationFirmwareEnabled", "VMMonitorModeExtensions" }),
            ("Win32_BIOS", null, null, new[] { "Manufacturer", "SMBIOSBIOSVersion", "ReleaseDate" }),
            ("Win32_VideoController", null, null, new[] { "Name", "PNPDeviceID", "DriverVersion", "AdapterRAM", "ConfigManagerErrorCode", "Status" }),
            ("Win32_PnPEntity", null, "PNPDeviceID LIKE 'PCI\\\\VEN_10DE%'", new[] { "Name", "PNPDeviceID", "PNPClass", "CompatibleID", "ConfigManagerErrorCode", "Status" }),
            ("Win32_PnPSignedDriver", null, "DeviceID LIKE 'PCI\\\\VEN_10DE%'", new[] { "DeviceName", "DeviceID", "DriverVersion", "DriverProviderName", "InfName", "IsSigned" }),
            ("Win32_DeviceGuard", "root\\Microsoft\\Windows\\DeviceGuard", null, new[] { "AvailableSecurityProperties", "SecurityServicesRunning", "VirtualizationBasedSecurityStatus" }),
        };

        /// <summary>
        /// The PowerShell the CLI runs (a constant: no user input reaches it). Dates are written as
        /// yyyy-MM-dd so Windows PowerShell 5.1 and PowerShell 7 print the same JSON; Secure Boot comes from
        /// Confirm-SecureBootUEFI (administrators) or the SecureBoot\State registry value (anyone).
        /// </summary>
        public static string CimScript
        {
            get
            {
                var sb = new StringBuilder("$ErrorActionPreference = 'SilentlyContinue'\n$r = [ordered]@{}\n");
                foreach (var (cls, ns, filter, props) in Classes)
                {
                    var select = string.Join(", ", props.Select(p => p == "ReleaseDate"
                        ? "@{n='ReleaseDate';e={if ($_.ReleaseDate) { $_.ReleaseDate.ToString('yyyy-MM-dd') }}}" : p));
                    sb.Append("$r['").Append(cls).Append("'] = @(Get-CimInstance -ClassName ").Append(cls)
                      .Append(ns != null ? " -Namespace '" + ns + "'" : "")
                      .Append(filter != null ? " -Filter \"" + filter + "\"" : "")
                      .Append(" | Select-Object ").Append(select).Append(")\n");
                }
                sb.Append("$s = [ordered]@{ FirmwareType = $env:firmware_type; UEFISecureBootEnabled = (Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecureBoot\\State').UEFISecureBootEnabled; Confirm = $null; ConfirmError = $null }\n");
                sb.Append("try { $s.Confirm = Confirm-SecureBootUEFI -ErrorAction Stop } catch { $s.ConfirmError = $_.Exception.Message }\n");
                sb.Append("$r['SecureBoot'] = @([pscustomobject]$s)\n");
                sb.Append("$r | ConvertTo-Json -Depth 3 -Compress\n");
                return sb.ToString();
            }
        }

        /// <summary>
        /// powershell.exe with the script as -EncodedCommand (UTF-16LE base64): no quoting of the WQL filters
        /// through the Windows command line can go wrong, and the argv is fixed.
        /// </summary>
        public static string[] CimArgv() => new[]
        {
            "powershell.exe", "-NoProfile", "-NonInteractive", "-EncodedCommand",
            Convert.ToBase64String(Encoding.Unicode.GetBytes(CimScript)),
        };

        private const string CimSourceText = "powershell.exe Get-CimInstance (Win32_OperatingSystem, Win32_VideoController, Win32_PnPEntity, ...)";

        /// <summary>The CIM data for this evaluation: what the cmdlet handed over, else one PowerShell run shared by all probes.</summary>
        public static CimData Cim(ProbeContext ctx)
        {
            if (ctx.CimInstances != null) return ctx.CimInstances;
            lock (ctx.CimLock)
            {
                if (ctx.CimInstances != null) return ctx.CimInstances;
                // CIM queries (Win32_PnPSignedDriver above all) take seconds: twice the per-tool timeout.
                var run = ctx.Host.Run(CimArgv(), TimeSpan.FromTicks(ctx.CommandTimeout.Ticks * 2));
                CimData data;
                if (!run.Succeeded) data = CimData.Failed(run.Describe(), CimSourceText);
                else
                {
                    try { data = CimData.Parse(run.Stdout, CimSourceText); }
                    catch (FormatException ex) { data = CimData.Failed("powershell.exe printed no CIM JSON: " + ex.Message, CimSourceText); }
                }
                ctx.CimInstances = data;
                return data;
            }
        }

        private static T From<T>(CimData cim, params string[] classes) where T : FactSet, new()
        {
            var facts = new T();
            facts.Sources.Add(cim.Source + ": " + string.Join(", ", classes));
            if (cim.Error != null) facts.UnknownReason = "CIM could not be queried: " + cim.Error;
            return facts;
        }

        // ------------------------------------------------------------ OS, CPU, memory

        public static OsFacts Os(CimData cim)
        {
            var facts = From<OsFacts>(cim, "Win32_OperatingSystem");
            if (!facts.Known) return facts;
            var os = cim.First("Win32_OperatingSystem");
            var caption = CimData.Str(os, "Caption");
            if (caption == null) { facts.UnknownReason = "Win32_OperatingSystem returned no instance"; return facts; }
            facts.Distro = "windows";
            // The matrix names Windows by release: "2022" for Windows Server 2022, "11" for Windows 11.
            var server = Regex.Match(caption, @"Windows Server (\d{4})");
            var client = Regex.Match(caption, @"Windows (1\d)\b");
            facts.VersionId = server.Success ? server.Groups[1].Value : client.Success ? client.Groups[1].Value : CimData.Str(os, "Version");
            var build = CimData.Str(os, "BuildNumber");
            facts.PrettyName = caption + (build != null ? $" (build {build})" : "");
            var arch = CimData.Str(os, "OSArchitecture") ?? "";
            facts.Architecture = arch.IndexOf("ARM", StringComparison.OrdinalIgnoreCase) >= 0 ? "aarch64" : arch.StartsWith("64", StringComparison.Ordinal) ? "x86_64" : arch.Length > 0 ? "x86" : null;
            return facts;
        }

        private static readonly string[] VirtualModels = { "Virtual Machine", "VMware", "KVM", "HVM domU", "Google Compute Engine", "QEMU", "VirtualBox" };

        public static CpuFacts Cpu(CimData cim)
        {
            var facts = From<CpuFacts>(cim, "Win32_Processor", "Win32_ComputerSystem");
            if (!facts.Known) return facts;
            var cpus = cim.Instances("Win32_Processor");
            facts.LogicalCores = (int)cpus.Sum(p => CimData.Long(p, "NumberOfLogicalProcessors") ?? 0);
            facts.Model = CimData.Str(cpus.FirstOrDefault(), "Name");
            var cs = cim.First("Win32_ComputerSystem");
            var model = (CimData.Str(cs, "Manufacturer") + " " + CimData.Str(cs, "Model")).Trim();
            facts.InVirtualMachine = VirtualModels.Any(v => model.IndexOf(v, StringComparison.OrdinalIgnoreCase) >= 0);
            // With a hypervisor running (Hyper-V, VBS) Windows hides the firmware flag and reports HypervisorPresent instead.
            bool firmwareOn = cpus.Any(p => CimData.Bool(p, "VirtualizationFirmwareEnabled") == true) || CimData.Bool(cs, "HypervisorPresent") == true;
            var vendor = CimData.Str(cpus.FirstOrDefault(), "Manufacturer") ?? "";
            if (firmwareOn) facts.Virtualization = vendor.IndexOf("AMD", StringComparison.OrdinalIgnoreCase) >= 0 ? "AMD-V" : "VT-x";
            if (facts.LogicalCores == 0) facts.UnknownReason = "Win32_Processor lists no logical processors";
            return facts;
        }

        public static MemoryFacts Memory(CimData cim)
        {
            var facts = From<MemoryFacts>(cim, "Win32_ComputerSystem", "Win32_OperatingSystem");
            if (!facts.Known) return facts;
            var os = cim.First("Win32_OperatingSystem");
            facts.TotalBytes = CimData.Long(cim.First("Win32_ComputerSystem"), "TotalPhysicalMemory") ?? (CimData.Long(os, "TotalVisibleMemorySize") ?? 0) * 1024;
            facts.AvailableBytes = (CimData.Long(os, "FreePhysicalMemory") ?? 0) * 1024;
            if (facts.TotalBytes == 0) facts.UnknownReason = "neither Win32_ComputerSystem nor Win32_OperatingSystem reports the memory size";
            return facts;
        }

        // ------------------------------------------------------------ GPUs and driver

        private static readonly string[] GenericNames = { "3D Video Controller", "Video Controller", "Video Controller (VGA Compatible)", "Microsoft Basic Display Adapter" };

        /// <summary>"PCI\VEN_10DE&amp;DEV_27B8&amp;SUBSYS_...": the device id, "0x27b8"; null for another vendor.</summary>
        internal static string? NvidiaDeviceId(string? pnpId)
        {
            var m = Regex.Match(pnpId ?? "", @"^PCI\\VEN_10DE&DEV_([0-9A-Fa-f]{4})", RegexOptions.IgnoreCase);
            return m.Success ? "0x" + m.Groups[1].Value.ToLowerInvariant() : null;
        }

        /// <summary>A PnP device is a GPU when its PCI class is display (CC_03xx) or Windows files it as Display.</summary>
        private static bool IsDisplay(IDictionary<string, object?> pnp) =>
            CimData.List(pnp, "CompatibleID").Any(id => id.StartsWith("PCI\\CC_03", StringComparison.OrdinalIgnoreCase))
            || string.Equals(CimData.Str(pnp, "PNPClass"), "Display", StringComparison.OrdinalIgnoreCase);

        /// <summary>NVIDIA GPUs on PCI as Windows sees them, driver or not (Win32_PnPEntity, then Win32_VideoController).</summary>
        internal static List<(GpuDevice gpu, string pnpId, long errorCode)> NvidiaDevices(CimData cim)
        {
            var list = new List<(GpuDevice, string, long)>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var controllers = cim.Instances("Win32_VideoController");
            IEnumerable<IDictionary<string, object?>> candidates = cim.Instances("Win32_PnPEntity").Where(IsDisplay).Concat(controllers);
            foreach (var bag in candidates)
            {
                var pnp = CimData.Str(bag, "PNPDeviceID");
                var dev = NvidiaDeviceId(pnp);
                if (dev == null || !seen.Add(pnp!)) continue;
                var controller = controllers.FirstOrDefault(v => string.Equals(CimData.Str(v, "PNPDeviceID"), pnp, StringComparison.OrdinalIgnoreCase));
                var name = CimData.Str(controller, "Name") ?? CimData.Str(bag, "Name");
                if (name != null && GenericNames.Contains(name, StringComparer.OrdinalIgnoreCase)) name = null;
                list.Add((new GpuDevice { Index = list.Count, Name = name, PciDeviceId = dev, Source = "pci" }, pnp!, CimData.Long(bag, "ConfigManagerErrorCode") ?? 0));
            }
            return list;
        }

        /// <summary>PCI GPUs for the GPU probe on Windows.</summary>
        internal static bool ReadPci(ProbeContext ctx, GpuFacts facts)
        {
            var cim = Cim(ctx);
            facts.Sources.Add(cim.Source + ": Win32_PnPEntity, Win32_VideoController");
            if (cim.Error != null) return false;
            facts.PciGpus.AddRange(NvidiaDevices(cim).Select(d => d.gpu));
            return true;
        }

        // Device Manager's problem codes (CM_PROB_*) that explain a GPU without a working driver.
        private static string ProblemText(long code) => code switch
        {
            1 => "Code 1: the device is not configured correctly",
            10 => "Code 10: the device cannot start",
            12 => "Code 12: the device cannot find enough free resources (for a GPU: a BAR that did not fit; enable Above 4G Decoding in the BIOS)",
            18 => "Code 18: reinstall the drivers for this device",
            22 => "Code 22: the device is disabled",
            28 => "Code 28: the drivers for this device are not installed",
            31 => "Code 31: the device is not working properly; Windows cannot load its driver",
            43 => "Code 43: Windows stopped the device because it reported problems",
            52 => "Code 52: Windows cannot verify the digital signature of the driver",
            _ => $"Code {code.ToString(CultureInfo.InvariantCulture)}",
        };

        public static DriverFacts Driver(CimData cim)
        {
            var facts = From<DriverFacts>(cim, "Win32_PnPEntity", "Win32_PnPSignedDriver", "Win32_VideoController");
            if (!facts.Known) return facts;
            facts.LoadedModules = new List<string>();
            var devices = NvidiaDevices(cim);
            // Only the GPUs' own drivers: NVIDIA's HD audio and USB-C functions carry other version schemes.
            var gpuIds = new HashSet<string>(devices.Select(d => d.pnpId), StringComparer.OrdinalIgnoreCase);
            // The installed NVIDIA driver: Win32_PnPSignedDriver covers 3D controllers in TCC mode too, which Win32_VideoController lists not.
            var signed = cim.Instances("Win32_PnPSignedDriver")
                .Where(d => gpuIds.Contains(CimData.Str(d, "DeviceID") ?? "") && (CimData.Str(d, "DriverProviderName") ?? "").IndexOf("NVIDIA", StringComparison.OrdinalIgnoreCase) >= 0)
                .Select(d => CimData.Str(d, "DriverVersion"))
                .Concat(cim.Instances("Win32_VideoController").Where(v => NvidiaDeviceId(CimData.Str(v, "PNPDeviceID")) != null).Select(v => CimData.Str(v, "DriverVersion")))
                .FirstOrDefault(v => v != null && WindowsDriverVersion.TryParse(v, out var w) && w.TryToNvidiaVersion(out _));
            if (signed != null)
            {
                var nvidia = WindowsDriverVersion.Parse(signed).ToNvidiaVersion().ToString();
                facts.InstalledVersion = nvidia;
                facts.Sources.Add($"DriverVersion {signed} = NVIDIA {nvidia}");
                // A GPU that works (problem code 0) with an NVIDIA driver has that driver loaded.
                if (devices.Any(d => d.errorCode == 0)) facts.LoadedModuleVersion = nvidia;
            }
            var broken = devices.FirstOrDefault(d => d.errorCode != 0);
            if (broken.pnpId != null) facts.WindowsDeviceProblem = $"{broken.gpu.Name ?? "NVIDIA GPU"} [{broken.gpu.PciDeviceId}] ({broken.pnpId}): {ProblemText(broken.errorCode)}";
            return facts;
        }

        // ------------------------------------------------------------ Secure Boot, IOMMU

        public static SecureBootFacts SecureBoot(CimData cim)
        {
            var facts = From<SecureBootFacts>(cim, "SecureBoot (Confirm-SecureBootUEFI, HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecureBoot\\State)");
            if (!facts.Known) return facts;
            var sb = cim.First("SecureBoot");
            var firmware = CimData.Str(sb, "FirmwareType");
            var confirm = CimData.Bool(sb, "Confirm");
            var registry = CimData.Long(sb, "UEFISecureBootEnabled");
            if (firmware == null && confirm == null && registry == null)
            {
                facts.UnknownReason = "neither the firmware type, Confirm-SecureBootUEFI nor the SecureBoot\\State registry value answered";
                return facts;
            }
            // Confirm-SecureBootUEFI answers only on UEFI; the State key exists only on UEFI systems.
            facts.Uefi = string.Equals(firmware, "UEFI", StringComparison.OrdinalIgnoreCase) || confirm != null || registry != null;
            facts.Enabled = confirm ?? registry == 1;
            return facts;
        }

        public static IommuFacts Iommu(CimData cim)
        {
            var facts = From<IommuFacts>(cim, "Win32_DeviceGuard");
            if (!facts.Known) return facts;
            var dg = cim.First("Win32_DeviceGuard");
            if (dg == null) { facts.UnknownReason = "Win32_DeviceGuard returned no instance (Windows Server 2016 or later has it)"; return facts; }
            // AvailableSecurityProperties: 1 virtualization support, 2 Secure Boot, 3 DMA protection (an IOMMU the OS can use).
            var props = CimData.List(dg, "AvailableSecurityProperties");
            facts.Reported = props.Contains("3");
            var vbs = CimData.Long(dg, "VirtualizationBasedSecurityStatus") switch { 2 => "running", 1 => "enabled, not running", 0 => "off", _ => "unknown" };
            facts.ReportedBy = $"Win32_DeviceGuard AvailableSecurityProperties [{string.Join(",", props)}] ({(facts.Reported == true ? "DMA protection available" : "no DMA protection")}); VBS {vbs}";
            return facts;
        }

        // ------------------------------------------------------------ firmware

        /// <summary>DMI-like identity from Win32_ComputerSystem and Win32_BIOS.</summary>
        internal static void ApplyFirmware(CimData cim, FirmwareFacts facts)
        {
            facts.Sources.Add(cim.Source + ": Win32_BIOS, Win32_ComputerSystem");
            if (cim.Error != null) { facts.UnknownReason = "CIM could not be queried: " + cim.Error; return; }
            var cs = cim.First("Win32_ComputerSystem");
            var bios = cim.First("Win32_BIOS");
            facts.SystemVendor = CimData.Str(cs, "Manufacturer");
            facts.ProductName = CimData.Str(cs, "Model");
            facts.BiosVendor = CimData.Str(bios, "Manufacturer");
            facts.BiosVersion = CimData.Str(bios, "SMBIOSBIOSVersion");
            facts.BiosDate = CimDate(CimData.Str(bios, "ReleaseDate"));
            foreach (var (gpu, _, _) in NvidiaDevices(cim))
                facts.Gpus.Add(new GpuPciResources { PciBusId = "", PciDeviceId = gpu.PciDeviceId });
        }

        /// <summary>A CIM date as yyyy-MM-dd: from our script's own format, DMTF ("20230512000000.000000+000") or JSON "/Date(ms)/".</summary>
        internal static string? CimDate(string? text)
        {
            if (text == null) return null;
            var dmtf = Regex.Match(text, @"^(\d{4})(\d{2})(\d{2})\d{6}\.");
            if (dmtf.Success) return $"{dmtf.Groups[1].Value}-{dmtf.Groups[2].Value}-{dmtf.Groups[3].Value}";
            var ms = Regex.Match(text, @"Date\((-?\d+)\)");
            if (ms.Success) return new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMilliseconds(long.Parse(ms.Groups[1].Value, CultureInfo.InvariantCulture)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            return text;
        }
    }
}
