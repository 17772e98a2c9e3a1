using System.Runtime.InteropServices;
using Fobnail.Tpm.Interop;

namespace Fobnail.Tpm;

/// <summary>
/// Waits in poll(2) for a transport's descriptor to become readable, bounded by a command's deadline and
/// woken through an eventfd by the transport's cancellation token (the same pattern as Fobnail.Netlink):
/// cancellation is immediate and waiting costs no CPU, where a short poll loop checking the token would wake
/// PID 1 every few milliseconds for the whole of a two-minute key generation. Once cancelled, the eventfd
/// stays readable, so every later wait of the transport returns at once.
/// </summary>
internal sealed unsafe class TpmResponseWait : IDisposable
{
    private readonly int _wakeFd;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _registration;
    private int _disposed;

    public TpmResponseWait(CancellationToken cancellationToken)
    {
        _wakeFd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (_wakeFd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new TpmTransportException($"eventfd failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        _cancellationToken = cancellationToken;
        // Registered last: the callback may run at once when the token is already cancelled.
        _registration = cancellationToken.Register(Wake);
    }

    public CancellationToken CancellationToken => _cancellationToken;

    /// <summary>
    /// Returns when <paramref name="fd"/> is readable or reports an error/hang-up (the following read or
    /// receive reports which). Throws <see cref="TpmTimeoutException"/> at the deadline and
    /// <see cref="OperationCanceledException"/> on cancellation.
    /// </summary>
    public void UntilReadable(int fd, in TpmCommandDeadline deadline, string transport)
    {
        var fds = stackalloc PollFd[2];
        while (true)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            int timeout = deadline.RemainingMilliseconds();
            if (timeout == 0)
                throw deadline.Expired(transport);
            fds[0] = new PollFd { fd = fd, events = Libc.POLLIN };
            fds[1] = new PollFd { fd = _wakeFd, events = Libc.POLLIN };
            int ready = Libc.poll(fds, 2, timeout);
            if (ready < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR)
                    continue;
                throw new TpmTransportException($"{transport}: poll failed while waiting for {deadline.CommandName}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
            }
            if (fds[1].revents != 0)
                continue; // the loop head throws the cancellation
            if (fds[0].revents != 0)
                return;
            // ready == 0: poll's own timeout; the loop head decides whether the deadline has passed.
        }
    }

    private void Wake()
    {
        ulong one = 1;
        if (Volatile.Read(ref _disposed) == 0)
            Libc.write(_wakeFd, &one, sizeof(ulong));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        // Unregistering waits for a running callback, so Wake never writes a closed (or reused) descriptor.
        _registration.Dispose();
        Libc.close(_wakeFd);
    }
}
