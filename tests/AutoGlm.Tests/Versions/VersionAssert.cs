using System;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoGlm.Tests.Versions
{
    /// <summary>Checks shared by every dialect's tests.</summary>
    internal static class VersionAssert
    {
        /// <summary>
        /// Asserts a three-way result through every entry point: CompareTo both ways, the
        /// non-generic IComparable, Equals, the hash for equal values, and the six operators
        /// (passed in, since generic code cannot reach them).
        /// </summary>
        public static void Ordered<T>(T a, T b, int expectedSign, Func<T, T, bool[]> operators)
            where T : class, IComparable<T>, IEquatable<T>, IComparable
        {
            Assert.True(Math.Sign(a.CompareTo(b)) == expectedSign, $"{a} vs {b}: expected {expectedSign}, got {a.CompareTo(b)}");
            Assert.Equal(-expectedSign, Math.Sign(b.CompareTo(a)));
            Assert.Equal(expectedSign, Math.Sign(((IComparable)a).CompareTo(b)));
            Assert.Equal(expectedSign == 0, a.Equals(b));
            Assert.Equal(expectedSign == 0, a.Equals((object)b));
            if (expectedSign == 0) Assert.Equal(a.GetHashCode(), b.GetHashCode());
            Assert.Equal(OperatorsFor(expectedSign), operators(a, b));
        }

        /// <summary>The expected [&lt;, &lt;=, ==, !=, &gt;=, &gt;] for a comparison sign.</summary>
        public static bool[] OperatorsFor(int sign) =>
            new[] { sign < 0, sign <= 0, sign == 0, sign != 0, sign >= 0, sign > 0 };

        /// <summary>The laws of a total order and their agreement with Equals, hashing and operators.</summary>
        public static bool TotalOrderHolds<T>(T a, T b, T c, Func<T, T, bool[]> operators)
            where T : class, IComparable<T>, IEquatable<T>
        {
            int ab = Math.Sign(a.CompareTo(b)), ba = Math.Sign(b.CompareTo(a));
            int bc = Math.Sign(b.CompareTo(c)), ac = Math.Sign(a.CompareTo(c));
            bool reflexive = a.CompareTo(a) == 0 && a.Equals(a);
            bool antisymmetric = ab == -ba;
            bool transitive = !(ab <= 0 && bc <= 0) || ac <= 0;
            bool strictTransitive = !(ab < 0 && bc <= 0 || ab <= 0 && bc < 0) || ac < 0;
            bool equalsAgrees = a.Equals(b) == (ab == 0) && a.Equals((object)b) == (ab == 0);
            bool hashAgrees = ab != 0 || a.GetHashCode() == b.GetHashCode();
            bool operatorsAgree = StructurallyEqual(operators(a, b), OperatorsFor(ab));
            return reflexive && antisymmetric && transitive && strictTransitive && equalsAgrees && hashAgrees && operatorsAgree;
        }

        private static bool StructurallyEqual(bool[] x, bool[] y)
        {
            if (x.Length != y.Length) return false;
            for (int i = 0; i < x.Length; i++) if (x[i] != y[i]) return false;
            return true;
        }

        /// <summary>Asserts Parse rejects the input with a FormatException naming it, and TryParse says false.</summary>
        public static void Rejects<T>(Func<string, T> parse, TryParse<T> tryParse, string input)
        {
            var ex = Assert.Throws<FormatException>(() => parse(input));
            Assert.Contains($"'{input}'", ex.Message);
            Assert.Contains("Expected", ex.Message);
            Assert.False(tryParse(input, out var value));
            Assert.Null(value);
        }

        public delegate bool TryParse<T>(string? input, out T? value);

        /// <summary>Runs an FsCheck property over a generator; a failure throws with the counter-example.</summary>
        public static void ForAll<T>(Gen<T> gen, Func<T, bool> property, int maxTest = 500) =>
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true),
                Prop.ForAll(gen.ToArbitrary(), property));

        /// <summary>A decimal number with 0-2 leading zeros, so numerically equal texts differ.</summary>
        public static Gen<string> PaddedNumber(int max) =>
            from n in Gen.Choose(0, max)
            from zeros in Gen.Choose(0, 2)
            select new string('0', zeros) + n;
    }
}
