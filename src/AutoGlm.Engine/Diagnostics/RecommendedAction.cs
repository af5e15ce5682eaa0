using System;
using System.Text.RegularExpressions;

namespace AutoGlm.Engine.Diagnostics
{
    /// <summary>
    /// The fix inside an error message. Our messages say what is wrong, then what to do, in that order
    /// ("The facts file 'x' does not exist. Pass the path of a JSON facts file."); the fix is the text from the
    /// first sentence or clause that starts with an imperative. PowerShell shows it as
    /// ErrorDetails.RecommendedAction; the CLI prints the whole message, which already holds it.
    /// </summary>
    public static class RecommendedAction
    {
        // The verbs our fixes start with (every message in Messages.resx was read for this list).
        private const string Verbs =
            "Pass|Use|Run|Install|Reinstall|Check|Let|Raise|Give|Set|Unset|Add|Remove|Fix|Choose|Pick|Put|Create|Move|Clone|" +
            "Regenerate|Change|Pin|Export|Free|Stop|Start|Finish|Write|Inspect|List|Make|Break|Loosen|Pipe|Mark|Split|" +
            "Rebase|Reboot|Enable|Disable|Update|Upgrade|Wait|Restart|Enroll|Load|Point|Leave|Delete|Drop|Try|Select|" +
            "Download|Replace|Retry|Copy|Turn|Lock|Sign|Keep|Rename|Mount|Reset|Provide|Do not|See";

        // At the start of the message, or after a sentence or clause ends; "then"/"or" may lead in ("...; or use X").
        private static readonly Regex Start = new Regex(
            @"(?:^|(?<=[.;:!?)])\s+)(?:then\s+|or\s+)?(?=(?:" + Verbs + @")\b)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static readonly Regex NothingChanged = new Regex(@"\s*Nothing was changed\.\s*$", RegexOptions.CultureInvariant);

        /// <summary>The fix the message names, or null when it names none.</summary>
        public static string? Of(string? message)
        {
            if (string.IsNullOrWhiteSpace(message)) return null;
            var m = Start.Match(message!);
            if (!m.Success) return null;
            var fix = message!.Substring(m.Index + m.Length).Trim();
            fix = NothingChanged.Replace(fix, "");
            if (fix.Length == 0) return null;
            return char.ToUpperInvariant(fix[0]) + fix.Substring(1);
        }
    }
}
