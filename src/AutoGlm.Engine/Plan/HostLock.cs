using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Plan
{
    /// <summary>
    /// The host-wide lock: an exclusively opened file in the state directory. .NET takes it with flock on
    /// Unix and a share-none handle on Windows, so the kernel drops it when the holder dies: a crashed run
    /// never leaves a stale lock. The holder's description sits beside it for the waiting run's message.
    /// </summary>
    public sealed class HostLock : IDisposable
    {
        private readonly FileStream _stream;
        private readonly string _ownerPath;

        private HostLock(FileStream stream, string ownerPath)
        {
            _stream = stream;
            _ownerPath = ownerPath;
        }

        public static HostLock Acquire(string stateDirectory, string purpose, TimeSpan timeout, IEngineOutput output)
        {
            var path = Path.Combine(stateDirectory, "autoglm.lock");
            var ownerPath = path + ".owner";
            try { Directory.CreateDirectory(stateDirectory); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new AutoGlmException("StateDirectoryUnwritable", ErrorKind.PermissionDenied,
                    Messages.Format("StateDirectoryUnwritable_Create", stateDirectory, ex.Message), stateDirectory, ex);
            }
            var clock = Stopwatch.StartNew();
            bool told = false;
            while (true)
            {
                try
                {
                    var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    var owner = $"pid {Process.GetCurrentProcess().Id}: {purpose}, since {Journal.Stamp(DateTimeOffset.UtcNow)}";
                    try { AtomicFile.Write(ownerPath, owner + "\n"); }
                    catch (AutoGlmException) { /* the description is a courtesy; the lock itself is held */ }
                    return new HostLock(stream, ownerPath);
                }
                catch (UnauthorizedAccessException ex)
                {
                    throw new AutoGlmException("StateDirectoryUnwritable", ErrorKind.PermissionDenied,
                        Messages.Format("StateDirectoryUnwritable_Lock", path, ex.Message), path, ex);
                }
                catch (IOException)
                {
                    var holder = ReadOwner(ownerPath);
                    if (clock.Elapsed >= timeout)
                        throw new AutoGlmException("HostLockTimeout", ErrorKind.ResourceBusy,
                            Messages.Format("HostLockTimeout", holder, timeout.TotalSeconds), path);
                    if (!told)
                    {
                        output.Warning(Messages.Format("Warning_WaitingForHostLock", timeout.TotalSeconds, path, holder));
                        told = true;
                    }
                    Thread.Sleep(200);
                }
            }
        }

        private static string ReadOwner(string ownerPath)
        {
            try { return File.Exists(ownerPath) ? File.ReadAllText(ownerPath).Trim() : "an unknown process"; }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { return "an unknown process"; }
        }

        public void Dispose()
        {
            try { File.Delete(_ownerPath); } catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
            _stream.Dispose();
        }
    }
}
