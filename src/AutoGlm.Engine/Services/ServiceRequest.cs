using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Services
{
    /// <summary>What the user asked for: a profile to serve and how (the cmdlet's and the CLI's options).</summary>
    public sealed class ServiceRequest : ProfileRequest
    {
        /// <summary>Service (unit) name; default "autoglm-" + the profile id.</summary>
        public string? Name { get; set; }
        /// <summary>Where the profile is installed; default the profile's installPath.</summary>
        public string? InstallPath { get; set; }
        /// <summary>The virtual environment with the server; default InstallPath/venv.</summary>
        public string? VenvPath { get; set; }
        /// <summary>"auto", a number from 1 to 65535, or null for the profile's port.</summary>
        public string? Port { get; set; }
        /// <summary>System account the service runs as; default "autoglm".</summary>
        public string? User { get; set; }
        /// <summary>Extra environment for the server (API keys, HF_TOKEN). Every value is treated as a secret.</summary>
        public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
        /// <summary>How long the health check waits for the server to answer after a (re)start.</summary>
        public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromMinutes(15);
        /// <summary>"server" (default): the model server. "agent": the phone agent (Open-AutoGLM's main.py) as a client of that server.</summary>
        public string? Role { get; set; }
        /// <summary>The agent's task (what main.py is asked to do on the phone); required for the agent role.</summary>
        public string? Task { get; set; }
        /// <summary>The agent's Open-AutoGLM checkout (with main.py); default InstallPath/Open-AutoGLM.</summary>
        public string? RepositoryPath { get; set; }
        /// <summary>Only a preview: checks that matter for applying (root rights, the Windows host binary) are skipped.</summary>
        public bool WhatIf { get; set; }
        /// <summary>The venv is built by an earlier step of the same plan (Install-AutoGlmHost): it need not exist yet.</summary>
        public bool VenvPending { get; set; }
        /// <summary>A local directory with the model's weights, served instead of the profile's hub id (--model / --model-path).</summary>
        public string? ModelPath { get; set; }

        public IEnumerable<string> Secrets => Environment.Values.Where(v => v.Length > 0);
    }

    /// <summary>The request checked and completed: everything a unit file or a Windows service definition needs.</summary>
    public sealed class ServiceDefinition
    {
        public string Name { get; set; } = "";
        public string ProfileId { get; set; } = "";
        public string Description { get; set; } = "";
        public int Port { get; set; }
        /// <summary>The port was moved off a taken one (-Port Auto); says from which.</summary>
        public int? PortMovedFrom { get; set; }
        public string User { get; set; } = "";
        public string Group { get; set; } = "";
        public string InstallPath { get; set; } = "";
        public string VenvPath { get; set; } = "";
        /// <summary>The server's argv with the venv's interpreter and the port filled in.</summary>
        public IReadOnlyList<string> Launch { get; set; } = Array.Empty<string>();
        public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();
        public string ModelId { get; set; } = "";
        /// <summary>The one directory the service may write: model downloads and compile caches.</summary>
        public string CacheDirectory => "/var/cache/autoglm/" + Name;
        public string UnitName => Name + ".service";
        public string UnitPath => "/etc/systemd/system/" + UnitName;
        public string EnvironmentFile => "/etc/autoglm/" + Name + ".env";
        /// <summary>What the last apply started the service with (a hash), so a changed input restarts it.</summary>
        public string StampPath => "/var/lib/autoglm/services/" + Name + ".applied";
        /// <summary>nvidia-persistenced.service is installed: order after it, so the GPUs are initialised.</summary>
        public bool PersistencedPresent { get; set; }
        public string GpuProbe { get; set; } = "/usr/bin/nvidia-smi";
        /// <summary>/dev/nvidia0..N found on the host, allowed by path as well as by the driver's major number.</summary>
        public IReadOnlyList<string> GpuNodes { get; set; } = Array.Empty<string>();
        public TimeSpan HealthTimeout { get; set; }
        /// <summary>"server" or "agent".</summary>
        public string Role { get; set; } = ServiceInput.ServerRole;
        /// <summary>The agent's working directory: the Open-AutoGLM checkout with main.py.</summary>
        public string RepositoryPath { get; set; } = "";
        /// <summary>The model server's unit the agent is ordered after and wants.</summary>
        public string ServerUnit { get; set; } = "";
    }

    /// <summary>Validation of the inputs, with one error id per kind of bad input.</summary>
    public static class ServiceInput
    {
        // systemd unit names and Windows service names both accept this; no path separators, no shell metacharacters.
        private static readonly Regex NamePattern = new Regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", RegexOptions.CultureInvariant);
        private static readonly Regex UserPattern = new Regex("^[a-z_][a-z0-9_-]{0,31}$", RegexOptions.CultureInvariant);
        private static readonly Regex VariablePattern = new Regex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

        public const string ServerRole = "server", AgentRole = "agent";

        public static string DefaultName(string profileId) => "autoglm-" + profileId;

        public static string Role(string? role)
        {
            var r = (role ?? ServerRole).Trim().ToLowerInvariant();
            if (r == ServerRole || r == AgentRole) return r;
            throw new AutoGlmException("ServiceRoleInvalid", ErrorKind.InvalidArgument,
                Messages.Format("ServiceRoleInvalid", role), role);
        }

        /// <summary>The agent's task: one line, given. main.py without a task waits for typed input, which a service never gets.</summary>
        public static string AgentTask(string? task)
        {
            if (string.IsNullOrWhiteSpace(task) || task!.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0)
                throw new AutoGlmException("ServiceAgentTaskInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("ServiceAgentTaskInvalid"), task);
            return task.Trim();
        }

        public static string Name(string name)
        {
            if (!NamePattern.IsMatch(name) || name.EndsWith(".service", StringComparison.Ordinal))
                throw new AutoGlmException("ServiceNameInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("ServiceNameInvalid", Diagnostics.UntrustedInput.Escape(name)), name);
            return name;
        }

        public static string User(string user)
        {
            if (!UserPattern.IsMatch(user) || user == "root")
                throw new AutoGlmException("ServiceUserInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("ServiceUserInvalid", user), user);
            return user;
        }

        /// <summary>Null when "auto" (the caller picks a free port), else the number.</summary>
        public static int? Port(string text, out bool auto)
        {
            auto = string.Equals(text.Trim(), "auto", StringComparison.OrdinalIgnoreCase);
            if (auto) return null;
            if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port >= 1 && port <= 65535) return port;
            throw new AutoGlmException("ServicePortInvalid", ErrorKind.InvalidArgument,
                Messages.Format("ServicePortInvalid", text), text);
        }

        public static string AbsolutePath(string path, string what)
        {
            Diagnostics.UntrustedInput.HostPath(path, what);
            if (!path.StartsWith("/", StringComparison.Ordinal) || path.Contains("/../") || path.EndsWith("/..", StringComparison.Ordinal) ||
                path.IndexOfAny(new[] { '\n', '\r', '\0', '"', '\'', '\\', '$', '%', '`', ' ', ';' }) >= 0)
                throw new AutoGlmException("ServicePathInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("ServicePathInvalid", what, path), path);
            return path.Length > 1 ? path.TrimEnd('/') : path;
        }

        public static void Environment(IDictionary<string, string> environment)
        {
            foreach (var kv in environment)
            {
                if (!VariablePattern.IsMatch(kv.Key))
                    throw new AutoGlmException("ServiceEnvironmentInvalid", ErrorKind.InvalidArgument,
                        Messages.Format("ServiceEnvironmentInvalid_Name", kv.Key), kv.Key);
                if (kv.Value.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0)
                    throw new AutoGlmException("ServiceEnvironmentInvalid", ErrorKind.InvalidArgument,
                        Messages.Format("ServiceEnvironmentInvalid_Value", kv.Key), kv.Key);
            }
        }

        /// <summary>The profile's launch argv, or an error when the profile serves nothing.</summary>
        public static IReadOnlyList<string> Launch(ProfileEntry profile)
        {
            if (profile.Launch == null || profile.Launch.Count == 0 || profile.Port == null)
                throw new AutoGlmException("ServiceProfileNotServable", ErrorKind.InvalidArgument,
                    Messages.Format("ServiceProfileNotServable", profile.Id), profile.Id);
            return profile.Launch;
        }
    }
}
