using System.Runtime.InteropServices;

namespace Fobnail.Hosted.Systemd;

/// <summary>
/// SIGTERM (what `systemctl stop` sends) and SIGINT as a cancellation: without this the .NET runtime exits at
/// once with status 143 and the daemon never sends STOPPING=1 or closes its bus connection cleanly.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration _term;
    private readonly PosixSignalRegistration _int;

    public StopSignals(CancellationToken outer)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
    }

    public CancellationToken Token => _cts.Token;

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _cts.Cancel();
    }

    public void Dispose()
    {
        _term.Dispose();
        _int.Dispose();
        _cts.Dispose();
    }
}
