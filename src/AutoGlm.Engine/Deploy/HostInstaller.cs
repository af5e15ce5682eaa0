using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Git;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Kit;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Engine.Resolve;
using AutoGlm.Engine.Services;

namespace AutoGlm.Engine.Deploy
{
    /// <summary>What Install-AutoGlmHost and `autoglm install` ask for.</summary>
    public sealed class HostInstallRequest : ProfileRequest
    {
        /// <summary>Where the deployment lives (venv, checkout, locks); the profile's installPath by default.</summary>
        public string? InstallPath { get; set; }
        /// <summary>The Open-AutoGLM repository; the profile's repository url by default.</summary>
        public string? RepositoryUrl { get; set; }
        /// <summary>Commit, tag or branch to check out; the profile's pinned ref by default.</summary>
        public string? Ref { get; set; }
        /// <summary>Accept file:// URLs and local paths as the repository (site mirrors).</summary>
        public bool AllowLocalRepository { get; set; }
        /// <summary>"auto", 1-65535, or null for the profile's port.</summary>
        public string? Port { get; set; }
        public string? ServiceName { get; set; }
        public string? Wheelhouse { get; set; }
        public string? IndexUrl { get; set; }
        /// <summary>A local directory with the model's weights; without it the server fetches the model itself on first start.</summary>
        public string? ModelPath { get; set; }
        /// <summary>A JSON file listing the model's files with size and sha256 (a real path).</summary>
        public string? ModelManifest { get; set; }
        /// <summary>A mirror (https, http or file URL) to download missing model files from, with resume.</summary>
        public string? ModelUrl { get; set; }
        /// <summary>NVIDIA's CUDA repository by default; a site mirror for the driver packages.</summary>
        public string? DriverRepositoryUrl { get; set; }
        /// <summary>The driver repository's OpenPGP public key (a file) instead of NVIDIA's cuda-keyring package (apt).</summary>
        public string? DriverRepositoryKeyring { get; set; }
        /// <summary>Also install the CUDA toolkit (the torch wheels carry the CUDA runtime; JIT builds need a toolkit).</summary>
        public bool CudaToolkit { get; set; }
        /// <summary>How long the service may take to answer (model load) before the health check and the proof give up.</summary>
        public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromMinutes(15);
        /// <summary>Bound for each tool run while planning.</summary>
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Only a preview: checks that matter for applying (root rights) are skipped.</summary>
        public bool WhatIf { get; set; }
        /// <summary>Tests: lock this stack instead of the resolved one.</summary>
        internal ResolvedStack? Stack { get; set; }
        /// <summary>An offline kit (`autoglm kit export`): the driver packages, lock and wheels, repository, model and matrix all come from it.</summary>
        public string? Kit { get; set; }
        /// <summary>The kit's id (sha256 of its manifest.json) as export printed it: the kit must be that one.</summary>
        public string? KitId { get; set; }
        /// <summary>An existing lock to install instead of locking the resolved stack (the kit's).</summary>
        public string? LockFile { get; set; }
        /// <summary>Where the checkout is cloned from when not the repository URL itself (the kit's git bundle); origin is then set to the URL.</summary>
        internal string? CloneFrom { get; set; }

        internal HostInstallRequest Copy() => (HostInstallRequest)MemberwiseClone();
    }

    /// <summary>The composed plan with what the planner learnt on the way: phases, preflight, what needs a person.</summary>
    public sealed class HostInstallPlan
    {
        internal HostInstallPlan(ChangePlan plan, string profile, IReadOnlyList<string> phases, IReadOnlyList<CheckResult> preflight, double preflightSeconds,
            IReadOnlyList<string> alreadyRight, IReadOnlyList<string> needsHuman, string configPath, int? port)
        {
            Plan = plan;
            Profile = profile;
            Phases = phases;
            Preflight = preflight;
            PreflightSeconds = preflightSeconds;
            AlreadyRight = alreadyRight;
            NeedsHuman = needsHuman;
            ConfigPath = configPath;
            Port = port;
        }

        public ChangePlan Plan { get; }
        public string Profile { get; }
        /// <summary>The phases in order, "preflight" first; each step id starts with its phase ("driver/...").</summary>
        public IReadOnlyList<string> Phases { get; }
        public IReadOnlyList<CheckResult> Preflight { get; }
        public double PreflightSeconds { get; }
        /// <summary>Phases left out because the host already has them (e.g. a driver that meets the stack and is pinned).</summary>
        public IReadOnlyList<string> AlreadyRight { get; }
        /// <summary>What the plan cannot do and a person must (MOK enrolment at the console, an unverifiable model).</summary>
        public IReadOnlyList<string> NeedsHuman { get; }
        public string ConfigPath { get; }
        public int? Port { get; }
    }

