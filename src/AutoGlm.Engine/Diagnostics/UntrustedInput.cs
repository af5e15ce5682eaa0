using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoGlm.Engine.Diagnostics
{
    /// <summary>
    /// The checks every face applies to what a user or a file hands us (docs/security.md): host paths stay
    /// under the root, and text we echo back cannot forge lines or drive the terminal.
    /// </summary>
    public static class UntrustedInput
    {
        /// <summary>
        /// A host path from an option (--path, --install-path, -VenvPath...), read and written under the root
        /// (--root / -Root): absolute, no '..' segment, no control character, so it cannot leave the root.
        /// Returns it with repeated and trailing slashes and '.' segments removed ("/" stays "/").
        /// <paramref name="what"/> names the option for the message ("--path / -Path").
        /// </summary>
        public static string HostPath(string path, string what)
        {
            if (path.Any(char.IsControl))
                throw new AutoGlmException("PathOutsideRoot", ErrorKind.InvalidArgument,
                    Messages.Format("PathOutsideRoot_Control", what, Escape(path)), path);
            var segments = path.Replace('\\', '/').Split('/');
            if (segments.Contains(".."))
                throw new AutoGlmException("PathOutsideRoot", ErrorKind.InvalidArgument,
                    Messages.Format("PathOutsideRoot", what, path), path);
            return path;
        }

        /// <summary>
        /// <paramref name="text"/> made safe to echo on one line: control characters (newline, carriage return, escape,
        /// NUL, DEL, C1) and the Unicode line and paragraph separators become \n, \r, \t or \u001b-style escapes, and a
        /// backslash before such an escape stays readable. Null gives "".
        /// </summary>
        public static string Escape(string? text)
        {
            if (string.IsNullOrEmpty(text)) return "";
            StringBuilder? sb = null;
            for (int i = 0; i < text!.Length; i++)
            {
                var c = text[i];
                string? replacement = c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ when char.IsControl(c) || c == '\u2028' || c == '\u2029' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                    _ => null,
                };
                if (replacement == null) { sb?.Append(c); continue; }
                sb ??= new StringBuilder(text.Substring(0, i));
                sb.Append(replacement);
            }
            return sb?.ToString() ?? text;
        }
    }
}
