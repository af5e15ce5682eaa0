using System.IO;
using AutoGlm.Engine.Facts;

namespace AutoGlm.Tests.Support
{
    /// <summary>
    /// EFI variables in an isolated root as efivarfs shows them: 4 attribute bytes (little-endian UINT32) then the
    /// data. Secure Boot states a real firmware reports: on (SecureBoot = 1), off, setup mode (no Platform Key:
    /// SecureBoot = 0, SetupMode = 1), shim validation off (MokSBStateRT = 1), legacy BIOS (no /sys/firmware/efi).
    /// </summary>
    public static class EfiVars
    {
        // EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS: how firmware and shim publish these variables.
        private const uint BootServiceRuntime = 0x2 | 0x4;

        public static void Write(string root, string hostPath, byte value, uint attributes = BootServiceRuntime)
        {
            var real = Path.Combine(root, hostPath.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(real)!);
            File.WriteAllBytes(real, new[] { (byte)attributes, (byte)(attributes >> 8), (byte)(attributes >> 16), (byte)(attributes >> 24), value });
        }

        /// <summary>on, off, setup-mode, shim-validation-off, legacy-bios.</summary>
        public static void SecureBoot(string root, string state)
        {
            if (state == "legacy-bios") return;
            Directory.CreateDirectory(Path.Combine(root, EfiVariables.Directory.TrimStart('/')));
            switch (state)
            {
                case "on":
                    Write(root, EfiVariables.SecureBoot, 1);
                    Write(root, EfiVariables.SetupMode, 0);
                    break;
                case "off":
                    Write(root, EfiVariables.SecureBoot, 0);
                    Write(root, EfiVariables.SetupMode, 0);
                    break;
                case "setup-mode":
                    Write(root, EfiVariables.SecureBoot, 0);
                    Write(root, EfiVariables.SetupMode, 1);
                    break;
                case "shim-validation-off":
                    Write(root, EfiVariables.SecureBoot, 1);
                    Write(root, EfiVariables.SetupMode, 0);
                    Write(root, EfiVariables.MokSBStateRT, 1);
                    break;
                default: throw new System.ArgumentException("unknown Secure Boot state " + state);
            }
        }
    }
}
