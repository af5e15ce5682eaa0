using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Git
{
    public sealed class MigrationRequest
    {
        /// <summary>The checkout's directory (a host path; under --root when one is given).</summary>
        public string Path { get; set; } = "";
        /// <summary>The new URL; null: take it from the profile's repository (its url, when origin is one of its movedFrom).</summary>
        public string? To { get; set; }
        /// <summary>Commit, tag or branch of the new remote to check out; null: fast-forward the branch, or stay.</summary>
        public string? Ref { get; set; }
        /// <summary>The remote to migrate; null: the branch's remote, else origin.</summary>
        public string? Remote { get; set; }
        /// <summary>Accept file:// URLs and absolute paths (local mirrors, tests).</summary>
        public bool AllowLocal { get; set; }
        /// <summary>Switch even when the new history does not contain the current one (rewritten, or another fork).</summary>
        public bool AcceptRewrittenHistory { get; set; }
        /// <summary>The profile's repository entry (url, ref, movedFrom), for detecting a known move.</summary>
        public RepositorySpec? Profile { get; set; }
    }

    /// <summary>A migration: its plan, the state recorded before it, and what the move changed for others.</summary>
    public sealed class RepositoryMigration
    {
        internal RepositoryMigration(ChangePlan plan, RepositoryInspection before, string from, string to)
        {
            Plan = plan;
            Before = before;
            From = from;
            To = to;
        }

        public ChangePlan Plan { get; }
        public RepositoryInspection Before { get; }
        /// <summary>The old URL, credentials masked.</summary>
        public string From { get; }
        /// <summary>The new URL, credentials masked.</summary>
        public string To { get; }
        /// <summary>
        /// After an apply: whether requirement files (requirements*.txt, pyproject.toml, setup.py, setup.cfg)
        /// differ between the old and the new HEAD; null before. Re-syncing the venv and restarting the
        /// service are the install and service commands' business: this only exposes the fact.
        /// </summary>
        public bool? RequirementsChanged { get; internal set; }
        public List<string> ChangedRequirementFiles { get; } = new List<string>();
    }

    /// <summary>
    /// Plans the move of a checkout to a new remote URL: fetch into refs/autoglm/migrate/*, verify it is
    /// the same project, switch the remote (the old one kept as autoglm-previous), update tracking (a
    /// renamed default branch too), keep uncommitted work aside while HEAD moves, move to the pinned
    /// ref or fast-forward, carry submodule URLs that moved with it, clean up, report requirement
    /// changes. Every step tests the state first, so a second run converges, and captures what it
    /// replaces, so a failure restores remotes, branch, HEAD and work tree.
    /// </summary>
    public static class RepositoryMigrator
    {
        // Failures that are about the one checkout at hand; another checkout of the same call may still migrate.
        private static readonly string[] CheckoutIds =
        {
            "RepositoryNotFound", "RepositoryHasNoCommits", "RepositoryBusy", "RepositoryRemoteNotFound",
            "RepositoryPreviousRemoteExists", "RepositoryNotSameProject", "RepositoryRefNotFound",
        };

        /// <summary>
        /// Whether a failure is about one checkout among several given to the same call (piped paths): the caller
        /// reports it and goes on with the next. Bad options (URL, profile, matrix, root) are not: no checkout can
        /// succeed with them.
        /// </summary>
        public static bool IsAboutOneCheckout(Diagnostics.AutoGlmException ex) => System.Array.IndexOf(CheckoutIds, ex.ErrorId) >= 0;

        public const string PlanName = "repo-migrate";
        public const string PreviousRemote = "autoglm-previous";
        public const string TempRefs = "refs/autoglm/migrate/";
        public const string StashMessage = "autoglm-migrate: uncommitted work kept aside while HEAD moves";
        internal static readonly string[] RequirementPaths =
            { ":(glob)**/requirements*.txt", ":(glob)**/pyproject.toml", ":(glob)**/setup.py", ":(glob)**/setup.cfg" };

        public static RepositoryMigration Plan(ISystemHost system, MigrationRequest request, IEngineOutput output)
        {
            // The arguments first, before git is asked anything: a bad URL or ref is refused as it is.
            if (request.To != null) GitUrl.Parse(request.To, request.AllowLocal, "new URL (-To)");
            if (request.Ref != null && !IsSafeRef(request.Ref))
                throw new AutoGlmException("RepositoryRefInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryRefInvalid", UntrustedInput.Escape(GitUrl.MaskText(request.Ref))), request.Ref);
            var (repo, before) = RepositoryInspector.Inspect(system, request.Path);
            if (before.Head.Length == 0)
                throw new AutoGlmException("RepositoryHasNoCommits", ErrorKind.InvalidOperation,
                    Messages.Format("RepositoryHasNoCommits", request.Path), request.Path);
            if (before.OperationInProgress != null)
                throw new AutoGlmException("RepositoryBusy", ErrorKind.InvalidOperation,
                    Messages.Format("RepositoryBusy", request.Path, before.OperationInProgress), request.Path);
            if (request.Ref != null && !IsSafeRef(request.Ref))
                throw new AutoGlmException("RepositoryRefInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryRefInvalid", UntrustedInput.Escape(GitUrl.MaskText(request.Ref))), request.Ref);

            var remote = request.Remote;
            if (remote == null)
            {
                var tracked = before.Branch == null ? null : repo.GetLocal($"branch.{before.Branch}.remote");
                remote = tracked != null && tracked != PreviousRemote && tracked != "." ? tracked : "origin";
            }
            if (!before.Remotes.Any(r => r.Name == remote))
                throw new AutoGlmException("RepositoryRemoteNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("RepositoryRemoteNotFound", UntrustedInput.Escape(request.Path), UntrustedInput.Escape(remote), string.Join(", ", before.Remotes.Select(r => r.Name).DefaultIfEmpty("none"))), remote);

            var currentRaw = repo.RemoteUrl(remote) ?? "";
            var current = Lenient(currentRaw);
            var notes = new List<string>();
            var target = Target(repo, request, remote, currentRaw, current, notes);
            if (target.Kind == GitUrlKind.Local) RequireLocalRepository(system, target);

            bool migrated = current != null && current.SameRepository(target);
            var previousRaw = repo.RemoteUrl(PreviousRemote);
            if (!migrated && previousRaw != null)
                throw new AutoGlmException("RepositoryPreviousRemoteExists", ErrorKind.ResourceUnavailable,
                    Messages.Format("RepositoryPreviousRemoteExists", request.Path, PreviousRemote, GitUrl.MaskText(previousRaw)), PreviousRemote);
            // What the repository moved from: the remote now, or what an earlier run kept.
            var old = migrated ? Lenient(previousRaw ?? "") : current;
            var oldShown = migrated ? GitUrl.MaskText(previousRaw ?? "") : GitUrl.MaskText(currentRaw);

            var m = new Migration(repo, remote, target, old, request.Ref, request.AcceptRewrittenHistory, before.Head);
            foreach (var secret in new[] { target.Secret, current?.Secret, old?.Secret }) if (secret != null) m.Secrets.Add(secret);
            if (currentRaw != GitUrl.MaskText(currentRaw) && current?.Secret == null)
                m.Secrets.Add(Regex.Match(currentRaw, "://([^/@]+)@").Groups[1].Value);

            if (migrated) notes.Add($"{remote} already points to {target.Display}; each step checks its part of the move.");
            else notes.Add($"{remote} moves from {oldShown} to {target.Display}; the old URL stays reachable as the remote '{PreviousRemote}'.");
            if (before.LocalCommits.Count > 0)
                notes.Add($"{before.LocalCommits.Count} local commit(s) not on {remote} stay on {(before.Branch ?? "HEAD")}; they are checked against the new history.");
            if (before.Dirty)
                notes.Add($"Uncommitted work ({before.Modified.Count} changed, {before.Untracked.Count} untracked) is kept aside with git stash only if HEAD has to move, and restored after.");
            if (target.HasCredentials)
                notes.Add("The new URL carries credentials: git stores it in .git/config as given, and AutoGlm shows it masked. A credential helper (git config credential.helper) keeps tokens out of the URL.");
            foreach (var setting in before.CredentialSettings.Where(s => old != null && s.ToLowerInvariant().Contains(old.Host) && old.Host.Length > 0))
                notes.Add($"The setting '{setting}' is keyed to the old URL and does not follow the move; set it again for {target.Display} if git needs it.");
            if (before.Lfs.Count > 0)
                notes.Add("LFS is in use: its endpoint follows the remote URL unless lfs.url or remote.<name>.lfsurl pins it; those keys are reported, not rewritten: " + string.Join("; ", before.Lfs) + ".");
            notes.Add("When requirement files change between the old and the new HEAD, the result says so (RequirementsChanged); re-syncing the venv and restarting the service are separate commands.");

            var steps = new List<PlanStep>
            {
                new FetchStep(m),
                new VerifyStep(m),
                new RemoteStep(m),
                new TrackingStep(m, before.Branch),
                new KeepWorkStep(m),
                new MoveStep(m),
                new RestoreWorkStep(m),
                new SubmodulesStep(m),
                new CleanupStep(m),
                new RequirementsStep(m),
            };
            var plan = new ChangePlan(PlanName, $"{request.Path}: {remote} → {target.Display}", steps, notes);
            var migration = new RepositoryMigration(plan, before, oldShown, target.Display);
            m.Result = migration;
            return migration;
        }

        private static GitUrl Target(GitRepository repo, MigrationRequest request, string remote, string currentRaw, GitUrl? current, List<string> notes)
        {
            if (request.To != null) return GitUrl.Parse(request.To, request.AllowLocal, "new URL (-To)");
            var profile = request.Profile;
            if (profile != null && profile.Url.Length > 0)
            {
                var url = GitUrl.Parse(profile.Url, request.AllowLocal, "profile repository URL");
                if (current != null && current.SameRepository(url)) return url;
                foreach (var from in profile.MovedFrom ?? new List<string>())
                {
                    var before = Lenient(from);
                    if (before != null && current != null && before.SameRepository(current))
                    {
                        notes.Add($"{GitUrl.MaskText(currentRaw)} is a former location of {url.Display} (the profile's repository.movedFrom).");
                        return url;
                    }
                }
                // Not a known former location: migrate only when the old remote no longer answers.
                var probe = repo.System.Run(repo.NetworkArgv("ls-remote", "--heads", remote), TimeSpan.FromSeconds(60));
                if (!probe.Succeeded)
                {
                    notes.Add($"{remote} ({GitUrl.MaskText(currentRaw)}) cannot be fetched ({GitUrl.MaskText(probe.Describe())}); moving to the profile's repository {url.Display}, verified to be the same project before anything changes.");
                    return url;
                }
                throw new AutoGlmException("RepositoryTargetUnknown", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryTargetUnknown_Answers", remote, request.Path, GitUrl.MaskText(currentRaw), url.Display), request.Path);
            }
            throw new AutoGlmException("RepositoryTargetUnknown", ErrorKind.InvalidArgument,
                Messages.Format("RepositoryTargetUnknown_NoUrl", request.Path, GitUrl.MaskText(currentRaw)), request.Path);
        }

        private static void RequireLocalRepository(ISystemHost system, GitUrl target)
        {
            var path = target.Path.StartsWith("/", StringComparison.Ordinal) || target.Path.Contains(":") ? target.Path : "/" + target.Path;
            var probe = system.Run(new[] { "git", "-C", path, "rev-parse", "--git-dir" }, TimeSpan.FromSeconds(30));
            if (!System.IO.Directory.Exists(path) || !probe.Succeeded)
                throw new AutoGlmException("RepositoryUrlNotARepository", ErrorKind.ObjectNotFound,
                    Messages.Format("RepositoryUrlNotARepository", target.Display, (System.IO.Directory.Exists(path) ? Messages.Format("RepositoryUrlNotARepository_NotRecognised") : Messages.Format("RepositoryUrlNotARepository_NoDirectory"))), target.Display);
        }

        internal static GitUrl? Lenient(string raw)
        {
            try { return GitUrl.Parse(raw, allowLocal: true); }
            catch (AutoGlmException) { return null; }
        }

        internal static bool IsSafeRef(string r) =>
            Regex.IsMatch(r, @"^[A-Za-z0-9_][A-Za-z0-9._/+-]*$") && !r.Contains("..") && !r.EndsWith(".lock", StringComparison.Ordinal) && r.Length <= 200;
    }
}
