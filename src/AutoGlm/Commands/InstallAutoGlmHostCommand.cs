using System;
using System.Linq;
using System.Management.Automation;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Commands
{
    /// <summary>From a fresh server to a serving, verified Open-AutoGLM deployment: one plan, in phases, resumable.</summary>
    [Cmdlet(VerbsLifecycle.Install, "AutoGlmHost", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(InstallSummary))]
    public sealed class InstallAutoGlmHostCommand : PlanCmdlet
    {
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? InstallPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RepositoryUrl { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Ref { get; set; }

        [Parameter]
        public SwitchParameter AllowLocal { get; set; }

        /// <summary>A port from 1 to 65535, or Auto for the next free one after the profile's.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Port { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ServiceName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Wheelhouse { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? IndexUrl { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ModelPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ModelManifest { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ModelUrl { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DriverRepositoryUrl { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DriverRepositoryKeyring { get; set; }

        [Parameter]
        public SwitchParameter CudaToolkit { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int HealthTimeoutSec { get; set; } = 900;

        [Parameter]
        public string[]? MatrixPath { get; set; }

        /// <summary>An offline kit (Export-AutoGlmOfflineKit): every source comes from it, after each file is checked.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OfflineKit { get; set; }

        /// <summary>The kit's id as Export-AutoGlmOfflineKit printed it (sha256 of its manifest.json): another kit is refused.</summary>
        [Parameter]
        [ValidatePattern("^[0-9a-fA-F]{64}$")]
        public string? OfflineKitId { get; set; }

        /// <summary>A lock to install instead of locking the resolved stack (with -Wheelhouse, offline).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LockPath { get; set; }

        private HostInstallPlan? _plan;

        protected override ChangePlan BuildPlan(ISystemHost system, IEngineOutput output)
        {
            string? Full(string? path) => path == null ? null : GetUnresolvedProviderPathFromPSPath(path);
            var request = new HostInstallRequest
            {
                Profile = Profile, InstallPath = InstallPath, RepositoryUrl = RepositoryUrl, Ref = Ref, AllowLocalRepository = AllowLocal,
                Port = Port, ServiceName = ServiceName, Wheelhouse = Full(Wheelhouse), IndexUrl = IndexUrl, ModelPath = ModelPath,
                ModelManifest = Full(ModelManifest), ModelUrl = ModelUrl, DriverRepositoryUrl = DriverRepositoryUrl, DriverRepositoryKeyring = Full(DriverRepositoryKeyring), CudaToolkit = CudaToolkit,
                MatrixPaths = MatrixPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList(),
                HealthTimeout = TimeSpan.FromSeconds(HealthTimeoutSec), WhatIf = IsWhatIf(), Kit = Full(OfflineKit), KitId = OfflineKitId, LockFile = Full(LockPath),
            };
            _plan = HostInstaller.Plan(system, request, output);
            foreach (var item in _plan.NeedsHuman) WriteWarning(Messages.Format("InstallAutoGlmHost_NeedsPerson", item));
            return _plan.Plan;
        }

        protected override IEngineOutput ApplyOutput(IEngineOutput output) => HostInstaller.PhaseProgress(output, _plan!);

        protected override object Report(ApplyResult result) => HostInstaller.Summarize(_plan!, result);
    }
}
