using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Services
{
    /// <summary>
    /// Register and unregister the model server as a service: the request checked against the matrix and the
    /// host, then the plan (account, directory, secrets file, unit, reload, enable and restart, health check).
    /// </summary>
    public static class ServicePlanner
    {
        public const string DefaultUser = "autoglm";

        private static readonly string[] PersistencedUnits =
        {
            "/etc/systemd/system/nvidia-persistenced.service",
            "/usr/lib/systemd/system/nvidia-persistenced.service",
            "/lib/systemd/system/nvidia-persistenced.service",
        };

        /// <summary>The checked definition: profile, name, port (free, ours, or moved with Auto), paths, environment.</summary>
        public static ServiceDefinition Define(ServiceRequest request, IHost host, CompatibilityMatrix matrix, List<string> notes)
        {
            var profile = matrix.GetProfile(request.Profile);
            var launch = ServiceInput.Launch(profile);
            var name = ServiceInput.Name(request.Name ?? ServiceInput.DefaultName(profile.Id));
            var user = ServiceInput.User(request.User ?? DefaultUser);
            var install = ServiceInput.AbsolutePath(request.InstallPath ?? profile.InstallPath ?? "/opt/autoglm", "install path");
            var venv = ServiceInput.AbsolutePath(request.VenvPath ?? install + "/venv", "venv path");
            ServiceInput.Environment(request.Environment);
            int requested = profile.Port!.Value;
            bool auto = false;
            if (request.Port != null && ServiceInput.Port(request.Port, out auto) is int asked) requested = asked;
            if (request.HealthTimeout <= TimeSpan.Zero)
                throw new AutoGlmException("ServiceTimeoutInvalid", ErrorKind.InvalidArgument, Messages.Format("ServiceTimeoutInvalid"), request.HealthTimeout);

            var interpreter = venv + "/bin/" + (launch[0].StartsWith("python", StringComparison.Ordinal) ? launch[0] : "python3");
            if (!request.VenvPending && !host.ReadFile(interpreter).Exists)
                throw new AutoGlmException("ServiceVenvNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("ServiceVenvNotFound_Server", venv, interpreter.Substring(venv.Length + 1), profile.Stack?.Server?.Package ?? Messages.Format("ServiceVenvNotFound_TheServer")), venv);

            var (port, note) = PortGuard.Choose(host, profile, name, requested, auto);
            if (note != null) notes.Add(note);
            var model = profile.Models?.FirstOrDefault()?.Id ?? "";
            var argv = new List<string> { interpreter };
            argv.AddRange(launch.Skip(launch[0].StartsWith("python", StringComparison.Ordinal) ? 1 : 0)
                .Select(arg => arg.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            if (request.ModelPath != null)
            {
                // A local copy of the weights replaces the hub id after --model (vLLM) or --model-path (SGLang).
                var modelPath = ServiceInput.AbsolutePath(request.ModelPath, "model path");
                int at = argv.FindIndex(a => a == "--model" || a == "--model-path");
                if (at > 0 && at + 1 < argv.Count) argv[at + 1] = modelPath;
            }
            return new ServiceDefinition
            {
                Name = name,
                ProfileId = profile.Id,
                Description = profile.Description ?? profile.Id,
                Port = port,
                PortMovedFrom = port != requested ? requested : (int?)null,
                User = user,
                Group = user,
                InstallPath = install,
                VenvPath = venv,
                Launch = argv,
                ModelId = model,
                Environment = new Dictionary<string, string>(request.Environment, StringComparer.Ordinal),
                PersistencedPresent = PersistencedUnits.Any(p => host.ReadFile(p).Exists),
                GpuNodes = (host.ListDirectory("/dev") ?? Array.Empty<string>()).Where(n => Regex.IsMatch(n, "^nvidia[0-9]+$")).Select(n => "/dev/" + n).ToList(),
                HealthTimeout = request.HealthTimeout,
            };
        }

        /// <summary>
        /// The phone agent's definition: Open-AutoGLM's main.py from the checkout, in the venv, pointed at the profile's
        /// model server (the port its registered unit serves on, else -Port, else the profile's) with its served model name.
        /// </summary>
        public static ServiceDefinition DefineAgent(ServiceRequest request, IHost host, CompatibilityMatrix matrix, List<string> notes)
        {
            var profile = matrix.GetProfile(request.Profile);
            var launch = ServiceInput.Launch(profile);
            var serverName = ServiceInput.DefaultName(profile.Id);
            var name = ServiceInput.Name(request.Name ?? serverName + "-agent");
            var task = ServiceInput.AgentTask(request.Task);
            var user = ServiceInput.User(request.User ?? DefaultUser);
            var install = ServiceInput.AbsolutePath(request.InstallPath ?? profile.InstallPath ?? "/opt/autoglm", "install path");
            var venv = ServiceInput.AbsolutePath(request.VenvPath ?? install + "/venv", "venv path");
            var repository = ServiceInput.AbsolutePath(request.RepositoryPath ?? install + "/Open-AutoGLM", "repository path");
            ServiceInput.Environment(request.Environment);

            var server = new ServiceDefinition { Name = serverName };
            var serverUnit = host.ReadFile(server.UnitPath);
            int port;
            if (request.Port != null)
            {
                port = ServiceInput.Port(request.Port, out var auto) ?? throw new AutoGlmException("ServicePortInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("ServicePortInvalid_Agent", request.Port, server.UnitName), request.Port);
            }
            else if (serverUnit.Ok && UnitPort(serverUnit.Text!) is int registered)
            {
                port = registered;
                notes.Add($"The agent talks to {server.UnitName} on port {port}, the port its unit serves on.");
            }
            else port = profile.Port!.Value;

            var interpreter = venv + "/bin/python3";
            if (!host.ReadFile(interpreter).Exists)
                throw new AutoGlmException("ServiceVenvNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("ServiceVenvNotFound_Agent", venv), venv);
            if (!host.ReadFile(repository + "/main.py").Exists)
                throw new AutoGlmException("ServiceAgentNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("ServiceAgentNotFound", repository), repository);
            if (!serverUnit.Ok) notes.Add($"{server.UnitName} is not registered here; the agent waits for a model server on 127.0.0.1:{port}.");

            int served = launch.ToList().IndexOf("--served-model-name");
            var model = served >= 0 && served + 1 < launch.Count ? launch[served + 1] : profile.Models?.FirstOrDefault()?.Id ?? "autoglm-phone-9b";
            return new ServiceDefinition
            {
                Name = name,
                Role = ServiceInput.AgentRole,
                ProfileId = profile.Id,
                Description = "Open-AutoGLM phone agent",
                Port = port,
                User = user,
                Group = user,
                InstallPath = install,
                VenvPath = venv,
                RepositoryPath = repository,
                ServerUnit = server.UnitName,
                // As Open-AutoGLM's README runs it: python main.py --base-url http://localhost:8000/v1 --model autoglm-phone-9b "task".
                Launch = new[] { interpreter, "main.py", "--base-url", $"http://127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}/v1", "--model", model, task },
                ModelId = model,
                Environment = new Dictionary<string, string>(request.Environment, StringComparer.Ordinal),
                HealthTimeout = request.HealthTimeout,
            };
        }

        /// <summary>The port a unit's ExecStart serves on (--port N), if it names one.</summary>
        internal static int? UnitPort(string unitText)
        {
            var m = Regex.Match(unitText, @"^ExecStart=.*?--port""? ""?(\d+)", RegexOptions.Multiline);
            return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
        }

        public static ChangePlan Register(ServiceRequest request, ISystemHost system, CompatibilityMatrix matrix)
        {
            bool agent = ServiceInput.Role(request.Role) == ServiceInput.AgentRole;
            if (system.Platform == HostPlatform.Windows)
            {
                if (agent)
                    throw new AutoGlmException("ServiceRoleInvalid", ErrorKind.InvalidArgument,
                        Messages.Format("ServiceRoleInvalid_AgentOnWindows"), request.Role);
                return WindowsServicePlan.Register(request, system, matrix);
            }
            var notes = new List<string>();
            var d = agent ? DefineAgent(request, system, matrix, notes) : Define(request, system, matrix, notes);
            if (!request.WhatIf) RequireRoot(system, "register");
            var unit = agent ? SystemdUnit.RenderAgent(d) : SystemdUnit.Render(d);
            var env = SystemdUnit.EnvironmentFileText(d.Environment);
            if (d.Environment.Count > 0) notes.Add($"{d.Environment.Count} environment value(s) go to {d.EnvironmentFile} (mode 0600), shown masked.");
            notes.Add(agent
                ? $"The agent runs its task once per start, after {d.ServerUnit}, retried while the server loads; `systemctl restart {d.UnitName}` runs it again. It writes only under {d.CacheDirectory}."
                : $"The server writes only under {d.CacheDirectory} (models, compile caches); {d.InstallPath} stays read-only to it.");
            var steps = new List<PlanStep>
            {
                new CommandStep("service.group", "create-group", d.Group, $"Create the system group {d.Group} for the service.",
                    new[] { new[] { "groupadd", "--system", d.Group } },
                    c => Exists(c, "group", d.Group)),
                new CommandStep("service.user", "create-user", d.User, $"Create the system user {d.User} (no login, no home) the service runs as.",
                    new[] { new[] { "useradd", "--system", "--gid", d.Group, "--home-dir", d.CacheDirectory, "--no-create-home", "--shell", "/usr/sbin/nologin", "--comment", agent ? "AutoGlm phone agent" : "AutoGlm model server", d.User } },
                    c => Exists(c, "passwd", d.User)),
                new CommandStep("service.directories", "create-directory", d.CacheDirectory, $"Create {d.CacheDirectory}, owned by {d.User}, for model downloads and caches.",
                    new[] { new[] { "install", "-d", "-o", d.User, "-g", d.Group, "-m", "0750", d.CacheDirectory } },
                    c => Owned(c, d.CacheDirectory, $"{d.User}:{d.Group}:750")),
                new WriteFileStep("service.environment", $"Write the service's environment (secrets) to {d.EnvironmentFile}, readable by root only.",
                    new PlannedFile(d.EnvironmentFile, env, 0x180, sensitive: true)),
                new WriteFileStep("service.unit", $"Write the systemd unit {d.UnitName}.", new PlannedFile(d.UnitPath, unit, 0x1A4)),
                new DaemonReloadStep("service.reload", d.UnitName, present: true),
                new ServiceRunningStep(d.UnitName, d.StampPath, unit, env),
            };
            // The agent serves nothing to check; its task's outcome is in its journal.
            if (agent) return new ChangePlan("service-" + d.Name, $"{d.UnitName}: phone agent for {d.ModelId} at 127.0.0.1:{d.Port}", steps, notes);
            steps.Add(new HealthCheckStep(d.UnitName, d.Port, d.HealthTimeout, new[] { "journalctl", "-u", d.UnitName, "-n", "20", "--no-pager" }));
            return new ChangePlan("service-" + d.Name, $"{d.UnitName}: {d.ModelId} on port {d.Port}", steps, notes);
        }

        public static ChangePlan Unregister(string name, ISystemHost system, bool whatIf)
        {
            ServiceInput.Name(name);
            if (system.Platform == HostPlatform.Windows) return WindowsServicePlan.Unregister(name);
            if (!whatIf) RequireRoot(system, "unregister");
            var d = new ServiceDefinition { Name = name };
            var steps = new List<PlanStep>
            {
                new ServiceStoppedStep(d.UnitName),
                new RemoveFileStep("service.unit", $"Remove the unit file {d.UnitName}.", d.UnitPath),
                new DaemonReloadStep("service.reload", d.UnitName, present: false),
                new RemoveFileStep("service.environment", $"Remove the service's secrets file {d.EnvironmentFile}.", d.EnvironmentFile, sensitive: true, mode: 0x180),
                new RemoveFileStep("service.stamp", "Forget what the service was last started with.", d.StampPath, mode: 0x180),
            };
            var notes = new List<string> { $"Kept: the user {DefaultUser} (or the one registered), {d.CacheDirectory} with the downloaded models, and the install path. Remove them by hand if no longer needed." };
            return new ChangePlan("service-" + name, $"remove {d.UnitName}", steps, notes);
        }

        /// <summary>Read-only: unit file, enabled, active, and whether the port answers.</summary>
        public static ServiceStatus Status(string name, ISystemHost system, TimeSpan timeout)
        {
            ServiceInput.Name(name);
            var d = new ServiceDefinition { Name = name };
            var context = new StepContext(system, NullOutput.Instance, timeout);
            var status = new ServiceStatus { Name = name, Unit = d.UnitName, UnitPath = d.UnitPath };
            var unit = system.ReadFile(d.UnitPath);
            status.UnitFilePresent = unit.Ok;
            status.Enabled = Systemctl.IsEnabled(context, d.UnitName);
            status.Active = Systemctl.IsActive(context, d.UnitName);
            if (unit.Ok) status.Port = UnitPort(unit.Text!);
            if (status.Port is int port)
            {
                var health = HealthProbe.Check("127.0.0.1", port, timeout < TimeSpan.FromSeconds(5) ? timeout : TimeSpan.FromSeconds(5));
                status.Listening = health.Listening;
                status.Healthy = health.Healthy;
                status.Detail = health.Detail;
            }
            else status.Detail = unit.Ok ? "the unit names no --port" : $"{d.UnitPath} does not exist";
            return status;
        }

        private static StepCheck Exists(StepContext c, string database, string key)
        {
            var r = c.System.Run(new[] { "getent", database, key }, c.CommandTimeout);
            return r.Succeeded ? StepCheck.Satisfied($"{database} entry {key} exists") : StepCheck.Needed($"no {database} entry {key}");
        }

        private static StepCheck Owned(StepContext c, string path, string expected)
        {
            var r = c.System.Run(new[] { "stat", "--format=%U:%G:%a", path }, c.CommandTimeout);
            if (!r.Succeeded) return StepCheck.Needed($"{path} does not exist");
            var actual = r.Stdout.Trim();
            return actual == expected ? StepCheck.Satisfied($"{path} is {actual}") : StepCheck.Needed($"{path} is {actual}, not {expected}");
        }

        private static void RequireRoot(IHost host, string verb)
        {
            var status = host.ReadFile("/proc/self/status");
            var m = status.Ok ? Regex.Match(status.Text!, @"^Uid:\s+\d+\s+(\d+)", RegexOptions.Multiline) : Match.Empty;
            if (m.Success && m.Groups[1].Value == "0") return;
            throw new AutoGlmException("ServiceNotAdministrator", ErrorKind.PermissionDenied,
                m.Success
                    ? Messages.Format("ServiceNotAdministrator", verb, m.Groups[1].Value)
                    : Messages.Format("ServiceNotAdministrator_Unknown", status.Describe()),
                verb);
        }
    }

    /// <summary>What Get-AutoGlmService / `autoglm service status` report.</summary>
    public sealed class ServiceStatus
    {
        public string Name { get; set; } = "";
        public string Unit { get; set; } = "";
        public string UnitPath { get; set; } = "";
        public bool UnitFilePresent { get; set; }
        /// <summary>systemctl is-enabled: enabled, disabled, not-found, ...</summary>
        public string Enabled { get; set; } = "";
        /// <summary>systemctl is-active: active, inactive, failed, activating, ...</summary>
        public string Active { get; set; } = "";
        public int? Port { get; set; }
        public bool Listening { get; set; }
        public bool Healthy { get; set; }
        public string Detail { get; set; } = "";

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["name"] = Name, ["unit"] = Unit, ["unitPath"] = UnitPath, ["unitFilePresent"] = UnitFilePresent,
            ["enabled"] = Enabled, ["active"] = Active, ["port"] = Port, ["listening"] = Listening, ["healthy"] = Healthy, ["detail"] = Detail,
        };
    }
}
