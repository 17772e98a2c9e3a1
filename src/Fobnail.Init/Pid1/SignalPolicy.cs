using System.Runtime.InteropServices;
using Fobnail.Linux;
using Serilog;

namespace Fobnail.Init.Pid1;

/// <summary>
/// The kernel delivers to PID 1 only the signals it has handlers for. The .NET runtime installs handlers for
/// SIGTERM, SIGINT, SIGQUIT and SIGHUP whose default action ends the process, and an ended PID 1 is a kernel
/// panic; so we take those signals ourselves, log them, and cancel the runtime's default. Ctrl-Alt-Del is turned
/// into a SIGINT (reboot(RB_DISABLE_CAD)) instead of an immediate hard reboot, and ignored likewise.
/// </summary>
internal sealed class SignalPolicy : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];

    public SignalPolicy(ILogger log)
    {
        Sys.reboot(Sys.RB_DISABLE_CAD);
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                log.Warning("ignoring {Signal}: PID 1 does not exit", ctx.Signal);
            }));
        }
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
