using System;
using System.ServiceProcess;

namespace AutoGlm.ServiceHost
{
    /// <summary>
    /// The SCM's view: OnStart loads the definition and starts the supervisor thread, then returns at once, so the
    /// service is RUNNING within the SCM's 30 s (the error 1053 that python.exe under sc.exe gets). OnStop asks for
    /// the stop timeout plus a margin before the SCM gives up, while the child shuts down (STOP_PENDING).
    /// </summary>
    public sealed class HostService : ServiceBase
    {
        private readonly string _configPath;
        private HostRuntime? _runtime;
        private WindowsLauncher? _launcher;

        public HostService(string configPath)
        {
            _configPath = configPath;
            CanStop = true;
            CanShutdown = true;
            CanPauseAndContinue = false;
            AutoLog = true;
        }

        protected override void OnStart(string[] args)
        {
            _launcher = new WindowsLauncher(sharedConsole: false);
            try { _runtime = HostRuntime.Start(_configPath, _launcher); }
            catch (HostConfigException)
            {
                // ERROR_EXCEPTION_IN_SERVICE; ServiceBase writes the message to the Application event log.
                ExitCode = 1064;
                _launcher.Dispose();
                throw;
            }
        }

        protected override void OnStop() => StopChild();

        protected override void OnShutdown() => StopChild();

        private void StopChild()
        {
            if (_runtime == null) return;
            RequestAdditionalTime((int)Math.Min(int.MaxValue, (_runtime.Config.StopTimeout + TimeSpan.FromSeconds(15)).TotalMilliseconds));
            _runtime.Stop();
            _runtime.Dispose();
            _runtime = null;
            _launcher?.Dispose();
        }
    }
}
