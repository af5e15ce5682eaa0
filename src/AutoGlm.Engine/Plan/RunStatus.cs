using System;

namespace AutoGlm.Engine.Plan
{
    /// <summary>A run's verdict.</summary>
    public enum RunStatus
    {
        /// <summary>Nothing needed changing.</summary>
        Converged,
        Changed,
        /// <summary>A step needs a reboot; the user reboots and resumes.</summary>
        RebootRequired,
        /// <summary>A step needs a reboot; -Reboot/--reboot scheduled it and the run continues by itself.</summary>
        RebootScheduled,
        /// <summary>A step failed and not everything could be rolled back.</summary>
        Failed,
        /// <summary>A step failed and every change before it was undone.</summary>
        RolledBack,
    }

    /// <summary>What happened to one step of a run.</summary>
    public enum StepResult
    {
        Unchanged,
        Changed,
        RebootPending,
        Failed,
        RolledBack,
        RollbackFailed,
        NotRun,
    }

    /// <summary>Statuses as text: the words JSON, the journal, the views and scripts use (kebab-case).</summary>
    public static class StatusText
    {
        public static string Of(RunStatus status) => status switch
        {
            RunStatus.Converged => "converged",
            RunStatus.Changed => "changed",
            RunStatus.RebootRequired => "reboot-required",
            RunStatus.RebootScheduled => "reboot-scheduled",
            RunStatus.Failed => "failed",
            RunStatus.RolledBack => "rolled-back",
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };

        public static string Of(StepResult result) => result switch
        {
            StepResult.Unchanged => "unchanged",
            StepResult.Changed => "changed",
            StepResult.RebootPending => "reboot-pending",
            StepResult.Failed => "failed",
            StepResult.RolledBack => "rolled-back",
            StepResult.RollbackFailed => "rollback-failed",
            StepResult.NotRun => "not-run",
            _ => throw new ArgumentOutOfRangeException(nameof(result)),
        };
    }
}
