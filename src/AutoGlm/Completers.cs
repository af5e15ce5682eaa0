using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Matrix;

namespace AutoGlm
{
    /// <summary>Shared shape of our completers: candidates from the engine, filtered by what was typed.</summary>
    public abstract class CompleterBase : IArgumentCompleter
    {
        protected abstract IEnumerable<(string value, string tooltip)> Candidates();

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = (wordToComplete ?? "").Trim('\'', '"');
            IEnumerable<(string value, string tooltip)> candidates;
            try { candidates = Candidates().ToList(); }
            catch (Exception) { yield break; } // A broken matrix must not break tab completion.
            foreach (var (value, tooltip) in candidates)
                if (value.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                    yield return new CompletionResult(value, value, CompletionResultType.ParameterValue, tooltip);
        }
    }

    public sealed class ProfileCompleter : CompleterBase
    {
        protected override IEnumerable<(string, string)> Candidates() =>
            MatrixLoader.LoadDefault().Profiles.Select(p => (p.Id, p.Description ?? p.Id));
    }

    public sealed class CategoryCompleter : CompleterBase
    {
        protected override IEnumerable<(string, string)> Candidates() => CheckCatalog.Categories.Select(c => (c, c));
    }

    public sealed class CheckIdCompleter : CompleterBase
    {
        protected override IEnumerable<(string, string)> Candidates() => EnvironmentTester.ListChecks().Select(c => (c.Id, c.Description));
    }
}

namespace AutoGlm
{
    public sealed class MatrixSectionCompleter : CompleterBase
    {
        protected override IEnumerable<(string, string)> Candidates() =>
            MatrixQuery.Sections.Keys.Select(k => (k, k));
    }
}

namespace AutoGlm
{
    /// <summary>Driver branches from the matrix, newest first, with their type and end of life.</summary>
    public sealed class DriverBranchCompleter : CompleterBase
    {
        protected override IEnumerable<(string, string)> Candidates() =>
            MatrixLoader.LoadDefault().DriverBranches.OrderByDescending(b => b.Branch)
                .Select(b => (b.Branch.ToString(System.Globalization.CultureInfo.InvariantCulture), $"R{b.Branch} {b.Type}{(b.EndOfLife != null ? ", end of life " + b.EndOfLife : "")}"));
    }

    /// <summary>CUDA major.minor versions from the matrix, newest first.</summary>
    public sealed class CudaVersionCompleter : CompleterBase
    {
        protected override IEnumerable<(string, string)> Candidates() =>
            MatrixLoader.LoadDefault().CudaReleases
                .Select(r => Engine.Versions.CudaVersion.Parse(r.Version))
                .Select(v => v.Major + "." + v.Minor).Distinct()
                .OrderByDescending(v => Engine.Versions.CudaVersion.Parse(v))
                .Select(v => (v, "CUDA " + v));
    }

    /// <summary>Python minor versions the matrix's torch series support, newest first.</summary>
    public sealed class PythonVersionCompleter : CompleterBase
    {
        protected override IEnumerable<(string, string)> Candidates() =>
            AutoGlm.Engine.Python.PythonVersions.FromMatrix(MatrixLoader.LoadDefault()).Select(v => (v, "Python " + v));
    }
}
