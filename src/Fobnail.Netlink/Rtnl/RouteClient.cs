using Fobnail.Linux;
using Serilog;
using static Fobnail.Netlink.Rtnl.NetlinkConstants;
using static Fobnail.Netlink.Rtnl.RtnetlinkConstants;

namespace Fobnail.Netlink.Rtnl;

/// <summary>
/// Request/response NETLINK_ROUTE client (one socket, no multicast groups). rtnetlink handles a request
/// synchronously inside sendmsg(2), so the reply is already queued when we start receiving.
/// Not thread-safe: one request at a time.
/// </summary>
public sealed class RouteClient : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly ILogger _log;
    private readonly byte[] _buffer = new byte[NetlinkReceiver.BufferBytes];
    private uint _seq;

    private RouteClient(NetlinkSocket socket, ILogger log)
    {
        _socket = socket;
        _log = log;
    }

    /// <summary>Opens the socket in the calling thread's network namespace.</summary>
    public static RouteClient Open(ILogger? log = null)
    {
        var s = NetlinkSocket.Open(Sys.NETLINK_ROUTE, 0);
        try { s.EnableExtendedAck(); }
        catch { s.Dispose(); throw; }
        return new RouteClient(s, log ?? Serilog.Core.Logger.None);
    }

    /// <summary>RTM_GETLINK dump: every link in the namespace.</summary>
    public List<LinkMessage> DumpLinks(CancellationToken ct = default)
    {
        var req = new NetlinkMessageBuilder(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, NextSeq())
            .IfInfoMsg(AF_UNSPEC, 0, 0, 0);
        var links = new List<LinkMessage>();
        foreach (var m in Dump(req, ct))
            if (m.Type == RTM_NEWLINK) links.Add(LinkMessage.Parse(m));
        return links;
    }

    /// <summary>RTM_GETADDR dump for IPv4, optionally only one interface.</summary>
    public List<AddressMessage> DumpIPv4Addresses(int ifIndex = 0, CancellationToken ct = default)
    {
        var req = new NetlinkMessageBuilder(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, NextSeq())
            .IfAddrMsg(AF_INET, 0, 0, 0, 0);
        var list = new List<AddressMessage>();
        foreach (var m in Dump(req, ct))
        {
            if (m.Type != RTM_NEWADDR) continue;
            var a = AddressMessage.Parse(m);
            if (ifIndex == 0 || a.ifa_index == ifIndex) list.Add(a);
        }
        return list;
    }

    /// <summary>RTM_GETLINK for one interface: its current state, or null when it no longer exists (ENODEV).</summary>
    public LinkMessage? GetLink(int ifIndex, CancellationToken ct = default)
    {
        var req = new NetlinkMessageBuilder(RTM_GETLINK, NLM_F_REQUEST, NextSeq())
            .IfInfoMsg(AF_UNSPEC, ifIndex, 0, 0);
        try
        {
            return LinkMessage.Parse(Query(req, RTM_NEWLINK, ct));
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    /// <summary>RTM_NEWLINK with IFF_UP in ifi_flags and ifi_change: bring the link administratively up.</summary>
    public void SetLinkUp(int ifIndex, CancellationToken ct = default) => SetLinkFlags(ifIndex, IFF_UP, IFF_UP, ct);

    /// <summary>RTM_NEWLINK clearing IFF_UP.</summary>
    public void SetLinkDown(int ifIndex, CancellationToken ct = default) => SetLinkFlags(ifIndex, 0, IFF_UP, ct);

    private void SetLinkFlags(int ifIndex, uint flags, uint change, CancellationToken ct)
    {
        var req = new NetlinkMessageBuilder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, NextSeq())
            .IfInfoMsg(AF_UNSPEC, ifIndex, flags, change);
        Transact(req, ct);
    }

    /// <summary>
    /// RTM_NEWADDR with IFA_LOCAL and IFA_ADDRESS (equal for a non-point-to-point link), NLM_F_CREATE|NLM_F_EXCL.
    /// Idempotent: returns false when the address was already there (EEXIST), true when it was added.
    /// </summary>
    public bool AddAddress(int ifIndex, Ipv4Prefix prefix, CancellationToken ct = default)
    {
        var ip = prefix.Address.GetAddressBytes();
        var req = new NetlinkMessageBuilder(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, NextSeq())
            .IfAddrMsg(AF_INET, prefix.PrefixLength, 0, RT_SCOPE_UNIVERSE, ifIndex)
            .Attribute(IFA_LOCAL, ip)
            .Attribute(IFA_ADDRESS, ip);
        try
        {
            Transact(req, ct);
            return true;
        }
        catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
        {
            return false;
        }
    }

    private uint NextSeq() => ++_seq;

    /// <summary>Sends a request with NLM_F_ACK and waits for its NLMSG_ERROR; a non-zero error throws.</summary>
    private void Transact(NetlinkMessageBuilder req, CancellationToken ct)
    {
        var bytes = req.Build();
        var sent = NetlinkMessageParser.ReadHeader(bytes);
        _socket.Send(bytes);
        while (true)
        {
            foreach (var m in ReceiveReplies(sent.nlmsg_seq, ct))
            {
                if (m.Type != NLMSG_ERROR) continue;
                var err = NetlinkErrorMessage.Parse(m);
                if (err.IsAck) return;
                throw new NetlinkException(MessageTypeName(sent.nlmsg_type), err.Errno, err.ExtAckMessage);
            }
        }
    }

    /// <summary>Sends a non-dump GET request and returns the single reply of <paramref name="replyType"/>.</summary>
    private NetlinkMessage Query(NetlinkMessageBuilder req, ushort replyType, CancellationToken ct)
    {
        var bytes = req.Build();
        var sent = NetlinkMessageParser.ReadHeader(bytes);
        _socket.Send(bytes);
        while (true)
        {
            foreach (var m in ReceiveReplies(sent.nlmsg_seq, ct))
            {
                if (m.Type == replyType) return m;
                if (m.Type != NLMSG_ERROR) continue;
                var err = NetlinkErrorMessage.Parse(m);
                if (!err.IsAck) throw new NetlinkException(MessageTypeName(sent.nlmsg_type), err.Errno, err.ExtAckMessage);
            }
        }
    }

    /// <summary>Sends a dump request and collects the multipart reply up to NLMSG_DONE.</summary>
    private List<NetlinkMessage> Dump(NetlinkMessageBuilder req, CancellationToken ct)
    {
        var bytes = req.Build();
        var sent = NetlinkMessageParser.ReadHeader(bytes);
        _socket.Send(bytes);
        var result = new List<NetlinkMessage>();
        while (true)
        {
            foreach (var m in ReceiveReplies(sent.nlmsg_seq, ct))
            {
                switch (m.Type)
                {
                    case NLMSG_DONE:
                        return result;
                    case NLMSG_ERROR:
                        var err = NetlinkErrorMessage.Parse(m);
                        throw new NetlinkException(MessageTypeName(sent.nlmsg_type) + " dump", err.Errno, err.ExtAckMessage);
                    default:
                        if ((m.Header.nlmsg_flags & NLM_F_DUMP_INTR) != 0)
                            _log.Debug("rtnl: {Type} dump was interrupted by a concurrent change (NLM_F_DUMP_INTR)", MessageTypeName(sent.nlmsg_type));
                        result.Add(m);
                        break;
                }
            }
        }
    }

    /// <summary>Receives one datagram from the kernel and returns its messages for our sequence number.</summary>
    private List<NetlinkMessage> ReceiveReplies(uint seq, CancellationToken ct)
    {
        var r = _socket.Receive(_buffer, ct);
        if (r.IsOverrun) throw new NetlinkException("recvfrom(NETLINK_ROUTE)", Errno.ENOBUFS);
        if (r.SenderPortId != 0 || r.Truncated)
        {
            _log.Warning("rtnl: dropped {Kind} datagram on the request socket", r.Truncated ? "truncated" : "non-kernel");
            return [];
        }
        var all = NetlinkMessageParser.Split(_buffer.AsMemory(0, r.Length).ToArray());
        return all.FindAll(m => m.Header.nlmsg_seq == seq);
    }

    public void Dispose() => _socket.Dispose();
}
