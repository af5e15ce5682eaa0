using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;

[assembly: NeutralResourcesLanguage("en-US")]

namespace AutoGlm.Engine.Diagnostics
{
    /// <summary>
    /// The user-facing messages (errors, warnings) from Resources/Messages.resx, embedded in this assembly.
    /// The neutral language is en-US, so an English UI culture never probes for satellite assemblies; in
    /// any other culture the lookup falls back here when no translation ships. Keys are plain strings
    /// (ErrorId or ErrorId_Suffix) so the throw site stays readable; a contract test checks every key
    /// used exists, every entry is used, and every call passes enough arguments.
    /// </summary>
    public static class Messages
    {
        /// <summary>The manifest name of the compiled resx (set as LogicalName in the project file).</summary>
        public const string ResourceName = "AutoGlm.Engine.Resources.Messages";

        private static readonly ResourceManager Resources = new ResourceManager(ResourceName, typeof(Messages).Assembly);

        /// <summary>
        /// Which face the process shows messages through: the `autoglm` CLI (the default) or the PowerShell module,
        /// which sets it when it is imported. The two never share a process.
        /// </summary>
        public static MessageFace Face { get; set; } = MessageFace.Cli;

        /// <summary>The message <paramref name="key"/> with its {0}, {1}... holes filled, formatted for the current culture and face.</summary>
        public static string Format(string key, params object?[] args)
        {
            var text = Resources.GetString(key, CultureInfo.CurrentUICulture)
                ?? throw new MissingManifestResourceException($"No message '{key}' in {ResourceName}.resx.");
            return ForFace(string.Format(CultureInfo.CurrentCulture, text, args));
        }

        // "{ps:-CudaVersion|cli:--cuda-version}": how to say one option or command in each face. In Messages.resx it is
        // written with doubled braces, which string.Format turns into these.
        private static readonly Regex FaceToken = new Regex(@"\{ps:([^|{}]*)\|cli:([^{}]*)\}", RegexOptions.CultureInvariant);

        /// <summary>Text with each {ps:...|cli:...} pair replaced by the current face's words.</summary>
        public static string ForFace(string text) => ForFace(text, Face);

        public static string ForFace(string text, MessageFace face) =>
            text.IndexOf("{ps:", System.StringComparison.Ordinal) < 0 ? text
                : FaceToken.Replace(text, m => m.Groups[face == MessageFace.PowerShell ? 1 : 2].Value);

        /// <summary>A pair for text built in code (check remediations, conflicts): rendered by <see cref="ForFace(string)"/>.</summary>
        public static string Say(string powerShell, string cli) => "{ps:" + powerShell + "|cli:" + cli + "}";
    }

    /// <summary>The two faces over the engine; they name options and commands differently.</summary>
    public enum MessageFace
    {
        Cli,
        PowerShell,
    }
}
