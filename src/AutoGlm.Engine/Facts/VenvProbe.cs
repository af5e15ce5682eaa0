using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Facts
{
    /// <summary>What a venv holds, read by its own interpreter through importlib.metadata.</summary>
    public sealed class VenvState
    {
        public bool Exists { get; set; }
        public string? PythonVersion { get; set; }
        /// <summary>Normalized name → installed version.</summary>
        public SortedDictionary<string, string> Packages { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
        /// <summary>torch/version.py's cuda ("12.8"); null for a CPU build or no torch.</summary>
        public string? TorchCuda { get; set; }
        /// <summary>The lock hash recorded by the last sync.</summary>
        public string? Marker { get; set; }
        /// <summary>Why the venv could not be read, when it exists but did not answer.</summary>
        public string? Error { get; set; }
        /// <summary>Read from the stamp of the last sync (nothing changed since), without starting Python.</summary>
        public bool FromStamp { get; set; }
    }

    public static class VenvProbe
    {
        public const string MarkerFile = ".autoglm-lock.sha256";

        // Reads metadata only: torch is never imported (that takes seconds and may need a GPU); its build's CUDA
        // version is read from torch/version.py, which the torch build writes. Editable installs (the project's
        // own checkout, pip install -e by Install-AutoGlmHost) are not part of the lock and not drift.
        public const string Script =
            "import sys, os, re, json\n" +
            "from importlib import metadata\n" +
            "import importlib.util as u\n" +
            "pk = {}\n" +
            "for d in metadata.distributions():\n" +
            "    t = d.read_text('direct_url.json')\n" +
            "    if t and json.loads(t).get('dir_info', {}).get('editable'): continue\n" +
            "    n = d.metadata['Name']\n" +
            "    if n: pk[re.sub(r'[-_.]+', '-', n).lower()] = d.version\n" +
            "cuda = None\n" +
            "s = u.find_spec('torch') if 'torch' in pk else None\n" +
            "if s and s.submodule_search_locations:\n" +
            "    p = os.path.join(list(s.submodule_search_locations)[0], 'version.py')\n" +
            "    if os.path.exists(p):\n" +
            "        m = re.search(r'^cuda\\s*(?::[^=]*)?=\\s*[\\'\"]([^\\'\"]+)[\\'\"]', open(p).read(), re.M)\n" +
            "        cuda = m.group(1) if m else None\n" +
            "print(json.dumps({'python': '%d.%d.%d' % sys.version_info[:3], 'packages': pk, 'torchCuda': cuda}))\n";

        /// <summary>The venv's interpreter as a host path.</summary>
        public static string PythonPath(IHost host, string venv) =>
            host.Platform == HostPlatform.Windows ? venv.TrimEnd('/', '\\') + "\\Scripts\\python.exe" : venv.TrimEnd('/') + "/bin/python";

        public static VenvState Probe(IHost host, string venv, TimeSpan timeout)
        {
            var state = new VenvState();
            var bin = host.Platform == HostPlatform.Windows ? venv.TrimEnd('/', '\\') + "\\Scripts" : venv.TrimEnd('/') + "/bin";
            var names = host.ListDirectory(bin);
            if (names == null || !names.Any(n => n == "python" || n == "python.exe")) return state;
            state.Exists = true;
            var marker = host.ReadFile(venv.TrimEnd('/') + "/" + MarkerFile);
            if (marker.Ok) state.Marker = marker.Text!.Trim();
            if (VenvStamp.TryRead(host, venv, state))
            {
                state.FromStamp = true;
                return state;
            }
            var result = host.Run(new[] { host.MapPath(PythonPath(host, venv)), "-c", Script }, timeout);
            if (!result.Succeeded)
            {
                state.Error = result.Describe();
                return state;
            }
            Read(result.Stdout, state);
            return state;
        }

        internal static void Read(string json, VenvState state)
        {
            if (!(Json.Json.Parse(json.Trim()) is Dictionary<string, object?> root)) { state.Error = "the venv's interpreter printed no JSON"; return; }
            state.PythonVersion = root.TryGetValue("python", out var v) ? v as string : null;
            state.TorchCuda = root.TryGetValue("torchCuda", out var c) ? c as string : null;
            if (root.TryGetValue("packages", out var p) && p is Dictionary<string, object?> packages)
                foreach (var kv in packages) if (kv.Value is string version) state.Packages[kv.Key] = version;
        }
    }

    /// <summary>The installed set against the lock: what is missing, extra, or at another version.</summary>
    public sealed class VenvDrift
    {
        // A venv's own tooling; not drift unless the lock names it.
        private static readonly string[] Tooling = { "pip", "setuptools", "wheel" };

        public List<(string Name, string Version)> Missing { get; } = new List<(string, string)>();
        public List<(string Name, string Version)> Extra { get; } = new List<(string, string)>();
        public List<(string Name, string Expected, string Installed)> Different { get; } = new List<(string, string, string)>();
        public bool Clean => Missing.Count == 0 && Extra.Count == 0 && Different.Count == 0;

        public static VenvDrift Compare(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> installed)
        {
            var drift = new VenvDrift();
            foreach (var kv in expected.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                if (!installed.TryGetValue(kv.Key, out var have)) drift.Missing.Add((kv.Key, kv.Value));
                else if (!SameVersion(kv.Value, have)) drift.Different.Add((kv.Key, kv.Value, have));
            }
            foreach (var kv in installed.OrderBy(k => k.Key, StringComparer.Ordinal))
                if (!expected.ContainsKey(kv.Key) && !Tooling.Contains(kv.Key)) drift.Extra.Add((kv.Key, kv.Value));
            return drift;
        }

        private static bool SameVersion(string a, string b) =>
            Pep440Version.TryParse(a, out var va) && Pep440Version.TryParse(b, out var vb) ? va.Equals(vb) && va.Local == vb.Local : a == b;

        public string Summary()
        {
            var parts = new List<string>();
            if (Different.Count > 0) parts.Add("different: " + string.Join(", ", Different.Select(d => $"{d.Name} {d.Installed} (lock {d.Expected})")));
            if (Missing.Count > 0) parts.Add("missing: " + string.Join(", ", Missing.Select(m => $"{m.Name} {m.Version}")));
            if (Extra.Count > 0) parts.Add("extra: " + string.Join(", ", Extra.Select(e => $"{e.Name} {e.Version}")));
            return parts.Count == 0 ? "matches the lock" : string.Join("; ", parts);
        }
    }
}
