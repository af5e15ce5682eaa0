using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Engine.Facts
{
    /// <summary>The venv at {install path}/venv and the lock it was built from.</summary>
    public sealed class VenvFacts : FactSet
    {
        public string Path { get; set; } = "";
        public VenvState State { get; set; } = new VenvState();
        public string? LockPath { get; set; }
        public PythonLock? Lock { get; set; }
        /// <summary>The lock exists but is not a valid hash lock.</summary>
        public string? LockError { get; set; }

        /// <summary>Runs the venv's own python with a small importlib.metadata script (argv, timeout), unless the venv is unchanged since its last sync.</summary>
        public static VenvFacts Collect(ProbeContext ctx)
        {
            var install = ctx.InstallPath.TrimEnd('/');
            var facts = new VenvFacts { Path = install + "/venv" };
            facts.State = VenvProbe.Probe(ctx.Host, facts.Path, ctx.CommandTimeout);
            facts.Sources.Add(!facts.State.Exists ? facts.Path
                : facts.State.FromStamp ? facts.Path + "/" + VenvStamp.FileName + " (the last sync's importlib.metadata answer; the venv is unchanged since)"
                : VenvProbe.PythonPath(ctx.Host, facts.Path) + " -c <importlib.metadata>");
            var basePath = install + "/" + PythonLock.BaseFileName;
            var read = ctx.Host.ReadFile(basePath);
            if (!read.Ok) return facts;
            facts.LockPath = basePath;
            facts.Sources.Add(basePath);
            var overridePath = install + "/" + PythonLock.OverrideFileName;
            var over = read.Text!.Contains(PythonLock.OverrideFileName) ? ctx.Host.ReadFile(overridePath) : null;
            try
            {
                facts.Lock = PythonLock.Parse(read.Text!, basePath, over?.Ok == true ? over.Text : null, overridePath);
            }
            catch (AutoGlmException ex)
            {
                facts.LockError = ex.Message;
            }
            return facts;
        }
    }
}
