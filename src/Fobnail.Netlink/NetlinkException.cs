using System.Runtime.InteropServices;

namespace Fobnail.Netlink;

/// <summary>
/// A netlink operation failed: either a syscall on the socket, or the kernel answered a request with
/// NLMSG_ERROR. <see cref="Errno"/> is the positive errno; <see cref="ExtAckMessage"/> is the kernel's
/// extended ack text (NLMSGERR_ATTR_MSG) when it gave one.
/// </summary>
public sealed class NetlinkException : Exception
{
    public NetlinkException(string operation, int errno, string? extAckMessage = null)
        : base(Format(operation, errno, extAckMessage))
    {
        Operation = operation;
        Errno = errno;
        ExtAckMessage = extAckMessage;
    }

    public string Operation { get; }
    public int Errno { get; }
    public string? ExtAckMessage { get; }

    private static string Format(string operation, int errno, string? extAck)
    {
        var text = $"{operation} failed: {Fobnail.Linux.Errno.Name(errno)} ({errno}) {Marshal.GetPInvokeErrorMessage(errno)}";
        return extAck is null ? text : $"{text}; kernel says: {extAck}";
    }
}
