namespace AutoGlm.Engine.Diagnostics
{
    /// <summary>Shell-style patterns (* and ?) over ids, case-insensitive: check ids, matrix entry ids.</summary>
    internal static class Wildcard
    {
        public static bool IsMatch(string text, string pattern)
        {
            var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
            return System.Text.RegularExpressions.Regex.IsMatch(text, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        }
    }
}
