using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace AutoGlm.Engine
{
    /// <summary>SHA-256 as lower-case hex, the form package indexes, lock files and stamps use.</summary>
    public static class Hashing
    {
        public static string Sha256Hex(byte[] bytes)
        {
            using var sha = SHA256.Create();
            return Hex(sha.ComputeHash(bytes));
        }

        public static string Sha256Hex(Stream stream)
        {
            using var sha = SHA256.Create();
            return Hex(sha.ComputeHash(stream));
        }

        public static string Sha256HexOfText(string text) => Sha256Hex(Encoding.UTF8.GetBytes(text));

        private static string Hex(byte[] hash) => string.Concat(hash.Select(b => b.ToString("x2")));
    }
}
