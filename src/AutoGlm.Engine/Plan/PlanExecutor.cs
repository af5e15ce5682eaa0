using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;

namespace AutoGlm.Engine.Plan
{
    public sealed class ApplyOptions
    {
        /// <summary>Continue the unfinished run in the journal (after a crash or a reboot).</summary>
        public bool Resume { get; set; }
        /// <summary>The user allows a reboot: schedule the continuation and reboot when a step needs it.</summary>
        public bool Reboot { get; set; }
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(5);
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(30);
        /// <summary>The command line that continues this run after a reboot (the front end's own, with --resume).</summary>
        public IReadOnlyList<string> Continuation { get; set; } = Array.Empty<string>();
        public ISet<string> Secrets { get; } = new HashSet<string>(StringComparer.Ordinal);
        public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;
        /// <summary>
        /// Called at each step boundary ("before-set", "after-set", "after-step") with the step id. Tests
        /// throw from it to stop a run the way a kill would: no rollback, the journal as it stands.
        /// </summary>
        public Action<string, string>? Boundary { get; set; }
    }

    /// <summary>What happened to one step in a run.</summary>
    public sealed class StepOutcome
    {
        public int Number { get; set; }
        public string Id { get; set; } = "";
        public string Action { get; set; } = "";
        public string Target { get; set; } = "";
        /// <summary>What happened to the step.</summary>
        public StepResult Result { get; set; }
        /// <summary>The same as text, as JSON, the journal and the views show it: unchanged, changed, reboot-pending, failed, rolled-back, rollback-failed, not-run.</summary>
        public string Outcome => StatusText.Of(Result);
        public string Detail { get; set; } = "";
        public double Seconds { get; set; }

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["number"] = Number, ["id"] = Id, ["action"] = Action, ["target"] = Target,
            ["outcome"] = Outcome, ["detail"] = Detail, ["seconds"] = Math.Round(Seconds, 3),
        };
    }

    /// <summary>The account of an apply: per step what happened, and the run's verdict.</summary>
    public sealed class ApplyResult
    {
        public string Plan { get; set; } = "";
        public string Title { get; set; } = "";
        /// <summary>The run's verdict.</summary>
        public RunStatus State { get; set; }
        /// <summary>The same as text, as JSON and the views show it: converged (nothing needed changing), changed, reboot-required, reboot-scheduled, failed, rolled-back.</summary>
        public string Status => StatusText.Of(State);
        public string Message { get; set; } = "";
        public bool Resumed { get; set; }
        public string JournalPath { get; set; } = "";
        public List<StepOutcome> Steps { get; } = new List<StepOutcome>();
        public double Seconds { get; set; }
        public int Changed => Steps.Count(s => s.Result == StepResult.Changed);
        public int Unchanged => Steps.Count(s => s.Result == StepResult.Unchanged);
        public bool Succeeded => State == RunStatus.Converged || State == RunStatus.Changed;
        /// <summary>A step failed (rolled back or not): nothing after it ran.</summary>
        public bool Failed => State == RunStatus.Failed || State == RunStatus.RolledBack;
        /// <summary>The run stopped for a reboot (scheduled, or for the user to do).</summary>
        public bool RebootNeeded => State == RunStatus.RebootRequired || State == RunStatus.RebootScheduled;
        /// <summary>The failed step's id when the run failed.</summary>
        public string? FailedStep { get; set; }

        public IDictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["plan"] = Plan,
            ["title"] = Title,
            ["status"] = Status,
            ["message"] = Message,
            ["resumed"] = Resumed,
            ["changed"] = Changed,
            ["unchanged"] = Unchanged,
            ["failedStep"] = FailedStep,
            ["journal"] = JournalPath,
            ["seconds"] = Math.Round(Seconds, 3),
            ["steps"] = Steps.Select(s => s.ToJson()).ToList(),
        };
    }

    /// <summary>
    /// Runs plans: preview (what -WhatIf shows, changing nothing) and apply (test, set, verify each step
    /// under the host lock, journaling as it goes; rollback on failure; stop or reboot when a step needs it).
    /// </summary>
    public static class PlanExecutor
    {
        /// <summary>
        /// The continuation as the journal and the reboot unit hold it: credentials in URLs (https://user:TOKEN@host)
        /// and the run's secrets (environment values) replaced by ****; <paramref name="masked"/> says whether any was.
        /// </summary>
        private static void DeleteJournal(string path)
        {
            try { if (File.Exists(path)) File.Delete(path); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
        }

        public static IReadOnlyList<string> SafeContinuation(IReadOnlyList<string> continuation, IEnumerable<string> secrets, out bool masked)
        {
            var list = new List<string>(continuation.Count);
            masked = false;
            var hidden = secrets.Where(x => !string.IsNullOrEmpty(x)).OrderByDescending(x => x.Length).ToList();
            foreach (var arg in continuation)
            {
                var safe = Redaction.UrlsInText(arg);
                foreach (var secret in hidden) safe = safe.Replace(secret, "****");
                masked |= safe != arg;
                list.Add(safe);
            }
            return list;
        }

        public static PlanPreview Preview(ChangePlan plan, ISystemHost system, IEngineOutput output, TimeSpan commandTimeout)
        {
            var context = new StepContext(system, output, commandTimeout);
            var preview = new PlanPreview { Plan = plan.Name, Title = plan.Title, Host = HostText(system) };
            preview.Notes.AddRange(plan.Notes);
            int number = 0;
            foreach (var step in plan.Steps)
            {
                number++;
                output.Progress("Planning " + plan.Title, step.Description, number * 100 / Math.Max(1, plan.Steps.Count));
                StepCheck check;
                string status;
                try
                {
                    check = step.Test(context);
                    status = check.Done ? "ok" : "change";
                }
                catch (Exception ex) when (ex is StepFailedException || ex is AutoGlmException || ex is IOException)
                {
                    check = StepCheck.Needed("could not be tested: " + ex.Message);
                    status = "unknown";
                }
                var diffs = new Dictionary<string, string>();
                if (status != "ok")
                {
                    foreach (var file in step.Files.Where(f => !f.Sensitive))
                    {
                        var current = system.ReadFile(file.Path);
                        if (current.Ok && current.Text != file.Content) diffs[file.Path] = LineDiff.Unified(file.Path, current.Text!, file.Content);
                    }
                }
                preview.Steps.Add(new PlannedStep
                {
                    Number = number, Id = step.Id, Action = step.Action, Target = step.Target, Description = step.Description,
                    Status = status, Detail = check.Detail, Commands = step.Commands, Files = step.Files, Diffs = diffs,
                    Reboot = step.RequiresReboot, CanRollBack = step.CanRollBack,
                });
            }
            output.Progress("Planning " + plan.Title, "done", -1);
            return preview;
        }

        public static ApplyResult Apply(ChangePlan plan, ISystemHost system, ApplyOptions options, IEngineOutput output)
        {
            var clock = Stopwatch.StartNew();
            var context = new StepContext(system, output, options.CommandTimeout);
            foreach (var secret in options.Secrets) context.Secrets.Add(secret);
            var result = new ApplyResult { Plan = plan.Name, Title = plan.Title };
            using var hostLock = HostLock.Acquire(system.StateDirectory, $"{plan.Name}: {plan.Title}", options.LockTimeout, output);

            var journalPath = Journal.PathFor(system.StateDirectory, plan.Name);
            result.JournalPath = journalPath;
            var journal = Journal.Load(journalPath);
            var bootId = system.BootId();
            bool rebootedIntoThisRun = false;
            if (journal != null && !journal.Finished)
            {
                var at = journal.Steps.LastOrDefault();
                var where = at == null ? "before its first step" : $"at step '{at.Id}' ({at.State})";
                if (!options.Resume)
                    throw new AutoGlmException("RunInterrupted", ErrorKind.InvalidOperation,
                        Messages.Format("RunInterrupted", plan.Name, where, journal.Updated, journal.Status, journalPath), journalPath);
                if (journal.Status == "reboot-pending" && journal.BootId == bootId)
                    throw new AutoGlmException("RebootPending", ErrorKind.InvalidOperation,
                        Messages.Format("RebootPending", at?.Id, plan.Name), journalPath);
                rebootedIntoThisRun = journal.Status == "reboot-pending";
                result.Resumed = true;
                output.Verbose(Messages.Format("Verbose_Resuming", plan.Name, where));
            }
            else
            {
                if (options.Resume) output.Verbose(Messages.Format("Verbose_NothingToResume", plan.Name));
                journal = new Journal { Plan = plan.Name, Started = Journal.Stamp(options.Clock()) };
            }
            journal.Title = plan.Title;
            journal.Status = "running";
            journal.BootId = bootId;
            // The journal and the reboot unit are files: no credential goes into them. A continuation that
            // needed one masked cannot run by itself, so the run then stops for the user's --resume instead.
            var continuation = SafeContinuation(options.Continuation, options.Secrets, out var continuationHeldSecret);
            journal.Continuation = continuation.ToList();
            journal.Save(journalPath, options.Clock());

            for (int i = 0; i < plan.Steps.Count; i++)
            {
                var step = plan.Steps[i];
                var outcome = new StepOutcome { Number = i + 1, Id = step.Id, Action = step.Action, Target = step.Target };
                result.Steps.Add(outcome);
                output.Progress("Applying " + plan.Title, $"{i + 1}/{plan.Steps.Count} {step.Description}", i * 100 / plan.Steps.Count);
                var stepClock = Stopwatch.StartNew();
                var prior = journal.Find(step.Id);
                var priorState = prior?.State;
                try
                {
                    var check = step.Test(context);
                    if (check.Done)
                    {
                        // Done by this run before a crash or a reboot counts as this run's change.
                        bool ours = priorState == "changed" || priorState == "started" || priorState == "reboot-pending";
                        outcome.Result = ours ? StepResult.Changed : StepResult.Unchanged;
                        outcome.Detail = check.Detail;
                        journal.Record(step.Id, outcome.Outcome, check.Detail, options.Clock());
                        journal.Save(journalPath, options.Clock());
                        output.Verbose(ours ? Messages.Format("Verbose_StepVerified", step.Id, check.Detail) : Messages.Format("Verbose_StepAlreadyDone", step.Id, check.Detail));
                        continue;
                    }
                    if (priorState == "reboot-pending")
                        throw new StepFailedException(Messages.Format("StepFailed_NotTakenAfterReboot", check.Detail));

                    output.Verbose(Messages.Format("Verbose_StepNeeded", step.Id, step.Description, check.Detail));
                    var entry = journal.Record(step.Id, "started", check.Detail, options.Clock());
                    // Keep what the first attempt replaced: a resumed step must roll back to the true original.
                    if (step.CanRollBack && entry.Captured.Count == 0)
                        entry.Captured = new Dictionary<string, string>(step.Capture(context));
                    journal.Save(journalPath, options.Clock());
                    options.Boundary?.Invoke(step.Id, "before-set");
                    step.Set(context);
                    options.Boundary?.Invoke(step.Id, "after-set");

                    var rebootReason = context.TakeRebootRequest();
                    if (step.RequiresReboot || rebootReason != null)
                    {
                        outcome.Result = StepResult.RebootPending;
                        outcome.Detail = rebootReason ?? "takes effect after a reboot: " + step.Description;
                        outcome.Seconds = stepClock.Elapsed.TotalSeconds;
                        journal.Record(step.Id, "reboot-pending", outcome.Detail, options.Clock());
                        journal.Status = "reboot-pending";
                        journal.Save(journalPath, options.Clock());
                        foreach (var rest in plan.Steps.Skip(i + 1))
                            result.Steps.Add(new StepOutcome { Number = result.Steps.Count + 1, Id = rest.Id, Action = rest.Action, Target = rest.Target, Result = StepResult.NotRun, Detail = "after the reboot" });
                        if (options.Reboot && continuationHeldSecret)
                            output.Warning(Messages.Format("Warning_ContinuationHoldsSecret"));
                        if (options.Reboot && continuation.Count > 0 && !continuationHeldSecret)
                        {
                            result.State = RunStatus.RebootScheduled;
                            result.Message = $"Step '{step.Id}' needs a reboot. The host reboots now; the run continues by itself after start-up.";
                            result.Seconds = clock.Elapsed.TotalSeconds;
                            output.Warning(result.Message);
                            RebootScheduler.Schedule(context, continuation);
                        }
                        else
                        {
                            result.State = RunStatus.RebootRequired;
                            result.Message = Messages.ForFace($"Step '{step.Id}' needs a reboot: reboot, then run again with " + Messages.Say("-Resume", "--resume") + ". Or add " + Messages.Say("-Reboot", "--reboot") + " to let AutoGlm reboot and continue by itself.");
                            output.Warning(result.Message);
                        }
                        result.Seconds = clock.Elapsed.TotalSeconds;
                        return result;
                    }

                    var verify = step.Verify(context);
                    if (!verify.Done) throw new StepFailedException(Messages.Format("StepFailed_NotTaken", verify.Detail));
                    outcome.Result = StepResult.Changed;
                    outcome.Detail = verify.Detail;
                    journal.Record(step.Id, "changed", verify.Detail, options.Clock());
                    journal.Save(journalPath, options.Clock());
                }
                catch (Exception ex) when (ex is StepFailedException || ex is AutoGlmException || ex is IOException || ex is UnauthorizedAccessException)
                {
                    outcome.Result = StepResult.Failed;
                    outcome.Detail = context.Mask(ex.Message);
                    outcome.Seconds = stepClock.Elapsed.TotalSeconds;
                    journal.Record(step.Id, "failed", outcome.Detail, options.Clock());
                    var (undone, failedUndo, kept) = RollBack(plan, journal, i, context, result, options);
                    journal.Status = failedUndo.Count == 0 ? "rolled-back" : "failed";
                    // Everything put back: nothing is left to resume, so no journal is left behind either.
                    // A partial rollback keeps it, for -Resume and for the person reading it.
                    if (journal.Status == "rolled-back") DeleteJournal(journalPath);
                    else journal.Save(journalPath, options.Clock());
                    result.State = failedUndo.Count == 0 ? RunStatus.RolledBack : RunStatus.Failed;
                    result.FailedStep = step.Id;
                    result.Message = $"Step {i + 1} '{step.Id}' failed: {outcome.Detail}"
                        + (undone.Count > 0 ? $"{Environment.NewLine}Rolled back: {string.Join(", ", undone)}." : "")
                        + (failedUndo.Count > 0 ? $"{Environment.NewLine}Could not roll back: {string.Join(", ", failedUndo)}; see {journalPath}, fix the cause and run again with -Resume." : "")
                        + (kept.Count > 0 ? $"{Environment.NewLine}Kept (cannot be undone, harmless on their own): {string.Join(", ", kept)}." : "");
                    result.Seconds = clock.Elapsed.TotalSeconds;
                    output.Progress("Applying " + plan.Title, "failed", -1);
                    return result;
                }
                outcome.Seconds = stepClock.Elapsed.TotalSeconds;
                options.Boundary?.Invoke(step.Id, "after-step");
            }

            journal.Status = "complete";
            journal.Save(journalPath, options.Clock());
            if (rebootedIntoThisRun) RebootScheduler.Clear(context);
            plan.Completed?.Invoke(context);
            output.Progress("Applying " + plan.Title, "done", -1);
            result.State = result.Changed == 0 ? RunStatus.Converged : RunStatus.Changed;
            result.Message = result.Changed == 0
                ? $"Nothing to change: all {plan.Steps.Count} steps were already in the desired state."
                : $"{result.Changed} of {plan.Steps.Count} steps changed the host; the rest were already in the desired state.";
            result.Seconds = clock.Elapsed.TotalSeconds;
            return result;
        }

        private static (List<string> Undone, List<string> Failed, List<string> Kept) RollBack(
            ChangePlan plan, Journal journal, int failedIndex, StepContext context, ApplyResult result, ApplyOptions options)
        {
            var undone = new List<string>();
            var failed = new List<string>();
            var kept = new List<string>();
            for (int j = failedIndex; j >= 0; j--)
            {
                var step = plan.Steps[j];
                var entry = journal.Find(step.Id);
                if (entry == null || entry.State == "unchanged") continue;
                var outcome = result.Steps.First(s => s.Id == step.Id);
                if (!step.CanRollBack || entry.Captured.Count == 0)
                {
                    if (j != failedIndex) kept.Add(step.Id);
                    continue;
                }
                try
                {
                    context.Output.Verbose(Messages.Format("Verbose_RollingBack", step.Id));
                    step.RollBack(context, entry.Captured);
                    journal.Record(step.Id, "rolled-back", "restored what the step replaced", options.Clock());
                    if (j != failedIndex) outcome.Result = StepResult.RolledBack;
                    undone.Add(step.Id);
                }
                catch (Exception ex) when (ex is StepFailedException || ex is AutoGlmException || ex is IOException || ex is UnauthorizedAccessException)
                {
                    journal.Record(step.Id, "rollback-failed", context.Mask(ex.Message), options.Clock());
                    if (j != failedIndex) outcome.Result = StepResult.RollbackFailed;
                    failed.Add($"{step.Id} ({context.Mask(ex.Message)})");
                }
            }
            return (undone, failed, kept);
        }

        private static string HostText(ISystemHost system) =>
            system.Root == "/" || system.Root.Length <= 3 ? system.Platform.ToText() : $"{system.Platform.ToText()} root {system.Root}";
    }
}
