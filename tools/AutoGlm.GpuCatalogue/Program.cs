using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using AutoGlm.Engine.Matrix;

// autoglm-gpu-catalogue --pci-ids FILE ORIGIN [--supported-gpus FILE DRIVER-VERSION ORIGIN]... --out FILE
// Reads .gz files as NVIDIA's Debian packages ship them. Writes only when the text changed, so a rerun on the
// same inputs leaves the file (and its timestamp) alone.
PciIdsDatabase? pci = null;
var lists = new List<SupportedGpuList>();
string? outFile = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--pci-ids":
            pci = PciIdsDatabase.Parse(args[i + 1], Read(args[i + 1]));
            pci.Origin = args[i + 2];
            i += 2;
            break;
        case "--supported-gpus":
            var list = SupportedGpuList.Parse(args[i + 1], Read(args[i + 1]), args[i + 2]);
            list.Origin = args[i + 3];
            lists.Add(list);
            i += 3;
            break;
        case "--out": outFile = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument '{args[i]}'"); return 2;
    }
}
if (pci == null || outFile == null) { Console.Error.WriteLine("usage: --pci-ids FILE ORIGIN [--supported-gpus FILE VERSION ORIGIN]... --out FILE"); return 2; }
var text = GpuCatalogue.Build(pci, lists).Write();
if (File.Exists(outFile) && File.ReadAllText(outFile) == text) { Console.WriteLine($"{outFile}: unchanged"); return 0; }
File.WriteAllText(outFile, text);
Console.WriteLine($"{outFile}: written ({GpuCatalogue.Parse(outFile, text).Count} devices)");
return 0;

static string Read(string path)
{
    using var file = File.OpenRead(path);
    using Stream s = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
    using var reader = new StreamReader(s);
    return reader.ReadToEnd();
}
