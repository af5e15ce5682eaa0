using System;

namespace AutoGlm.Engine.Versions
{
    /// <summary>
    /// The comparison surface every version type shares: generic and non-generic IComparable (so
    /// PowerShell's Sort-Object works), equality by order, and the six operators with null first.
    /// A type supplies its ordering and a hash consistent with it.
    /// </summary>
    public abstract class VersionBase<T> : IComparable<T>, IEquatable<T>, IComparable where T : VersionBase<T>
    {
        public abstract int CompareTo(T? other);

        /// <summary>Must agree with <see cref="CompareTo(T)"/>: versions that compare equal hash equal.</summary>
        public abstract override int GetHashCode();

        int IComparable.CompareTo(object? obj) => obj is null ? 1
            : obj is T v ? CompareTo(v)
            : throw new ArgumentException($"Cannot compare {typeof(T).Name} with {obj.GetType().Name}.", nameof(obj));

        public bool Equals(T? other) => other is not null && CompareTo(other) == 0;
        public override bool Equals(object? obj) => Equals(obj as T);

        private static int Compare(VersionBase<T>? a, VersionBase<T>? b) => VersionText.Compare(a as T, b as T);

        public static bool operator ==(VersionBase<T>? a, VersionBase<T>? b) => Compare(a, b) == 0;
        public static bool operator !=(VersionBase<T>? a, VersionBase<T>? b) => Compare(a, b) != 0;
        public static bool operator <(VersionBase<T>? a, VersionBase<T>? b) => Compare(a, b) < 0;
        public static bool operator >(VersionBase<T>? a, VersionBase<T>? b) => Compare(a, b) > 0;
        public static bool operator <=(VersionBase<T>? a, VersionBase<T>? b) => Compare(a, b) <= 0;
        public static bool operator >=(VersionBase<T>? a, VersionBase<T>? b) => Compare(a, b) >= 0;
    }
}
