using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Plan
{
    /// <summary>
    /// Continues a run after a reboot the user allowed (-Reboot): a one-shot systemd unit on Linux, a
    /// scheduled task at start-up on Windows. Removed again when the resumed run finishes.
    /// </summary>
    public static class RebootScheduler
    {
        public const string UnitPath = "/etc/systemd/system/autoglm-resume.service";
        public const string TaskName = "AutoGlmResume";

        public static string UnitText(IReadOnlyList<string> continuation) =>
            "# Written by AutoGlm: continues an interrupted run once after the reboot it asked for.\n" +
            "[Unit]\n" +
            "Description=AutoGlm: resume the interrupted run\n" +
            "After=network-online.target\n" +
            "Wants=network-online.target\n\n" +
            "[Service]\n" +
            "Type=oneshot\n" +
            "ExecStart=" + string.Join(" ", continuation.Select(SystemdQuote)) + "\n" +
            "StandardOutput=journal\n\n" +
            "[Install]\n" +
            "WantedBy=multi-user.target\n";

        // systemd's own quoting rules for ExecStart: double quotes, backslash escapes, and %% for %.
        private static string SystemdQuote(string arg)
        {
            var escaped = arg.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("%", "%%");
            return arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=:,+@".IndexOf(c) >= 0) ? escaped : "\"" + escaped + "\"";
        }

        /// <summary>The changes that schedule the continuation and then reboot, as commands and files.</summary>
        public static (IReadOnlyList<PlannedFile> Files, IReadOnlyList<IReadOnlyList<string>> Commands) Describe(HostPlatform platform, IReadOnlyList<string> continuation)
        {
            if (platform == HostPlatform.Windows)
            {
                var command = string.Join(" ", continuation.Select(WindowsQuote));
                return (Array.Empty<PlannedFile>(), new IReadOnlyList<string>[]
                {
                    new[] { "schtasks.exe", "/Create", "/F", "/TN", TaskName, "/SC", "ONSTART", "/RU", "SYSTEM", "/RL", "HIGHEST", "/TR", command },
                    new[] { "shutdown.exe", "/r", "/t", "60", "/c", "AutoGlm: reboot to finish the installation; the run resumes after start-up" },
                });
            }
            return (new[] { new PlannedFile(UnitPath, UnitText(continuation), 0x1A4) }, new IReadOnlyList<string>[]
            {
                new[] { "systemctl", "daemon-reload" },
                new[] { "systemctl", "enable", "autoglm-resume.service" },
                new[] { "systemctl", "reboot" },
            });
        }

        public static void Schedule(StepContext context, IReadOnlyList<string> continuation)
        {
            var (files, commands) = Describe(context.System.Platform, continuation);
            foreach (var file in files) context.System.WriteFile(file.Path, file.Content, file.Mode);
            foreach (var argv in commands) context.Run(argv);
        }

        /// <summary>Removes the continuation once the resumed run is done; harmless when there is none.</summary>
        public static void Clear(StepContext context)
        {
            if (context.System.Platform == HostPlatform.Windows)
            {
                context.Run(new[] { "schtasks.exe", "/Delete", "/F", "/TN", TaskName }, check: false);
                return;
            }
            if (!context.System.ReadFile(UnitPath).Exists) return;
            context.Run(new[] { "systemctl", "disable", "autoglm-resume.service" }, check: false);
            context.System.DeleteFile(UnitPath);
            context.Run(new[] { "systemctl", "daemon-reload" }, check: false);
        }

        private static string WindowsQuote(string arg) =>
            arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '"' }) < 0 ? arg : "\"" + arg.Replace("\"", "\\\"") + "\"";
    }
}
