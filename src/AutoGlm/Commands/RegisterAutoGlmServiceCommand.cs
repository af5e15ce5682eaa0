using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Services;

namespace AutoGlm.Commands
{
    /// <summary>Registers a profile's model server as a hardened systemd unit (a Windows service plan on Windows), started and health-checked.</summary>
    [Cmdlet(VerbsLifecycle.Register, "AutoGlmService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ApplyResult))]
    public sealed class RegisterAutoGlmServiceCommand : PlanCmdlet
    {
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? InstallPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? VenvPath { get; set; }

        /// <summary>A port from 1 to 65535, or Auto for the next free one after the profile's.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Port { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? User { get; set; }

        /// <summary>Extra environment for the server; every value is treated as a secret.</summary>
        [Parameter]
        public Hashtable? Environment { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int HealthTimeoutSec { get; set; } = 900;

        [Parameter]
        public string[]? MatrixPath { get; set; }

        /// <summary>Server (default): the model server. Agent: the phone agent (Open-AutoGLM's main.py) as its client.</summary>
        [Parameter]
        [ValidateSet("Server", "Agent")]
        public string Role { get; set; } = "Server";

        /// <summary>The agent's task, given to main.py; required with -Role Agent.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Task { get; set; }

        /// <summary>The agent's Open-AutoGLM checkout with main.py; default InstallPath/Open-AutoGLM.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RepositoryPath { get; set; }

        private ServiceRequest? _request;

        protected override IEnumerable<string> Secrets => _request?.Secrets ?? Enumerable.Empty<string>();

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output)
        {
            _request = new ServiceRequest
            {
                Profile = Profile, Name = Name, InstallPath = InstallPath, VenvPath = VenvPath, Port = Port, User = User,
                Role = Role, Task = Task, RepositoryPath = RepositoryPath,
                MatrixPaths = MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList(),
                HealthTimeout = TimeSpan.FromSeconds(HealthTimeoutSec),
                WhatIf = IsWhatIf(),
            };
            foreach (DictionaryEntry entry in Environment ?? new Hashtable())
                _request.Environment[Convert.ToString(entry.Key) ?? ""] = Convert.ToString(entry.Value) ?? "";
            return ServicePlanner.Register(_request, system, MatrixLoader.LoadDefault(_request.MatrixPaths));
        }
    }
}
