namespace AutoGlm.Engine.Matrix
{
    /// <summary>How a host installs and pins packages: decides the package manager and the tooling of every plan and fix.</summary>
    public enum OsFamily
    {
        Unknown,
        /// <summary>Debian and Ubuntu: apt, dpkg, DKMS or Ubuntu's precompiled modules.</summary>
        Debian,
        /// <summary>RHEL, Rocky, Alma: dnf module streams, versionlock.</summary>
        Rhel,
        Windows,
    }

    /// <summary>The family as the matrix, JSON and remediation texts write it (debian, rhel, windows, unknown).</summary>
    public static class OsFamilies
    {
        public static OsFamily Parse(string? text) => text switch
        {
            "debian" => OsFamily.Debian,
            "rhel" => OsFamily.Rhel,
            "windows" => OsFamily.Windows,
            _ => OsFamily.Unknown,
        };

        public static string ToText(this OsFamily family) => family switch
        {
            OsFamily.Debian => "debian",
            OsFamily.Rhel => "rhel",
            OsFamily.Windows => "windows",
            _ => "unknown",
        };
    }
}
