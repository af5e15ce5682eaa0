using System;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Python;
using AutoGlm.Tests.Support;
using Xunit;
using AutoGlm.Engine.Versions;

namespace AutoGlm.Tests.Python
{
    /// <summary>Interpreter discovery and install plans (golden argv), and the drift checks on given facts.</summary>
    public class InterpreterAndCheckTests
    {
        // A fake interpreter answering the discovery script; `-c "import ensurepip, venv"` fails when ensurepip is absent.
        private static FixtureHost WithPython(FixtureHost fx, string name, string version, bool ensurepip) =>
            fx.Tool(name, $"case \"$2\" in *'import ensurepip'*) {(ensurepip ? "exit 0" : "echo 'No module named ensurepip' >&2; exit 1")};; esac\n" +
                $"printf 'version={version}\\nexecutable=/usr/bin/{name}\\nvenv=1\\nensurepip={(ensurepip ? 1 : 0)}\\n'");

        private static VenvRequest Request(string wheelhouse, string? python) => new VenvRequest
        {
            Profile = "sglang-server", Stack = LockTests.Stack(), Wheelhouse = wheelhouse, PythonVersion = python, CommandTimeout = TimeSpan.FromSeconds(10),
        };

        [Fact]
        public void DebianPythonWithoutEnsurepipGetsTheVenvPackageFirst()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            WithPython(fx, "python3.12", "3.12.3", ensurepip: false);
            var system = new LiveSystem(fx.RootPath, fx.PathVariable);
            var plan = VenvService.SyncPlan(system, Request(Wheels.Wheelhouse(tmp.Combine("w")), "3.12"), NullOutput.Instance);
            var preview = PlanExecutor.Preview(plan, system, NullOutput.Instance, TimeSpan.FromSeconds(10));

            var step = preview.Steps.First();
            Assert.Equal("python.venv-package", step.Id);
            Assert.Equal("change", step.Status);
            Assert.Equal(new[] { "apt-get install -y --no-install-recommends python3.12-venv" }, step.CommandLines);
            Assert.Contains("ensurepip", step.Detail);
            Assert.Equal(new[] { "/usr/bin/python3.12", "-m", "venv", "/opt/autoglm/venv.autoglm-new" }, preview.Steps.Last().Commands[0]);
        }

        [Theory]
        [InlineData("ubuntu", "apt-get install -y --no-install-recommends python3.12 python3.12-venv")]
        [InlineData("rocky", "dnf install -y python3.12")]
        public void NoFittingInterpreterPlansTheOsPackage(string distro, string command)
        {
            using var fx = new FixtureHost();
            using var tmp = new TempDir();
            fx.File("/etc/os-release", $"ID={distro}\nVERSION_ID=\"{(distro == "ubuntu" ? "24.04" : "9.4")}\"\n{(distro == "rocky" ? "ID_LIKE=\"rhel centos fedora\"\n" : "")}");
            WithPython(fx, "python3.9", "3.9.18", ensurepip: true); // outside sglang-server's >=3.10
            var system = new LiveSystem(fx.RootPath, fx.PathVariable);
            var preview = PlanExecutor.Preview(VenvService.SyncPlan(system, Request(Wheels.Wheelhouse(tmp.Combine("w")), "3.12"), NullOutput.Instance),
                system, NullOutput.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal("python.install", preview.Steps[0].Id);
            Assert.Equal(new[] { command }, preview.Steps[0].CommandLines);
            Assert.Equal(system.MapPath("/usr/bin/python3.12"), preview.Steps.Last().Commands[0][0]);
            Assert.Empty(Directory.GetFileSystemEntries(fx.RootPath, "*", SearchOption.AllDirectories).Where(p => !p.EndsWith("os-release") && !p.EndsWith("etc")));
        }

        [Fact]
        public void WindowsInstallsFromPythonOrgAndOutOfRangeVersionsAreRefused()
        {
            var steps = Interpreters.InstallSteps(OsFamily.Windows, "3.12", _ => StepCheck.Needed("none"));
            Assert.Equal(new[]
            {
                @"curl.exe -fsSL --create-dirs -o 'C:\ProgramData\AutoGlm\downloads\python-3.12.10-amd64.exe' https://www.python.org/ftp/python/3.12.10/python-3.12.10-amd64.exe",
                @"'C:\ProgramData\AutoGlm\downloads\python-3.12.10-amd64.exe' /quiet InstallAllUsers=1 PrependPath=0 Include_launcher=1 Include_test=0",
            }, steps[0].Commands.Select(ArgvText.Join));
            Assert.Equal("PythonInstallerUnknown", Assert.Throws<AutoGlmException>(() => Interpreters.InstallSteps(OsFamily.Windows, "3.13", _ => StepCheck.Needed(""))).ErrorId);

            using var fx = FixtureHost.HealthyUbuntu();
            using var tmp = new TempDir();
            var system = new LiveSystem(fx.RootPath, fx.PathVariable);
            var ex = Assert.Throws<AutoGlmException>(() => VenvService.SyncPlan(system, Request(Wheels.Wheelhouse(tmp.Combine("w")), "3.9"), NullOutput.Instance));
            Assert.Equal("PythonOutsideProfile", ex.ErrorId);
            Assert.Contains(">=3.10", ex.Message);
            Assert.Equal("PathOutsideRoot", Assert.Throws<AutoGlmException>(() => VenvService.SyncPlan(system,
                new VenvRequest { Profile = "sglang-server", Stack = LockTests.Stack(), VenvPath = "/opt/../etc" }, NullOutput.Instance)).ErrorId);
        }

