using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Versions;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Python
{
    /// <summary>
    /// Finds Python interpreters: on PATH, /usr/bin and /usr/local/bin python3.X, pyenv versions, and on Windows
    /// the py launcher's list (py -0p) and the registry (PEP 514). Each candidate is asked once for its
    /// version, venv and ensurepip.
    /// </summary>
    public static class Interpreters
    {
        private static readonly Regex Versioned = new Regex(@"^python3(\.\d+)?$", RegexOptions.CultureInvariant);

        /// <summary>Candidate executables, as argv[0] the host can run (real paths or PATH names), first found first.</summary>
        public static IReadOnlyList<string> Candidates(IHost host)
        {
            var list = new List<string>();
            if (host.Platform == HostPlatform.Windows)
            {
                var py = host.Run(new[] { "py", "-0p" }, TimeSpan.FromSeconds(10));
                if (py.Succeeded) list.AddRange(ParsePyLauncher(py.Stdout).Select(e => e.Path));
                foreach (var hive in new[] { @"HKLM\SOFTWARE\Python\PythonCore", @"HKCU\SOFTWARE\Python\PythonCore", @"HKLM\SOFTWARE\WOW6432Node\Python\PythonCore" })
                {
                    var reg = host.Run(new[] { "reg", "query", hive, "/s" }, TimeSpan.FromSeconds(10));
                    if (reg.Succeeded) list.AddRange(ParseRegistry(reg.Stdout).Select(e => e.Path));
                }
                return list.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            }
            list.AddRange(host.FindTools("python3").Where(t => Versioned.IsMatch(t.Name)).Select(t => t.Path));
            foreach (var dir in new[] { "/usr/bin", "/usr/local/bin" })
                foreach (var name in host.ListDirectory(dir) ?? Array.Empty<string>())
                    if (Versioned.IsMatch(name)) list.Add(host.MapPath(dir + "/" + name));
            var pyenvRoot = host.GetEnvironmentVariable("PYENV_ROOT");
            var home = host.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(pyenvRoot) && !string.IsNullOrEmpty(home)) pyenvRoot = home!.TrimEnd('/') + "/.pyenv";
            if (!string.IsNullOrEmpty(pyenvRoot) && pyenvRoot!.StartsWith("/", StringComparison.Ordinal))
            {
                // Read under the root like every other file, so an isolated root sees only its own pyenv.
                var versions = pyenvRoot.TrimEnd('/') + "/versions";
                foreach (var dir in host.ListDirectory(versions) ?? Array.Empty<string>())
                    if ((host.ListDirectory(versions + "/" + dir + "/bin") ?? Array.Empty<string>()).Contains("python3"))
                        list.Add(host.MapPath(versions + "/" + dir + "/bin/python3"));
            }
            return list.Distinct(StringComparer.Ordinal).ToList();
        }

        /// <summary>Asks every candidate (in parallel) for its version, real executable, venv and ensurepip.</summary>
        public static IReadOnlyList<PythonInterpreter> Discover(IHost host, TimeSpan timeout)
        {
            var candidates = Candidates(host);
            var runs = candidates.Select(c => System.Threading.Tasks.Task.Run(() => host.Run(new[] { c, "-c", LinuxProbes.PythonScript }, timeout))).ToList();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var found = new List<PythonInterpreter>();
            for (int i = 0; i < candidates.Count; i++)
            {
                var result = runs[i].GetAwaiter().GetResult();
                if (!result.Succeeded) continue;
                var interp = new PythonInterpreter { Command = candidates[i] };
                LinuxProbes.ReadProbeOutput(interp, result.Stdout);
                if (interp.Version == null) continue;
                if (!seen.Add(interp.Executable ?? candidates[i])) continue;
                found.Add(interp);
            }
            return found;
        }

        /// <summary>
        /// The interpreter for a venv: within the specifier, preferring the stack's minor version, then one that can
        /// create venvs, then the newest. Null when none satisfies.
        /// </summary>
        public static PythonInterpreter? Choose(IEnumerable<PythonInterpreter> found, Pep440SpecifierSet spec, string? preferredMinor)
        {
            return found
                .Where(i => i.Version != null && Pep440Version.TryParse(i.Version, out var v) && spec.IsSatisfiedBy(v))
                .OrderByDescending(i => preferredMinor != null && Minor(i.Version!) == preferredMinor)
                .ThenByDescending(i => i.HasVenv && i.HasEnsurepip)
                .ThenByDescending(i => Pep440Version.Parse(i.Version!))
                .FirstOrDefault();
        }

        public static string Minor(string version)
        {
            var parts = version.Split('.');
            return parts.Length >= 2 ? parts[0] + "." + parts[1] : version;
        }

        public sealed class Entry
        {
            public Entry(string version, string path) { Version = version; Path = path; }
            public string Version { get; }
            public string Path { get; }
        }

        /// <summary>
        /// `py -0p` output. Current launchers print " -V:3.12 *        C:\Python312\python.exe"; older ones
        /// " -3.11-64 *      C:\...\python.exe". The '*' marks the default.
        /// </summary>
        public static IReadOnlyList<Entry> ParsePyLauncher(string output)
        {
            var list = new List<Entry>();
            var line = new Regex(@"^\s*-(?:V:)?(?<tag>[^\s*]+)\s+(\*\s+)?(?<path>\S.*?)\s*$", RegexOptions.CultureInvariant);
            foreach (var raw in output.Replace("\r", "").Split('\n'))
            {
                var m = line.Match(raw);
                if (!m.Success || !m.Groups["path"].Value.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)) continue;
                var tag = m.Groups["tag"].Value;
                // PEP 514 tags may carry a company ("PythonCore/3.12"); the version is the last part.
                if (tag.Contains("/")) tag = tag.Substring(tag.LastIndexOf('/') + 1);
                var version = Regex.Match(tag, @"^\d+\.\d+").Value;
                if (version.Length > 0) list.Add(new Entry(version, m.Groups["path"].Value));
            }
            return list;
        }

        /// <summary>`reg query HKLM\SOFTWARE\Python\PythonCore /s`: each version's InstallPath key names ExecutablePath (PEP 514).</summary>
        public static IReadOnlyList<Entry> ParseRegistry(string output)
        {
            var list = new List<Entry>();
            string? version = null;
            foreach (var raw in output.Replace("\r", "").Split('\n'))
            {
                var key = Regex.Match(raw, @"^HKEY_[^\\]+\\.*\\PythonCore\\(?<v>[^\\]+)\\InstallPath\s*$", RegexOptions.IgnoreCase);
                if (key.Success) { version = key.Groups["v"].Value; continue; }
                if (raw.StartsWith("HKEY_", StringComparison.OrdinalIgnoreCase)) { version = null; continue; }
                var value = Regex.Match(raw, @"^\s+ExecutablePath\s+REG_SZ\s+(?<p>.+?)\s*$");
                if (value.Success && version != null)
                    list.Add(new Entry(Regex.Match(version, @"^\d+\.\d+").Value, value.Groups["p"].Value));
            }
            return list.Where(e => e.Version.Length > 0).ToList();
        }

        // The last python.org releases of 3.10-3.12 that ship Windows installers (later ones are source-only).
        private static readonly Dictionary<string, string> WindowsInstaller = new Dictionary<string, string>
        {
            ["3.10"] = "3.10.11", ["3.11"] = "3.11.9", ["3.12"] = "3.12.10",
        };

        /// <summary>
        /// Steps that install Python <paramref name="version"/> (minor "3.12", or full "3.13.5" on Windows) the OS's way:
        /// apt python3.X + python3.X-venv (the venv package carries ensurepip), dnf python3.X, the python.org installer.
        /// </summary>
        public static IReadOnlyList<PlanStep> InstallSteps(OsFamily family, string version, Func<StepContext, StepCheck> test)
        {
            var minor = Minor(version);
            switch (family)
            {
                case OsFamily.Debian:
                    return new PlanStep[]
                    {
                        new CommandStep("python.install", "install-packages", $"python{minor} python{minor}-venv",
                            $"Install Python {minor} with venv and ensurepip from the distribution (Debian/Ubuntu split ensurepip into python{minor}-venv).",
                            new[] { new[] { "apt-get", "install", "-y", "--no-install-recommends", $"python{minor}", $"python{minor}-venv" } }, test),
                    };
                case OsFamily.Rhel:
                    return new PlanStep[]
                    {
                        new CommandStep("python.install", "install-packages", $"python{minor}",
                            $"Install Python {minor} from the distribution (AppStream carries venv and ensurepip in the package).",
                            new[] { new[] { "dnf", "install", "-y", $"python{minor}" } }, test),
                    };
                case OsFamily.Windows:
                    var full = version.Count(c => c == '.') >= 2 ? version : WindowsInstaller.TryGetValue(minor, out var f) ? f : null;
                    if (full == null)
                        throw new AutoGlmException("PythonInstallerUnknown", ErrorKind.InvalidArgument,
                            Messages.Format("PythonInstallerUnknown", minor), version);
                    var file = $"python-{full}-amd64.exe";
                    var installer = @"C:\ProgramData\AutoGlm\downloads\" + file; // argv is not expanded: no %TEMP%
                    return new PlanStep[]
                    {
                        new CommandStep("python.install", "install-packages", $"Python {full}",
                            $"Install Python {full} for all users from python.org (the py launcher included).",
                            new[]
                            {
                                new[] { "curl.exe", "-fsSL", "--create-dirs", "-o", installer, $"https://www.python.org/ftp/python/{full}/{file}" },
                                new[] { installer, "/quiet", "InstallAllUsers=1", "PrependPath=0", "Include_launcher=1", "Include_test=0" },
                            }, test),
                    };
                default:
                    throw new AutoGlmException("PythonInstallUnsupported", ErrorKind.NotImplemented,
                        Messages.Format("PythonInstallUnsupported", minor, family), family);
            }
        }

        /// <summary>The Debian/Ubuntu trap: the interpreter is there, but without ensurepip `python -m venv` fails.</summary>
        public static PlanStep VenvPackageStep(string minor, Func<StepContext, StepCheck> test) =>
            new CommandStep("python.venv-package", "install-packages", $"python{minor}-venv",
                $"Install python{minor}-venv: Python {minor} is present but lacks ensurepip, so 'python{minor} -m venv' fails ('ensurepip is not available').",
                new[] { new[] { "apt-get", "install", "-y", "--no-install-recommends", $"python{minor}-venv" } }, test);
    }
}

namespace AutoGlm.Engine.Python
{
    /// <summary>The Python minor versions the matrix knows: those some torch series supports (3.8 ... 3.14).</summary>
    public static class PythonVersions
    {
        public static IReadOnlyList<string> FromMatrix(Matrix.CompatibilityMatrix matrix)
        {
            var specs = matrix.TorchReleases.Select(t => t.Python).Concat(matrix.Profiles.Select(p => p.Requires.Python))
                .Where(s => s.Length > 0).Select(s => Pep440SpecifierSet.TryParse(s, out var set) ? set : null).Where(s => s != null).ToList();
            return Enumerable.Range(8, 10).Select(minor => "3." + minor)
                .Where(v => specs.Any(s => s!.IsSatisfiedBy(Pep440Version.Parse(v))))
                .OrderByDescending(v => Pep440Version.Parse(v)).ToList();
        }
    }
}
