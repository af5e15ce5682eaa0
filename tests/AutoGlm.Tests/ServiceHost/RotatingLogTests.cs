using System.IO;
using System.Linq;
using AutoGlm.ServiceHost;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.ServiceHost
{
    public class RotatingLogTests
    {
        [Fact]
        public void PastTheSizeTheFileRotatesAndOnlyKeepFilesOldOnesRemain()
        {
            using var dir = new TempDir("autoglm-log");
            using (var log = new RotatingLog(dir.Path, "s.log", maxBytes: 100, keepFiles: 2))
                for (int i = 0; i < 40; i++) log.WriteLine($"line {i:00} " + new string('x', 10)); // 19 bytes a line

            var path = Path.Combine(dir.Path, "s.log");
            Assert.Equal(new[] { "s.log", "s.log.1", "s.log.2" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).OrderBy(n => n));
            foreach (var f in Directory.GetFiles(dir.Path)) Assert.InRange(new FileInfo(f).Length, 1, 100);
            // Oldest first: .2, .1, current; whole lines, consecutive, ending with the last one written.
            var lines = File.ReadAllLines(path + ".2").Concat(File.ReadAllLines(path + ".1")).Concat(File.ReadAllLines(path)).ToList();
            var numbers = lines.Select(l => int.Parse(l.Substring(5, 2))).ToList();
            Assert.Equal(39, numbers.Last());
            Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
        }

        [Fact]
        public void KeepZeroStartsAFreshFileAndAppendsAcrossReopen()
        {
            using var dir = new TempDir("autoglm-log");
            using (var log = new RotatingLog(dir.Path, "s.log", 50, 0))
                for (int i = 0; i < 10; i++) log.WriteLine("0123456789");
            Assert.Single(Directory.GetFiles(dir.Path));
            using (var log = new RotatingLog(dir.Path, "s.log", 1000, 0)) log.Host("again");
            var text = File.ReadAllText(Path.Combine(dir.Path, "s.log"));
            Assert.StartsWith("0123456789\n", text);
            Assert.Contains("[autoglm-servicehost] again", text);
        }
    }
}
