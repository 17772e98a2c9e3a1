using Fobnail.Linux;
using Tmds.Linux;

namespace Fobnail.Netlink;

/// <summary>
/// An AF_NETLINK raw socket bound in the network namespace of the calling thread. Receiving blocks in
/// poll(2) on the socket and an eventfd; cancellation writes the eventfd, so waiting costs nothing and
/// needs no timeouts.
/// </summary>
public sealed unsafe class NetlinkSocket : IDisposable
{
    private readonly int _fd;
    private readonly ReadableWait _wait;
    private int _disposed;

    private NetlinkSocket(int fd, ReadableWait wait, uint portId)
    {
        _fd = fd;
        _wait = wait;
        PortId = portId;
    }

    /// <summary>The port id (nl_pid) the kernel assigned to this socket.</summary>
    public uint PortId { get; }

    /// <summary>Opens a socket of the given netlink protocol, joined to the multicast <paramref name="groups"/>.</summary>
    public static NetlinkSocket Open(int protocol, uint groups, int receiveBufferBytes = 1 << 20)
    {
        int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol);
        if (fd < 0) throw LastError("socket(AF_NETLINK)");
        ReadableWait? wait = null;
        try
        {
            // Bursts of events (a USB hub full of devices, a link dump) must not overflow the queue;
            // SO_RCVBUFFORCE needs CAP_NET_ADMIN, SO_RCVBUF is the unprivileged fallback.
            int size = receiveBufferBytes;
            if (LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, &size, sizeof(int)) != 0)
                LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, &size, sizeof(int));

            var addr = new sockaddr_nl { nl_family = (ushort)(int)LibC.AF_NETLINK, nl_groups = groups };
            if (LibC.bind(fd, (sockaddr*)&addr, sizeof(sockaddr_nl)) != 0) throw LastError("bind(AF_NETLINK)");
            socklen_t len = sizeof(sockaddr_nl);
            if (LibC.getsockname(fd, (sockaddr*)&addr, &len) != 0) throw LastError("getsockname(AF_NETLINK)");

            try
            {
                wait = new ReadableWait();
            }
            catch (SyscallException e)
            {
                throw new NetlinkException(e.Operation, e.Errno);
            }
            return new NetlinkSocket(fd, wait, addr.nl_pid);
        }
        catch
        {
            LibC.close(fd);
            wait?.Dispose();
            throw;
        }
    }

    /// <summary>Asks the kernel for extended acks (NLMSGERR_ATTR_MSG texts) and strict dump checking.</summary>
    public void EnableExtendedAck()
    {
        int one = 1;
        if (LibC.setsockopt(_fd, LibC.SOL_NETLINK, Sys.NETLINK_EXT_ACK, &one, sizeof(int)) != 0)
            throw LastError("setsockopt(NETLINK_EXT_ACK)");
        // Strict checking is optional (older kernels lack it); without it requests still work.
        LibC.setsockopt(_fd, LibC.SOL_NETLINK, Sys.NETLINK_GET_STRICT_CHK, &one, sizeof(int));
    }

    /// <summary>Sends one datagram to the kernel (nl_pid 0).</summary>
    public void Send(ReadOnlySpan<byte> datagram)
    {
        var dest = new sockaddr_nl { nl_family = (ushort)(int)LibC.AF_NETLINK };
        while (true)
        {
            long n;
            fixed (byte* p = datagram) n = LibC.sendto(_fd, p, datagram.Length, 0, (sockaddr*)&dest, sizeof(sockaddr_nl));
            if (n >= 0) return;
            int errno = Errno.Last;
            if (errno != Errno.EINTR) throw new NetlinkException("sendto(AF_NETLINK)", errno);
        }
    }

    /// <summary>
    /// Waits for and receives one datagram. Returns <see cref="NetlinkReceiveResult.Overrun"/> when the
    /// kernel dropped messages because our queue was full (ENOBUFS): the caller must resynchronise.
    /// Throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    public NetlinkReceiveResult Receive(Span<byte> buffer, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                _wait.UntilReadable(_fd, -1, ct);
            }
            catch (SyscallException e)
            {
                throw new NetlinkException(e.Operation, e.Errno);
            }

            var from = new sockaddr_nl();
            socklen_t fromLen = sizeof(sockaddr_nl);
            long n;
            // MSG_TRUNC makes recvfrom return the real datagram length, so truncation is detectable.
            fixed (byte* p = buffer)
                n = LibC.recvfrom(_fd, p, buffer.Length, LibC.MSG_DONTWAIT | LibC.MSG_TRUNC, (sockaddr*)&from, &fromLen);
            if (n < 0)
            {
                int errno = Errno.Last;
                if (errno == Errno.EINTR || errno == Errno.EAGAIN) continue;
                if (errno == Errno.ENOBUFS) return NetlinkReceiveResult.Overrun;
                throw new NetlinkException("recvfrom(AF_NETLINK)", errno);
            }
            return new NetlinkReceiveResult((int)n, from.nl_pid, from.nl_groups, Truncated: n > buffer.Length, IsOverrun: false);
        }
    }

    private static NetlinkException LastError(string operation) =>
        new(operation, Errno.Last);

    /// <summary>Closes the socket. A thread blocked in <see cref="Receive"/> must be cancelled first:
    /// closing a descriptor does not wake poll(2).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        LibC.close(_fd);
        _wait.Dispose();
    }
}
