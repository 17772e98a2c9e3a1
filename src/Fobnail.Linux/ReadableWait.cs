using Tmds.Linux;

namespace Fobnail.Linux;

/// <summary>
/// The one cancellable wait: poll(2) on a descriptor and an eventfd that a CancellationToken writes. Waiting
/// costs no CPU and cancellation is immediate, where a short poll loop checking the token would wake PID 1 every
/// few milliseconds for the whole of a two-minute TPM key generation or an idle uevent socket. Used by the TPM
/// device transport and the netlink socket. One instance per descriptor; not for concurrent waits.
/// </summary>
public sealed unsafe class ReadableWait : IDisposable
{
    private readonly int _wakeFd;
    private int _disposed;

    public ReadableWait()
    {
        _wakeFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (_wakeFd < 0)
            throw SyscallException.FromLast("eventfd");
    }

    /// <summary>
    /// Returns true when <paramref name="fd"/> is readable or reports an error/hang-up (the following read or
    /// receive says which), false when <paramref name="timeoutMilliseconds"/> passed first (-1: no timeout).
    /// Throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires, and
    /// <see cref="SyscallException"/> when poll fails. EINTR restarts the wait (with the full timeout: callers
    /// with a deadline pass what is left of it and call again on false).
    /// </summary>
    public bool UntilReadable(int fd, int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(Wake) : default;
        var fds = stackalloc pollfd[2];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            fds[0] = new pollfd { fd = fd, events = LibC.POLLIN };
            fds[1] = new pollfd { fd = _wakeFd, events = LibC.POLLIN };
            int ready = Sys.poll(fds, 2, timeoutMilliseconds);
            if (ready < 0)
            {
                int errno = Errno.Last;
                if (errno == Errno.EINTR)
                    continue;
                throw new SyscallException("poll", errno);
            }
            if (fds[1].revents != 0)
            {
                // Cancelled: the loop head throws. Woken without cancellation (a registration of an earlier
                // wait that fired late): drain the counter and wait again.
                ulong value;
                LibC.read(_wakeFd, &value, sizeof(ulong));
                continue;
            }
            if (fds[0].revents != 0)
                return true;
            if (ready == 0)
                return false;
        }
    }

    private void Wake()
    {
        ulong one = 1;
        if (Volatile.Read(ref _disposed) == 0)
            LibC.write(_wakeFd, &one, sizeof(ulong));
    }

    /// <summary>A thread blocked in <see cref="UntilReadable"/> must be cancelled first: closing does not wake poll(2).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        LibC.close(_wakeFd);
    }
}
