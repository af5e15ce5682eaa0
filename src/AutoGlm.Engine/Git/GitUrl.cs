using System;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Git
{
    public enum GitUrlKind { Https, Ssh, Scp, Local }

    /// <summary>
    /// A git remote URL AutoGlm agrees to pass to git, with a comparison key and a form safe to print.
    ///
    /// The rule: https://, ssh:// and scp-style user@host:path URLs always; file:// URLs and absolute
    /// local paths only when the caller allows local remotes (-AllowLocal / --allow-local: local mirrors
    /// and tests). Everything else is refused before git sees it: other transports (ext::, fd::, any
    /// "name::"), git:// and http:// (no integrity or authentication), URLs starting with '-' (git would
    /// read them as options), control characters, shell metacharacters and whitespace (never valid in a
    /// remote URL, and a sign of an injection attempt even though git runs as argv), and hosts or users
    /// starting with '-' (the ssh option-injection trick).
    /// </summary>
    public sealed class GitUrl
    {
        private static readonly Regex HostPattern = new Regex(@"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$", RegexOptions.CultureInvariant);
        private static readonly Regex UserPattern = new Regex(@"^[A-Za-z0-9_][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant);
        private static readonly Regex PathPattern = new Regex(@"^[A-Za-z0-9._~%+/@-]*$", RegexOptions.CultureInvariant);
        private static readonly Regex ScpPattern = new Regex(@"^(?:(?<user>[^@/]+)@)?(?<host>[^:/]+):(?<path>.*)$", RegexOptions.CultureInvariant);

        private GitUrl(string raw, GitUrlKind kind, string host, string path, string? user, string? secret, string display)
        {
            Raw = raw;
            Kind = kind;
            Host = host;
            Path = path;
            User = user;
            Secret = secret;
            Display = display;
        }

        /// <summary>The URL exactly as given; holds credentials when the user put them there. Never print it.</summary>
        public string Raw { get; }
        public GitUrlKind Kind { get; }
        /// <summary>Lower-case host ("" for local paths).</summary>
        public string Host { get; }
        /// <summary>The repository path as written, without a leading or trailing '/'.</summary>
        public string Path { get; }
        public string? User { get; }
        /// <summary>The credential part of an https URL (user:token), to mask wherever text is shown.</summary>
        public string? Secret { get; }
        /// <summary>The URL with any credentials replaced by "****": the only form plans, logs and journals see.</summary>
        public string Display { get; }
        public bool HasCredentials => Secret != null;

        /// <summary>
        /// The comparison key: host and path in lower case, without scheme, user, credentials, port or a
        /// trailing ".git", so https, ssh and git@ forms of one repository are equal (GitHub and GitLab
        /// treat owner and repository names case-insensitively).
        /// </summary>
        public string Key => (Host + "/" + StripGit(Path)).ToLowerInvariant();

        /// <summary>The key of the folder holding the repository (host/owner), for "moved with it" submodules.</summary>
        public string ParentKey
        {
            get
            {
                var key = Key;
                int slash = key.LastIndexOf('/');
                return slash > 0 ? key.Substring(0, slash) : key;
            }
        }

        /// <summary>The last path segment without ".git": the repository's name.</summary>
        public string Name => StripGit(Path).Split('/').Last();

        public bool SameRepository(GitUrl other) => Key == other.Key;

        public override string ToString() => Display;

        /// <summary>Masks the credentials of any URL-like text (for git's own messages and config values).</summary>
        public static string MaskText(string text) => Redaction.UrlsInText(text);

        public static GitUrl Parse(string? input, bool allowLocal, string what = "URL")
        {
            if (string.IsNullOrEmpty(input) || input!.Trim().Length == 0)
                throw Invalid(input ?? "", what, Messages.Format("RepositoryUrlInvalid_Empty"), Messages.Format("RepositoryUrlInvalid_PassUrl"));
            var raw = input;
            // Shown in every refusal: masked, and escaped so a newline or an escape sequence cannot forge output.
            var shown = Diagnostics.UntrustedInput.Escape(MaskText(raw));
            if (raw.Any(c => c < 0x20 || c == 0x7f))
                throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_ContainsControlCharacters"));
            if (raw.StartsWith("-", StringComparison.Ordinal))
                throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_StartsGitWouldRead"));
            int transport = raw.IndexOf("::", StringComparison.Ordinal);
            if (transport >= 0 && raw.IndexOf('/') is int firstSlash && (firstSlash < 0 || transport < firstSlash))
                throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_NamesGitTransportCan", raw.Substring(0, transport)));
            if (raw.IndexOfAny(" \t;|&`$()<>'\"\\*?!{}^".ToCharArray()) >= 0)
                throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_ContainsWhitespaceShellMetacharacters"));

            var scheme = Regex.Match(raw, @"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://");
            if (scheme.Success)
            {
                var name = scheme.Groups["scheme"].Value.ToLowerInvariant();
                switch (name)
                {
                    case "https": return ParseHierarchical(raw, shown, what, GitUrlKind.Https);
                    case "ssh":
                    case "git+ssh":
                    case "ssh+git": return ParseHierarchical(raw, shown, what, GitUrlKind.Ssh);
                    case "file":
                        if (!allowLocal) throw LocalNotAllowed(shown, what);
                        return ParseLocal(raw, raw.Substring("file://".Length), shown, what);
                    case "http":
                    case "git":
                        throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_HasNoIntegrityAuthentication", name), Messages.Format("RepositoryUrlUnsafe_UseHttpsSshForm"));
                    default:
                        throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_TransportNotOneAutoGlm", name));
                }
            }
            if (raw.StartsWith("/", StringComparison.Ordinal) || Regex.IsMatch(raw, @"^[A-Za-z]:[\\/]"))
            {
                if (!allowLocal) throw LocalNotAllowed(shown, what);
                return ParseLocal(raw, raw, shown, what);
            }
            var scp = ScpPattern.Match(raw);
            if (scp.Success && !raw.StartsWith(".", StringComparison.Ordinal))
            {
                var user = scp.Groups["user"].Success ? scp.Groups["user"].Value : null;
                var host = scp.Groups["host"].Value;
                if (user != null && !UserPattern.IsMatch(user)) throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_UserNotPlainName", user));
                CheckHostAndPath(host, scp.Groups["path"].Value, shown, what);
                var path = scp.Groups["path"].Value.Trim('/');
                return new GitUrl(raw, GitUrlKind.Scp, host.ToLowerInvariant(), path, user, null, raw);
            }
            throw Invalid(shown, what, Messages.Format("RepositoryUrlInvalid_NeitherHttpsSshUser", (allowLocal ? Messages.Format("RepositoryUrlInvalid_NorLocal") : "")),
                Messages.Format("RepositoryUrlInvalid_RelativePathsAreNot"));
        }

        private static GitUrl ParseHierarchical(string raw, string shown, string what, GitUrlKind kind)
        {
            var m = Regex.Match(raw, @"^[^:]+://(?:(?<userinfo>[^@/]*)@)?(?<host>\[[^\]]*\]|[^:/]*)(?::(?<port>[0-9]+))?(?<path>/.*)?$");
            if (!m.Success) throw Invalid(shown, what, Messages.Format("RepositoryUrlInvalid_NotWellFormedURL"), Messages.Format("RepositoryUrlInvalid_WriteSchemeHostOwner"));
            var host = m.Groups["host"].Value;
            var userinfo = m.Groups["userinfo"].Success ? m.Groups["userinfo"].Value : null;
            CheckHostAndPath(host, m.Groups["path"].Value, shown, what);
            string? user = null, secret = null;
            string display = raw;
            if (userinfo != null)
            {
                var name = Uri.UnescapeDataString(userinfo.Split(':')[0]);
                if (name.StartsWith("-", StringComparison.Ordinal)) throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_UserNameStarts"));
                // An https user part is almost always a token (user:token, or a bare token): mask all of it.
                // An ssh user ("git") is not a secret; an ssh password in a URL is.
                if (kind == GitUrlKind.Https || userinfo.Contains(":"))
                {
                    secret = userinfo;
                    display = raw.Replace(userinfo + "@", "****@");
                }
                else user = name;
            }
            var path = Uri.UnescapeDataString(m.Groups["path"].Value).Trim('/');
            if (path.Length == 0) throw Invalid(shown, what, Messages.Format("RepositoryUrlInvalid_NamesNoRepositoryPath"), Messages.Format("RepositoryUrlInvalid_WriteSchemeHostOwner"));
            return new GitUrl(raw, kind, host.ToLowerInvariant(), path, user, secret, display);
        }

        private static GitUrl ParseLocal(string raw, string path, string shown, string what)
        {
            if (path.Length == 0 || !(path.StartsWith("/", StringComparison.Ordinal) || Regex.IsMatch(path, @"^[A-Za-z]:[\\/]")))
                throw Invalid(shown, what, Messages.Format("RepositoryUrlInvalid_LocalRepositoryMustAbsolute"), Messages.Format("RepositoryUrlInvalid_PassFileFullPath"));
            if (!PathPattern.IsMatch(path.Replace('\\', '/').Replace(":", "")))
                throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_PathHoldsCharactersNo"));
            return new GitUrl(raw, GitUrlKind.Local, "", path.Replace('\\', '/').TrimEnd('/'), null, null, raw);
        }

        private static void CheckHostAndPath(string host, string path, string shown, string what)
        {
            if (host.StartsWith("-", StringComparison.Ordinal)) throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_HostStartsSshWould"));
            if (!HostPattern.IsMatch(host)) throw Invalid(shown, what, Messages.Format("RepositoryUrlInvalid_NotHostName", host), Messages.Format("RepositoryUrlInvalid_WriteSchemeHostOwner"));
            if (!PathPattern.IsMatch(path)) throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_PathHoldsCharactersNo"));
            if (path.Split('/').Any(s => s == ".." )) throw Unsafe(shown, what, Messages.Format("RepositoryUrlUnsafe_PathClimbsOut"));
        }

        private static string StripGit(string path)
        {
            var p = path.TrimEnd('/');
            return p.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? p.Substring(0, p.Length - 4) : p;
        }

        private static AutoGlmException Unsafe(string shown, string what, string why, string? fix = null) =>
            new AutoGlmException("RepositoryUrlUnsafe", ErrorKind.SecurityError,
                Messages.Format("RepositoryUrlUnsafe", what, shown, why, fix ?? Messages.Format("RepositoryUrlInvalid_PassUrl")), shown);

        private static AutoGlmException Invalid(string shown, string what, string why, string fix) =>
            new AutoGlmException("RepositoryUrlInvalid", ErrorKind.InvalidArgument, Messages.Format("RepositoryUrlInvalid", what, shown, why, fix), shown);

        private static AutoGlmException LocalNotAllowed(string shown, string what) =>
            new AutoGlmException("RepositoryUrlLocalNotAllowed", ErrorKind.InvalidArgument,
                Messages.Format("RepositoryUrlLocalNotAllowed", what, shown), shown);
    }
}
