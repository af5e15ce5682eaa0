using System.Collections.Generic;

namespace AutoGlm.Engine.Matrix
{
    /// <summary>
    /// What every verb's request starts with: the profile and the site matrix files it may be defined in. Resolved
    /// one way only (<see cref="LoadProfile"/>), so a site-only profile is found by every verb.
    /// </summary>
    public abstract class ProfileRequest
    {
        /// <summary>Profile id from the matrix; null means the matrix's defaultProfile.</summary>
        public string? Profile { get; set; }

        /// <summary>Site matrix files merged over the shipped ones.</summary>
        public IReadOnlyCollection<string>? MatrixPaths { get; set; }

        /// <summary>The shipped matrix with the site files merged over it, and the profile in it.</summary>
        public (CompatibilityMatrix Matrix, ProfileEntry Profile) LoadProfile() => MatrixLoader.LoadProfile(Profile, MatrixPaths);
    }
}
