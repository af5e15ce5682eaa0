using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Git;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Deploy
{
    /// <summary>
    /// The project's checkout at the pinned ref: cloned into a temporary sibling and renamed into place (a
    /// killed clone never leaves a half checkout at the path), or, when the checkout already tracks the
    /// same repository at another commit, fetched and moved to the ref. Rollback removes what it cloned or
    /// moves HEAD back.
    /// </summary>
    public sealed class GitCloneStep : PlanStep
    {
        private readonly string _path;
        private readonly GitUrl _url;
        private readonly string _ref;
        private readonly string? _from;

        /// <param name="path">Host path of the checkout.</param>
        /// <param name="from">A git bundle to clone and fetch from instead of the URL (an offline kit's); origin is then set to the URL.</param>
        public GitCloneStep(string path, GitUrl url, string pinnedRef, string? from = null)
            : base("repo.clone", "clone", path, from == null
                ? $"Clone {url.Display} into {path} at {pinnedRef} (into a temporary sibling, renamed into place)."
                : $"Clone {url.Display} into {path} at {pinnedRef} from the bundle {from} (into a temporary sibling, renamed into place; origin names {url.Display}).")
        {
            _path = path;
            _url = url;
            _ref = pinnedRef;
            _from = from;
        }

        public string TempPath => _path.TrimEnd('/') + ".autoglm-clone";

        public override IReadOnlyList<IReadOnlyList<string>> Commands => _from == null
            ? new IReadOnlyList<string>[]
            {
                new[] { "git", "-c", "core.sshCommand=ssh -o BatchMode=yes", "clone", "--no-checkout", "--", _url.Display, TempPath },
                new[] { "git", "-C", TempPath, "checkout", "--quiet", "--detach", _ref + "^{commit}" },
                new[] { "mv", TempPath, _path },
            }
            : new IReadOnlyList<string>[]
            {
                new[] { "git", "clone", "--no-checkout", "--", _from, TempPath },
                new[] { "git", "-C", TempPath, "remote", "set-url", "origin", _url.Display },
                new[] { "git", "-C", TempPath, "checkout", "--quiet", "--detach", _ref + "^{commit}" },
                new[] { "mv", TempPath, _path },
            };

        public override bool CanRollBack => true;

        private void Mask(StepContext context)
        {
            if (_url.Secret != null) context.Secrets.Add(_url.Secret);
        }

        public override StepCheck Test(StepContext context)
        {
            Mask(context);
            var real = context.System.MapPath(_path);
            if (!Directory.Exists(real)) return StepCheck.Needed($"there is no checkout at {_path}");
            var repo = new GitRepository(context.System, real);
            var origin = repo.RemoteUrl("origin");
            var current = origin == null ? null : RepositoryMigrator.Lenient(origin);
            if (current == null || !current.SameRepository(_url))
                return StepCheck.Needed($"{_path} has origin {GitUrl.MaskText(origin ?? "(none)")}, not {_url.Display}");
            var head = repo.Head();
            var want = Resolve(repo, _ref);
            if (head != null && head == want) return StepCheck.Satisfied($"{_path} is at {_ref} ({Short(head)}) of {_url.Display}");
            return StepCheck.Needed($"{_path} is at {Short(head)}, not at {_ref}{(want == null ? " (not fetched yet)" : " (" + Short(want) + ")")}");
        }

        internal static string? Resolve(GitRepository repo, string r) => repo.Commit(r) ?? repo.Commit("origin/" + r) ?? repo.Commit("refs/tags/" + r);

        private static string Short(string? sha) => sha == null ? "no commit" : sha.Length > 12 ? sha.Substring(0, 12) : sha;

        public override IDictionary<string, string> Capture(StepContext context)
        {
            var real = context.System.MapPath(_path);
            if (!Directory.Exists(real)) return new Dictionary<string, string> { ["existed"] = "false" };
            return new Dictionary<string, string> { ["existed"] = "true", ["head"] = new GitRepository(context.System, real).Head() ?? "" };
        }

        public override void Set(StepContext context)
        {
            Mask(context);
            var real = context.System.MapPath(_path);
            if (Directory.Exists(real))
            {
                // The same repository at another commit: fetch and move HEAD (the work tree's own changes stay git's business).
                var repo = new GitRepository(context.System, real);
                if (_from != null) repo.Change(context, "fetch", "--quiet", "--tags", _from, "+refs/heads/*:refs/remotes/origin/*");
                else context.Run(repo.NetworkArgv("fetch", "--tags", "origin"));
                var target = Resolve(repo, _ref) ?? throw new StepFailedException(Messages.Format("StepFailed_RefNotFound", _url.Display, _ref));
                repo.Change(context, "checkout", "--quiet", "--detach", target);
                return;
            }
            var temp = context.System.MapPath(TempPath);
            if (Directory.Exists(temp)) DeleteTree(temp); // left by a killed run
            Directory.CreateDirectory(Path.GetDirectoryName(real.TrimEnd('/'))!);
            context.Run(_from == null
                ? new[] { "git", "-c", "core.sshCommand=ssh -o BatchMode=yes", "clone", "--no-checkout", "--", _url.Raw, temp }
                : new[] { "git", "clone", "--no-checkout", "--", _from, temp });
            var clone = new GitRepository(context.System, temp);
            if (_from != null) clone.Change(context, "remote", "set-url", "origin", _url.Raw);
            var commit = Resolve(clone, _ref);
            if (commit == null)
            {
                DeleteTree(temp);
                throw new StepFailedException(Messages.Format("StepFailed_RefNotFetched", _url.Display, _ref));
            }
            clone.Change(context, "checkout", "--quiet", "--detach", commit);
            Directory.Move(temp, real);
        }

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            var real = context.System.MapPath(_path);
            var temp = context.System.MapPath(TempPath);
            if (Directory.Exists(temp)) DeleteTree(temp);
            if (captured.TryGetValue("existed", out var existed) && existed == "false")
            {
                if (Directory.Exists(real)) DeleteTree(real);
                return;
            }
            if (captured.TryGetValue("head", out var head) && head.Length > 0 && Directory.Exists(real))
                new GitRepository(context.System, real).Change(context, "checkout", "--quiet", "--detach", head);
        }

        /// <summary>Deletes a directory tree, clearing read-only bits first (git's pack files are 0444).</summary>
        internal static void DeleteTree(string path)
        {
            foreach (var file in Directory.GetFiles(path, "*", SearchOption.AllDirectories))
                File.SetAttributes(file, FileAttributes.Normal);
            Directory.Delete(path, true);
        }
    }

    /// <summary>
    /// `pip install -e` of the checkout into the venv, as the project's README does, with --no-deps: the
    /// dependencies come from the hash-locked venv. The cheap test: the installed distribution's
    /// direct_url.json names the checkout as editable, and a stamp in the venv names the commit it was
    /// installed at (a rebuilt venv, or a moved checkout, installs again).
    /// </summary>
    public sealed class EditableInstallStep : PlanStep
    {
        public const string StampFile = ".autoglm-editable";
        private readonly string _venv;
        private readonly string _checkout;
        private readonly IReadOnlyList<string> _source;

        /// <param name="source">pip's source options from the request: --no-index --find-links DIR, or --index-url URL.</param>
        public EditableInstallStep(string venv, string checkout, IReadOnlyList<string> source)
            : base("repo.editable", "pip-install", checkout, $"Install the checkout into the venv in editable mode (pip install -e {checkout}, --no-deps: the dependencies come from the lock).")
        {
            _venv = venv;
            _checkout = checkout;
            _source = source;
        }

        private static bool Windows => Path.DirectorySeparatorChar == '\\';
        private string VenvPython(StepContext c) => c.System.MapPath(_venv + (Windows ? "/Scripts/python.exe" : "/bin/python"));

        private IReadOnlyList<string> PipArgs(string checkoutReal) =>
            new[] { "install", "--disable-pip-version-check", "--no-input", "--no-deps" }.Concat(_source).Concat(new[] { "-e", checkoutReal }).ToList();

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new IReadOnlyList<string>[]
        {
            new[] { _venv + "/bin/python", "-m", "pip" }.Concat(PipArgs(_checkout)).ToList(),
        };

        public override StepCheck Test(StepContext context)
        {
            var checkoutReal = context.System.MapPath(_checkout);
            if (!File.Exists(VenvPython(context))) return StepCheck.Needed($"the venv {_venv} does not exist yet");
            if (!Directory.Exists(checkoutReal)) return StepCheck.Needed($"the checkout {_checkout} does not exist yet");
            var head = new GitRepository(context.System, checkoutReal).Head();
            var url = EditableUrl(context);
            if (url == null) return StepCheck.Needed($"no distribution in {_venv} is installed in editable mode from {_checkout}");
            var stamp = context.System.ReadFile(_venv + "/" + StampFile);
            if (!stamp.Ok || stamp.Text!.Trim() != head)
                return StepCheck.Needed($"{_checkout} is installed in editable mode, but not recorded at its current commit {head}");
            return StepCheck.Satisfied($"{_venv} has {_checkout} in editable mode at {head}");
        }

        /// <summary>The direct_url.json that names the checkout as an editable install, or null.</summary>
        private string? EditableUrl(StepContext context)
        {
            var want = "file://" + context.System.MapPath(_checkout).TrimEnd('/');
            foreach (var lib in Windows ? new[] { _venv + "/Lib" } : (context.System.ListDirectory(_venv + "/lib") ?? Array.Empty<string>()).Select(d => _venv + "/lib/" + d))
            {
                var site = Windows ? lib + "/site-packages" : lib + "/site-packages";
                foreach (var info in (context.System.ListDirectory(site) ?? Array.Empty<string>()).Where(d => d.EndsWith(".dist-info", StringComparison.Ordinal)))
                {
                    var read = context.System.ReadFile(site + "/" + info + "/direct_url.json");
                    if (!read.Ok) continue;
                    if (Json.Json.Parse(read.Text!) is IDictionary<string, object?> doc && doc.TryGetValue("url", out var u) && u is string s
                        && Uri.UnescapeDataString(s).TrimEnd('/') == want
                        && doc.TryGetValue("dir_info", out var di) && di is IDictionary<string, object?> dir && dir.TryGetValue("editable", out var e) && e is bool b && b)
                        return s;
                }
            }
            return null;
        }

        public override void Set(StepContext context)
        {
            var checkoutReal = context.System.MapPath(_checkout);
            var python = VenvPython(context);
            // A venv made --without-pip (the venv step's fast path) is installed into by its base interpreter's pip.
            var hasPip = context.System.Run(new[] { python, "-m", "pip", "--version" }, context.CommandTimeout).Succeeded;
            var pip = hasPip ? new[] { python, "-m", "pip" } : new[] { Python.VenvService.BuiltWith(context.System, _venv) ?? "python3", "-m", "pip", "--python", python };
            context.Run(pip.Concat(PipArgs(checkoutReal)).ToList());
            var head = new GitRepository(context.System, checkoutReal).Head() ?? "";
            context.System.WriteFile(_venv + "/" + StampFile, head + "\n", 0x1A4);
        }
    }
}
