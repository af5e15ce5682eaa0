using System;

namespace AutoGlm.ServiceHost
{
    /// <summary>
    /// The host from its definition file: loads and checks it (a bad definition or environment file fails the
    /// start, with a message naming the file, instead of a restart loop), opens the log and starts supervising.
    /// The Windows service and the console mode are thin shells around this.
    /// </summary>
    public sealed class HostRuntime : IDisposable
    {
        private HostRuntime(HostConfig config, RotatingLog log, Supervisor supervisor)
        {
            Config = config;
            Log = log;
            Supervisor = supervisor;
        }

        public HostConfig Config { get; }
        public RotatingLog Log { get; }
        public Supervisor Supervisor { get; }

        public static HostRuntime Start(string configPath, IProcessLauncher launcher)
        {
            var config = HostConfig.Load(configPath);
            config.ReadSecrets();
            var log = new RotatingLog(config.LogDirectory, config.LogFile, config.LogMaxBytes, config.LogKeepFiles);
            log.Host($"AutoGlm.ServiceHost {typeof(HostRuntime).Assembly.GetName().Version} starting from {configPath}");
            var supervisor = new Supervisor(config, launcher, log);
            supervisor.Start();
            return new HostRuntime(config, log, supervisor);
        }

        public void Stop() => Supervisor.Stop();

        public void Dispose()
        {
            Supervisor.Dispose();
            Log.Dispose();
        }
    }
}
