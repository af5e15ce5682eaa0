using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Services;

namespace AutoGlm.Cli
{
    /// <summary>`autoglm service register|unregister|status` (Register-, Unregister-, Get-AutoGlmService).</summary>
    public static class ServiceCommand
    {
        public const string Help =
@"autoglm service - run the model server as a hardened systemd service (Register-AutoGlmService)

Usage:
  autoglm service register [--profile NAME] [--name NAME] [--install-path DIR] [--venv DIR]
                           [--port N|auto] [--user USER] [--env KEY=VALUE | --env KEY]...
                           [--health-timeout SEC] [--matrix FILE]...
                           [--role server|agent [--task TEXT] [--repository DIR]] [plan options]
  autoglm service unregister [--name NAME | --profile NAME [--matrix FILE]...] [plan options]
  autoglm service status [--name NAME | --profile NAME [--matrix FILE]...] [--root DIR]
                         [--format text|json] [--timeout SEC]

The cmdlets: register (Register-AutoGlmService), unregister (Unregister-AutoGlmService),
status (Get-AutoGlmService).

register: a system user, /var/cache/autoglm/NAME, /etc/autoglm/NAME.env (mode 0600, shown masked),
the unit /etc/systemd/system/NAME.service (default NAME: autoglm-PROFILE), daemon-reload, enable,
restart, then a health check (TCP, then GET /v1/models or /health) with the journal's last lines
if it fails. A taken port stops it, naming the holder, unless --port auto.
  --env KEY=VALUE     environment for the server; every value is a secret. --env KEY takes the
                      value from autoglm's own environment (keeps it out of the process list).
  --role agent        the phone agent instead (Open-AutoGLM's main.py, NAME default
                      autoglm-PROFILE-agent): runs --task TEXT against the profile's server unit,
                      after it, without GPU access; --repository DIR is the checkout with main.py
                      (default INSTALL-PATH/Open-AutoGLM). No health check: it serves nothing.

Plan options (register, unregister):
" + PlanRunner.OptionsHelp + @"

Exit codes: 0 done or nothing to do (status: healthy), 1 a step failed (status: not healthy),
2 the command could not run, 3 a reboot is needed.";

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
                case "register": return Register(rest);
                case "unregister": return Unregister(rest);
                case "status": return Status(rest);
                default: throw new UsageException($"unknown service command '{argv[0]}'. See 'autoglm service --help'.");
            }
        }

        private static Args Parse(IReadOnlyList<string> argv, string command, params string[] values) =>
            Args.Parse(argv, command, PlanRunner.ValueOptions.Concat(values), PlanRunner.FlagOptions);

        private static int Register(IReadOnlyList<string> argv)
        {
            var args = Parse(argv, "service register", "profile", "name", "install-path", "venv", "port", "user", "env", "health-timeout", "matrix", "role", "task", "repository");
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var runner = new PlanRunner(args, "service register");
            var request = new ServiceRequest
            {
                Profile = args.One("profile"), Name = args.One("name"), InstallPath = args.One("install-path"), VenvPath = args.One("venv"),
                Port = args.One("port"), User = args.One("user"), MatrixPaths = args.All("matrix").ToList(),
                Role = args.One("role"), Task = args.One("task"), RepositoryPath = args.One("repository"),
                HealthTimeout = TimeSpan.FromSeconds(args.Int("health-timeout", 1, 86400) ?? 900),
                WhatIf = runner.WhatIf,
            };
            foreach (var pair in args.All("env"))
            {
                int eq = pair.IndexOf('=');
                var key = eq < 0 ? pair : pair.Substring(0, eq);
                var value = eq < 0 ? Environment.GetEnvironmentVariable(key) ?? throw new UsageException($"--env {key}: autoglm's environment has no {key}. Export it, or pass --env {key}=VALUE.") : pair.Substring(eq + 1);
                request.Environment[key] = value;
            }
            var system = runner.CreateSystem();
            var plan = ServicePlanner.Register(request, system, MatrixLoader.LoadDefault(request.MatrixPaths));
            // The continuation is journaled: keep secret values out of it (a service plan never reboots anyway).
            var safeArgv = new List<string> { "service", "register" };
            for (int i = 0; i < argv.Count; i++)
            {
                var a = argv[i];
                if (a == "--env" && i + 1 < argv.Count) { safeArgv.Add(a); safeArgv.Add(argv[++i].Split('=')[0]); }
                else if (a.StartsWith("--env=", StringComparison.Ordinal)) safeArgv.Add(a.Split('=')[0] + "=" + a.Split('=')[1]);
                else safeArgv.Add(a);
            }
            return runner.Execute(plan, system, safeArgv, request.Secrets);
        }

        private static string NameFrom(Args args) =>
            args.One("name") ?? ServiceInput.DefaultName(MatrixLoader.LoadProfile(args.One("profile"), args.All("matrix").ToList()).Profile.Id);

        private static int Unregister(IReadOnlyList<string> argv)
        {
            var args = Parse(argv, "service unregister", "name", "profile", "matrix");
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var runner = new PlanRunner(args, "service unregister");
            var system = runner.CreateSystem();
            var plan = ServicePlanner.Unregister(NameFrom(args), system, runner.WhatIf);
            return runner.Execute(plan, system, new[] { "service", "unregister" }.Concat(argv).ToList());
        }

        private static int Status(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "service status", new[] { "name", "profile", "matrix", "root", "format", "timeout" }, new string[0]);
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var format = args.Choice("format", "text", "text", "json");
            var system = new Engine.Plan.LiveSystem(args.One("root") ?? "/");
            var status = ServicePlanner.Status(NameFrom(args), system, TimeSpan.FromSeconds(args.Int("timeout", 1, 3600) ?? 10));
            Console.Write(format == "json" ? Engine.Json.Json.Serialize(status.ToJson()) + "\n" : Engine.Reports.TextRender.Service(status));
            return status.Healthy ? Program.ExitOk : Program.ExitFailed;
        }
    }
}