        [Fact]
        public void PyLauncherAndRegistryListingsAreParsed()
        {
            var py = Interpreters.ParsePyLauncher(" -V:3.13 *        C:\\Program Files\\Python313\\python.exe\r\n -V:3.11          C:\\Users\\ana\\AppData\\Local\\Programs\\Python\\Python311\\python.exe\r\n -V:ContinuumAnalytics/Anaconda39-64 C:\\anaconda3\\python.exe\r\n");
            Assert.Equal(new[] { "3.13", "3.11" }, py.Select(e => e.Version));
            Assert.Equal(@"C:\Program Files\Python313\python.exe", py[0].Path);
            var old = Interpreters.ParsePyLauncher("Installed Pythons found by py Launcher for Windows\n -3.10-64 *      C:\\Python310\\python.exe\n");
            Assert.Equal(("3.10", @"C:\Python310\python.exe"), (old[0].Version, old[0].Path));

            var reg = Interpreters.ParseRegistry(
                "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Python\\PythonCore\\3.12\r\n    DisplayName    REG_SZ    Python 3.12 (64-bit)\r\n\r\n" +
                "HKEY_LOCAL_MACHINE\\SOFTWARE\\Python\\PythonCore\\3.12\\InstallPath\r\n    (Default)    REG_SZ    C:\\Program Files\\Python312\\\r\n" +
                "    ExecutablePath    REG_SZ    C:\\Program Files\\Python312\\python.exe\r\n\r\n" +
                "HKEY_LOCAL_MACHINE\\SOFTWARE\\Python\\PythonCore\\3.12\\PythonPath\r\n    (Default)    REG_SZ    C:\\Program Files\\Python312\\Lib\r\n");
            Assert.Single(reg);
            Assert.Equal(("3.12", @"C:\Program Files\Python312\python.exe"), (reg[0].Version, reg[0].Path));
        }

        private static CheckResultLike Evaluate(string id, string torch, string? torchCuda, string? driverCuda, string lockedTorch = "2.9.1+cu128")
        {
            using var tmp = new TempDir();
            var facts = new HostFacts(new LiveHost(tmp.Path));
            var venv = new VenvFacts { Path = "/opt/autoglm/venv", State = new VenvState { Exists = true, TorchCuda = torchCuda } };
            venv.State.Packages["torch"] = torch;
            venv.Lock = PythonLock.Parse($"torch=={lockedTorch} --hash=sha256:{new string('a', 64)}\n", "requirements.lock", null, null);
            facts.Set(typeof(VenvFacts), venv);
            var gpu = new GpuFacts { CudaDriverVersion = driverCuda, DriverVersion = driverCuda == null ? null : "535.183.01" };
            facts.Set(typeof(GpuFacts), gpu);
            var matrix = MatrixLoader.LoadDefault();
            var check = CheckCatalog.All.Single(c => c.Info.Id == id);
            var v = check.Evaluate(new CheckContext(facts, matrix, matrix.GetProfile("sglang-server")));
            return new CheckResultLike(v.Status, v.Message);
        }

        private sealed record CheckResultLike(CheckStatus Status, string Message);

        [Fact]
        public void TorchBuildIsJudgedAgainstThePinAndTheDriver()
        {
            Assert.Equal(CheckStatus.Pass, Evaluate("python.torch.cuda", "2.9.1+cu128", "12.8", "12.8").Status);
            var cpu = Evaluate("python.torch.cuda", "2.9.1+cpu", null, "12.8");
            Assert.Equal(CheckStatus.Fail, cpu.Status);
            Assert.Contains("CPU-only", cpu.Message);
            // PyPI's unlabelled torch that is a CPU build (torch/version.py cuda = None) is CPU-only too.
            Assert.Equal(CheckStatus.Fail, Evaluate("python.torch.cuda", "2.9.1", null, "12.8", lockedTorch: "2.9.1").Status);
            var other = Evaluate("python.torch.cuda", "2.9.1+cu126", "12.6", "12.8");
            Assert.Equal(CheckStatus.Fail, other.Status);
            Assert.Contains("pins cu128", other.Message);
            var older = Evaluate("python.torch.cuda", "2.9.1+cu128", "12.8", "12.2");
            Assert.Equal(CheckStatus.Warn, older.Status);
            Assert.Contains("minor-version compatibility", older.Message);
            var major = Evaluate("python.torch.cuda", "2.9.1+cu128", "12.8", "11.8");
            Assert.Equal(CheckStatus.Fail, major.Status);
            Assert.Contains("serves only CUDA 11.8", major.Message);
        }
    }
}
