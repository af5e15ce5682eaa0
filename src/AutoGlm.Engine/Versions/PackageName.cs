using System.Text.RegularExpressions;

namespace AutoGlm.Engine.Versions
{
    /// <summary>Distribution names as pip compares them (PEP 503: lower case, runs of -_. become -).</summary>
    public static class PackageName
    {
        private static readonly Regex Runs = new Regex("[-_.]+", RegexOptions.CultureInvariant);
        private static readonly Regex Valid = new Regex(@"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant);

        public static string Normalize(string name) => Runs.Replace(name, "-").ToLowerInvariant();
        public static bool IsValid(string name) => Valid.IsMatch(name);
    }
}
