using System.Runtime.InteropServices;
using Fobnail.Linux;
using Serilog;

namespace Fobnail.Init.Pid1;

/// <summary>
/// PID 1 adopts every orphan and must wait(2) for them or they stay zombies. We reap on every SIGCHLD and once at
/// start (for anything that died before the handler existed).
/// </summary>
internal sealed class ChildReaper : IDisposable
{
    private readonly ILogger _log;
    private readonly PosixSignalRegistration _registration;
    private readonly object _lock = new();

    public int Reaped { get; private set; }

    public ChildReaper(ILogger log)
    {
        _log = log;
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGCHLD, ctx => { ReapAll(); ctx.Cancel = true; });
        ReapAll();
    }

    public void ReapAll()
    {
        lock (_lock)
        {
            while (true)
            {
                int pid = Sys.waitpid(-1, out int status, Sys.WNOHANG);
                if (pid > 0)
                {
                    Reaped++;
                    _log.Debug("reaped child {Pid} (wait status 0x{Status:x})", pid, status);
                    continue;
                }
                if (pid < 0 && Errno.Last == Errno.EINTR) continue;
                return; // 0: children exist but none exited; -1/ECHILD: no children at all
            }
        }
    }

    public void Dispose() => _registration.Dispose();
}