    /// <summary>
    /// Install-AutoGlmHost: one plan from a fresh server to a serving, verified deployment, composed from the
    /// existing planners in phases: preflight (stops before any change on what no plan can fix), driver
    /// (and CUDA), Python venv, repository (clone or migrate, editable install), model weights, the
    /// application's configuration, the service, and the proof request.
    /// About 470 lines: the phases are composed in order in one place, so the install's sequence reads as one plan.
    /// </summary>
    public static class HostInstaller
    {
        public const string PlanName = "install-host";
        public const string Activity = "Install-AutoGlmHost";

        // Categories whose failures no step of this plan can fix: the machine, its firmware, the stack's fit.
        private static readonly string[] BlockingCategories = { "os", "cpu", "memory", "disk", "gpu", "firmware", "stack" };
        // ... except these, which later phases fix or which concern a driver the plan installs.
        private static readonly string[] FixedByPlan = { "gpu.nvml", "gpu.wheel-coverage", "secureboot.state", "secureboot.module-rejected", "os.kernel" };

        public static HostInstallPlan Plan(ISystemHost system, HostInstallRequest r, IEngineOutput output)
        {
            var clock = Stopwatch.StartNew();
            OfflineKit? kit = null;
            if (r.Kit != null)
            {
                output.Progress(Activity, "offline kit: checking every file against its manifest", 0);
                kit = OfflineKit.Open(r.Kit);
                kit.CheckId(r.KitId);
                r = FromKit(system, r, kit);
            }
            var (matrix, profile) = r.LoadProfile();
            bool server = profile.Launch != null && profile.Launch.Count > 0 && profile.Port != null;

            // ---- every input checked before anything is probed or changed
            var install = ServiceInput.AbsolutePath(r.InstallPath ?? profile.InstallPath ?? "/opt/autoglm", "install path");
            var modelPath = r.ModelPath == null ? null : ServiceInput.AbsolutePath(r.ModelPath, "model path");
            int? askedPort = null;
            if (r.Port != null) askedPort = ServiceInput.Port(r.Port, out _);
            if (r.HealthTimeout <= TimeSpan.Zero || r.HealthTimeout > TimeSpan.FromDays(1))
                throw new AutoGlmException("InstallTimeoutInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("InstallTimeoutInvalid", r.HealthTimeout.TotalSeconds), r.HealthTimeout);
            var serviceName = ServiceInput.Name(r.ServiceName ?? ServiceInput.DefaultName(profile.Id));
            var repoSpec = profile.Repository;
            var url = GitUrl.Parse(r.RepositoryUrl ?? repoSpec?.Url ?? throw new AutoGlmException("RepositoryUrlMissing", ErrorKind.InvalidArgument,
                Messages.Format("RepositoryUrlMissing", profile.Id), profile.Id),
                r.AllowLocalRepository, "repository URL (-RepositoryUrl)");
            var pinnedRef = r.Ref ?? repoSpec?.Ref ?? "main";
            if (!RepositoryMigrator.IsSafeRef(pinnedRef))
                throw new AutoGlmException("RepositoryRefInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryRefInvalid", Diagnostics.UntrustedInput.Escape(GitUrl.MaskText(pinnedRef))), pinnedRef);
            if (r.Wheelhouse != null && r.IndexUrl != null)
                throw new AutoGlmException("SourceConflict", ErrorKind.InvalidArgument,
                    Messages.Format("SourceConflict"));
            if (r.Wheelhouse != null && !Directory.Exists(r.Wheelhouse))
                throw new AutoGlmException("WheelhouseNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("WheelhouseNotFound_Install", r.Wheelhouse), r.Wheelhouse);
            if ((r.ModelUrl != null || r.ModelManifest != null) && modelPath == null)
                throw new AutoGlmException("ModelOptionsIncomplete", ErrorKind.InvalidArgument,
                    Messages.Format("ModelOptionsIncomplete_NoPath"), "ModelPath");
            if (r.ModelUrl != null && r.ModelManifest == null)
                throw new AutoGlmException("ModelOptionsIncomplete", ErrorKind.InvalidArgument,
                    Messages.Format("ModelOptionsIncomplete_NoManifest"), "ModelManifest");
            if (r.ModelUrl != null) ValidateModelUrl(r.ModelUrl);
            var manifest = r.ModelManifest == null ? null : ModelManifest.Load(r.ModelManifest);

            // ---- the weights: what is missing without a mirror, or out of the service user's reach, stops here,
            // before the host is even probed
            var model = profile.Models?.FirstOrDefault()?.Id;
            if (modelPath != null)
            {
                var blocked = ModelAccess.BlockedParents(system, modelPath, ServicePlanner.DefaultUser, r.CommandTimeout);
                if (blocked.Count > 0)
                    throw new AutoGlmException("ModelPathNotTraversable", ErrorKind.PermissionDenied,
                        Messages.Format("ModelPathNotTraversable", ServicePlanner.DefaultUser, modelPath, string.Join(", ", blocked), ModelAccess.Fix(blocked)), modelPath);
            }
            PlanStep? modelPhase = null;
            var modelNeedsHuman = new List<string>();
            if (modelPath != null)
            {
                if (manifest != null)
                {
                    var missing = manifest.Files.Where(f => { var i = new FileInfo(system.MapPath(modelPath + "/" + f.Path)); return !i.Exists || i.Length != f.Size; }).ToList();
                    if (missing.Count > 0 && r.ModelUrl == null)
                        throw new AutoGlmException("ModelWeightsMissing", ErrorKind.ObjectNotFound,
                            Messages.Format("ModelWeightsMissing_Files", missing.Count, manifest.Files.Count, modelPath, string.Join(", ", missing.Take(3).Select(f => f.Path)), (missing.Count > 3 ? ", …" : ""), ModelInstructions.Text(manifest.Model ?? model, modelPath)), modelPath);
                    modelPhase = new ModelWeightsStep(modelPath, manifest, r.ModelUrl);
                }
                else
                {
                    if (!File.Exists(system.MapPath(modelPath + "/config.json")))
                        throw new AutoGlmException("ModelWeightsMissing", ErrorKind.ObjectNotFound,
                            Messages.Format("ModelWeightsMissing_NoConfig", modelPath, ModelInstructions.Text(model, modelPath)), modelPath);
                    modelPhase = new ModelPresentStep(modelPath);
                    modelNeedsHuman.Add($"model: {modelPath} has no manifest (-ModelManifest), so its files' completeness is not verified; a manifest of sizes and sha256 lets every run check it.");
                }
            }

            // ---- preflight
            output.Progress(Activity, "preflight: checking the host", 0);
            var run = EnvironmentTester.Evaluate(system, matrix, profile,
                new TestRequest { InstallPath = install, Port = askedPort, CommandTimeout = r.CommandTimeout < TimeSpan.FromSeconds(10) ? r.CommandTimeout : TimeSpan.FromSeconds(10) }, output);
            var results = run.Results;
            var blocking = results.Where(c => c.Status == CheckStatus.Fail && IsBlocking(c, server)).ToList();
            if (blocking.Count > 0)
                throw new AutoGlmException("PreflightFailed", ErrorKind.InvalidOperation, PreflightMessage(profile.Id, blocking), string.Join(",", blocking.Select(b => b.Id)));
            // A Warn does not stop the install, but the person running it should see it once, by check id.
            foreach (var warn in results.Where(c => c.Status == CheckStatus.Warn))
                output.Warning(Messages.Format("Warning_PreflightCheck", warn.Id, warn.Message));
            var preflightSeconds = clock.Elapsed.TotalSeconds;
            var notes = new List<string>();
            var alreadyRight = new List<string>();
            var needsHuman = new List<string>(modelNeedsHuman);
            notes.Add("Preflight: " + string.Join(", ", results.GroupBy(c => c.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}")) + "; no failure stops the install.");
            foreach (var fail in results.Where(c => c.Status == CheckStatus.Fail && FixingPhase(c) == null))
                needsHuman.Add($"{fail.Id}: {fail.Message}" + (fail.Remediation.Length > 0 ? " Fix: " + fail.Remediation.Replace("\n", "; ") : ""));

            var steps = new List<PlanStep>();
            var phases = new List<string> { "preflight" };
            void Phase(string name, IEnumerable<PlanStep> phaseSteps)
            {
                var list = phaseSteps.Select(s => (PlanStep)new PhaseStep(name, s)).ToList();
                if (list.Count == 0) return;
                phases.Add(name);
                steps.AddRange(list);
            }

            // ---- driver (and CUDA)
            if (profile.Requires.Gpu)
            {
                var byId = results.ToDictionary(c => c.Id);
                bool driverRight = byId.TryGetValue("driver.minimum", out var min) && min.Status == CheckStatus.Pass
                    && byId.TryGetValue("driver.pinned", out var pin) && pin.Status == CheckStatus.Pass
                    && !(byId.TryGetValue("gpu.nvml", out var nvml) && nvml.Status == CheckStatus.Fail);
                var driverSteps = new List<PlanStep>();
                var driverRequest = new DriverInstallRequest { Profile = profile.Id, MatrixPaths = r.MatrixPaths?.ToList(), RepositoryUrl = r.DriverRepositoryUrl, RepositoryKeyring = r.DriverRepositoryKeyring, CommandTimeout = r.CommandTimeout, Preview = r.WhatIf, Kit = kit,
                    // A kit made for a branch asked for by name installs that branch; the planner still checks it fits this host.
                    Branch = kit != null && kit.DriverPinned ? kit.DriverBranch : null, Flavor = kit != null && kit.DriverPinned ? kit.DriverFlavor : null,
                    // The kit carries one driver version: plan exactly it, not an older pin recorded on the host.
                    Version = kit?.DriverVersion != null ? Versions.DebianVersion.Parse(kit.DriverVersion).Upstream : null };
                // A run that stopped in the driver phase (for its reboot) finishes that phase when resumed, so the
                // executor confirms the pending step and the summary counts the driver as this run's change.
                var unfinished = Journal.Load(Journal.PathFor(system.StateDirectory, PlanName));
                if (unfinished != null && !unfinished.Finished && unfinished.Steps.Any(s => PhaseStep.PhaseOf(s.Id) == "driver"))
                    driverRight = false;
                if (driverRight) alreadyRight.Add($"driver: {min!.Message}");
                else
                {
                    var driverPlan = DriverPlanner.PlanDriver(driverRequest, system, output);
                    driverSteps.AddRange(driverPlan.Steps);
                    notes.AddRange(driverPlan.Notes.Select(n => "driver: " + n));
                    notes.Add("driver: " + driverPlan.Title + ".");
                    if (driverPlan.Steps.Any(s => s.Id == MokStep.StepId))
                        needsHuman.Add("Secure Boot is on: at the next boot, confirm the module signing key in MokManager at the console (the password is in the plan's notes).");
                }
                if (r.CudaToolkit)
                {
                    var cudaPlan = DriverPlanner.PlanCuda(driverRequest, system, output);
                    var have = new HashSet<string>(driverSteps.Select(s => s.Id));
                    driverSteps.AddRange(cudaPlan.Steps.Where(s => !have.Contains(s.Id)));
                    notes.Add("driver: " + cudaPlan.Title + ".");
                }
                else notes.Add("driver: no CUDA toolkit is installed: the torch wheels carry the CUDA runtime they need (add -CudaToolkit / --cuda-toolkit for JIT builds).");
                Phase("driver", driverSteps);
            }

            // ---- Python venv
            var venvRequest = new VenvRequest
            {
                Profile = profile.Id, MatrixPaths = r.MatrixPaths?.ToList(), InstallPath = install, Wheelhouse = r.Wheelhouse, IndexUrl = r.IndexUrl,
                CommandTimeout = r.CommandTimeout, Stack = r.Stack, Matrix = matrix, Preview = r.WhatIf, LockFile = r.LockFile,
            };
            var venvPlan = VenvService.SyncPlan(system, venvRequest, output);
            notes.AddRange(venvPlan.Notes.Where(n => !n.StartsWith("Phase ", StringComparison.Ordinal) && !n.StartsWith("#", StringComparison.Ordinal)).Select(n => "python: " + n));
            Phase("python", venvPlan.Steps);
            var venv = VenvService.VenvPathOf(venvRequest, profile);

            // ---- repository: clone, or migrate a checkout whose remote moved; then pip install -e
            var checkout = install + "/" + url.Name;
            var repoSteps = new List<PlanStep>();
            var realCheckout = system.MapPath(checkout);
            if (Directory.Exists(realCheckout) && Directory.EnumerateFileSystemEntries(realCheckout).Any())
            {
                var top = system.Run(new[] { "git", "-C", realCheckout, "rev-parse", "--show-toplevel" }, r.CommandTimeout);
                if (!top.Succeeded || Path.GetFullPath(top.Stdout.Trim()).TrimEnd('/') != Path.GetFullPath(realCheckout).TrimEnd('/'))
                    throw new AutoGlmException("RepositoryPathOccupied", ErrorKind.ResourceExists,
                        Messages.Format("RepositoryPathOccupied", checkout), checkout);
                var origin = new GitRepository(system, realCheckout).RemoteUrl("origin");
                var current = origin == null ? null : RepositoryMigrator.Lenient(origin);
                if ((current == null || !current.SameRepository(url)) && r.CloneFrom != null)
                    throw new AutoGlmException("KitCheckoutElsewhere", ErrorKind.ResourceExists,
                        Messages.Format("KitCheckoutElsewhere", checkout, GitUrl.MaskText(origin ?? "(none)"), url.Display), checkout);
                if (current == null || !current.SameRepository(url))
                {
                    var migration = RepositoryMigrator.Plan(system, new MigrationRequest
                    {
                        Path = checkout, To = r.RepositoryUrl ?? url.Raw, Ref = pinnedRef, AllowLocal = r.AllowLocalRepository, Profile = repoSpec,
                    }, output);
                    repoSteps.AddRange(migration.Plan.Steps);
                    notes.AddRange(migration.Plan.Notes.Select(n => "repository: " + n));
                }
                else repoSteps.Add(new GitCloneStep(checkout, url, pinnedRef, r.CloneFrom));
            }
            else repoSteps.Add(new GitCloneStep(checkout, url, pinnedRef, r.CloneFrom));
            var source = r.Wheelhouse != null ? new[] { "--no-index", "--find-links", Path.GetFullPath(r.Wheelhouse) }
                : r.IndexUrl != null ? new[] { "--index-url", r.IndexUrl } : Array.Empty<string>();
            repoSteps.Add(new EditableInstallStep(venv, checkout, source));
            Phase("repository", repoSteps);

            // ---- model weights (checked when planned; the phase was decided before the preflight)
            if (modelPhase != null) Phase("model", new[] { modelPhase });
            else if (server) notes.Add($"model: no -ModelPath: the server downloads {model} (about 20 GB) into its cache on first start; the health check waits up to {r.HealthTimeout.TotalSeconds:0} s for it.");

            // ---- service (server profiles) and the application's configuration
            int? port = null;
            string served = "autoglm-phone-9b";
            var serviceSteps = new List<PlanStep>();
            if (server)
            {
                var serviceRequest = new ServiceRequest
                {
                    Profile = profile.Id, Name = serviceName, InstallPath = install, VenvPath = venv, Port = r.Port, MatrixPaths = r.MatrixPaths,
                    HealthTimeout = r.HealthTimeout, WhatIf = r.WhatIf, VenvPending = true, ModelPath = modelPath,
                };
                var definition = ServicePlanner.Define(serviceRequest, system, matrix, new List<string>());
                port = definition.Port;
                var at = profile.Launch!.IndexOf("--served-model-name");
                if (at >= 0 && at + 1 < profile.Launch.Count) served = profile.Launch[at + 1];
                var servicePlan = ServicePlanner.Register(serviceRequest, system, matrix);
                serviceSteps.AddRange(servicePlan.Steps);
                notes.AddRange(servicePlan.Notes.Select(n => "service: " + n));
            }
            var configName = server ? serviceName : "phone-agent";
            var configPath = "/etc/autoglm/" + configName + ".conf";
            var baseUrl = port != null ? $"http://127.0.0.1:{port.Value.ToString(CultureInfo.InvariantCulture)}/v1" : "http://localhost:8000/v1";
            var config = ConfigText(profile.Id, baseUrl, served, port, install, checkout, venv, modelPath, server ? serviceName : null, r.HealthTimeout);
            var mustExist = new List<string> { install, checkout, venv };
            if (modelPath != null) mustExist.Add(modelPath);
            Phase("config", new PlanStep[] { new AppConfigStep(configPath, config, mustExist) });
            Phase("service", serviceSteps);
            if (server) Phase("proof", new PlanStep[] { new DeploymentProofStep(baseUrl, served, r.HealthTimeout) });
            else notes.Add($"No server in profile {profile.Id}: point PHONE_AGENT_BASE_URL in {configPath} at the model endpoint.");

            if (kit != null)
            {
                notes.Insert(0, $"Offline kit {kit.Directory} (id {kit.Id.Substring(0, 12)}, made by {kit.CreatedBy} on {kit.Created}): every file matched its manifest.");
                if (kit.HasModel && modelPath == null) notes.Add(Messages.ForFace($"model: the kit carries the model's manifest{(kit.ModelWeights ? " and weights" : "")}; add {Messages.Say("-ModelPath", "--model-path")} to install them from it."));
            }
            var title = $"Open-AutoGLM {profile.Id} in {install}" + (port != null ? $", serving on port {port}" : "");
            output.Progress(Activity, "planned", -1);
            return new HostInstallPlan(new ChangePlan(PlanName, title, steps, notes), profile.Id, phases, results, preflightSeconds, alreadyRight, needsHuman, configPath, port);
        }

        /// <summary>
        /// The request with every source taken from the kit: the driver repository, lock and wheels, the repository's
        /// bundle at the recorded commit, the model and the site matrix. An option the kit supplies is refused, and so
        /// is a host the kit was not made for (OS, architecture, profile) or an AutoGlm that ships another matrix.
        /// </summary>
        private static HostInstallRequest FromKit(ISystemHost system, HostInstallRequest r, OfflineKit kit)
        {
            void Conflict(bool given, string ps, string cli)
            {
                if (given) throw new AutoGlmException("KitOptionConflict", ErrorKind.InvalidArgument, Messages.ForFace(Messages.Format("KitOptionConflict", Messages.Say(ps, cli))), ps);
            }
            Conflict(r.RepositoryUrl != null, "-RepositoryUrl", "--repository-url");
            Conflict(r.Ref != null, "-Ref", "--ref");
            Conflict(r.Wheelhouse != null, "-Wheelhouse", "--wheelhouse");
            Conflict(r.IndexUrl != null, "-IndexUrl", "--index-url");
            Conflict(r.LockFile != null, "-LockFile", "--lock");
            Conflict(r.DriverRepositoryUrl != null, "-DriverRepositoryUrl", "--driver-repository-url");
            Conflict(r.DriverRepositoryKeyring != null, "-DriverRepositoryKeyring", "--driver-repository-keyring");
            Conflict(r.ModelManifest != null, "-ModelManifest", "--model-manifest");
            Conflict(r.ModelUrl != null, "-ModelUrl", "--model-url");
            Conflict(r.MatrixPaths != null && r.MatrixPaths.Count > 0, "-MatrixPath", "--matrix");
            if (r.Profile != null && r.Profile != kit.Profile) throw kit.Mismatch("profile", kit.Profile, r.Profile);
            if (r.CudaToolkit && !kit.CudaToolkit) throw kit.Mismatch("CUDA toolkit", "no toolkit", "a request for one");
            var shipped = MatrixLoader.FindShippedDirectory();
            var digest = shipped == null ? "" : KitExporter.ShippedMatrixDigest(shipped);
            if (digest != kit.ShippedMatrix)
                throw new AutoGlmException("KitMatrixMismatch", ErrorKind.InvalidOperation, Messages.Format("KitMatrixMismatch", kit.Directory, kit.CreatedBy, kit.ShippedMatrix, digest), kit.Directory);
            var site = kit.SiteMatrix.Select(kit.Full).ToList();
            var matrix = MatrixLoader.LoadDefault(site);
            var host = OfflineKit.ReadHost(system, r.CommandTimeout);
            var os = host.Distro == null || host.Version == null ? null : matrix.FindOperatingSystem(host.Distro, host.Version);
            kit.CheckHost(os?.Id ?? (host.Distro + " " + host.Version).Trim(), host.Architecture);

            var k = r.Copy();
            k.Profile = kit.Profile;
            k.MatrixPaths = site;
            k.AllowLocalRepository = true;
            k.RepositoryUrl = kit.RepositoryUrl;
            k.Ref = kit.RepositoryCommit;
            k.CloneFrom = kit.Full(kit.RepositoryBundle);
            k.LockFile = kit.Full(OfflineKit.LockPath);
            k.Wheelhouse = kit.Full(OfflineKit.WheelFolder);
            if (kit.HasDriver) k.DriverRepositoryUrl = kit.AptUrl();
            if (kit.DriverKeyring != null) k.DriverRepositoryKeyring = kit.Full(kit.DriverKeyring);
            if (kit.HasModel && r.ModelPath != null)
            {
                k.ModelManifest = kit.Full(OfflineKit.ModelManifestPath);
                if (kit.ModelWeights) k.ModelUrl = new Uri(kit.Full(OfflineKit.ModelFolder) + Path.DirectorySeparatorChar).AbsoluteUri;
            }
            return k;
        }

        internal static string ConfigText(string profile, string baseUrl, string model, int? port, string install, string checkout, string venv, string? modelPath, string? service, TimeSpan healthTimeout)
        {
            var lines = new List<string>
            {
                "# Written by AutoGlm (Install-AutoGlmHost): the Open-AutoGLM deployment on this host.",
                "# The phone agent reads PHONE_AGENT_*: set -a; . THIS_FILE; set +a; python main.py \"task\"",
                "PHONE_AGENT_BASE_URL=" + baseUrl,
                "PHONE_AGENT_MODEL=" + model,
                "AUTOGLM_PROFILE=" + profile,
            };
            if (port != null) lines.Add("AUTOGLM_PORT=" + port.Value.ToString(CultureInfo.InvariantCulture));
            lines.Add("AUTOGLM_INSTALL_PATH=" + install);
            lines.Add("AUTOGLM_REPOSITORY=" + checkout);
            lines.Add("AUTOGLM_VENV=" + venv);
            if (modelPath != null) lines.Add("AUTOGLM_MODEL_PATH=" + modelPath);
            if (service != null) lines.Add("AUTOGLM_SERVICE=" + service);
            lines.Add("AUTOGLM_HEALTH_TIMEOUT_SEC=" + ((long)healthTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            return string.Join("\n", lines) + "\n";
        }

        private static void ValidateModelUrl(string url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http" && uri.Scheme != "file")
                || url.IndexOfAny(new[] { '\n', '\r', '\0', ' ' }) >= 0)
                throw new AutoGlmException("ModelUrlInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("ModelUrlInvalid", ModelWeightsStep.MaskUrl(url)), ModelWeightsStep.MaskUrl(url));
        }

        internal static bool IsBlocking(CheckResult c, bool server)
        {
            if (FixedByPlan.Contains(c.Id)) return false;
            if (c.Id.StartsWith("gpu.", StringComparison.Ordinal) && !server) return false;
            return BlockingCategories.Contains(c.Category);
        }

        /// <summary>The phase that fixes a failed check, or null when none does (a person must).</summary>
        internal static string? FixingPhase(CheckResult c) => c.Category switch
        {
            "driver" => "driver",
            "cuda" => "driver",
            "python" => "python",
            "network" => "service",
            "privileges" => "apply",
            _ => FixedByPlan.Contains(c.Id) ? "driver" : null,
        };

        private static string PreflightMessage(string profile, IReadOnlyList<CheckResult> blocking)
        {
            var lines = new List<string> { Messages.Format("PreflightFailed", profile) };
            foreach (var c in blocking)
            {
                lines.Add(Messages.Format("PreflightFailed_Check", c.Id, c.Message,
                    c.Observed.Length > 0 ? Messages.Format("PreflightFailed_Found", c.Observed, c.Expected.Length > 0 ? Messages.Format("PreflightFailed_Needed", c.Expected) : "") : ""));
                // A check whose remediation is already its message's own advice gets no "fix:" line repeating it.
                if (c.Remediation.Trim().Length > 0 && !c.Message.Contains(c.Remediation.Trim())) lines.Add(Messages.Format("PreflightFailed_Fix", c.Remediation.Replace("\n", "\n       ")));
                if (c.Category == "firmware")
                    lines.Add(Messages.Format("PreflightFailed_Firmware"));
            }
            return string.Join(Environment.NewLine, lines);
        }

        /// <summary>The account of a run, per phase: what changed, what was already right, what needs a person.</summary>
        public static InstallSummary Summarize(HostInstallPlan plan, ApplyResult result)
        {
            var s = new InstallSummary
            {
                Profile = plan.Profile, Plan = result.Plan, Title = result.Title, Status = result.Status, Message = result.Message, Resumed = result.Resumed,
                FailedStep = result.FailedStep, JournalPath = result.JournalPath, ConfigPath = plan.ConfigPath, Port = plan.Port,
                Seconds = Math.Round(result.Seconds + plan.PreflightSeconds, 3),
            };
            s.Phases.Add(new PhaseSummary { Name = "preflight", Status = "passed", Seconds = Math.Round(plan.PreflightSeconds, 3) });
            foreach (var phase in plan.Phases.Skip(1))
            {
                var steps = result.Steps.Where(x => PhaseStep.PhaseOf(x.Id) == phase).ToList();
                s.Phases.Add(new PhaseSummary
                {
                    Name = phase, Steps = steps.Count, Changed = steps.Count(x => x.Result == StepResult.Changed), Unchanged = steps.Count(x => x.Result == StepResult.Unchanged),
                    Seconds = Math.Round(steps.Sum(x => x.Seconds), 3), Status = PhaseStatus(steps),
                });
            }
            s.Changed.AddRange(result.Steps.Where(x => x.Result == StepResult.Changed).Select(x => $"{x.Id}: {FirstLine(x.Detail)}"));
            s.AlreadyRight.AddRange(plan.AlreadyRight);
            s.AlreadyRight.AddRange(result.Steps.Where(x => x.Result == StepResult.Unchanged).Select(x => $"{x.Id}: {FirstLine(x.Detail)}"));
            s.RolledBack.AddRange(result.Steps.Where(x => x.Result == StepResult.RolledBack).Select(x => x.Id));
            if (result.State == RunStatus.RolledBack && result.FailedStep != null) s.RolledBack.Add(result.FailedStep);
            s.NotRolledBack.AddRange(result.Steps.Where(x => x.Result == StepResult.RollbackFailed).Select(x => $"{x.Id}: {FirstLine(x.Detail)}"));
            s.NeedsHuman.AddRange(plan.NeedsHuman);
            if (result.State == RunStatus.RebootRequired) s.NeedsHuman.Add(Messages.ForFace("Reboot the host, then run the same command again with " + Messages.Say("-Resume", "--resume") + "."));
            if (result.Failed) s.NeedsHuman.Add(result.Message.Replace(Environment.NewLine, " "));
            return s;
        }

        private static string PhaseStatus(IReadOnlyList<StepOutcome> steps)
        {
            // The worst outcome names the phase.
            foreach (var o in new[] { StepResult.Failed, StepResult.RollbackFailed, StepResult.RolledBack, StepResult.RebootPending, StepResult.NotRun })
                if (steps.Any(x => x.Result == o)) return StatusText.Of(o);
            return steps.Any(x => x.Result == StepResult.Changed) ? "changed" : steps.Count == 0 ? "not-run" : "unchanged";
        }

        private static string FirstLine(string text) => text.Split('\n')[0].Trim();

        /// <summary>
        /// Progress per phase: turns the executor's per-step progress into "phase k/n: name" for Write-Progress
        /// (or a line on stderr through <paramref name="phaseStarted"/>).
        /// </summary>
        public static IEngineOutput PhaseProgress(IEngineOutput inner, HostInstallPlan plan, Action<int, int, string>? phaseStarted = null) =>
            new PhaseOutput(inner, plan, phaseStarted);

        private sealed class PhaseOutput : IEngineOutput
        {
            private readonly IEngineOutput _inner;
            private readonly HostInstallPlan _plan;
            private readonly Action<int, int, string>? _started;
            private string? _current;

            public PhaseOutput(IEngineOutput inner, HostInstallPlan plan, Action<int, int, string>? started)
            {
                _inner = inner;
                _plan = plan;
                _started = started;
            }

            public void Error(Diagnostics.AutoGlmException error) => _inner.Error(error);

            public void Progress(string activity, string status, int percent)
            {
                int slash = status.IndexOf('/');
                if (percent >= 0 && activity.StartsWith("Applying ", StringComparison.Ordinal) && slash > 0
                    && int.TryParse(status.Substring(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    && number >= 1 && number <= _plan.Plan.Steps.Count)
                {
                    var phase = PhaseStep.PhaseOf(_plan.Plan.Steps[number - 1].Id);
                    int index = _plan.Phases.ToList().IndexOf(phase);
                    if (phase != _current)
                    {
                        _current = phase;
                        _started?.Invoke(index + 1, _plan.Phases.Count, phase);
                    }
                    _inner.Progress(Activity, $"phase {index + 1}/{_plan.Phases.Count} {phase}: {status}", percent);
                    return;
                }
                _inner.Progress(activity, status, percent);
            }

            public void Verbose(string message) => _inner.Verbose(message);
            public void Warning(string message) => _inner.Warning(message);
            public void Debug(string message) => _inner.Debug(message);
        }
    }
}
