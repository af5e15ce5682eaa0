using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Services
{
    /// <summary>
    /// The Windows service for a model server. `sc.exe` cannot run python.exe as a service (it never answers the
    /// service control manager: error 1053), so the service is AutoGlm.ServiceHost.exe, shipped in the module folder
    /// beside AutoGlm.dll (src/AutoGlm.ServiceHost): it starts the server from a JSON definition with its secrets
    /// file, restarts it with backoff, stops it with Ctrl-C and then its whole process tree (a Job Object), and
    /// writes rotated log files. The plan installs that host under Program Files, where only administrators can
    /// change what a service account runs, and points the service at it.
    /// </summary>
    public static class WindowsServicePlan
    {
        public const string HostExecutable = @"C:\Program Files\AutoGlm\AutoGlm.ServiceHost.exe";
        public const string DataDirectory = @"C:\ProgramData\AutoGlm";
        public const string DefaultInstallPath = @"C:\AutoGlm";
        /// <summary>Log rotation the host applies: a new file past this size, this many old ones kept.</summary>
        public const int LogMaxMegabytes = 10, LogFilesKept = 5;

        private static readonly Regex WindowsPath = new Regex(@"^[A-Za-z]:\\[^""%<>|?*\r\n\t]*$", RegexOptions.CultureInvariant);

        public const string HostFileName = "AutoGlm.ServiceHost.exe";

        /// <summary>Where the module keeps the service host: beside the engine's assembly (the module's bin folder).</summary>
        public static string ShippedHost => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(typeof(WindowsServicePlan).Assembly.Location) ?? ".", HostFileName);

        public static ChangePlan Register(ServiceRequest request, Plan.ISystemHost system, CompatibilityMatrix matrix) =>
            Register(request, matrix, File.Exists, ShippedHost);

        /// <param name="fileExists">How to look for the venv's interpreter and the shipped service host (File.Exists on the host itself).</param>
        /// <param name="shippedHost">The module's AutoGlm.ServiceHost.exe, copied to <see cref="HostExecutable"/> on apply.</param>
        public static ChangePlan Register(ServiceRequest request, CompatibilityMatrix matrix, Func<string, bool> fileExists, string shippedHost)
        {
            var profile = matrix.GetProfile(request.Profile);
            var launch = ServiceInput.Launch(profile);
            var name = ServiceInput.Name(request.Name ?? ServiceInput.DefaultName(profile.Id));
            var install = Path(request.InstallPath ?? (profile.InstallPath != null && !profile.InstallPath.StartsWith("/", StringComparison.Ordinal) ? profile.InstallPath : DefaultInstallPath), "install path");
            var venv = Path(request.VenvPath ?? install + @"\venv", "venv path");
            ServiceInput.Environment(request.Environment);
            int port = profile.Port!.Value;
            var notes = new List<string>();
            if (request.Port != null)
            {
                if (ServiceInput.Port(request.Port, out var auto) is int asked) port = asked;
                else if (auto) notes.Add($"-Port Auto is not supported on Windows yet (no port-holder probe there); the plan uses port {port}.");
            }
            if (request.User != null) notes.Add($"-User is ignored on Windows: the service runs as its own virtual account NT SERVICE\\{name}.");
            var python = venv + @"\Scripts\python.exe";
            if (!fileExists(python))
                throw new AutoGlmException("ServiceVenvNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("ServiceVenvNotFound_Windows", venv), venv);
            if (!request.WhatIf && !fileExists(shippedHost))
                throw new AutoGlmException("ServiceHostMissing", ErrorKind.ObjectNotFound,
                    Messages.Format("ServiceHostMissing", shippedHost), shippedHost);

            var account = @"NT SERVICE\" + name;
            var services = DataDirectory + @"\services";
            var cache = DataDirectory + @"\cache\" + name;
            var logs = DataDirectory + @"\logs\" + name;
            var envFile = services + @"\" + name + ".env";
            var configFile = services + @"\" + name + ".json";
            var argv = new List<string> { python };
            argv.AddRange(launch.Skip(launch[0].StartsWith("python", StringComparison.Ordinal) ? 1 : 0)
                .Select(a => a.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            var config = new Dictionary<string, object?>
            {
                ["name"] = name,
                ["profile"] = profile.Id,
                ["executable"] = argv[0],
                ["arguments"] = argv.Skip(1).ToList(),
                ["workingDirectory"] = cache,
                ["environmentFile"] = envFile,
                // PYTHONUNBUFFERED: through a pipe Python buffers its output; the log should show it as it happens.
                ["environment"] = new Dictionary<string, object?> { ["HF_HOME"] = cache + @"\huggingface", ["XDG_CACHE_HOME"] = cache, ["PYTHONUNBUFFERED"] = "1" },
                ["port"] = port,
                ["stopTimeoutSeconds"] = 90,
                // The host's own restarts of a crashed server; the SCM's recovery actions cover the host itself.
                ["restart"] = new Dictionary<string, object?> { ["initialDelaySeconds"] = 5, ["maxDelaySeconds"] = 300, ["resetAfterSeconds"] = 600 },
                ["log"] = new Dictionary<string, object?> { ["directory"] = logs, ["file"] = name + ".log", ["maxSizeMB"] = LogMaxMegabytes, ["keepFiles"] = LogFilesKept },
            };
            var binPath = $"\"{HostExecutable}\" --config \"{configFile}\"";
            var display = $"AutoGlm model server {name}";
            var description = $"{profile.Description ?? profile.Id} (port {port}; AutoGlm)";
            var env = SystemdUnit.EnvironmentFileText(new Dictionary<string, string>(request.Environment, StringComparer.Ordinal));
            var configText = Json.Json.Serialize(config) + "\n";
            var steps = new List<PlanStep>
            {
                // The services folder is closed to everyone but SYSTEM and Administrators before a secret is written into it.
                new CommandStep("service.folders", "create-directory", services, $"Create {services} (SYSTEM and Administrators only), {cache} and {logs}.",
                    new IReadOnlyList<string>[]
                    {
                        new[] { "powershell.exe", "-NoProfile", "-NonInteractive", "-Command", $"New-Item -ItemType Directory -Force -Path '{services}','{cache}','{logs}' | Out-Null" },
                        new[] { "icacls.exe", services, "/inheritance:r", "/grant:r", "*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F" },
                    },
                    c => c.System.Run(new[] { "icacls.exe", services }, c.CommandTimeout) is var r && r.Succeeded && r.Stdout.IndexOf("BUILTIN\\Users", StringComparison.OrdinalIgnoreCase) < 0
                        ? StepCheck.Satisfied($"{services} exists and is closed") : StepCheck.Needed($"{services} is missing or open to Users")),
                new WindowsFileStep("service.environment", $"Write the service's environment (secrets) to {envFile}.", new PlannedFile(envFile, env, sensitive: true)),
                new WindowsInstallFileStep("service.host", shippedHost, HostExecutable,
                    $"Install the service host {HostFileName} from the module to {HostExecutable}, where only administrators can change it."),
                new WindowsFileStep("service.definition", $"Write the service host's definition of {name}: the server command, environment and log rotation.", new PlannedFile(configFile, configText)),
                new CommandStep("service.create", "create-service", name, $"Create the service {name} run by the AutoGlm service host as {account}, delayed automatic start.",
                    new[] { new[] { "sc.exe", "create", name, "binPath=", binPath, "start=", "delayed-auto", "obj=", account, "DisplayName=", display } },
                    c => c.System.Run(new[] { "sc.exe", "qc", name }, c.CommandTimeout).Succeeded ? StepCheck.Satisfied($"service {name} exists") : StepCheck.Needed($"service {name} does not exist")),
                new CommandStep("service.configure", "configure-service", name, $"Set {name}'s command, account, delayed start, description and recovery (restart after 10 s, 30 s, 60 s; reset after a day).",
                    new IReadOnlyList<string>[]
                    {
                        new[] { "sc.exe", "config", name, "binPath=", binPath, "start=", "delayed-auto", "obj=", account, "DisplayName=", display },
                        new[] { "sc.exe", "description", name, description },
                        new[] { "sc.exe", "failure", name, "reset=", "86400", "actions=", "restart/10000/restart/30000/restart/60000" },
                        new[] { "sc.exe", "failureflag", name, "1" },
                    },
                    c => Configured(c, name, binPath, account)),
                new CommandStep("service.permissions", "set-acl", name, $"Let {account} change only its cache and log folders and read its definition and secrets file.",
                    new IReadOnlyList<string>[]
                    {
                        new[] { "icacls.exe", cache, "/grant", account + ":(OI)(CI)M" },
                        new[] { "icacls.exe", logs, "/grant", account + ":(OI)(CI)M" },
                        new[] { "icacls.exe", configFile, "/grant", account + ":R" },
                        new[] { "icacls.exe", envFile, "/grant", account + ":R" },
                    },
                    c => c.System.Run(new[] { "icacls.exe", envFile }, c.CommandTimeout) is var r && r.Succeeded && r.Stdout.IndexOf(account, StringComparison.OrdinalIgnoreCase) >= 0
                        ? StepCheck.Satisfied($"{account} can read {envFile}") : StepCheck.Needed($"{account} has no access yet")),
                new WindowsServiceRunningStep(name, services + @"\" + name + ".applied",
                    Hashing.Sha256HexOfText(configText + "\0" + env + "\0" + (File.Exists(shippedHost) ? WindowsInstallFileStep.HashOf(shippedHost) : ""))),
                new HealthCheckStep(name, port, request.HealthTimeout, Array.Empty<string>(), logs + @"\" + name + ".log"),
            };
            notes.Add($"Logs: {logs}\\{name}.log, rotated at {LogMaxMegabytes} MB, {LogFilesKept} files kept (by the service host).");
            return new ChangePlan("service-" + name, $"Windows service {name}: {profile.Models?.FirstOrDefault()?.Id} on port {port}", steps, notes);
        }

        public static ChangePlan Unregister(string name)
        {
            var steps = new List<PlanStep>
            {
                new CommandStep("service.stopped", "run", name, $"Stop the service {name}.",
                    new[] { new[] { "sc.exe", "stop", name } },
                    c => c.System.Run(new[] { "sc.exe", "query", name }, c.CommandTimeout) is var r && r.Stdout.Contains("RUNNING")
                        ? StepCheck.Needed($"{name} is running") : StepCheck.Satisfied($"{name} is not running")),
                new CommandStep("service.deleted", "delete-service", name, $"Delete the service {name}.",
                    new[] { new[] { "sc.exe", "delete", name } },
                    c => c.System.Run(new[] { "sc.exe", "qc", name }, c.CommandTimeout).Succeeded ? StepCheck.Needed($"service {name} exists") : StepCheck.Satisfied($"service {name} does not exist")),
                new WindowsRemoveFileStep("service.environment", DataDirectory + @"\services\" + name + ".env"),
                new WindowsRemoveFileStep("service.definition", DataDirectory + @"\services\" + name + ".json"),
                new WindowsRemoveFileStep("service.stamp", DataDirectory + @"\services\" + name + ".applied"),
            };
            return new ChangePlan("service-" + name, $"remove Windows service {name}", steps,
                new[] { $"Kept: {DataDirectory}\\cache\\{name} (downloaded models) and {DataDirectory}\\logs\\{name}." });
        }

        private static StepCheck Configured(StepContext c, string name, string binPath, string account)
        {
            var qc = c.System.Run(new[] { "sc.exe", "qc", name }, c.CommandTimeout);
            if (!qc.Succeeded) return StepCheck.Needed($"service {name} is not configured yet");
            bool ok = qc.Stdout.Contains("DELAYED") && qc.Stdout.Contains(account) && qc.Stdout.Contains(binPath);
            var failure = c.System.Run(new[] { "sc.exe", "qfailure", name }, c.CommandTimeout);
            ok &= failure.Succeeded && failure.Stdout.IndexOf("RESTART", StringComparison.OrdinalIgnoreCase) >= 0;
            return ok ? StepCheck.Satisfied($"{name} has the expected configuration") : StepCheck.Needed($"{name}'s configuration differs");
        }

        private static string Path(string path, string what)
        {
            if (!WindowsPath.IsMatch(path) || path.Contains(@"\..\") || path.EndsWith(@"\..", StringComparison.Ordinal))
                throw new AutoGlmException("ServicePathInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("ServicePathInvalid_Windows", what, path), path);
            return path.TrimEnd('\\');
        }
    }

    /// <summary>
    /// A binary copied from the module onto the Windows host (with its .config beside it when there is one). A copy
    /// that a running service holds open is renamed aside first, which Windows allows; the restart step then runs the new one.
    /// </summary>
    public sealed class WindowsInstallFileStep : PlanStep
    {
        private readonly string _source, _destination;

        public WindowsInstallFileStep(string id, string source, string destination, string description) : base(id, "copy-file", destination, description)
        {
            _source = source;
            _destination = destination;
        }

        private IEnumerable<(string From, string To)> Pairs()
        {
            yield return (_source, _destination);
            if (File.Exists(_source + ".config")) yield return (_source + ".config", _destination + ".config");
        }

        public override StepCheck Test(StepContext context)
        {
            if (context.System.Platform != HostPlatform.Windows) return StepCheck.Needed("not checked: this host is not Windows");
            foreach (var (from, to) in Pairs())
                if (!File.Exists(to) || HashOf(from) != HashOf(to)) return StepCheck.Needed($"{to} is missing or differs from the module's");
            return StepCheck.Satisfied($"{_destination} is the module's copy");
        }

        internal static string HashOf(string path)
        {
            using var stream = File.OpenRead(path);
            return Hashing.Sha256Hex(stream);
        }

        public override void Set(StepContext context)
        {
            foreach (var (from, to) in Pairs())
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(to)!);
                File.Copy(from, to + ".new", overwrite: true);
                if (File.Exists(to))
                {
                    File.Delete(to + ".old");
                    File.Move(to, to + ".old");
                }
                File.Move(to + ".new", to);
                try { File.Delete(to + ".old"); } catch (IOException) { } catch (UnauthorizedAccessException) { } // still running: removed next time
            }
        }
    }

    /// <summary>
    /// Running with the current definition, secrets and host binary: (re)started when not running or when what it
    /// was last started with (a hash beside its definition) differs, so changed inputs take effect on apply.
    /// </summary>
    public sealed class WindowsServiceRunningStep : PlanStep
    {
        private readonly string _name, _stampPath, _stamp;

        public WindowsServiceRunningStep(string name, string stampPath, string stamp)
            : base("service.running", "run", name, $"(Re)start {name} with the current definition.")
        {
            _name = name;
            _stampPath = stampPath;
            _stamp = stamp + "\n";
        }

        /// <summary>What the service is started with, as a hash (its secrets included, never in clear).</summary>
        internal string Stamp => _stamp;

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[]
        {
            new[] { "powershell.exe", "-NoProfile", "-NonInteractive", "-Command", $"Restart-Service -Name '{_name}' -Force" },
        };

        public override StepCheck Test(StepContext context)
        {
            var query = context.System.Run(new[] { "sc.exe", "query", _name }, context.CommandTimeout);
            if (!query.Stdout.Contains("RUNNING")) return StepCheck.Needed($"{_name} is not running");
            if (!File.Exists(_stampPath) || File.ReadAllText(_stampPath) != _stamp) return StepCheck.Needed($"{_name} runs an older definition, environment or host");
            return StepCheck.Satisfied($"{_name} is running with the current definition");
        }

        public override void Set(StepContext context)
        {
            context.Run(Commands[0]);
            AtomicFile.Write(_stampPath, _stamp);
        }
    }

    /// <summary>A file on Windows, by its real path (the host paths of <see cref="Plan.ISystemHost"/> are Unix-style).</summary>
    public sealed class WindowsFileStep : PlanStep
    {
        private readonly PlannedFile _file;

        public WindowsFileStep(string id, string description, PlannedFile file) : base(id, "write-file", file.Path, description) { _file = file; }

        public override IReadOnlyList<PlannedFile> Files => new[] { _file };

        public override StepCheck Test(StepContext context)
        {
            if (context.System.Platform != HostPlatform.Windows) return StepCheck.Needed("not checked: this host is not Windows");
            return File.Exists(_file.Path) && File.ReadAllText(_file.Path) == _file.Content
                ? StepCheck.Satisfied($"{_file.Path} has the expected content") : StepCheck.Needed($"{_file.Path} is missing or differs");
        }

        public override void Set(StepContext context) => AtomicFile.Write(_file.Path, _file.Content);
    }

    public sealed class WindowsRemoveFileStep : PlanStep
    {
        private readonly string _path;

        public WindowsRemoveFileStep(string id, string path) : base(id, "remove-file", path, $"Remove {path}.") { _path = path; }

        public override StepCheck Test(StepContext context) =>
            context.System.Platform == HostPlatform.Windows && !File.Exists(_path) ? StepCheck.Satisfied($"{_path} does not exist") : StepCheck.Needed($"{_path} may exist");

        public override void Set(StepContext context) => File.Delete(_path);
    }
}
