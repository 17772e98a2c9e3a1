using Fobnail.Linux;
using System.Text.Json;
using Fobnail.Netlink.Rtnl;
using Fobnail.Netlink.Tests.Support;
using Fobnail.Netlink.Uevents;

namespace Fobnail.Netlink.Tests;

/// <summary>Real kernel, as root, inside a network namespace each test creates and deletes.</summary>
public class RouteIntegrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static int IfIndex(NetworkNamespace ns, string name) =>
        JsonDocument.Parse(ns.Ip("-j", "link", "show", name)).RootElement[0].GetProperty("ifindex").GetInt32();

    private static List<(string Local, int Prefix)> IpJAddr(NetworkNamespace ns, string name) =>
        JsonDocument.Parse(ns.Ip("-j", "addr", "show", "dev", name)).RootElement[0].GetProperty("addr_info").EnumerateArray()
            .Where(a => a.GetProperty("family").GetString() == "inet")
            .Select(a => (a.GetProperty("local").GetString()!, a.GetProperty("prefixlen").GetInt32())).ToList();

    [Fact]
    public void Client_sets_link_up_and_adds_the_address_idempotently_as_ip_confirms()
    {
        using var ns = new NetworkNamespace("netlink");
        ns.Ip("link", "add", "tok0", "type", "veth", "peer", "name", "peer0");
        int index = IfIndex(ns, "tok0");
        using var client = ns.Enter(() => RouteClient.Open());

        var before = client.DumpLinks().Single(l => l.IfName == "tok0");
        Assert.False(before.IsUp);
        client.SetLinkUp(index);
        Assert.True(client.DumpLinks().Single(l => l.ifi_index == index).IsUp);
        Assert.Contains("UP", ns.Ip("-j", "link", "show", "tok0"));

        Assert.True(client.AddAddress(index, Ipv4Prefix.Default));
        Assert.False(client.AddAddress(index, Ipv4Prefix.Default)); // EEXIST is success
        Assert.Equal([("169.254.0.8", 16)], IpJAddr(ns, "tok0"));
        var ours = Assert.Single(client.DumpIPv4Addresses(index));
        Assert.Equal("169.254.0.8", ours.Local!.ToString());

        client.SetLinkDown(index);
        Assert.False(client.DumpLinks().Single(l => l.ifi_index == index).IsUp);
    }

    [Fact]
    public void Kernel_errors_become_NetlinkException_with_errno_and_extended_ack()
    {
        using var ns = new NetworkNamespace("netlink");
        using var client = ns.Enter(() => RouteClient.Open());
        var e = Assert.Throws<NetlinkException>(() => client.SetLinkUp(4242));
        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Equal("RTM_NEWLINK", e.Operation);

        var bad = Assert.Throws<NetlinkException>(() => client.AddAddress(4242, Ipv4Prefix.Default));
        Assert.Equal(Errno.ENODEV, bad.Errno);
        Assert.Equal("ipv4: Device not found", bad.ExtAckMessage);
        Assert.Contains("kernel says: ipv4: Device not found", bad.Message);
    }

    [Fact]
    public async Task Monitor_observes_new_link_up_down_and_delete()
    {
        using var ns = new NetworkNamespace("netlink");
        using var monitor = ns.Enter(() => RouteMonitor.Open());
        using var cts = new CancellationTokenSource(Patience);
        var seen = new List<LinkMessage>();
        var reader = Task.Run(async () =>
        {
            await foreach (var e in monitor.ListenAsync(cts.Token))
            {
                if (e.Link?.IfName != "tok0") continue;
                seen.Add(e.Link);
                if (e.Link.IsDelete) return;
            }
        });
        ns.Ip("link", "add", "tok0", "type", "veth", "peer", "name", "peer0");
        ns.Ip("link", "set", "tok0", "up");
        ns.Ip("link", "set", "tok0", "down");
        ns.Ip("link", "del", "tok0");
        await reader;

        Assert.False(seen[0].IsUp);
        int up = seen.FindIndex(l => l.IsUp);
        int downAgain = seen.FindIndex(up + 1, l => !l.IsUp && !l.IsDelete);
        Assert.True(up > 0 && downAgain > up, string.Join("\n", seen));
        Assert.True(seen[^1].IsDelete);
        Assert.Single(seen.Select(l => l.ifi_index).Distinct());
    }

    [Fact]
    public async Task Uevent_listener_sees_the_interface_add_and_remove_in_its_namespace()
    {
        using var ns = new NetworkNamespace("netlink");
        using var listener = ns.Enter(() => UeventListener.Open());
        using var cts = new CancellationTokenSource(Patience);
        var seen = new List<Uevent>();
        var reader = Task.Run(async () =>
        {
            await foreach (var e in listener.ListenAsync(cts.Token))
            {
                if (e.Subsystem != "net" || e.Interface != "tok0") continue;
                seen.Add(e);
                if (e.Action == "remove") return;
            }
        });
        ns.Ip("link", "add", "tok0", "type", "veth", "peer", "name", "peer0");
        int index = IfIndex(ns, "tok0");
        ns.Ip("link", "del", "tok0");
        await reader;

        Assert.Equal(["add", "remove"], seen.Select(e => e.Action));
        Assert.All(seen, e => Assert.Equal(index, e.IfIndex));
        Assert.Equal("/devices/virtual/net/tok0", seen[0].DevPath);
        Assert.True(seen[0].ReceivedTimestamp > 0);
    }

    [Fact]
    public void A_full_receive_queue_is_reported_as_overrun_not_as_an_error()
    {
        using var ns = new NetworkNamespace("netlink");
        // The smallest queue the kernel allows; nobody reads while 20 links appear.
        using var socket = ns.Enter(() => NetlinkSocket.Open(Sys.NETLINK_ROUTE, RtnetlinkConstants.RTMGRP_LINK, receiveBufferBytes: 1));
        for (int i = 0; i < 20; i++) ns.Ip("link", "add", $"v{i}", "type", "veth", "peer", "name", $"p{i}");

        using var cts = new CancellationTokenSource(Patience);
        var buffer = new byte[NetlinkReceiver.BufferBytes];
        int received = 0;
        while (!socket.Receive(buffer, cts.Token).IsOverrun) received++;
        // What was queued before the overflow is still delivered; then ENOBUFS says "resynchronise".
        Assert.True(received < 40, $"{received} datagrams before the overrun");
    }

    [Fact]
    public async Task Cancellation_ends_a_listener_that_is_blocked_waiting()
    {
        using var ns = new NetworkNamespace("netlink");
        using var listener = ns.Enter(() => UeventListener.Open());
        using var cts = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            await foreach (var _ in listener.ListenAsync(cts.Token)) { }
        });
        await Task.Delay(100); // let it block in poll(2)
        cts.Cancel();
        var finished = await Task.WhenAny(reader, Task.Delay(Patience));
        Assert.Same(reader, finished);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader);
    }
}
