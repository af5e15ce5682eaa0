using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Platforms;

namespace AutoGlm.Engine.Install
{
    /// <summary>A package at an exact version (or any version when Version is null).</summary>
    public sealed class PackageVersion
    {
        public PackageVersion(string name, string? version) { Name = name; Version = version; }
        public string Name { get; }
        public string? Version { get; }
        public string Spec => Version == null ? Name : Name + "=" + Version;
        public override string ToString() => Spec;
    }

    /// <summary>
    /// apt-get install of exact versions. Downgrades and held packages are allowed on purpose: the step
    /// restores the pinned version when something moved it. Rollback reinstalls what was there before
    /// (and re-holds it), or purges what was not.
    /// </summary>
    public sealed class AptInstallStep : PlanStep
    {
        private readonly AptTool _apt;
        private readonly IReadOnlyList<PackageVersion> _packages;

        public AptInstallStep(string id, string description, AptTool apt, IReadOnlyList<PackageVersion> packages)
            : base(id, "install-packages", string.Join(" ", packages.Select(p => p.Spec)), description)
        {
            _apt = apt;
            _packages = packages;
        }

        public IReadOnlyList<PackageVersion> Packages => _packages;

        private IReadOnlyList<string> InstallArgv(IEnumerable<string> specs) =>
            _apt.AptGet(new[] { "install", "-y", "--no-install-recommends", "--allow-downgrades", "--allow-change-held-packages" }.Concat(specs).ToArray());

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[] { InstallArgv(_packages.Select(p => p.Spec)) };
        public override bool CanRollBack => true;

        public override StepCheck Test(StepContext context)
        {
            var installed = AptTool.Installed(context.System);
            var wrong = new List<string>();
            foreach (var p in _packages)
            {
                if (!installed.TryGetValue(p.Name, out var have)) wrong.Add(p.Name + " is not installed");
                else if (p.Version != null && have.Version != p.Version) wrong.Add($"{p.Name} is {have.Version}, not {p.Version}");
            }
            return wrong.Count == 0
                ? StepCheck.Satisfied(string.Join(", ", _packages.Select(p => p.Spec)) + " installed")
                : StepCheck.Needed(string.Join("; ", wrong));
        }

        public override void Set(StepContext context) => context.Run(Commands[0]);

