using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace AutoGlm.ServiceHost
{
    /// <summary>
    /// An argv as one Windows command line that CommandLineToArgvW (and the MSVC runtime python.exe uses) splits
    /// back into the same words: .NET Framework's ProcessStartInfo takes only a string. .NET on Linux splits
    /// ProcessStartInfo.Arguments by the same rules, so the tests check the round trip with real processes.
    /// </summary>
    public static class CommandLine
    {
        public static string Join(IEnumerable<string> args) => string.Join(" ", args.Select(Quote));

        public static string Quote(string arg)
        {
            if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0) return arg;
            var sb = new StringBuilder("\"");
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\') { backslashes++; continue; }
                // Backslashes before a quote are doubled, and the quote itself escaped; elsewhere they are literal.
                sb.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes);
                backslashes = 0;
                sb.Append(c);
            }
            sb.Append('\\', backslashes * 2).Append('"');
            return sb.ToString();
        }
    }
}
