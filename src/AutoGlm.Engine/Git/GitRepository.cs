using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Git
{
    /// <summary>
    /// One work tree, driven through the git CLI as argv (`git -C &lt;path&gt; ...`) on the host. Reads go
    /// straight to the host; changes go through <see cref="StepContext.Run"/> so they are logged (masked)
    /// and a failure stops the step. Git runs without prompts (see ProcessRunner) and, for network
    /// commands, with ssh in batch mode unless the user configured their own ssh command.
    /// </summary>
    public sealed class GitRepository
    {
        private static readonly TimeSpan LocalTimeout = TimeSpan.FromSeconds(60);

        public GitRepository(ISystemHost system, string workTree)
        {
            System = system;
            WorkTree = workTree;
        }

        public ISystemHost System { get; }
        /// <summary>The real directory git runs in (the host path mapped under the root).</summary>
        public string WorkTree { get; }

        public IReadOnlyList<string> Argv(params string[] args) => new[] { "git", "-C", WorkTree }.Concat(args).ToList();

        /// <summary>Argv for a command that talks to a remote: ssh may not prompt either.</summary>
        public IReadOnlyList<string> NetworkArgv(params string[] args)
        {
            bool ownSsh = Get("core.sshCommand") != null
                || System.GetEnvironmentVariable("GIT_SSH_COMMAND") != null
                || System.GetEnvironmentVariable("GIT_SSH") != null;
            var prefix = new List<string> { "git", "-C", WorkTree };
            if (!ownSsh) prefix.AddRange(new[] { "-c", "core.sshCommand=ssh -o BatchMode=yes" });
            return prefix.Concat(args).ToList();
        }

        public CommandResult Read(params string[] args) => System.Run(Argv(args), LocalTimeout);

        /// <summary>Trimmed standard output, or null when git failed.</summary>
        public string? Output(params string[] args)
        {
            var r = Read(args);
            return r.Succeeded ? r.Stdout.Trim() : null;
        }

        public List<string> Lines(params string[] args) =>
            (Output(args) ?? "").Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();

        /// <summary>A config value from any scope, or null.</summary>
        public string? Get(string key) => Output("config", "--get", key);

        /// <summary>A local (.git/config) value, or null.</summary>
        public string? GetLocal(string key) => Output("config", "--local", "--get", key);

        /// <summary>
        /// Runs a fetch and puts .git/FETCH_HEAD back as it was (or removes it): git writes the fetched URL there,
        /// credentials included, and a migration, rolled back or not, leaves no such trace.
        /// </summary>
        public void KeepingFetchHead(Action fetch)
        {
            var gitDir = Output("rev-parse", "--absolute-git-dir");
            var path = gitDir == null ? null : global::System.IO.Path.Combine(gitDir, "FETCH_HEAD");
            byte[]? before = null;
            try { if (path != null && global::System.IO.File.Exists(path)) before = global::System.IO.File.ReadAllBytes(path); }
            catch (global::System.IO.IOException) { path = null; }
            try { fetch(); }
            finally
            {
                if (path != null)
                {
                    try
                    {
                        if (before != null) global::System.IO.File.WriteAllBytes(path, before);
                        else if (global::System.IO.File.Exists(path)) global::System.IO.File.Delete(path);
                    }
                    catch (Exception ex) when (ex is global::System.IO.IOException || ex is UnauthorizedAccessException) { }
                }
            }
        }

        public string? Commit(string rev) => Output("rev-parse", "--verify", "--quiet", rev + "^{commit}");

        public bool RefExists(string name) => Read("show-ref", "--verify", "--quiet", name).Succeeded;

        public string? Branch() => Output("symbolic-ref", "--quiet", "--short", "HEAD");

        public string? Head() => Commit("HEAD");

        public bool IsAncestor(string ancestor, string descendant) => Read("merge-base", "--is-ancestor", ancestor, descendant).Succeeded;

        public List<string> RemoteNames() => Lines("remote");

        public string? RemoteUrl(string remote) => GetLocal($"remote.{remote}.url");

        /// <summary>refs under a prefix, as full names.</summary>
        public List<string> Refs(string prefix) => Lines("for-each-ref", "--format=%(refname)", prefix);

        /// <summary>`git status --porcelain` lines: modified (index or work tree) and untracked entries.</summary>
        public (List<string> Modified, List<string> Untracked) Status()
        {
            var lines = Lines("status", "--porcelain", "--untracked-files=all", "--ignore-submodules=dirty");
            return (lines.Where(l => !l.StartsWith("??", StringComparison.Ordinal)).Select(l => l.Substring(3)).ToList(),
                    lines.Where(l => l.StartsWith("??", StringComparison.Ordinal)).Select(l => l.Substring(3)).ToList());
        }

        public bool IsDirty()
        {
            var (modified, untracked) = Status();
            return modified.Count + untracked.Count > 0;
        }

        /// <summary>Runs a change through the step context: logged with secrets masked, a failure stops the step.</summary>
        public CommandResult Change(StepContext context, params string[] args) => context.Run(Argv(args), LocalTimeout);

        /// <summary>
        /// Identity for commits AutoGlm itself makes (stash entries): the user's when configured, else a
        /// fixed one, so a server without user.email can still keep its work aside.
        /// </summary>
        public string[] IdentityArgs() =>
            Get("user.email") != null && Get("user.name") != null
                ? Array.Empty<string>()
                : new[] { "-c", "user.name=AutoGlm", "-c", "user.email=autoglm@localhost" };

        /// <summary>Checks the tool and the work tree; the top-level directory of the repository.</summary>
        public static string RequireWorkTree(ISystemHost system, string realPath, string shownPath)
        {
            if (!global::System.IO.Directory.Exists(realPath))
                throw new AutoGlmException("RepositoryNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("RepositoryNotFound", shownPath), shownPath);
            var probe = system.Run(new[] { "git", "-C", realPath, "rev-parse", "--show-toplevel" }, LocalTimeout);
            if (probe.Status == CommandStatus.NotFound)
                throw new AutoGlmException("GitNotInstalled", ErrorKind.NotInstalled,
                    Messages.Format("GitNotInstalled"), "git");
            if (!probe.Succeeded)
                throw new AutoGlmException("RepositoryNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("RepositoryNotFound_NotWorkTree", shownPath, GitUrl.MaskText(probe.Describe())), shownPath);
            return probe.Stdout.Trim();
        }
    }
}