        public override IDictionary<string, string> Capture(StepContext context)
        {
            var installed = AptTool.Installed(context.System);
            var captured = new Dictionary<string, string>();
            foreach (var p in _packages)
            {
                captured["version:" + p.Name] = installed.TryGetValue(p.Name, out var have) ? have.Version : "";
                if (installed.TryGetValue(p.Name, out have) && have.Held) captured["held:" + p.Name] = "true";
            }
            return captured;
        }

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            var restore = new List<string>();
            var purge = new List<string>();
            foreach (var p in _packages)
            {
                var before = captured.TryGetValue("version:" + p.Name, out var v) ? v : "";
                if (before.Length > 0) restore.Add(p.Name + "=" + before);
                else purge.Add(p.Name);
            }
            if (purge.Count > 0) context.Run(_apt.AptGet(new[] { "purge", "-y", "--allow-change-held-packages" }.Concat(purge).ToArray()));
            if (restore.Count > 0) context.Run(InstallArgv(restore));
            var held = captured.Where(kv => kv.Key.StartsWith("held:", StringComparison.Ordinal)).Select(kv => kv.Key.Substring(5)).ToArray();
            if (held.Length > 0) context.Run(_apt.AptMark(new[] { "hold" }.Concat(held).ToArray()));
        }
    }

    /// <summary>apt-mark hold: apt upgrades and unattended-upgrades leave the packages where they are.</summary>
    public sealed class AptHoldStep : PlanStep
    {
        private readonly AptTool _apt;
        private readonly IReadOnlyList<string> _names;

        public AptHoldStep(string id, string description, AptTool apt, IReadOnlyList<string> names)
            : base(id, "hold-packages", string.Join(" ", names), description)
        {
            _apt = apt;
            _names = names;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[] { _apt.AptMark(new[] { "hold" }.Concat(_names).ToArray()) };
        public override bool CanRollBack => true;

        public override StepCheck Test(StepContext context)
        {
            var installed = AptTool.Installed(context.System);
            var loose = _names.Where(n => !installed.TryGetValue(n, out var p) || !p.Held).ToList();
            return loose.Count == 0 ? StepCheck.Satisfied("held: " + string.Join(", ", _names)) : StepCheck.Needed("not held: " + string.Join(", ", loose));
        }

        public override void Set(StepContext context) => context.Run(Commands[0]);

        public override IDictionary<string, string> Capture(StepContext context)
        {
            var installed = AptTool.Installed(context.System);
            return _names.ToDictionary(n => "held:" + n, n => installed.TryGetValue(n, out var p) && p.Held ? "true" : "false");
        }

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            var installed = AptTool.Installed(context.System);
            var release = _names.Where(n => captured.TryGetValue("held:" + n, out var h) && h == "false" && installed.ContainsKey(n)).ToArray();
            if (release.Length > 0) context.Run(_apt.AptMark(new[] { "unhold" }.Concat(release).ToArray()));
        }
    }

    /// <summary>
    /// NVIDIA's cuda-keyring package, the newest in the repository's own index (never a hard-coded
    /// version): downloaded, checked against the index's SHA-256, installed with dpkg, and its key checked
    /// for expiry, the failure that broke every apt update in 2022 and 2026.
    /// </summary>
    public sealed class KeyringStep : PlanStep
    {
        public const string KeyringPath = "/usr/share/keyrings/cuda-archive-keyring.gpg";
        private readonly AptTool _apt;
        private readonly AptRepository _repo;
        private readonly AptIndexEntry _entry;

        public KeyringStep(AptTool apt, AptRepository repo, AptIndexEntry entry)
            : base("repo.keyring", "install-packages", $"{entry.Package}={entry.Version}",
                $"Install NVIDIA's repository signing key: {entry.Package} {entry.Version}, the newest in the repository's index, downloaded from {AptRepository.Redact(repo.FileUrl(entry))} and checked against the index's SHA-256 {(entry.Sha256.Length > 0 ? entry.Sha256 : "(none given)")}; then the key's expiry is checked.")
        {
            _apt = apt;
            _repo = repo;
            _entry = entry;
        }

        /// <summary>The keyring package in the repository's index (an offline kit carries it).</summary>
        public AptIndexEntry Entry => _entry;

        private string LocalDeb => "/var/lib/autoglm/downloads/" + Path.GetFileName(_entry.Filename);

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[]
        {
            _apt.Dpkg("-i", LocalDeb),
            new[] { "gpg", "--show-keys", "--with-colons", KeyringPath },
        };

        public override bool CanRollBack => true;

        public override StepCheck Test(StepContext context)
        {
            var installed = AptTool.Installed(context.System);
            if (!installed.TryGetValue(_entry.Package, out var have)) return StepCheck.Needed(_entry.Package + " is not installed");
            if (!context.System.ReadFile(KeyringPath).Exists) return StepCheck.Needed(KeyringPath + " is missing");
            var expiry = KeyExpiry(context);
            if (expiry != null) return StepCheck.Needed(expiry);
            return StepCheck.Satisfied($"{_entry.Package} {have.Version} installed, key valid");
        }

        public override void Set(StepContext context)
        {
            byte[] bytes;
            try { bytes = AptRepository.Fetch(_repo.FileUrl(_entry), context.CommandTimeout); }
            catch (Exception ex) when (ex is IOException || ex is System.Net.Http.HttpRequestException || ex is UnauthorizedAccessException)
            {
                throw new StepFailedException(Messages.Format("StepFailed_PackageDownload", AptRepository.Redact(_repo.FileUrl(_entry)), ex.Message));
            }
            var sha = Hashing.Sha256Hex(bytes);
            if (_entry.Sha256.Length > 0 && sha != _entry.Sha256)
                throw new StepFailedException(Messages.Format("StepFailed_PackageHashMismatch", _entry.Filename, sha, _entry.Sha256));
            var local = context.System.MapPath(LocalDeb);
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            File.WriteAllBytes(local, bytes);
            context.Run(_apt.Dpkg("-i", local));
            var expiry = KeyExpiry(context);
            if (expiry != null) throw new StepFailedException(expiry);
        }

        /// <summary>Null when every key in the keyring is valid; otherwise why not.</summary>
        private static string? KeyExpiry(StepContext context)
        {
            var result = context.Run(new[] { "gpg", "--show-keys", "--with-colons", context.System.MapPath(KeyringPath) }, check: false);
            if (result.Status == Hosting.CommandStatus.NotFound) return null; // gpg absent: apt's own gpgv still checks the signature.
            if (!result.Succeeded) return Messages.Format("StepFailed_KeyringUnreadable", KeyringPath, result.Describe());
            foreach (var line in result.Stdout.Split('\n'))
            {
                var f = line.Split(':');
                if (f.Length < 7 || f[0] != "pub") continue;
                if (f[1] == "e" || f[1] == "r")
                    return f[1] == "e" ? Messages.Format("StepFailed_KeyExpired", f[4], KeyringPath) : Messages.Format("StepFailed_KeyRevoked", f[4], KeyringPath);
                if (long.TryParse(f[6], out var epoch) && DateTimeOffset.FromUnixTimeSeconds(epoch) < DateTimeOffset.UtcNow)
                    return Messages.Format("StepFailed_KeyExpiredOn", f[4], KeyringPath, DateTimeOffset.FromUnixTimeSeconds(epoch));
            }
            return null;
        }

        public override IDictionary<string, string> Capture(StepContext context)
        {
            var installed = AptTool.Installed(context.System);
            return new Dictionary<string, string> { ["version"] = installed.TryGetValue(_entry.Package, out var p) ? p.Version : "" };
        }

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            if (captured.TryGetValue("version", out var v) && v.Length == 0)
                context.Run(_apt.Dpkg("--purge", _entry.Package));
        }
    }
}
