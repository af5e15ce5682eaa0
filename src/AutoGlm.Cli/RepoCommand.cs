using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Git;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Cli
{
    /// <summary>`autoglm repo migrate` (Update-AutoGlmRepository) and `autoglm repo status`.</summary>
    public static class RepoCommand
    {
        public const string Help =
@"autoglm repo - git checkouts of Open-AutoGLM

Usage:
  autoglm repo migrate --path DIR [--to URL] [--ref REF] [--remote NAME] [--profile NAME]
                       [--matrix FILE]... [--allow-local] [--accept-rewritten-history] [plan options]
  autoglm repo status --path DIR [--root DIR] [--format text|json]

migrate moves the checkout to the repository's new URL (Update-AutoGlmRepository): fetches the new
history into refs/autoglm/migrate/*, checks it holds the current one, renames the old remote to
autoglm-previous, adds the new one, follows a renamed default branch (master -> main), keeps
uncommitted work aside while HEAD moves, checks out --ref or fast-forwards, moves submodules that
moved with it, and says when requirement files changed. Any failure puts everything back.

Options:
  --path DIR          the checkout (under --root when one is given)
  --to URL            the new URL; without it, the profile's repository.url when origin is one of
                      its repository.movedFrom (or no longer answers)
  --ref REF           commit, tag or branch of the new remote to check out (detached)
  --remote NAME       the remote to migrate (default: the branch's remote, else origin)
  --profile NAME      profile whose repository entry names the known moves (default: the matrix's)
  --matrix FILE       site matrix file merged over the shipped matrix (repeatable)
  --allow-local       accept file:// URLs and absolute paths (local mirrors)
  --accept-rewritten-history
                      switch even when the new history does not contain the current one; your
                      branch stays where it is, for you to rebase
" + PlanRunner.OptionsHelp + @"

Only https://, ssh:// and git@host:path URLs are accepted (file:// and paths with --allow-local);
credentials in a URL are masked everywhere AutoGlm prints or records.
Exit codes: 0 done or nothing to do, 1 a step failed (everything was put back), 2 the command could
not run (bad input, refused confirmation).";

        public static int Run(IReadOnlyList<string> argv)
        {
            if (argv.Count == 0 || argv[0] == "--help" || argv[0] == "-h")
            {
                Console.WriteLine(Help);
                return argv.Count == 0 ? Program.ExitUsage : Program.ExitOk;
            }
            var rest = argv.Skip(1).ToList();
            switch (argv[0])
            {
                case "migrate": return Migrate(rest, argv);
                case "status": return Status(rest);
                default: throw new UsageException($"unknown repo command '{argv[0]}'. See 'autoglm repo --help'.");
            }
        }

        private static int Migrate(IReadOnlyList<string> argv, IReadOnlyList<string> all)
        {
            var args = Args.Parse(argv, "repo migrate",
                PlanRunner.ValueOptions.Concat(new[] { "path", "to", "ref", "remote", "profile", "matrix" }),
                PlanRunner.FlagOptions.Concat(new[] { "allow-local", "accept-rewritten-history" }));
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var path = args.One("path") ?? throw new UsageException("'repo migrate' needs --path DIR (the checkout to migrate).");
            var runner = new PlanRunner(args, "repo migrate");
            var system = runner.CreateSystem();
            RepositorySpec? profile = null;
            if (args.One("to") == null)
                profile = MatrixLoader.LoadProfile(args.One("profile"), args.All("matrix").ToList()).Profile.Repository;
            var migration = RepositoryMigrator.Plan(system, new MigrationRequest
            {
                Path = path,
                To = args.One("to"),
                Ref = args.One("ref"),
                Remote = args.One("remote"),
                AllowLocal = args.Flag("allow-local"),
                AcceptRewrittenHistory = args.Flag("accept-rewritten-history"),
                Profile = profile,
            }, runner.Output);
            var code = runner.Execute(migration.Plan, system, new[] { "repo" }.Concat(all).ToList());
            if (migration.RequirementsChanged == true && runner.Format == "text")
                Console.WriteLine($"requirements changed: {string.Join(", ", migration.ChangedRequirementFiles)} (re-sync the venv and restart the service)");
            return code;
        }

        private static int Status(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "repo status", new[] { "path", "root", "format" }, Array.Empty<string>());
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var path = args.One("path") ?? throw new UsageException("'repo status' needs --path DIR (the checkout to inspect).");
            var format = args.Choice("format", "text", "text", "json");
            var system = new Engine.Plan.LiveSystem(args.One("root") ?? "/");
            var (_, inspection) = RepositoryInspector.Inspect(system, path);
            Console.Write(format == "json" ? Engine.Json.Json.Serialize(inspection.ToJson()) + "\n" : inspection.ToText());
            return Program.ExitOk;
        }
    }
}
