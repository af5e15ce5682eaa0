using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Resolve;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Python
{
    /// <summary>What `autoglm venv lock|sync` and New-AutoGlmLockFile / Sync-AutoGlmPythonEnvironment ask.</summary>
    public sealed class VenvRequest : ProfileRequest
    {
        /// <summary>A facts file (docs/resolve.md) to resolve the stack for, instead of probing the host.</summary>
        public string? FactsFile { get; set; }
        /// <summary>Host path of the installation; the profile's installPath when null. Lock files live here.</summary>
        public string? InstallPath { get; set; }
        /// <summary>Host path of the venv; {InstallPath}/venv when null.</summary>
        public string? VenvPath { get; set; }
        /// <summary>An existing lock to install (a real path) instead of locking the resolved stack.</summary>
        public string? LockFile { get; set; }
        public string? Wheelhouse { get; set; }
        public string? IndexUrl { get; set; }
        /// <summary>The Python to use ("3.11"); must lie in the profile's range.</summary>
        public string? PythonVersion { get; set; }
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Tests: resolve against this matrix instead of loading one.</summary>
        internal CompatibilityMatrix? Matrix { get; set; }
        /// <summary>Only previewed (-WhatIf): an index that cannot be read defers the lock to the apply instead of stopping the plan.</summary>
        public bool Preview { get; set; }
        /// <summary>Tests and callers that already hold a stack.</summary>
        public ResolvedStack? Stack { get; set; }
    }

    /// <summary>Builds the lock and venv plans from a request.</summary>
    public static class VenvService
    {
        public static string InstallPathOf(VenvRequest r, ProfileEntry profile) => (r.InstallPath ?? profile.InstallPath ?? "/opt/autoglm").TrimEnd('/');
        public static string VenvPathOf(VenvRequest r, ProfileEntry profile) => (r.VenvPath ?? InstallPathOf(r, profile) + "/venv").TrimEnd('/');

        /// <summary>Only the lock files: what New-AutoGlmLockFile and `autoglm venv lock` apply.</summary>
        public static ChangePlan LockPlan(ISystemHost system, VenvRequest request, IEngineOutput output)
        {
            CheckPath(request.InstallPath, "install path");
            var (profile, stack, _) = Load(system, request, output);
            var pythonLock = MakeLock(system, request, profile, stack);
            var install = InstallPathOf(request, profile);
            return new ChangePlan("python-lock", $"lock for {profile.Id} in {install}", LockSteps(pythonLock, install), Notes(pythonLock));
        }

        /// <summary>Interpreter (installed when missing), lock files, then the venv built and swapped atomically.</summary>
        public static ChangePlan SyncPlan(ISystemHost system, VenvRequest request, IEngineOutput output) => SyncPlan(system, request, output, out _);

        internal static ChangePlan SyncPlan(ISystemHost system, VenvRequest request, IEngineOutput output, out VenvSyncStep venvStep)
        {
            CheckPath(request.VenvPath, "venv path");
            CheckPath(request.InstallPath, "install path");
            // With a lock file the matrix only gives the profile's id and install path: while the matrix files are
            // as a finished run recorded them, a venv that matches the lock is planned without parsing the matrix.
            // The key is taken before any load, so a file edited during one is not recorded as read.
            var matrixKey = request.LockFile != null && request.Matrix == null ? VenvProfileCache.Key(request.MatrixPaths) : null;
            var known = matrixKey != null ? VenvProfileCache.TryRead(system, matrixKey, request.Profile) : null;
            if (known != null && request.PythonVersion == null)
            {
                PhaseTrace.Mark("venv sync: profile from the matrix cache");
                var converged = ConvergedPlan(system, request, known, MakeLock(system, request, known, new ResolvedStack { Profile = known.Id }), out venvStep);
                if (converged != null) return converged;
            }
            var (profile, stack, matrix) = Load(system, request, output);
            PhaseTrace.Mark("venv sync: matrix loaded");
            var install = InstallPathOf(request, profile);
            var venv = VenvPathOf(request, profile);
            var spec = PythonSpec(request, profile, stack, out var minor);
            PythonLock pythonLock;
            try
            {
                pythonLock = MakeLock(system, request, profile, stack);
            }
            catch (AutoGlmException ex) when (request.Preview && ex.ErrorId == "IndexUnavailable")
            {
                // A preview needs no network: the lock is made from the index when the plan is applied.
                return FullPlan(system, request, output, profile, spec, minor, null, out venvStep, $"lock made from the package index at apply time ({ex.Message})");
            }
            PhaseTrace.Mark("venv sync: lock read");
            var plan = ConvergedPlan(system, request, profile, pythonLock, out venvStep);
            if (plan == null)
            {
                // The venv will be built: a wheelhouse that cannot serve the lock is refused now, before anything changes.
                if (OfflineWheelhouse(request) is string wheelhouse) VenvSyncStep.VerifyWheelhouse(pythonLock, wheelhouse, request.LockFile!);
                plan = FullPlan(system, request, output, profile, spec, minor, pythonLock, out venvStep);
            }
            if (matrix != null && matrixKey is string key && known == null)
                plan.Completed = context => VenvProfileCache.Write(context, key, matrix);
            return plan;
        }

        /// <summary>
        /// A venv that already matches its lock needs no interpreter search (the slow part of a no-op sync): should it
        /// change before apply, it is rebuilt with the interpreter it was made with. Null when the venv does not match.
        /// </summary>
        private static ChangePlan? ConvergedPlan(ISystemHost system, VenvRequest request, ProfileEntry profile, PythonLock pythonLock, out VenvSyncStep venvStep)
        {
            venvStep = null!;
            var install = InstallPathOf(request, profile);
            var venv = VenvPathOf(request, profile);
            var current = VenvProbe.Probe(system, venv, request.CommandTimeout);
            PhaseTrace.Mark("venv sync: venv probed");
            if (!(request.PythonVersion == null && current.Exists && current.Error == null && current.Marker == pythonLock.Sha256
                && VenvDrift.Compare(pythonLock.Expected, current.Packages).Clean && BuiltWith(system, venv) is string builtWith))
                return null;
            var steps = LockSteps(pythonLock, install).ToList();
            var uv = Uv(system);
            venvStep = new VenvSyncStep(venv, builtWith, pythonLock, install + "/" + PythonLock.BaseFileName, install + "/" + PythonLock.OverrideFileName, uv: uv,
                offlineWheelhouse: OfflineWheelhouse(request));
            steps.Add(venvStep);
            var notes = Notes(pythonLock).ToList();
            notes.Add($"{venv} matches the lock; it was built with {builtWith}.");
            notes.Add(InstallerNote(system, uv));
            return new ChangePlan("python-venv", $"venv for {profile.Id} at {venv}", steps, notes);
        }

        /// <summary>The interpreter (found, or installed first), the venv package where Debian lacks it, the lock files and the venv build.</summary>
        /// <param name="pythonLock">Null in a preview whose index could not be read; <paramref name="deferral"/> says so in the lock and venv steps.</param>
        private static ChangePlan FullPlan(ISystemHost system, VenvRequest request, IEngineOutput output, ProfileEntry profile,
            Pep440SpecifierSet spec, string? minor, PythonLock? pythonLock, out VenvSyncStep venvStep, string? deferral = null)
        {
            var install = InstallPathOf(request, profile);
            var venv = VenvPathOf(request, profile);
            var steps = new List<PlanStep>();
            var notes = pythonLock != null ? Notes(pythonLock).ToList() : new List<string> { "The package index could not be read: the " + deferral + "." };
            var found = Interpreters.Discover(system, request.CommandTimeout);
            var chosen = Interpreters.Choose(found, spec, minor);
            string interpreter;
            var family = Family(system, profile, output);
            Func<StepContext, StepCheck> present = ctx => Interpreters.Choose(Interpreters.Discover(ctx.System, ctx.CommandTimeout), spec, minor) is PythonInterpreter i
                ? StepCheck.Satisfied($"Python {i.Version} at {i.Executable ?? i.Command}") : StepCheck.Needed($"no Python {spec} on this host");
            if (chosen == null)
            {
                var target = minor ?? throw new AutoGlmException("PythonNotFound", ErrorKind.NotInstalled,
                    Messages.Format("PythonNotFound", spec, profile.Id), spec.ToString());
                steps.AddRange(Interpreters.InstallSteps(family, request.PythonVersion ?? target, present));
                interpreter = family == OsFamily.Windows ? $@"C:\Program Files\Python{target.Replace(".", "")}\python.exe" : system.MapPath("/usr/bin/python" + target);
                notes.Add($"No interpreter on this host satisfies {spec}: Python {target} is installed first.");
            }
            else
            {
                interpreter = chosen.Executable ?? chosen.Command;
                notes.Add($"Interpreter: Python {chosen.Version} at {interpreter}.");
                if (!chosen.HasVenv || !chosen.HasEnsurepip)
                {
                    var m = Interpreters.Minor(chosen.Version!);
                    if (family != OsFamily.Debian)
                        throw new AutoGlmException("PythonVenvUnavailable", ErrorKind.NotInstalled,
                            Messages.Format("PythonVenvUnavailable", chosen.Version, interpreter, (chosen.HasVenv ? "ensurepip" : "venv")), interpreter);
                    var exe = interpreter;
                    steps.Add(Interpreters.VenvPackageStep(m, ctx =>
                    {
                        var r = ctx.System.Run(new[] { exe, "-c", "import ensurepip, venv" }, ctx.CommandTimeout);
                        return r.Succeeded ? StepCheck.Satisfied($"{exe} has venv and ensurepip") : StepCheck.Needed($"{exe} lacks ensurepip ('ensurepip is not available')");
                    }));
                }
            }
            var uv = Uv(system);
            if (pythonLock == null)
            {
                venvStep = null!;
                steps.Add(new DeferredStep("python.lock", "write-file", install + "/" + PythonLock.BaseFileName,
                    "The hash-locked requirements (exact versions and sha256 hashes), made from the package index.", deferral!));
                steps.Add(new DeferredStep("python.venv", "sync-venv", venv, $"Build the venv from the lock (hash-checked{(uv != null ? " by uv" : "")}) beside {venv} and swap it in.", deferral!));
                notes.Add(InstallerNote(system, uv));
                return new ChangePlan("python-venv", $"venv for {profile.Id} at {venv}", steps, notes);
            }
            steps.AddRange(LockSteps(pythonLock, install));
            var basePip = uv == null && chosen != null && BasePipCanTarget(system, interpreter, request.CommandTimeout);
            venvStep = new VenvSyncStep(venv, interpreter, pythonLock, install + "/" + PythonLock.BaseFileName, install + "/" + PythonLock.OverrideFileName, basePip, uv,
                OfflineWheelhouse(request));
            steps.Add(venvStep);
            notes.Add(InstallerNote(system, uv));
            return new ChangePlan("python-venv", $"venv for {profile.Id} at {venv}", steps, notes);
        }

        /// <summary>The interpreter a venv was made with, from pyvenv.cfg: executable, else home + pythonX.Y or python3.</summary>
        internal static string? BuiltWith(ISystemHost system, string venv)
        {
            var cfg = system.ReadFile(venv + "/pyvenv.cfg");
            if (!cfg.Ok) return null;
            string? home = null, executable = null, version = null;
            foreach (var line in cfg.Text!.Split('\n'))
            {
                int eq = line.IndexOf('=');
                if (eq < 0) continue;
                var key = line.Substring(0, eq).Trim();
                var value = line.Substring(eq + 1).Trim();
                if (key == "executable") executable = value;
                else if (key == "home") home = value;
                else if (key == "version") version = value;
            }
            if (executable != null && File.Exists(executable)) return executable;
            if (home == null) return null;
            if (system.Platform == HostPlatform.Windows) return File.Exists(Path.Combine(home, "python.exe")) ? Path.Combine(home, "python.exe") : null;
            var parts = version?.Split('.');
            var minor = parts != null && parts.Length >= 2 ? "python" + parts[0] + "." + parts[1] : null;
            foreach (var name in new[] { minor, "python3" })
                if (name != null && File.Exists(Path.Combine(home, name))) return Path.Combine(home, name);
            return null;
        }

        /// <summary>Names the variable that chooses the installer: auto (uv when the host has it, else pip), uv or pip.</summary>
        public const string InstallerVariable = "AUTOGLM_INSTALLER";

        /// <summary>
        /// The uv that installs the lock (argv[0], as found on the host's PATH), or null for pip: uv when the host has
        /// it, unless AUTOGLM_INSTALLER=pip (for a uv that misbehaves); AUTOGLM_INSTALLER=uv insists on uv.
        /// </summary>
        public static string? Uv(IHost host)
        {
            var choice = (host.GetEnvironmentVariable(InstallerVariable) ?? "").Trim().ToLowerInvariant();
            if (choice != "" && choice != "auto" && choice != "uv" && choice != "pip")
                throw new AutoGlmException("VenvInstallerInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("VenvInstallerInvalid", InstallerVariable, choice), choice);
            if (choice == "pip") return null;
            var names = host.Platform == HostPlatform.Windows ? new[] { "uv.exe", "uv" } : new[] { "uv" };
            var uv = host.FindTools("uv").FirstOrDefault(t => names.Contains(t.Name, StringComparer.OrdinalIgnoreCase))?.Path;
            if (uv == null && choice == "uv")
                throw new AutoGlmException("VenvInstallerNotFound", ErrorKind.NotInstalled,
                    Messages.Format("VenvInstallerNotFound", InstallerVariable), "uv");
            return uv;
        }

        private static string InstallerNote(IHost host, string? uv) => uv != null
            ? $"Installer: uv at {uv} (uv pip install --require-hashes --no-deps); {InstallerVariable}=pip uses pip instead."
            : "Installer: pip (pip install --require-hashes --no-deps)" + (string.Equals(host.GetEnvironmentVariable(InstallerVariable)?.Trim(), "pip", StringComparison.OrdinalIgnoreCase)
                ? $", as {InstallerVariable}=pip asks." : "; uv is used instead when it is on PATH.");

        /// <summary>pip 22.3 added --python: the base interpreter's pip installs into a venv made without pip.</summary>
        private static bool BasePipCanTarget(ISystemHost system, string interpreter, TimeSpan timeout)
        {
            var r = system.Run(new[] { interpreter, "-m", "pip", "--version" }, timeout);
            var m = System.Text.RegularExpressions.Regex.Match(r.Stdout, @"^pip (\d+)\.(\d+)");
            return r.Succeeded && m.Success && (int.Parse(m.Groups[1].Value) > 22 || (int.Parse(m.Groups[1].Value) == 22 && int.Parse(m.Groups[2].Value) >= 3));
        }

        private static IEnumerable<string> Notes(PythonLock l) =>
            l.Header.Concat(l.Phases.Select(p => $"Phase {p.Name}: {string.Join(", ", p.Packages.Select(x => x.Name + "==" + x.Version))}"));

        private static IEnumerable<PlanStep> LockSteps(PythonLock pythonLock, string install)
        {
            yield return new WriteFileStep("python.lock", "The hash-locked requirements of the base phase (framework and dependencies).",
                new PlannedFile(install + "/" + PythonLock.BaseFileName, pythonLock.BaseText, 0x1A4));
            if (pythonLock.OverrideText != null)
                yield return new WriteFileStep("python.lock-override", "The profile's overrides, installed after the framework.",
                    new PlannedFile(install + "/" + PythonLock.OverrideFileName, pythonLock.OverrideText, 0x1A4));
        }

        private static void CheckPath(string? path, string what)
        {
            if (path == null) return;
            UntrustedInput.HostPath(path, what);
            if (!path.StartsWith("/", StringComparison.Ordinal) || path.Split('/').Contains("..") || path.TrimEnd('/').Length == 0)
                throw new AutoGlmException("VenvPathInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("VenvPathInvalid", what, path), path);
        }

        /// <summary>The profile and stack; the matrix too when it was loaded from its files (for VenvProfileCache).</summary>
        private static (ProfileEntry, ResolvedStack, CompatibilityMatrix?) Load(ISystemHost system, VenvRequest request, IEngineOutput output)
        {
            var loaded = request.Matrix == null ? MatrixLoader.LoadDefault(request.MatrixPaths) : null;
            var matrix = request.Matrix ?? loaded!;
            var profile = matrix.GetProfile(request.Profile);
            if (request.Stack != null) return (profile, request.Stack, loaded);
            if (request.LockFile != null) return (profile, new ResolvedStack { Profile = profile.Id }, loaded);
            var stack = StackService.Resolve(new ResolveRequest
            {
                Profile = profile.Id,
                Root = request.FactsFile == null ? system.Root : null,
                FactsFile = request.FactsFile,
                MatrixPaths = request.MatrixPaths,
                CommandTimeout = request.CommandTimeout,
            }, output);
            return (profile, stack, loaded);
        }

        private static Pep440SpecifierSet PythonSpec(VenvRequest request, ProfileEntry profile, ResolvedStack stack, out string? minor)
        {
            var text = stack.Python?.Specifier is string s && s.Length > 0 ? s : profile.Requires.Python;
            var spec = Pep440SpecifierSet.Parse(text.Length > 0 ? text : ">=3");
            minor = stack.Python?.Version is string v && v.Length > 0 ? v : null;
            if (request.PythonVersion != null)
            {
                if (!Pep440Version.TryParse(request.PythonVersion, out var wanted) || wanted.Release.Count < 2)
                    throw new AutoGlmException("PythonVersionInvalid", ErrorKind.InvalidArgument,
                        Messages.Format("PythonVersionInvalid", request.PythonVersion), request.PythonVersion);
                if (!spec.IsSatisfiedBy(wanted))
                    throw new AutoGlmException("PythonOutsideProfile", ErrorKind.InvalidArgument,
                        Messages.Format("PythonOutsideProfile", request.PythonVersion, profile.Id, spec), request.PythonVersion);
                minor = Interpreters.Minor(request.PythonVersion);
                spec = Pep440SpecifierSet.Parse(spec + ",==" + minor + ".*");
            }
            return spec;
        }

        private static OsFamily Family(ISystemHost system, ProfileEntry profile, IEngineOutput output)
        {
            if (system.Platform == HostPlatform.Windows) return OsFamily.Windows;
            var facts = FactCollector.Collect(new ProbeContext(system, profile), LinuxProbes.All.Where(p => p.FactType == typeof(OsFacts)).ToList(), output);
            return new CheckContext(facts, MatrixLoader.LoadDefault(), profile).Family;
        }

        /// <summary>
        /// A given lock with a wheelhouse installs offline from it, whatever index the lock was made from (an air-gapped
        /// host installing a lock made on a connected one). Null when the lock's own source lines decide.
        /// </summary>
        internal static string? OfflineWheelhouse(VenvRequest request)
        {
            if (request.LockFile == null || request.Wheelhouse == null) return null;
            if (request.IndexUrl != null)
                throw new AutoGlmException("SourceConflict", ErrorKind.InvalidArgument, Messages.Format("SourceConflict"));
            return PackageSource.FromWheelhouse(request.Wheelhouse).Wheelhouse;
        }

        /// <summary>The lock: read from the given file, or made from the stack and the source.</summary>
        public static PythonLock MakeLock(ISystemHost system, VenvRequest request, ProfileEntry profile, ResolvedStack stack)
        {
            if (request.LockFile != null) return ReadLock(request.LockFile);
            PackageSource source;
            if (request.Wheelhouse != null)
            {
                if (request.IndexUrl != null)
                    throw new AutoGlmException("SourceConflict", ErrorKind.InvalidArgument,
                        Messages.Format("SourceConflict"));
                source = PackageSource.FromWheelhouse(request.Wheelhouse);
            }
            else source = PackageSource.Discover(system, request.IndexUrl, stack.IndexUrls.Where(u => u != PackageSource.PyPi));
            var lockRequest = LockRequest.FromStack(stack, source);
            // The markers are evaluated for the Python and the host the venv is built with.
            if (request.PythonVersion != null && Pep440Version.TryParse(request.PythonVersion, out var wanted) && wanted.Release.Count >= 2)
            {
                lockRequest.Python = Interpreters.Minor(request.PythonVersion);
                lockRequest.Environment = MarkerEnvironment.Linux(request.PythonVersion, stack.Architecture ?? "x86_64").WithPlatformRelease(stack.KernelRelease);
            }
            return Locker.Lock(system.Platform == HostPlatform.Windows ? lockRequest.ForWindows() : lockRequest);
        }

        /// <summary>A lock file and, beside it, its override phase (NAME-override.lock) when the base names one.</summary>
        public static PythonLock ReadLock(string path)
        {
            if (!File.Exists(path))
                throw new AutoGlmException("LockFileNotFound", ErrorKind.ObjectNotFound, Messages.Format("LockFileNotFound", path), path);
            var text = File.ReadAllText(path);
            var overridePath = OverridePathFor(path);
            string? overrideText = overridePath != null && text.Contains(Path.GetFileName(overridePath)) && File.Exists(overridePath) ? File.ReadAllText(overridePath) : null;
            return PythonLock.Parse(text, path, overrideText, overridePath);
        }

        public static string? OverridePathFor(string basePath)
        {
            var name = Path.GetFileName(basePath);
            if (name == PythonLock.BaseFileName) return Path.Combine(Path.GetDirectoryName(basePath) ?? "", PythonLock.OverrideFileName);
            return name.EndsWith(".lock", StringComparison.Ordinal) ? Path.Combine(Path.GetDirectoryName(basePath) ?? "", name.Substring(0, name.Length - 5) + "-override.lock") : null;
        }
    }
}
