using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace AutoGlm.HelpGen
{
    /// <summary>
    /// AutoGlm.HelpGen --assembly AutoGlm.dll --docs docs/help --out bin/.../en-US [--reference System.Management.Automation.dll]...
    ///
    /// Writes &lt;assembly file name&gt;-Help.xml (MAML) and about_*.help.txt into --out. Exit 0 on success,
    /// 1 when the help is incomplete or wrong (every problem printed as 'file(line): error AGHELP: ...'),
    /// 2 on bad usage.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

        public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
        {
            string? assembly = null, docs = null, outDir = null;
            var references = new List<string>();
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                try
                {
                    switch (args[i])
                    {
                        case "--assembly": assembly = Next(); break;
                        case "--docs": docs = Next(); break;
                        case "--out": outDir = Next(); break;
                        case "--reference": references.Add(Next()); break;
                        default: throw new ArgumentException($"unknown argument '{args[i]}'");
                    }
                }
                catch (ArgumentException ex) { return Usage(stderr, ex.Message); }
            }
            if (assembly == null || docs == null || outDir == null) return Usage(stderr, "--assembly, --docs and --out are required");
            if (!File.Exists(assembly)) return Usage(stderr, $"no assembly at '{assembly}'");
            if (!Directory.Exists(docs)) return Usage(stderr, $"no help folder at '{docs}'");

            var diag = new Diagnostics();
            var cmdlets = CmdletReader.Read(assembly, references);
            var files = Directory.GetFiles(docs, "*.md").OrderBy(f => f, StringComparer.Ordinal).ToList();
            var byName = files.ToDictionary(f => Path.GetFileNameWithoutExtension(f), StringComparer.OrdinalIgnoreCase);

            var commands = new List<CommandHelp>();
            foreach (var cmdlet in cmdlets)
            {
                if (!byName.TryGetValue(cmdlet.Name, out var file))
                {
                    diag.Error(Path.Combine(docs, cmdlet.Name + ".md"), 0,
                        $"{cmdlet.Name} has no help file; write {cmdlet.Name}.md in the format docs/help/README.md describes");
                    continue;
                }
                commands.Add(CommandHelp.Build(cmdlet, MarkdownDoc.Load(file, diag), diag));
            }

            var abouts = new Dictionary<string, string>();
            foreach (var file in files)
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (name.Equals("README", StringComparison.OrdinalIgnoreCase) || cmdlets.Any(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase))) continue;
                if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                    abouts[name + ".help.txt"] = AboutWriter.Write(MarkdownDoc.Load(file, diag), name, diag);
                else
                    diag.Error(file, 0, $"'{name}' is neither a cmdlet in {Path.GetFileName(assembly)} nor an about_ topic; rename or remove it");
            }

            if (diag.Errors.Count > 0)
            {
                foreach (var e in diag.Errors) stderr.WriteLine(e);
                stderr.WriteLine($"AutoGlm.HelpGen: {diag.Errors.Count} problem(s) in {Path.GetFullPath(docs)}; no help written.");
                return 1;
            }

            Directory.CreateDirectory(outDir);
            var maml = Path.Combine(outDir, Path.GetFileName(assembly) + "-Help.xml");
            var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
            using (var writer = new StreamWriter(maml, false, utf8)) MamlWriter.Write(commands).Save(writer);
            foreach (var (name, text) in abouts) File.WriteAllText(Path.Combine(outDir, name), text, utf8);
            stdout.WriteLine($"AutoGlm.HelpGen: {commands.Count} cmdlet(s), {abouts.Count} about topic(s) -> {Path.GetFullPath(outDir)}");
            return 0;
        }

        private static int Usage(TextWriter stderr, string message)
        {
            stderr.WriteLine($"AutoGlm.HelpGen: {message}");
            stderr.WriteLine("usage: AutoGlm.HelpGen --assembly AutoGlm.dll --docs docs/help --out DIR/en-US [--reference System.Management.Automation.dll]...");
            return 2;
        }
    }
}
