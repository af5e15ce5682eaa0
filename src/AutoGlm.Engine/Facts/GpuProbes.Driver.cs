using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Facts
{
    /// <summary>The driver, DKMS, Secure Boot and IOMMU probes (the GPU probe is in GpuProbes.cs).</summary>
    public static partial class GpuProbes
    {
        // ---------------------------------------------------------------- driver

        public static DriverFacts Driver(ProbeContext ctx)
        {
            var host = ctx.Host;
            var facts = new DriverFacts();

            var version = host.ReadFile("/proc/driver/nvidia/version");
            if (version.Ok)
            {
                facts.Sources.Add(version.Path);
                ParseProcVersion(version.Text!, out var v, out var flavor);
                facts.LoadedModuleVersion = v;
                facts.Flavor = flavor;
            }
            else
            {
                var sys = host.ReadFile("/sys/module/nvidia/version");
                if (sys.Ok) { facts.LoadedModuleVersion = sys.Text!.Trim(); facts.Sources.Add(sys.Path); }
            }

            var modules = host.ReadFile("/proc/modules");
            if (modules.Ok) { facts.LoadedModules = ParseModuleList(modules.Text!); facts.Sources.Add(modules.Path); }
            else
            {
                var lsmod = ctx.Run("lsmod");
                if (lsmod.Succeeded) { facts.LoadedModules = ParseModuleList(lsmod.Stdout); facts.Sources.Add("lsmod"); }
            }

            facts.NouveauBlacklistedBy = FindNouveauBlacklist(host);

            var kernel = host.ReadFile("/proc/sys/kernel/osrelease");
            var argv = new List<string> { "modinfo" };
            if (host.Root != "/") { argv.Add("-b"); argv.Add(host.MapPath("/")); }
            if (kernel.Ok) { argv.Add("-k"); argv.Add(kernel.Text!.Trim()); }
            argv.Add("nvidia");
            var modinfo = ctx.Run(argv.ToArray());
            facts.Sources.Add(ArgvText.Join(argv));
            if (modinfo.Succeeded) ApplyModinfo(modinfo.Stdout, facts);
            else facts.ModinfoError = modinfo.Describe();
            if (facts.Flavor == null && facts.ModuleLicense != null) facts.Flavor = FlavorFromLicense(facts.ModuleLicense);

            ReadPackages(ctx, facts);
            return facts;
        }

        /// <summary>/proc/driver/nvidia/version: "NVRM version: NVIDIA UNIX [Open ]Kernel Module [for ARCH]  VERSION  ...".</summary>
        internal static void ParseProcVersion(string text, out string? version, out string? flavor)
        {
            version = null;
            flavor = null;
            var m = Regex.Match(text, @"NVRM version:.*?Kernel Module(?: for \S+)?\s+([0-9]+(?:\.[0-9]+)+)");
            if (!m.Success) return;
            version = m.Groups[1].Value;
            flavor = m.Value.IndexOf("Open Kernel Module", StringComparison.Ordinal) >= 0 ? "open" : "proprietary";
        }

        internal static string? FlavorFromLicense(string license) =>
            license == "NVIDIA" ? "proprietary" : license.IndexOf("MIT", StringComparison.Ordinal) >= 0 || license.IndexOf("GPL", StringComparison.Ordinal) >= 0 ? "open" : null;

        /// <summary>Module names from /proc/modules or lsmod (first column; lsmod's header is skipped).</summary>
        internal static List<string> ParseModuleList(string text) =>
            text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)
                .Select(l => l.Split(new[] { ' ', '\t' }, 2)[0]).Where(n => n != "Module").Distinct().ToList();

        internal static void ApplyModinfo(string text, DriverFacts facts)
        {
            foreach (var raw in text.Split('\n'))
            {
                int colon = raw.IndexOf(':');
                if (colon <= 0 || char.IsWhiteSpace(raw[0])) continue;
                var key = raw.Substring(0, colon).Trim();
                var value = raw.Substring(colon + 1).Trim();
                switch (key)
                {
                    case "filename": facts.ModuleFile ??= value; break;
                    case "version": facts.ModuleVersion ??= value; break;
                    case "license": facts.ModuleLicense ??= value; break;
                    case "vermagic": facts.ModuleKernel ??= value.Split(' ')[0]; break;
                    case "signer": facts.ModuleSigner ??= value; break;
                    case "sig_key": facts.ModuleSigKey ??= value; break;
                }
            }
            // modinfo prints sig_id/signer/signature only for signed modules.
            facts.ModuleSigned = facts.ModuleSigner != null || Regex.IsMatch(text, @"^sig_id:", RegexOptions.Multiline);
        }

        private static string? FindNouveauBlacklist(IHost host)
        {
            foreach (var dir in new[] { "/etc/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d", "/run/modprobe.d" })
            {
                foreach (var name in host.ListDirectory(dir) ?? Array.Empty<string>())
                {
                    if (!name.EndsWith(".conf", StringComparison.Ordinal)) continue;
                    var file = host.ReadFile(dir + "/" + name);
                    if (file.Ok && Regex.IsMatch(file.Text!, @"^\s*(blacklist\s+nouveau|install\s+nouveau\s+/bin/(false|true))\s*$", RegexOptions.Multiline))
                        return file.Path;
                }
            }
            var cmdline = host.ReadFile("/proc/cmdline");
            if (cmdline.Ok && Regex.IsMatch(cmdline.Text!, @"(^|\s)(modprobe\.blacklist|rd\.driver\.blacklist)=\S*nouveau"))
                return "/proc/cmdline";
            return null;
        }

        private static void ReadPackages(ProbeContext ctx, DriverFacts facts)
        {
            var host = ctx.Host;
            var status = host.ReadFile("/var/lib/dpkg/status");
            if (status.Ok)
            {
                facts.PackageManager = "apt";
                facts.Sources.Add(status.Path);
                var installed = ParseDpkgStatus(status.Text!);
                foreach (var p in installed.Where(p => NvidiaPackages.IsDriverPackage(p.name)))
                {
                    facts.Packages.Add(p.name + " " + p.version);
                    if (p.held) facts.HeldPackages.Add(p.name);
                }
                facts.InstalledVersion = DriverVersionOf(installed.Where(p => NvidiaPackages.IsDriverPackage(p.name)).Select(p => (p.name, p.version)));
                ApplyAptPins(host, facts, installed);
                ApplyUnattendedUpgrades(host, facts, installed);
                return;
            }
            var rpm = ctx.Run(new[] { "rpm", "-qa", "--queryformat", "%{NAME} %{VERSION}-%{RELEASE}\\n" }.Concat(NvidiaPackages.RpmQueryPatterns).ToArray());
            facts.Sources.Add("rpm -qa " + string.Join(" ", NvidiaPackages.RpmQueryPatterns.Select(p => "'" + p + "'")));
            if (!rpm.Succeeded)
            {
                facts.PackagesUnknownReason = "no dpkg database (/var/lib/dpkg/status) and " + rpm.Describe();
                return;
            }
            facts.PackageManager = "dnf";
            var list = rpm.Stdout.Split('\n').Select(l => l.Trim().Split(' ')).Where(f => f.Length == 2).Select(f => (name: f[0], version: f[1])).ToList();
            facts.Packages.AddRange(list.Select(p => p.name + " " + p.version));
            facts.InstalledVersion = DriverVersionOf(list);
            ApplyDnfPins(host, facts);
        }

        /// <summary>Upstream driver version ("535.104.05") of the best-suited package, epoch and release removed.</summary>
        internal static string? DriverVersionOf(IEnumerable<(string name, string version)> packages)
        {
            var list = packages.ToList();
            foreach (var prefix in NvidiaPackages.VersionCarriers)
            {
                foreach (var (name, version) in list.Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    var m = Regex.Match(version, @"^(?:\d+:)?(\d{3}\.\d+(?:\.\d+)?)");
                    if (m.Success) return m.Groups[1].Value;
                }
            }
            return null;
        }

        /// <summary>Installed packages from /var/lib/dpkg/status: name, version, held ("hold ok installed").</summary>
        internal static List<(string name, string version, bool held)> ParseDpkgStatus(string text)
        {
            var list = new List<(string, string, bool)>();
            foreach (var stanza in Regex.Split(text.Replace("\r", ""), @"\n\s*\n"))
            {
                string? name = null, version = null, state = null;
                foreach (var line in stanza.Split('\n'))
                {
                    if (line.StartsWith("Package:", StringComparison.Ordinal)) name = line.Substring(8).Trim();
                    else if (line.StartsWith("Version:", StringComparison.Ordinal)) version = line.Substring(8).Trim();
                    else if (line.StartsWith("Status:", StringComparison.Ordinal)) state = line.Substring(7).Trim();
                }
                if (name == null || state == null || !state.EndsWith(" installed", StringComparison.Ordinal)) continue;
                list.Add((name, version ?? "", state.StartsWith("hold ", StringComparison.Ordinal)));
            }
            return list;
        }

        private static void ApplyAptPins(IHost host, DriverFacts facts, List<(string name, string version, bool held)> installed)
        {
            // NVIDIA's own mechanism for 590+: nvidia-driver-pinning-<branch> installs an apt preferences pin.
            var pinning = installed.FirstOrDefault(p => NvidiaPackages.IsPinning(p.name));
            if (pinning.name != null)
            {
                facts.PinnedBy = "pinning-package";
                facts.PinnedTo = pinning.name.Substring(NvidiaPackages.PinningPrefix.Length);
                return;
            }
            var files = new List<string>();
            if (host.ReadFile("/etc/apt/preferences").Ok) files.Add("/etc/apt/preferences");
            files.AddRange((host.ListDirectory("/etc/apt/preferences.d") ?? Array.Empty<string>()).Select(n => "/etc/apt/preferences.d/" + n));
            foreach (var path in files)
            {
                var file = host.ReadFile(path);
                if (!file.Ok) continue;
                var pin = ParseAptPreferencesPin(file.Text!);
                if (pin != null)
                {
                    facts.PinnedBy = "apt-preferences";
                    facts.PinnedTo = pin;
                    facts.Sources.Add(path);
                    return;
                }
            }
            var held = installed.FirstOrDefault(p => p.held && NvidiaPackages.IsDriverPackage(p.name));
            if (held.name != null)
            {
                facts.PinnedBy = "apt-hold";
                var v = DriverVersionOf(installed.Where(p => p.held && NvidiaPackages.IsDriverPackage(p.name)).Select(p => (p.name, p.version)));
                facts.PinnedTo = v ?? held.version;
            }
        }

        /// <summary>
        /// The version an apt preferences file holds NVIDIA packages to: a stanza naming nvidia packages with
        /// "Pin: version X" and a priority of 1000 or more (which keeps that version even against newer ones).
        /// Negative priorities only block versions; they pin nothing.
        /// </summary>
        internal static string? ParseAptPreferencesPin(string text)
        {
            foreach (var stanza in Regex.Split(text.Replace("\r", ""), @"\n\s*\n"))
            {
                var package = Regex.Match(stanza, @"^Package:\s*(.+)$", RegexOptions.Multiline);
                var pin = Regex.Match(stanza, @"^Pin:\s*version\s+(\S+)", RegexOptions.Multiline);
                var priority = Regex.Match(stanza, @"^Pin-Priority:\s*(-?\d+)", RegexOptions.Multiline);
                if (!package.Success || !pin.Success || !priority.Success) continue;
                if (package.Groups[1].Value.IndexOf("nvidia", StringComparison.OrdinalIgnoreCase) < 0) continue;
                if (int.Parse(priority.Groups[1].Value, CultureInfo.InvariantCulture) < 1000) continue;
                return pin.Groups[1].Value.TrimEnd('*').TrimEnd('.');
            }
            return null;
        }

        private static void ApplyUnattendedUpgrades(IHost host, DriverFacts facts, List<(string name, string version, bool held)> installed)
        {
            if (!installed.Any(p => p.name == "unattended-upgrades")) { facts.UnattendedUpgradesActive = false; return; }
            var confs = (host.ListDirectory("/etc/apt/apt.conf.d") ?? Array.Empty<string>()).Select(n => "/etc/apt/apt.conf.d/" + n).ToList();
            bool enabled = false;
            foreach (var path in confs)
            {
                var file = host.ReadFile(path);
                if (!file.Ok) continue;
                var text = StripAptComments(file.Text!);
                // APT::Periodic::Unattended-Upgrade "1"; later files override earlier ones.
                var periodic = Regex.Match(text, @"APT::Periodic::Unattended-Upgrade\s+""(\d+)""");
                if (periodic.Success) enabled = periodic.Groups[1].Value != "0";
                var blacklist = Regex.Match(text, @"Unattended-Upgrade::Package-Blacklist\s*\{([^}]*)\}", RegexOptions.Singleline);
                if (blacklist.Success && facts.UnattendedUpgradesExcludedBy == null
                    && Regex.Matches(blacklist.Groups[1].Value, @"""([^""]*)""").Cast<Match>().Any(m => m.Groups[1].Value.IndexOf("nvidia", StringComparison.OrdinalIgnoreCase) >= 0))
                {
                    facts.UnattendedUpgradesExcludedBy = path + " (Package-Blacklist)";
                    facts.Sources.Add(path);
                }
            }
            facts.UnattendedUpgradesActive = enabled;
            // unattended-upgrades never upgrades held packages.
            if (facts.UnattendedUpgradesExcludedBy == null && facts.HeldPackages.Count > 0)
                facts.UnattendedUpgradesExcludedBy = "apt-mark hold (" + string.Join(", ", facts.HeldPackages) + ")";
        }

        private static string StripAptComments(string text) =>
            string.Join("\n", text.Split('\n').Select(l => l.TrimStart().StartsWith("//", StringComparison.Ordinal) || l.TrimStart().StartsWith("#", StringComparison.Ordinal) ? "" : l));

        private static void ApplyDnfPins(IHost host, DriverFacts facts)
        {
            // The versionlock plugin's list (DNF4 and DNF5 paths); '!' lines are excludes, not locks.
            foreach (var path in new[] { "/etc/dnf/plugins/versionlock.list", "/etc/dnf/versionlock.toml" })
            {
                var file = host.ReadFile(path);
                if (!file.Ok) continue;
                foreach (var line in file.Text!.Split('\n').Select(l => l.Trim()))
                {
                    if (line.Length == 0 || line[0] == '#' || line[0] == '!' || line.IndexOf("nvidia", StringComparison.OrdinalIgnoreCase) < 0) continue;
                    var v = Regex.Match(line, @"(\d{3})(?:\.\d+(?:\.\d+)?)?");
                    facts.PinnedBy = "dnf-versionlock";
                    facts.PinnedTo = v.Success ? v.Value : line;
                    facts.Sources.Add(path);
                    return;
                }
            }
            // A module stream with a branch number (535, 535-dkms, 580-open) holds that branch; latest* and open-dkms float.
            var module = host.ReadFile("/etc/dnf/modules.d/nvidia-driver.module");
            if (module.Ok)
            {
                facts.Sources.Add(module.Path);
                var stream = Regex.Match(module.Text!, @"^stream\s*=\s*(\S+)", RegexOptions.Multiline);
                var state = Regex.Match(module.Text!, @"^state\s*=\s*(\S+)", RegexOptions.Multiline);
                var branch = stream.Success ? Regex.Match(stream.Groups[1].Value, @"^(\d{3})") : Match.Empty;
                if (state.Success && state.Groups[1].Value == "enabled" && branch.Success)
                {
                    facts.PinnedBy = "dnf-module";
                    facts.PinnedTo = branch.Groups[1].Value;
                }
            }
        }

        // ---------------------------------------------------------------- DKMS

        public static DkmsFacts Dkms(ProbeContext ctx)
        {
            var facts = new DkmsFacts();
            var kernel = ctx.Host.ReadFile("/proc/sys/kernel/osrelease");
            if (kernel.Ok) { facts.RunningKernel = kernel.Text!.Trim(); facts.Sources.Add(kernel.Path); }
            var run = ctx.Run("dkms", "status");
            facts.Sources.Add("dkms status");
            if (run.Status == CommandStatus.NotFound) return facts;
            if (run.Status != CommandStatus.Completed) { facts.UnknownReason = run.Describe(); return facts; }
            facts.DkmsInstalled = true;
            facts.Entries.AddRange(ParseDkmsStatus(run.Stdout));
            var error = (run.Stdout + "\n" + run.Stderr).Split('\n').FirstOrDefault(l => l.StartsWith("Error!", StringComparison.Ordinal));
            if (error != null || run.ExitCode != 0) facts.DkmsError = error ?? run.Describe();
            return facts;
        }

        /// <summary>
        /// `dkms status`, both formats: dkms 2.x "nvidia, 535.x, KERNEL, ARCH: installed" and 3.x
        /// "nvidia/535.x, KERNEL, ARCH: installed"; "added" lines name no kernel ("nvidia/390.157: added").
        /// </summary>
        internal static List<DkmsEntry> ParseDkmsStatus(string text)
        {
            var list = new List<DkmsEntry>();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                int colon = line.LastIndexOf(": ", StringComparison.Ordinal);
                if (colon < 0 || line.StartsWith("Error!", StringComparison.Ordinal)) continue;
                // "installed (WARNING! ...)" keeps its note; the colon search must not land inside it.
                var m = Regex.Match(line, @"^([^,:/]+)(?:/|,\s*)([^,:]+)(?:,\s*([^,:]+))?(?:,\s*([^,:]+))?:\s*(.+)$");
                if (!m.Success) continue;
                list.Add(new DkmsEntry
                {
                    Module = m.Groups[1].Value.Trim(),
                    Version = m.Groups[2].Value.Trim(),
                    Kernel = m.Groups[3].Success ? m.Groups[3].Value.Trim() : null,
                    Arch = m.Groups[4].Success ? m.Groups[4].Value.Trim() : null,
                    State = m.Groups[5].Value.Trim(),
                });
            }
            return list;
        }

        // ---------------------------------------------------------------- Secure Boot

        /// <summary>Secure Boot through the one shared reader (<see cref="SecureBootState"/>), which the driver planner asks too.</summary>
        public static SecureBootFacts SecureBoot(ProbeContext ctx) => SecureBootState.Read(ctx.Host, ctx.CommandTimeout);

        /// <summary>mokutil --sb-state: "SecureBoot enabled|disabled" on stdout (exit 0); exit 255 / 1 when not supported.</summary>
        internal static void ApplyMokutil(CommandResult mok, SecureBootFacts facts)
        {
            if (mok.Status != CommandStatus.Completed)
            {
                facts.UnknownReason = $"the EFI SecureBoot variable could not be read and {mok.Describe()}";
                return;
            }
            var text = mok.Stdout + "\n" + mok.Stderr;
            if (Regex.IsMatch(text, @"SecureBoot enabled")) facts.Enabled = true;
            else if (Regex.IsMatch(text, @"SecureBoot disabled")) facts.Enabled = false;
            else if (text.IndexOf("doesn't support Secure Boot", StringComparison.Ordinal) >= 0 || text.IndexOf("EFI variables are not supported", StringComparison.Ordinal) >= 0)
            { facts.Enabled = false; facts.Uefi = text.IndexOf("EFI variables are not supported", StringComparison.Ordinal) < 0 && facts.Uefi; }
            else { facts.UnknownReason = "mokutil --sb-state gave no state: " + mok.Describe(); return; }
            facts.SetupMode = text.IndexOf("Setup Mode", StringComparison.Ordinal) >= 0;
            facts.ShimValidationDisabled = text.IndexOf("validation is disabled in shim", StringComparison.Ordinal) >= 0;
        }

        // ---------------------------------------------------------------- IOMMU

        public static IommuFacts Iommu(ProbeContext ctx)
        {
            var host = ctx.Host;
            var facts = new IommuFacts();
            var units = host.ListDirectory("/sys/class/iommu");
            if (units != null) facts.Units.AddRange(units);
            facts.Sources.Add("/sys/class/iommu");
            var groups = host.ListDirectory("/sys/kernel/iommu_groups");
            facts.Groups = groups?.Count ?? 0;
            facts.Sources.Add("/sys/kernel/iommu_groups");
            // The ACPI tables are root-only to read, but their names are listable.
            var tables = host.ListDirectory("/sys/firmware/acpi/tables");
            if (tables != null) facts.AcpiTable = tables.FirstOrDefault(t => t == "DMAR" || t == "IVRS");
            var cmdline = host.ReadFile("/proc/cmdline");
            if (cmdline.Ok)
            {
                facts.CommandLine = cmdline.Text!.Trim();
                facts.Sources.Add(cmdline.Path);
                facts.CommandLineFlags.AddRange(facts.CommandLine.Split(' ').Where(a => Regex.IsMatch(a, @"^(intel_iommu|amd_iommu|iommu)=")));
            }
            if (units == null && groups == null && !cmdline.Ok) facts.UnknownReason = "neither /sys/class/iommu, /sys/kernel/iommu_groups nor /proc/cmdline could be read";
            return facts;
        }
    }
}
