using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Git
{
    public sealed class RemoteInfo
    {
        public string Name { get; set; } = "";
        /// <summary>Credentials masked.</summary>
        public string Url { get; set; } = "";
        public string? PushUrl { get; set; }
        public bool HasCredentials { get; set; }
    }

    public sealed class SubmoduleInfo
    {
        public string Name { get; set; } = "";
        public string Path { get; set; } = "";
        /// <summary>The URL in .gitmodules, credentials masked.</summary>
        public string Url { get; set; } = "";
        /// <summary>The URL in .git/config (set once initialised), credentials masked.</summary>
        public string? ConfiguredUrl { get; set; }
    }

    /// <summary>What a checkout holds, read-only: what `autoglm repo status` prints and a migration records first.</summary>
    public sealed class RepositoryInspection
    {
        public string Path { get; set; } = "";
        public List<RemoteInfo> Remotes { get; } = new List<RemoteInfo>();
        /// <summary>The checked-out branch; null when HEAD is detached.</summary>
        public string? Branch { get; set; }
        public string Head { get; set; } = "";
        /// <summary>"origin/main" when the branch tracks one.</summary>
        public string? Upstream { get; set; }
        /// <summary>Commits on HEAD that no remote-tracking ref of the tracked (or origin) remote holds.</summary>
        public List<string> LocalCommits { get; } = new List<string>();
        public List<string> Modified { get; } = new List<string>();
        public List<string> Untracked { get; } = new List<string>();
        public int Stashes { get; set; }
        public List<SubmoduleInfo> Submodules { get; } = new List<SubmoduleInfo>();
        /// <summary>LFS settings (config keys; values masked) and whether .gitattributes routes files through LFS.</summary>
        public List<string> Lfs { get; } = new List<string>();
        /// <summary>credential.* and http.&lt;url&gt;.* keys: they are keyed by URL and may not follow a move.</summary>
        public List<string> CredentialSettings { get; } = new List<string>();
        /// <summary>merge, rebase, cherry-pick, revert or bisect in progress.</summary>
        public string? OperationInProgress { get; set; }

        public bool Dirty => Modified.Count + Untracked.Count > 0;

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["path"] = Path,
            ["remotes"] = Remotes.Select(r => new Dictionary<string, object?> { ["name"] = r.Name, ["url"] = r.Url, ["pushUrl"] = r.PushUrl, ["credentialsInUrl"] = r.HasCredentials }).ToList(),
            ["branch"] = Branch,
            ["head"] = Head,
            ["upstream"] = Upstream,
            ["localCommits"] = LocalCommits,
            ["modified"] = Modified,
            ["untracked"] = Untracked,
            ["stashes"] = Stashes,
            ["submodules"] = Submodules.Select(s => new Dictionary<string, object?> { ["name"] = s.Name, ["path"] = s.Path, ["url"] = s.Url, ["configuredUrl"] = s.ConfiguredUrl }).ToList(),
            ["lfs"] = Lfs,
            ["credentialSettings"] = CredentialSettings,
            ["operationInProgress"] = OperationInProgress,
        };

        public string ToText()
        {
            var sb = new StringBuilder();
            sb.AppendLine($"repository {Path}");
            foreach (var r in Remotes)
                sb.AppendLine($"  remote {r.Name}: {r.Url}{(r.PushUrl != null ? " (push " + r.PushUrl + ")" : "")}{(r.HasCredentials ? "  [credentials in the URL]" : "")}");
            sb.AppendLine($"  HEAD: {(Branch != null ? "branch " + Branch : "detached")} at {Short(Head)}{(Upstream != null ? ", tracking " + Upstream : "")}");
            sb.AppendLine($"  local commits not on the remote: {LocalCommits.Count}");
            sb.AppendLine($"  uncommitted: {Modified.Count} changed, {Untracked.Count} untracked; stashes: {Stashes}");
            foreach (var s in Submodules) sb.AppendLine($"  submodule {s.Name} ({s.Path}): {s.Url}{(s.ConfiguredUrl != null && s.ConfiguredUrl != s.Url ? " (configured " + s.ConfiguredUrl + ")" : "")}");
            foreach (var l in Lfs) sb.AppendLine("  lfs: " + l);
            foreach (var c in CredentialSettings) sb.AppendLine("  credential setting: " + c);
            if (OperationInProgress != null) sb.AppendLine($"  in progress: {OperationInProgress}");
            return sb.ToString();
        }

        public static string Short(string sha) => sha.Length > 12 ? sha.Substring(0, 12) : sha;
    }

    /// <summary>Reads a checkout's state through git; changes nothing.</summary>
    public static class RepositoryInspector
    {
        /// <summary>Maps a user's path (absolute, or relative to the current directory) under the host's root.</summary>
        public static string RealPath(ISystemHost system, string path)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new AutoGlmException("RepositoryPathMissing", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryPathMissing"), path);
            // Under a root the path is a host path and must stay under it (no '..'); on the live root a
            // relative path is the user's own, from the current directory.
            if (system.Root != "/") UntrustedInput.HostPath(path, "repository path (--path / -Path)");
            var full = System.IO.Path.IsPathRooted(path) || system.Root == "/" ? System.IO.Path.GetFullPath(path) : "/" + path;
            return system.MapPath(full);
        }

        public static (GitRepository Repo, RepositoryInspection Inspection) Inspect(ISystemHost system, string path, string? remote = null)
        {
            var real = RealPath(system, path);
            var top = GitRepository.RequireWorkTree(system, real, path);
            var repo = new GitRepository(system, top);
            return (repo, Inspect(repo, remote));
        }

        public static RepositoryInspection Inspect(GitRepository repo, string? remote = null)
        {
            var i = new RepositoryInspection { Path = repo.WorkTree };
            foreach (var name in repo.RemoteNames())
            {
                var url = repo.RemoteUrl(name) ?? "";
                var push = repo.GetLocal($"remote.{name}.pushurl");
                i.Remotes.Add(new RemoteInfo
                {
                    Name = name,
                    Url = GitUrl.MaskText(url),
                    PushUrl = push == null ? null : GitUrl.MaskText(push),
                    HasCredentials = GitUrl.MaskText(url) != url,
                });
            }
            i.Branch = repo.Branch();
            i.Head = repo.Head() ?? "";
            if (i.Branch != null)
            {
                var upRemote = repo.GetLocal($"branch.{i.Branch}.remote");
                var upMerge = repo.GetLocal($"branch.{i.Branch}.merge");
                if (upRemote != null && upMerge != null) i.Upstream = upRemote + "/" + StripHeads(upMerge);
            }
            var tracked = remote ?? (i.Branch != null ? repo.GetLocal($"branch.{i.Branch}.remote") : null) ?? "origin";
            if (i.Head.Length > 0)
                i.LocalCommits.AddRange(repo.Lines("rev-list", "HEAD", "--not", "--remotes=" + tracked));
            var (modified, untracked) = repo.Status();
            i.Modified.AddRange(modified);
            i.Untracked.AddRange(untracked);
            i.Stashes = repo.Lines("stash", "list").Count;
            i.Submodules.AddRange(Submodules(repo));
            foreach (var line in repo.Lines("config", "--get-regexp", @"^(lfs\.|remote\..*\.lfsurl|filter\.lfs\.)"))
                i.Lfs.Add(GitUrl.MaskText(line));
            if (File.Exists(System.IO.Path.Combine(repo.WorkTree, ".gitattributes")) &&
                File.ReadAllText(System.IO.Path.Combine(repo.WorkTree, ".gitattributes")).Contains("filter=lfs"))
                i.Lfs.Add(".gitattributes routes files through LFS (filter=lfs)");
            foreach (var line in repo.Lines("config", "--get-regexp", @"^(credential\.|http\..+\.)"))
                i.CredentialSettings.Add(GitUrl.MaskText(line.Split(' ')[0]));
            i.OperationInProgress = InProgress(repo);
            return i;
        }

        public static List<SubmoduleInfo> Submodules(GitRepository repo)
        {
            var list = new List<SubmoduleInfo>();
            if (!File.Exists(System.IO.Path.Combine(repo.WorkTree, ".gitmodules"))) return list;
            foreach (var line in repo.Lines("config", "--file", ".gitmodules", "--get-regexp", @"^submodule\..*\.url$"))
            {
                int space = line.IndexOf(' ');
                if (space < 0) continue;
                var key = line.Substring(0, space);
                var name = key.Substring("submodule.".Length, key.Length - "submodule.".Length - ".url".Length);
                var configured = repo.GetLocal($"submodule.{name}.url");
                list.Add(new SubmoduleInfo
                {
                    Name = name,
                    Path = repo.Output("config", "--file", ".gitmodules", "--get", $"submodule.{name}.path") ?? name,
                    Url = GitUrl.MaskText(line.Substring(space + 1)),
                    ConfiguredUrl = configured == null ? null : GitUrl.MaskText(configured),
                });
            }
            return list;
        }

        public static string? InProgress(GitRepository repo)
        {
            var gitDir = repo.Output("rev-parse", "--absolute-git-dir");
            if (gitDir == null) return null;
            var markers = new (string File, string What)[]
            {
                ("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase or am"),
                ("CHERRY_PICK_HEAD", "a cherry-pick"), ("REVERT_HEAD", "a revert"), ("BISECT_LOG", "a bisect"),
            };
            foreach (var (file, what) in markers)
                if (File.Exists(System.IO.Path.Combine(gitDir, file)) || Directory.Exists(System.IO.Path.Combine(gitDir, file))) return what;
            return null;
        }

        internal static string StripHeads(string merge) =>
            merge.StartsWith("refs/heads/", StringComparison.Ordinal) ? merge.Substring("refs/heads/".Length) : merge;
    }
}
