using System;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Resolve;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Checks
{
    /// <summary>Everything a check may look at. Checks are pure functions of this.</summary>
    public sealed class CheckContext
    {
        public CheckContext(HostFacts facts, CompatibilityMatrix matrix, ProfileEntry profile)
        {
            Facts = facts;
            Matrix = matrix;
            Profile = profile;
        }

        public HostFacts Facts { get; }
        public CompatibilityMatrix Matrix { get; }
        public ProfileEntry Profile { get; }

        private StackHost? _host;
        private ResolvedStack? _stack;
        private StackResolver? _resolver;

        /// <summary>The facts as the resolver reads them (installed driver, GPUs, Pythons).</summary>
        public StackHost StackHost => _host ??= StackHost.FromFacts(Facts);

        /// <summary>The stack the matrix resolves for these facts, computed once for all checks that need it.</summary>
        public ResolvedStack Stack => _stack ??= StackService.Resolve(Matrix, Profile, StackHost);

        public StackResolver Resolver => _resolver ??= new StackResolver(Matrix);

        /// <summary>The OS family of the host as far as we know it (debian, rhel, windows), for remediation commands.</summary>
        public OsFamily Family
        {
            get
            {
                var os = Facts.Get<OsFacts>();
                if (os.Distro != null && Matrix.FindOperatingSystem(os.Distro, os.VersionId ?? "") is OperatingSystemEntry entry) return entry.OsFamily;
                if (os.Distro == "debian" || os.Distro == "ubuntu" || os.IdLike.Contains("debian") || os.IdLike.Contains("ubuntu")) return OsFamily.Debian;
                if (os.IdLike.Contains("rhel") || os.IdLike.Contains("fedora") || os.Distro == "rhel" || os.Distro == "fedora") return OsFamily.Rhel;
                return Facts.Host.Platform == HostPlatform.Windows ? OsFamily.Windows : OsFamily.Unknown;
            }
        }

        /// <summary>A package-install command for the host's family.</summary>
        public string InstallCommand(string debianPackages, string rhelPackages) => Family switch
        {
            OsFamily.Debian => "sudo apt-get install -y " + debianPackages,
            OsFamily.Rhel => "sudo dnf install -y " + rhelPackages,
            _ => $"install {debianPackages} (Debian/Ubuntu) or {rhelPackages} (RHEL family) with your package manager",
        };
    }

    /// <summary>A check: its identity and the pure function that decides it.</summary>
    public sealed class Check
    {
        public Check(string id, string category, CheckSeverity severity, string description, Func<CheckContext, Verdict> evaluate)
        {
            Info = new CheckInfo(id, category, description);
            Severity = severity;
            Evaluate = evaluate;
        }

        public CheckInfo Info { get; }
        public CheckSeverity Severity { get; }
        public Func<CheckContext, Verdict> Evaluate { get; }
    }

    /// <summary>What a check function returns; the evaluator adds id, category, severity.</summary>
    public sealed class Verdict
    {
        public CheckStatus Status { get; set; }
        public string Observed { get; set; } = "";
        public string Expected { get; set; } = "";
        public string Message { get; set; } = "";
        public string Remediation { get; set; } = "";
        public string Source { get; set; } = "";
        /// <summary>Overrides the check's default severity (e.g. a warning that matters less).</summary>
        public CheckSeverity? Severity { get; set; }

        public static Verdict Pass(string observed, string expected, string message, string source) =>
            new Verdict { Status = CheckStatus.Pass, Observed = observed, Expected = expected, Message = message, Source = source };

        public static Verdict Unknown(FactSet facts, string expected) =>
            new Verdict { Status = CheckStatus.Unknown, Observed = "unknown", Expected = expected, Message = facts.UnknownReason ?? "unknown", Source = facts.SourceText };

        public static Verdict Skip(string message, string expected = "") =>
            new Verdict { Status = CheckStatus.Skip, Observed = "", Expected = expected, Message = message };
    }
}
