using System.Reflection;

namespace AutoGlm.Engine
{
    /// <summary>Version and identity of the engine, shared by the CLI and the cmdlets.</summary>
    public static class EngineInfo
    {
        public static string Version
        {
            get
            {
                var asm = typeof(EngineInfo).Assembly;
                var info = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
                if (string.IsNullOrEmpty(info)) return asm.GetName().Version?.ToString(3) ?? "0.0.0";
                int plus = info!.IndexOf('+');
                return plus >= 0 ? info.Substring(0, plus) : info;
            }
        }
    }
}
