using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// The runtime probe: the venv's own python imports torch and reports what CUDA it sees, with a tiny
    /// kernel launch. Slow (seconds) and only with -IncludeRuntime / --runtime; argv, no shell, a timeout.
    /// </summary>
    public static class RuntimeProbe
    {
        // Warnings are recorded, not printed: torch reports "sm_120 is not compatible" and "driver too old"
        // as UserWarnings. torch.cuda.init() raises the real reason when is_available() is False.
        public const string Script =
            "import json, warnings\n" +
            "r = {}\n" +
            "with warnings.catch_warnings(record=True) as w:\n" +
            "    warnings.simplefilter('always')\n" +
            "    try:\n" +
            "        import torch\n" +
            "        r['torch'] = str(torch.__version__)\n" +
            "        r['cuda'] = torch.version.cuda\n" +
            "        r['available'] = bool(torch.cuda.is_available())\n" +
            "        try:\n" +
            "            r['archList'] = list(torch.cuda.get_arch_list())\n" +
            "        except Exception:\n" +
            "            r['archList'] = []\n" +
            "        if r['available']:\n" +
            "            n = torch.cuda.device_count()\n" +
            "            r['deviceCount'] = n\n" +
            "            r['capabilities'] = ['%d.%d' % tuple(torch.cuda.get_device_capability(i)) for i in range(n)]\n" +
            "            r['names'] = [torch.cuda.get_device_name(i) for i in range(n)]\n" +
            "            try:\n" +
            "                x = torch.ones(8, device='cuda')\n" +
            "                r['kernel'] = float((x * 2).sum().item()) == 16.0\n" +
            "            except Exception as e:\n" +
            "                r['kernel'] = False\n" +
            "                r['kernelError'] = '%s: %s' % (type(e).__name__, e)\n" +
            "        else:\n" +
            "            try:\n" +
            "                torch.cuda.init()\n" +
            "            except BaseException as e:\n" +
            "                r['error'] = '%s: %s' % (type(e).__name__, e)\n" +
            "    except Exception as e:\n" +
            "        r['importError'] = '%s: %s' % (type(e).__name__, e)\n" +
            "r['warnings'] = [str(x.message) for x in w]\n" +
            "print(json.dumps(r))\n";

        /// <summary>Importing torch and initialising CUDA takes far longer than a tool query: twice the per-tool timeout unless set.</summary>
        public static TimeSpan Timeout(ProbeContext ctx) => ctx.RuntimeTimeout ?? TimeSpan.FromTicks(ctx.CommandTimeout.Ticks * 2);

        public static RuntimeFacts Collect(ProbeContext ctx)
        {
            var facts = new RuntimeFacts { Requested = ctx.IncludeRuntime };
            if (!ctx.IncludeRuntime) return facts;
            var venv = ctx.InstallPath.TrimEnd('/') + "/venv";
            var python = VenvProbe.PythonPath(ctx.Host, venv);
            facts.Python = python;
            facts.Sources.Add(python + " -c <import torch>");
            var names = ctx.Host.ListDirectory(python.Substring(0, python.LastIndexOfAny(new[] { '/', '\\' })));
            if (names == null || !names.Any(n => n == "python" || n == "python.exe"))
            {
                facts.VenvMissing = true;
                return facts;
            }
            var run = ctx.Host.Run(new[] { ctx.Host.MapPath(python), "-c", Script }, Timeout(ctx));
            if (run.Status == CommandStatus.TimedOut)
            {
                facts.TimedOut = true;
                facts.RunError = run.Describe();
                return facts;
            }
            if (!run.Succeeded) { facts.RunError = run.Describe(); return facts; }
            var line = run.Stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("{", StringComparison.Ordinal));
            if (line == null) { facts.RunError = "the venv's python printed no JSON: " + run.Describe(); return facts; }
            try { Read(line, facts); }
            catch (FormatException ex) { facts.RunError = "the venv's python printed bad JSON: " + ex.Message; }
            return facts;
        }

        internal static void Read(string json, RuntimeFacts facts)
        {
            if (!(Json.Json.Parse(json) is IDictionary<string, object?> r)) throw new FormatException("not a JSON object");
            string? S(string k) => r.TryGetValue(k, out var v) ? v as string : null;
            IEnumerable<string> L(string k) => r.TryGetValue(k, out var v) && v is IList<object?> list ? list.OfType<string>() : Enumerable.Empty<string>();
            facts.ImportError = S("importError");
            facts.TorchVersion = S("torch");
            facts.TorchCuda = S("cuda");
            facts.CudaAvailable = r.TryGetValue("available", out var a) && a is bool b ? b : (bool?)null;
            facts.DeviceCount = r.TryGetValue("deviceCount", out var n) && n is long count ? (int)count : (int?)null;
            facts.Capabilities.AddRange(L("capabilities"));
            facts.DeviceNames.AddRange(L("names"));
            facts.ArchList.AddRange(L("archList"));
            facts.CudaError = S("error");
            facts.KernelOk = r.TryGetValue("kernel", out var k) && k is bool kb ? kb : (bool?)null;
            facts.KernelError = S("kernelError");
            facts.Warnings.AddRange(L("warnings"));
        }
    }
}
