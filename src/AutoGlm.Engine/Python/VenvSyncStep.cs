using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Python
{
    /// <summary>
    /// Makes the venv at <see cref="Venv"/> hold exactly the lock, atomically: a new venv is built in a sibling
    /// folder, installed with --require-hashes --no-deps (base phase, then overrides), verified against the lock
    /// through importlib.metadata, then swapped in (old → backup, new → venv, backup removed). Until the swap the
    /// old venv is not touched; a failure inside the swap puts it back. A venv whose recorded lock hash and
    /// installed set match is left alone.
    /// </summary>
    public sealed class VenvSyncStep : PlanStep
    {
        private readonly string _interpreter;
        private readonly PythonLock _lock;
        private readonly string _baseLock;
        private readonly string? _overrideLock;

        /// <param name="venv">Host path of the venv.</param>
        /// <param name="interpreter">The base interpreter, as argv[0] (a real path).</param>
        /// <param name="baseLock">Host path of the base lock file (written by an earlier step).</param>
        /// <param name="basePip">The base interpreter's pip can install into another environment (pip ≥ 22.3, --python):
        /// the venv is then made --without-pip, which saves the ensurepip run (seconds) on every build.</param>
        /// <param name="uv">The host's uv (argv[0]); when given, uv installs the lock instead of pip (VenvService.Installer).</param>
        /// <param name="offlineWheelhouse">A real directory: install offline from it (--no-index --find-links), whatever source the lock names.</param>
        public VenvSyncStep(string venv, string interpreter, PythonLock pythonLock, string baseLock, string? overrideLock, bool basePip = false, string? uv = null,
            string? offlineWheelhouse = null)
            : base("python.venv", "sync-venv", venv, $"Build the venv from the lock ({pythonLock.Expected.Count} distributions, hash-checked{(uv != null ? " by uv" : "")}" +
                $"{(offlineWheelhouse != null ? ", offline from " + offlineWheelhouse : "")}) beside {venv} and swap it in.")
        {
            _wheelhouse = offlineWheelhouse;
            Venv = venv;
            _interpreter = interpreter;
            _lock = pythonLock;
            _baseLock = baseLock;
            _overrideLock = pythonLock.Override != null ? overrideLock : null;
            _basePip = basePip;
            _uv = uv;
        }

        private readonly bool _basePip;
        private readonly string? _uv;
        private readonly string? _wheelhouse;

        // pip and uv both let command-line --no-index win over a lock's --index-url / --extra-index-url lines.
        private IEnumerable<string> Offline => _wheelhouse != null ? new[] { "--no-index", "--find-links", _wheelhouse } : Array.Empty<string>();

        public string Venv { get; }
        public string NewPath => Venv.TrimEnd('/') + ".autoglm-new";
        public string BackupPath => Venv.TrimEnd('/') + ".autoglm-old";

        /// <summary>Called at each stage of Set ("created", "installed", "verified", "moved-aside"); tests throw from it to stop a run as a kill would.</summary>
        internal Action<string>? Stage { get; set; }

        private static bool Windows => Path.DirectorySeparatorChar == '\\';
        private static string VenvPython(string realVenv) => Windows ? Path.Combine(realVenv, "Scripts", "python.exe") : Path.Combine(realVenv, "bin", "python");

        private IReadOnlyList<string> Pip(string realNew, string lockPath)
        {
            if (_uv != null)
            {
                // uv reads the lock's --index-url/--extra-index-url/--find-links/--no-index/--only-binary lines as pip
                // does, but by default takes a package only from the first index that has it; the lock was made from
                // all of them, as pip sees them, so with an extra index uv is asked to do the same (the hashes pin the files).
                // Both phases come from one source (Locker), so either phase's options tell; lockPath may be the mapped path.
                var options = _lock.Base.Options.Concat(_lock.Override?.Options ?? Array.Empty<string>());
                var strategy = options.Any(o => o.StartsWith("--extra-index-url", StringComparison.Ordinal))
                    ? new[] { "--index-strategy", "unsafe-best-match" } : Array.Empty<string>();
                return new[] { _uv, "pip", "install", "--python", VenvPython(realNew), "--require-hashes", "--no-deps" }
                    .Concat(strategy).Concat(Offline).Concat(new[] { "-r", lockPath }).ToList();
            }
            return (_basePip ? new[] { _interpreter, "-m", "pip", "--python", VenvPython(realNew) } : new[] { VenvPython(realNew), "-m", "pip" })
                .Concat(new[] { "install", "--disable-pip-version-check", "--no-input", "--require-hashes", "--no-deps" }).Concat(Offline).Concat(new[] { "-r", lockPath }).ToList();
        }

        // pip is not needed in the venv when the base interpreter's pip or uv installs into it.
        private IReadOnlyList<string> CreateVenv(string path) =>
            _basePip || _uv != null ? new[] { _interpreter, "-m", "venv", "--without-pip", path } : new[] { _interpreter, "-m", "venv", path };

        public override IReadOnlyList<IReadOnlyList<string>> Commands
        {
            get
            {
                // Shown as the host will run them; the real paths are the venv's under the root.
                var list = new List<IReadOnlyList<string>> { CreateVenv(NewPath), PipShown(_baseLock) };
                if (_overrideLock != null) list.Add(PipShown(_overrideLock));
                list.Add(new[] { VenvPython(NewPath), "-c", "<importlib.metadata: installed set against the lock>" });
                return list;
            }
        }

        private IReadOnlyList<string> PipShown(string lockPath) => Pip(NewPath, lockPath);

        public override StepCheck Test(StepContext context)
        {
            var state = VenvProbe.Probe(context.System, Venv, context.CommandTimeout);
            if (!state.Exists) return StepCheck.Needed($"no venv at {Venv}");
            if (state.Error != null) return StepCheck.Needed($"the venv's python does not answer: {state.Error}");
            if (state.Marker != _lock.Sha256) return StepCheck.Needed(state.Marker == null ? "the venv was not built from a lock" : "the lock changed since the venv was built");
            var drift = VenvDrift.Compare(_lock.Expected, state.Packages);
            return drift.Clean ? StepCheck.Satisfied($"{Venv} matches the lock ({state.Packages.Count} distributions)") : StepCheck.Needed("the venv drifted from the lock: " + drift.Summary());
        }

        public override void Set(StepContext context)
        {
            var system = context.System;
            var real = system.MapPath(Venv);
            var fresh = system.MapPath(NewPath);
            var backup = system.MapPath(BackupPath);
            Recover(real, backup, fresh, context);
            CheckWheelhouse(system);
            VenvState state;
            Directory.CreateDirectory(Path.GetDirectoryName(real)!);
            try
            {
                context.Run(CreateVenv(fresh));
                Stage?.Invoke("created");
                foreach (var lockPath in new[] { _baseLock, _overrideLock }.Where(p => p != null))
                {
                    var result = context.Run(Pip(fresh, system.MapPath(lockPath!)), check: false);
                    if (!result.Succeeded) throw new StepFailedException(_uv != null ? UvFailure(result, lockPath!) : PipFailure(result, lockPath!));
                }
                Stage?.Invoke("installed");
                state = new VenvState { Exists = true };
                var probe = context.Run(new[] { VenvPython(fresh), "-c", VenvProbe.Script });
                VenvProbe.Read(probe.Stdout, state);
                var drift = VenvDrift.Compare(_lock.Expected, state.Packages);
                if (!drift.Clean) throw new StepFailedException(Messages.Format("StepFailed_VenvDrift", drift.Summary(), Venv));
                Relocate(fresh, real);
                File.WriteAllText(Path.Combine(fresh, VenvProbe.MarkerFile), _lock.Sha256 + "\n");
                Stage?.Invoke("verified");
            }
            catch (Exception ex) when (ex is StepFailedException || ex is IOException || ex is UnauthorizedAccessException || ex is AutoGlmException)
            {
                // A failed build leaves nothing behind; the old venv was never touched.
                TryDelete(fresh, context);
                throw;
            }
            bool hadOld = Directory.Exists(real);
            if (hadOld) Directory.Move(real, backup);
            try
            {
                Stage?.Invoke("moved-aside");
                Directory.Move(fresh, real);
            }
            catch (Exception ex) when (hadOld && (ex is IOException || ex is UnauthorizedAccessException))
            {
                if (!Directory.Exists(real)) Directory.Move(backup, real);
                throw;
            }
            TryDelete(backup, context);
            WriteStamp(context, state);
        }

        /// <summary>Lets the next sync or drift check see this venv unchanged without starting Python (VenvStamp).</summary>
        private void WriteStamp(StepContext context, VenvState state)
        {
            try
            {
                VenvStamp.Write(context.System, Venv, state);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                context.Output.Warning(Messages.Format("Warning_VenvStampNotRecorded", ex.Message));
            }
        }

        /// <summary>An interrupted earlier run: put a venv that was moved aside back, drop half-built ones.</summary>
        private static void Recover(string real, string backup, string fresh, StepContext context)
        {
            if (!Directory.Exists(real) && Directory.Exists(backup))
            {
                context.Output.Warning(Messages.Format("Warning_VenvSwapInterrupted", backup));
                Directory.Move(backup, real);
            }
            if (Directory.Exists(backup)) TryDelete(backup, context);
            if (Directory.Exists(fresh)) TryDelete(fresh, context);
        }

        /// <summary>
        /// Before building: every wheelhouse file of a locked version must have a locked hash, so a replaced or
        /// corrupted file is named here rather than deep in pip's output.
        /// </summary>
        private void CheckWheelhouse(Plan.ISystemHost system)
        {
            if (_wheelhouse != null)
            {
                VerifyWheelhouse(_lock, _wheelhouse, _baseLock);
                return;
            }
            foreach (var phase in _lock.Phases)
            {
                var dir = phase.FindLinks;
                if (dir == null || !Directory.Exists(dir)) continue;
                var files = Directory.GetFiles(dir, "*.whl").Select(p => WheelFile.TryParse(Path.GetFileName(p), p)).Where(w => w != null).ToLookup(w => w!.Name);
                foreach (var p in phase.Packages)
                    foreach (var file in files[p.Name].Where(f => f!.Version.ToString() == Versions.Pep440Version.Parse(p.Version).ToString()))
                    {
                        var sha = WheelReader.Sha256(file!.Location);
                        if (!p.Hashes.Contains(sha))
                            throw new StepFailedException(Messages.Format("StepFailed_WheelHashMismatch", file.Location, sha, string.Join(" or ", p.Hashes), p.Name, p.Version));
                    }
            }
        }

        /// <summary>
        /// A lock installed offline from a wheelhouse: every locked distribution needs a wheel there whose sha256 the lock
        /// allows. Checked before anything changes, so a missing or replaced wheel is named here rather than in pip's output.
        /// </summary>
        public static void VerifyWheelhouse(PythonLock pythonLock, string wheelhouse, string lockPath)
        {
            var wheels = Directory.GetFiles(wheelhouse, "*.whl").Select(p => WheelFile.TryParse(Path.GetFileName(p), p)).Where(w => w != null).ToLookup(w => w!.Name);
            foreach (var p in pythonLock.Phases.SelectMany(phase => phase.Packages))
            {
                // The exact version: 2.9.1+cu128 and 2.9.1+cpu are different files.
                var version = Pep440Version.Parse(p.Version).ToString();
                var files = wheels[p.Name].Where(f => f!.Version.ToString() == version).ToList();
                if (files.Count == 0)
                    throw new AutoGlmException("WheelhouseIncomplete", ErrorKind.ObjectNotFound,
                        Messages.Format("WheelhouseMissingPackage", wheelhouse, p.Name, p.Version, lockPath), p.Name + "==" + p.Version);
                if (files.Any(f => p.Hashes.Contains(WheelReader.Sha256(f!.Location)))) continue;
                var file = files[0]!;
                throw new AutoGlmException("WheelhouseHashMismatch", ErrorKind.InvalidData,
                    Messages.Format("WheelhouseHashMismatch", wheelhouse, file.FileName, p.Name, p.Version, WheelReader.Sha256(file.Location), lockPath, string.Join(" or ", p.Hashes)),
                    p.Name + "==" + p.Version);
            }
        }

        private static string PipFailure(Hosting.CommandResult result, string lockPath)
        {
            var text = result.Stderr + "\n" + result.Stdout;
            var lines = text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
            if (text.Contains("DO NOT MATCH THE HASHES"))
            {
                var detail = lines.Where(l => l.Contains("Expected sha256") || l.Contains("Got ") || l.Contains("from ")).Take(6);
                return Messages.Format("StepFailed_PipHashMismatch", lockPath, string.Join(" ", detail.Select(l => l.Trim())));
            }
            return Messages.Format("StepFailed_PipInstall", lockPath, result.Describe(), string.Join("\n", lines.Skip(Math.Max(0, lines.Count - 8))));
        }

        /// <summary>
        /// uv reports a refused file as "Hash mismatch for `name==version`" followed by "Expected:" and "Computed:"
        /// lines with the hashes; the same clear error as pip's, naming the lock.
        /// </summary>
        internal static string UvFailure(Hosting.CommandResult result, string lockPath)
        {
            var text = result.Stderr + "\n" + result.Stdout;
            var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            int at = lines.FindIndex(l => l.Contains("Hash mismatch for"));
            if (at >= 0)
            {
                var detail = lines.Skip(at).TakeWhile(l => !l.StartsWith("help:", StringComparison.Ordinal)).Take(8)
                    .Select(l => l.TrimStart('╰', '─', '▶', '×', ' '));
                return Messages.Format("StepFailed_UvHashMismatch", lockPath, string.Join(" ", detail));
            }
            return Messages.Format("StepFailed_UvInstall", lockPath, result.Describe(), string.Join("\n", lines.Skip(Math.Max(0, lines.Count - 8))));
        }

        /// <summary>
        /// A venv's scripts name its own path (shebangs, activate's VIRTUAL_ENV, pyvenv.cfg's command): built at the
        /// temporary path, they are rewritten to the final one before the swap.
        /// </summary>
        private static void Relocate(string fresh, string real)
        {
            var from = Encoding.UTF8.GetBytes(fresh);
            var to = Encoding.UTF8.GetBytes(real);
            var files = new List<string> { Path.Combine(fresh, "pyvenv.cfg") };
            var bin = Path.Combine(fresh, Windows ? "Scripts" : "bin");
            if (Directory.Exists(bin)) files.AddRange(Directory.GetFiles(bin));
            foreach (var file in files)
            {
                var info = new FileInfo(file);
                if (!info.Exists || info.Attributes.HasFlag(FileAttributes.ReparsePoint) || info.Length > 1 << 20) continue;
                var bytes = File.ReadAllBytes(file);
                if (Array.IndexOf(bytes, (byte)0) >= 0) continue; // binaries (the interpreter, .exe launchers) stay
                var replaced = Replace(bytes, from, to);
                if (replaced != null) File.WriteAllBytes(file, replaced);
            }
        }

        private static byte[]? Replace(byte[] data, byte[] from, byte[] to)
        {
            var output = new List<byte>(data.Length);
            bool any = false;
            for (int i = 0; i < data.Length;)
            {
                if (data[i] == from[0] && i + from.Length <= data.Length && data.Skip(i).Take(from.Length).SequenceEqual(from)) { output.AddRange(to); i += from.Length; any = true; }
                else output.Add(data[i++]);
            }
            return any ? output.ToArray() : null;
        }

        private static void TryDelete(string directory, StepContext context)
        {
            try
            {
                if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                context.Output.Warning(Messages.Format("Warning_VenvNotRemoved", directory, ex.Message));
            }
        }
    }
}
