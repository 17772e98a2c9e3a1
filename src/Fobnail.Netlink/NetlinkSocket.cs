using System.Runtime.InteropServices;
using Fobnail.Netlink.Interop;

namespace Fobnail.Netlink;

/// <summary>
/// An AF_NETLINK raw socket bound in the network namespace of the calling thread. Receiving blocks in
/// poll(2) on the socket and an eventfd; cancellation writes the eventfd, so waiting costs nothing and
/// needs no timeouts.
/// </summary>
public sealed unsafe class NetlinkSocket : IDisposable
{
    /// <summary>NETLINK_ROUTE from linux/netlink.h.</summary>
    public const int NETLINK_ROUTE = 0;
    /// <summary>NETLINK_KOBJECT_UEVENT from linux/netlink.h.</summary>
    public const int NETLINK_KOBJECT_UEVENT = 15;

    /// <summary>SOL_NETLINK socket options (linux/netlink.h).</summary>
    private const int SOL_NETLINK = 270;
    private const int NETLINK_EXT_ACK = 11;
    private const int NETLINK_GET_STRICT_CHK = 12;

    private readonly int _fd;
    private readonly int _wakeFd;
    private int _disposed;

    private NetlinkSocket(int fd, int wakeFd, uint portId)
    {
        _fd = fd;
        _wakeFd = wakeFd;
        PortId = portId;
    }

    /// <summary>The port id (nl_pid) the kernel assigned to this socket.</summary>
    public uint PortId { get; }

    /// <summary>Opens a socket of the given netlink protocol, joined to the multicast <paramref name="groups"/>.</summary>
    public static NetlinkSocket Open(int protocol, uint groups, int receiveBufferBytes = 1 << 20)
    {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        if (fd < 0) throw LastError("socket(AF_NETLINK)");
        int wake = -1;
        try
        {
            // Bursts of events (a USB hub full of devices, a link dump) must not overflow the queue;
            // SO_RCVBUFFORCE needs CAP_NET_ADMIN, SO_RCVBUF is the unprivileged fallback.
            int size = receiveBufferBytes;
            if (Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, &size, sizeof(int)) != 0)
                Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &size, sizeof(int));

            var addr = new SockaddrNl { nl_family = Libc.AF_NETLINK, nl_groups = groups };
            if (Libc.bind(fd, &addr, (uint)sizeof(SockaddrNl)) != 0) throw LastError("bind(AF_NETLINK)");
            uint len = (uint)sizeof(SockaddrNl);
            if (Libc.getsockname(fd, &addr, &len) != 0) throw LastError("getsockname(AF_NETLINK)");

            wake = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            if (wake < 0) throw LastError("eventfd");
            return new NetlinkSocket(fd, wake, addr.nl_pid);
        }
        catch
        {
            Libc.close(fd);
            if (wake >= 0) Libc.close(wake);
            throw;
        }
    }

    /// <summary>Asks the kernel for extended acks (NLMSGERR_ATTR_MSG texts) and strict dump checking.</summary>
    public void EnableExtendedAck()
    {
        int one = 1;
        if (Libc.setsockopt(_fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(int)) != 0)
            throw LastError("setsockopt(NETLINK_EXT_ACK)");
        // Strict checking is optional (older kernels lack it); without it requests still work.
        Libc.setsockopt(_fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(int));
    }

    /// <summary>Sends one datagram to the kernel (nl_pid 0).</summary>
    public void Send(ReadOnlySpan<byte> datagram)
    {
        var dest = new SockaddrNl { nl_family = Libc.AF_NETLINK };
        while (true)
        {
            nint n;
            fixed (byte* p = datagram) n = Libc.sendto(_fd, p, (nuint)datagram.Length, 0, &dest, (uint)sizeof(SockaddrNl));
            if (n >= 0) return;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR) throw new NetlinkException("sendto(AF_NETLINK)", errno);
        }
    }

    /// <summary>
    /// Waits for and receives one datagram. Returns <see cref="NetlinkReceiveResult.Overrun"/> when the
    /// kernel dropped messages because our queue was full (ENOBUFS): the caller must resynchronise.
    /// Throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    public NetlinkReceiveResult Receive(Span<byte> buffer, CancellationToken ct)
    {
        using var reg = ct.CanBeCanceled ? ct.Register(Wake) : default;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var fds = stackalloc PollFd[2];
            fds[0] = new PollFd { fd = _fd, events = Libc.POLLIN };
            fds[1] = new PollFd { fd = _wakeFd, events = Libc.POLLIN };
            int ready = Libc.poll(fds, 2, -1);
            if (ready < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR) continue;
                throw new NetlinkException("poll", errno);
            }
            if (fds[1].revents != 0)
            {
                DrainWake();
                continue; // loop re-checks ct; a wake without cancellation (Dispose race) just polls again
            }
            if (fds[0].revents == 0) continue;

            var from = new SockaddrNl();
            uint fromLen = (uint)sizeof(SockaddrNl);
            nint n;
            // MSG_TRUNC makes recvfrom return the real datagram length, so truncation is detectable.
            fixed (byte* p = buffer)
                n = Libc.recvfrom(_fd, p, (nuint)buffer.Length, Libc.MSG_DONTWAIT | Libc.MSG_TRUNC, &from, &fromLen);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR || errno == Libc.EAGAIN) continue;
                if (errno == Libc.ENOBUFS) return NetlinkReceiveResult.Overrun;
                throw new NetlinkException("recvfrom(AF_NETLINK)", errno);
            }
            return new NetlinkReceiveResult((int)n, from.nl_pid, from.nl_groups, Truncated: n > buffer.Length, IsOverrun: false);
        }
    }

    private void Wake()
    {
        ulong one = 1;
        if (Volatile.Read(ref _disposed) == 0) Libc.write(_wakeFd, &one, sizeof(ulong));
    }

    private void DrainWake()
    {
        ulong value;
        Libc.read(_wakeFd, &value, sizeof(ulong));
    }

    private static NetlinkException LastError(string operation) =>
        new(operation, Marshal.GetLastPInvokeError());

    /// <summary>Closes the socket. A thread blocked in <see cref="Receive"/> must be cancelled first:
    /// closing a descriptor does not wake poll(2).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Libc.close(_fd);
        Libc.close(_wakeFd);
    }
}
