using System;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Install
{
    /// <summary>
    /// A repository signing key the operator supplies (-RepositoryKeyring / --repository-keyring) instead of NVIDIA's
    /// cuda-keyring package: a site mirror or an offline kit signed by its own key. The file may hold the key in binary
    /// form (gpg --export) or ASCII-armored (gpg --armor --export); it is checked to be an OpenPGP public key before
    /// anything changes, and written ASCII-armored as a .asc file, which apt's signed-by reads as it is (apt 1.4 and
    /// later dearmor *.asc keyrings themselves). A text file keeps the step a plain write-file step: -WhatIf shows it,
    /// rollback restores or removes it, and no gpg is needed on the host.
    /// </summary>
    public static class RepositoryKeyring
    {
        /// <summary>Where the supplied key lands; the apt source names it in signed-by.</summary>
        public const string KeyringPath = "/usr/share/keyrings/autoglm-driver-repository.asc";

        private const string Begin = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
        private const string End = "-----END PGP PUBLIC KEY BLOCK-----";

        /// <summary>Reads and checks the key file; returns it ASCII-armored. Any problem is an AutoGlmException naming the file.</summary>
        public static string Load(string path)
        {
            byte[] bytes;
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                throw new AutoGlmException("RepositoryKeyringUnreadable", ErrorKind.ReadError,
                    Messages.Format("RepositoryKeyringUnreadable", path, ex.Message), path);
            }
            var key = Binary(bytes, out var why)
                ?? throw new AutoGlmException("RepositoryKeyringInvalid", ErrorKind.InvalidData, Messages.Format("RepositoryKeyringInvalid", path, why), path);
            return Armor(key);
        }

        /// <summary>The binary key: the bytes themselves, or the decoded armor; null (and why) when it is not an OpenPGP public key.</summary>
        internal static byte[]? Binary(byte[] bytes, out string why)
        {
            byte[] binary = bytes;
            var text = Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 4096));
            int begin = text.IndexOf("-----BEGIN PGP ", StringComparison.Ordinal);
            if (begin >= 0)
            {
                var all = Encoding.ASCII.GetString(bytes);
                if (!all.Contains(Begin))
                {
                    why = Messages.Format("RepositoryKeyringInvalid_NotPublicArmor");
                    return null;
                }
                binary = Dearmor(all) ?? Array.Empty<byte>();
                if (binary.Length == 0)
                {
                    why = Messages.Format("RepositoryKeyringInvalid_BadArmor");
                    return null;
                }
            }
            if (binary.Length < 2 || (binary[0] & 0x80) == 0)
            {
                why = Messages.Format("RepositoryKeyringInvalid_NotOpenPgp");
                return null;
            }
            // RFC 4880 / 9580 packet header: new format (bit 6 set) carries the tag in 6 bits, the old one in bits 5-2.
            int tag = (binary[0] & 0x40) != 0 ? binary[0] & 0x3F : (binary[0] >> 2) & 0x0F;
            if (tag != 6)
            {
                why = tag == 5 ? Messages.Format("RepositoryKeyringInvalid_SecretKey", tag) : Messages.Format("RepositoryKeyringInvalid_NotPublicKey", tag);
                return null;
            }
            why = "";
            return binary;
        }

        private static byte[]? Dearmor(string text)
        {
            int start = text.IndexOf(Begin, StringComparison.Ordinal);
            int end = text.IndexOf(End, start + Begin.Length, StringComparison.Ordinal);
            if (end < 0) return null;
            var lines = text.Substring(start + Begin.Length, end - start - Begin.Length).Replace("\r", "").Split('\n');
            // Armor headers (Version:, Comment:) end at the first blank line; a line starting with '=' is the CRC-24.
            int i = 0;
            if (lines.Skip(1).Any(l => l.Contains(':')))
                while (i < lines.Length && !(i > 0 && lines[i].Trim().Length == 0)) i++;
            var body = new StringBuilder();
            for (; i < lines.Length; i++)
            {
                var l = lines[i].Trim();
                if (l.Length == 0) continue;
                if (l.StartsWith("=", StringComparison.Ordinal)) break;
                body.Append(l);
            }
            try { return Convert.FromBase64String(body.ToString()); }
            catch (FormatException) { return null; }
        }

        /// <summary>ASCII armor (RFC 4880 section 6) with its CRC-24, as gpg --armor writes it.</summary>
        internal static string Armor(byte[] key)
        {
            var b64 = Convert.ToBase64String(key);
            var sb = new StringBuilder(Begin).Append("\n\n");
            for (int i = 0; i < b64.Length; i += 64) sb.Append(b64, i, Math.Min(64, b64.Length - i)).Append('\n');
            long crc = 0xB704CE;
            foreach (var b in key)
            {
                crc ^= (long)b << 16;
                for (int k = 0; k < 8; k++)
                {
                    crc <<= 1;
                    if ((crc & 0x1000000) != 0) crc ^= 0x1864CFB;
                }
            }
            crc &= 0xFFFFFF;
            sb.Append('=').Append(Convert.ToBase64String(new[] { (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc })).Append('\n');
            return sb.Append(End).Append('\n').ToString();
        }

        /// <summary>The repo.keyring step that writes the supplied key where the apt source's signed-by points.</summary>
        internal static PlanStep Step(string armored, string path) =>
            new WriteFileStep("repo.keyring", $"Install the repository signing key from {path} (ASCII-armored) for apt's signed-by, instead of NVIDIA's cuda-keyring package.",
                new PlannedFile(KeyringPath, armored, 0x1A4));
    }
}
