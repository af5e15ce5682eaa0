using System;
using System.Collections.Generic;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// The EFI variables AutoGlm reads, each named once. efivarfs shows a variable as a file named
    /// NAME-VENDORGUID whose content is the variable's 4 attribute bytes (little-endian UINT32) followed by its data.
    /// </summary>
    public static class EfiVariables
    {
        /// <summary>Present only when the kernel booted through UEFI.</summary>
        public const string FirmwareDirectory = "/sys/firmware/efi";
        public const string Directory = FirmwareDirectory + "/efivars";

        /// <summary>EFI_GLOBAL_VARIABLE (UEFI specification): SecureBoot, SetupMode, PK, ...</summary>
        public const string GlobalVariableGuid = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
        /// <summary>SHIM_LOCK_GUID: shim's variables (MokSBStateRT, MokListRT, ...).</summary>
        public const string ShimLockGuid = "605dab50-e046-4300-abb6-3dd810dd8b23";

        /// <summary>UINT8: 1 when the platform boots in Secure Boot mode (user mode with enforcement).</summary>
        public const string SecureBoot = Directory + "/SecureBoot-" + GlobalVariableGuid;
        /// <summary>UINT8: 1 when no Platform Key is enrolled; the firmware then enforces nothing.</summary>
        public const string SetupMode = Directory + "/SetupMode-" + GlobalVariableGuid;
        /// <summary>UINT8: 1 when shim's validation was turned off (mokutil --disable-validation); the kernel then enforces nothing.</summary>
        public const string MokSBStateRT = Directory + "/MokSBStateRT-" + ShimLockGuid;

        /// <summary>One variable read through the host: its attributes and data bytes; null when absent or not in that layout.</summary>
        public static EfiVariable? Read(IHost host, string path)
        {
            var file = host.ReadFile(path);
            if (!file.Ok) return null;
            return Parse(file.Text!);
        }

        /// <summary>
        /// The efivarfs layout from a file's text. Hosts read files as UTF-8 text: each byte below 0x80 is one
        /// character, which is all a boolean variable holds; a byte that did not survive decoding makes its part unknown.
        /// </summary>
        internal static EfiVariable? Parse(string text)
        {
            if (text.Length < 5) return null;
            uint? attributes = 0;
            for (int i = 0; i < 4; i++)
            {
                if (text[i] > 0xFF) { attributes = null; break; }
                attributes |= (uint)text[i] << (8 * i);
            }
            var data = new List<byte>();
            for (int i = 4; i < text.Length; i++)
            {
                if (text[i] > 0xFF) return null;
                data.Add((byte)text[i]);
            }
            return new EfiVariable(attributes, data.ToArray());
        }
    }

    /// <summary>An EFI variable as efivarfs gives it.</summary>
    public sealed class EfiVariable
    {
        public EfiVariable(uint? attributes, byte[] data) { Attributes = attributes; Data = data; }
        /// <summary>EFI_VARIABLE_* bits (NON_VOLATILE 0x1, BOOTSERVICE_ACCESS 0x2, RUNTIME_ACCESS 0x4, ...); null when unreadable.</summary>
        public uint? Attributes { get; }
        public byte[] Data { get; }
        /// <summary>A UINT8 boolean variable's value.</summary>
        public bool IsOne => Data.Length >= 1 && Data[0] == 1;
    }

    /// <summary>
    /// The one reader of Secure Boot state (Linux): the secureboot probe, the driver planner and through the
    /// probe's facts the repair diagnoser all ask it, so they agree. The EFI variables first (as the kernel
    /// decides: SecureBoot = 1, not in SetupMode, shim validation on), `mokutil --sb-state` when they cannot be read.
    /// </summary>
    public static class SecureBootState
    {
        public static readonly string[] MokutilArgv = { "mokutil", "--sb-state" };

        public static SecureBootFacts Read(IHost host, TimeSpan commandTimeout)
        {
            var facts = new SecureBootFacts();
            if (host.ListDirectory(EfiVariables.FirmwareDirectory) == null)
            {
                // Legacy BIOS boot: no Secure Boot at all.
                facts.Sources.Add(EfiVariables.FirmwareDirectory + " (absent)");
                return facts;
            }
            facts.Uefi = true;
            var sb = EfiVariables.Read(host, EfiVariables.SecureBoot);
            if (sb != null && sb.Data.Length >= 1)
            {
                facts.Sources.Add(EfiVariables.SecureBoot);
                facts.Enabled = sb.IsOne;
                facts.SetupMode = EfiVariables.Read(host, EfiVariables.SetupMode)?.IsOne ?? false;
                facts.ShimValidationDisabled = EfiVariables.Read(host, EfiVariables.MokSBStateRT)?.IsOne ?? false;
                return facts;
            }
            var mok = host.Run(MokutilArgv, commandTimeout);
            facts.Sources.Add(ArgvText.Join(MokutilArgv));
            GpuProbes.ApplyMokutil(mok, facts);
            return facts;
        }
    }
}
