using System;

namespace AutoGlm.Engine.Diagnostics
{
    /// <summary>
    /// Kinds of failure. The names match System.Management.Automation.ErrorCategory members so the
    /// cmdlet layer can map them by name without the engine referencing PowerShell.
    /// </summary>
    public enum ErrorKind
    {
        InvalidArgument,
        InvalidData,
        ObjectNotFound,
        PermissionDenied,
        NotInstalled,
        NotImplemented,
        ResourceUnavailable,
        ResourceExists,
        ResourceBusy,
        InvalidOperation,
        OperationTimeout,
        ReadError,
        WriteError,
        SecurityError,
    }

    /// <summary>
    /// A failure the user can act on: a stable id (the PowerShell FullyQualifiedErrorId), a category,
    /// the input at fault, and a message that names that input and the fix.
    /// </summary>
    public class AutoGlmException : Exception
    {
        public AutoGlmException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target;
        }

        /// <summary>Stable identifier, documented in help; scripts may match on it.</summary>
        public string ErrorId { get; }

        public ErrorKind Kind { get; }

        /// <summary>The input at fault (a path, a profile name, a URL).</summary>
        public object? Target { get; }

        /// <summary>The fix the message names (its imperative part), or null: ErrorDetails.RecommendedAction.</summary>
        public string? RecommendedAction => Diagnostics.RecommendedAction.Of(Message);
    }
}
