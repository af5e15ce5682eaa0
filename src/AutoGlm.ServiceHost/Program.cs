using System;
using System.ServiceProcess;
using System.Threading;

namespace AutoGlm.ServiceHost
{
    /// <summary>
    /// AutoGlm.ServiceHost.exe --config FILE          run as the service the SCM started (sc.exe binPath)
    /// AutoGlm.ServiceHost.exe --config FILE --console run in this console until Ctrl-C (to try a definition)
    /// AutoGlm.ServiceHost.exe --config FILE --check   check the definition and environment file, start nothing
    /// </summary>
    public static class Program
    {
        private const string Usage = "usage: AutoGlm.ServiceHost.exe --config FILE [--console | --check]";

        public static int Main(string[] args)
        {
            string? config = null;
            bool console = false, check = false;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--config" when i + 1 < args.Length: config = args[++i]; break;
                    case "--console": console = true; break;
                    case "--check": check = true; break;
                    default: Console.Error.WriteLine($"unknown argument '{args[i]}'. {Usage}"); return 2;
                }
            }
            if (config == null) { Console.Error.WriteLine(Usage); return 2; }
            if (check) return Check(config);
            if (console || Environment.UserInteractive) return RunInConsole(config);
            ServiceBase.Run(new HostService(config));
            return 0;
        }

        private static int Check(string config)
        {
            try
            {
                var c = HostConfig.Load(config);
                var secrets = c.ReadSecrets();
                Console.WriteLine($"{config}: {c.Name} runs {c.Executable} ({c.Arguments.Count} argument(s), {secrets.Count} secret value(s)); log {c.LogPath}");
                return 0;
            }
            catch (HostConfigException e)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        }

        private static int RunInConsole(string config)
        {
            using var stop = new ManualResetEvent(false);
            // The child shares this console and gets the Ctrl-C itself; the host stops supervising instead of dying.
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Set(); };
            using var launcher = new WindowsLauncher(sharedConsole: true);
            HostRuntime runtime;
            try { runtime = HostRuntime.Start(config, launcher); }
            catch (HostConfigException e) { Console.Error.WriteLine(e.Message); return 1; }
            using (runtime)
            {
                Console.WriteLine($"{runtime.Config.Name}: running; log {runtime.Config.LogPath}. Ctrl-C stops it.");
                stop.WaitOne();
                runtime.Stop();
            }
            return 0;
        }
    }
}
