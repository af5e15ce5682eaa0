using System;
using System.Text.RegularExpressions;

namespace AutoGlm.Engine.Diagnostics
{
    /// <summary>Credentials in URLs, masked before anything is shown, logged or journaled: the one place that does it.</summary>
    public static class Redaction
    {
        private static readonly Regex UrlCredentials = new Regex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s'""]+@", RegexOptions.CultureInvariant);

        /// <summary>One URL with any user:password replaced by ****.</summary>
        public static string Url(string url)
        {
            int scheme = url.IndexOf("://", StringComparison.Ordinal);
            if (scheme < 0) return url;
            int start = scheme + 3;
            int end = url.IndexOfAny(new[] { '/', '?', '#' }, start);
            var authority = end < 0 ? url.Substring(start) : url.Substring(start, end - start);
            int at = authority.LastIndexOf('@');
            if (at < 0) return url;
            return url.Substring(0, start) + "****@" + authority.Substring(at + 1) + (end < 0 ? "" : url.Substring(end));
        }

        /// <summary>The credentials of every URL in free text (a tool's own messages, a command line, a config value).</summary>
        public static string UrlsInText(string text) => UrlCredentials.Replace(text, "${scheme}****@");
    }
}
