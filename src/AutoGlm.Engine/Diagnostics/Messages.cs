using System.Globalization;
using System.Resources;

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

        /// <summary>The message <paramref name="key"/> with its {0}, {1}... holes filled, formatted for the current culture.</summary>
        public static string Format(string key, params object?[] args)
        {
            var text = Resources.GetString(key, CultureInfo.CurrentUICulture)
                ?? throw new MissingManifestResourceException($"No message '{key}' in {ResourceName}.resx.");
            return string.Format(CultureInfo.CurrentCulture, text, args);
        }
    }
}
