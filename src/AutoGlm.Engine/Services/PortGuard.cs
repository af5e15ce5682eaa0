using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Services
{
    /// <summary>
    /// Decides the service's port: the one asked for when it is free or held by this very service, else stop and
    /// name the holder (process and pid from /proc/net/tcp{,6} and /proc/*/fd), or with Auto the next free one.
    /// </summary>
    public static class PortGuard
    {
        public const int AutoSearchSpan = 100;

        public static (int Port, string? Note) Choose(IHost host, ProfileEntry profile, string serviceName, int requested, bool auto)
        {
            var held = HeldByOthers(host, profile, serviceName, requested);
            if (held == null) return (requested, null);
            if (!auto)
                throw new AutoGlmException("ServicePortInUse", ErrorKind.ResourceBusy,
                    Messages.Format("ServicePortInUse", requested, held), requested);
            for (int port = requested + 1; port <= Math.Min(65535, requested + AutoSearchSpan); port++)
            {
                if (HeldByOthers(host, profile, serviceName, port) == null)
                    return (port, $"Port {requested} is taken by {held}; the service uses port {port} instead (-Port Auto). Point the phone agent's --base-url at http://<host>:{port}/v1.");
            }
            throw new AutoGlmException("ServicePortInUse", ErrorKind.ResourceBusy,
                Messages.Format("ServicePortInUse_NoneFree", requested, held, AutoSearchSpan), requested);
        }

        /// <summary>Who holds the port other than this service ("python3 (pid 4242) on 0.0.0.0:8000"), or null when it is free or ours.</summary>
        public static string? HeldByOthers(IHost host, ProfileEntry profile, string serviceName, int port)
        {
            var facts = LinuxProbes.Port(new ProbeContext(host, profile, port: port));
            if (!facts.Known || !facts.InUse) return null;
            var others = facts.Holders.Where(h => h.ProcessId == null || !IsOurs(host, h.ProcessId.Value, serviceName)).ToList();
            if (others.Count == 0) return null;
            return string.Join("; ", others.Select(h => h.ProcessId != null
                ? $"{h.ProcessName ?? "a process"} (pid {h.ProcessId.Value.ToString(CultureInfo.InvariantCulture)}) on {h.Address}"
                : $"a process this user cannot see on {h.Address}").Distinct());
        }

        // The process runs in our unit's control group: the port is ours already (a re-register).
        private static bool IsOurs(IHost host, int pid, string serviceName)
        {
            var cgroup = host.ReadFile($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cgroup");
            return cgroup.Ok && cgroup.Text!.Split('\n').Any(l => l.EndsWith("/" + serviceName + ".service", StringComparison.Ordinal));
        }
    }
}
