using System.Text.Json;
using Fobnail.Netlink.Matching;
using Fobnail.Netlink.Tests.Support;
using Fobnail.Netlink.Token;

namespace Fobnail.Netlink.Tests;

/// <summary>
/// The state machine against the real kernel in a test-made network namespace. The "token" is one end of a
/// veth pair; a fake sysfs tree gives it the token's USB identity (veth has no USB device behind it).
/// </summary>
public class TokenLinkManagerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>A running manager in a fresh namespace, with its event stream recorded.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        public NetworkNamespace Ns { get; } = new();
        public FakeSysfs Sys { get; } = new();
        public ListLogger Log { get; } = new();
        public TokenLinkManager Manager { get; }
        private readonly CancellationTokenSource _cts = new();
        private readonly Task _run;
        private readonly List<TokenLinkEvent> _events = [];
        private readonly Task _recorder;
        private readonly SemaphoreSlim _changed = new(0);

        public Harness(Action<Harness>? beforeStart = null, TokenMatcher? matcher = null)
        {
            beforeStart?.Invoke(this);
            var options = new TokenLinkOptions { SysfsRoot = Sys.Root, Matcher = matcher ?? TokenMatcher.Default };
            Manager = Ns.Enter(() => TokenLinkManager.Open(options, Log));
            var subscription = Manager.SubscribeAsync(_cts.Token);
            _recorder = Task.Run(async () =>
            {
                await foreach (var e in subscription)
                {
                    lock (_events) _events.Add(e);
                    _changed.Release();
                }
            });
            _run = Manager.RunAsync(_cts.Token);
        }

        public List<TokenLinkEvent> Events
        {
            get { lock (_events) return _events.Skip(1).ToList(); } // [0] is the "not started" snapshot
        }

        /// <summary>Waits (event-driven) until the recorded events satisfy <paramref name="done"/>.</summary>
        public async Task WaitUntil(Func<List<TokenLinkEvent>, bool> done)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (!done(Events))
            {
                try { await _changed.WaitAsync(timeout.Token); }
                catch (OperationCanceledException)
                {
                    Assert.Fail("timed out; events:\n" + string.Join("\n", Events) + "\nlog:\n" + string.Join("\n", Log.Lines));
                }
            }
        }

        public void AddTokenVeth(string name, string peer)
        {
            Ns.Ip("link", "add", name, "type", "veth", "peer", "name", peer);
            Ns.Ip("link", "set", peer, "up"); // the far end up: carrier once we bring ours up
        }

        public async ValueTask DisposeAsync()
        {
            _cts.Cancel();
            await _run;
            try { await _recorder; } catch (OperationCanceledException) { }
            Manager.Dispose();
            Ns.Dispose();
            Sys.Dispose();
        }
    }

    private static List<TokenLinkState> States(IEnumerable<TokenLinkEvent> events) => events.Select(e => e.State).ToList();

    private static List<string> Addresses(NetworkNamespace ns, string dev) =>
        JsonDocument.Parse(ns.Ip("-j", "addr", "show", "dev", dev)).RootElement[0].GetProperty("addr_info").EnumerateArray()
            .Where(a => a.GetProperty("family").GetString() == "inet")
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}").ToList();

    [Fact]
    public async Task Hotplugged_token_goes_present_up_addressed_ready_then_absent_on_unplug_and_again_on_replug()
    {
        await using var h = new Harness();
        h.Sys.AddUsbNic("tok0", "1234", "4321", "02", "0c", "07", "cdc_eem");
        h.AddTokenVeth("tok0", "peer0");
        await h.WaitUntil(e => e.Count > 0 && e[^1].State == TokenLinkState.Ready);
        Assert.Equal([TokenLinkState.Present, TokenLinkState.Up, TokenLinkState.Addressed, TokenLinkState.Ready], States(h.Events));
        var ready = h.Events[^1];
        Assert.Equal("tok0", ready.IfName);
        Assert.Equal(new UsbId(0x1234, 0x4321), ready.Identity!.Id);
        Assert.NotNull(ready.SinceAnnounce);
        Assert.Equal(["169.254.0.8/16"], Addresses(h.Ns, "tok0"));
        Assert.Contains(h.Log.Lines, l => l.Contains("configured 169.254.0.8/16") && l.Contains("ms after it was announced"));
        int firstIndex = ready.IfIndex;

        // Unplug: the interface disappears.
        h.Ns.Ip("link", "del", "tok0");
        await h.WaitUntil(e => e[^1].State == TokenLinkState.Absent);
        Assert.Equal(firstIndex, h.Events[^1].IfIndex);

        // Replug, under a new name: a new ifindex, configured again.
        int before = h.Events.Count;
        h.Sys.Remove("tok0");
        h.Sys.AddUsbNic("tok1", "1234", "4321", "02", "0c", "07", "cdc_eem");
        h.AddTokenVeth("tok1", "peer1");
        await h.WaitUntil(e => e.Count > before && e[^1].State == TokenLinkState.Ready);
        Assert.Equal([TokenLinkState.Present, TokenLinkState.Up, TokenLinkState.Addressed, TokenLinkState.Ready], States(h.Events.Skip(before)));
        Assert.Equal("tok1", h.Events[^1].IfName);
        Assert.NotEqual(firstIndex, h.Events[^1].IfIndex);
        Assert.Equal(["169.254.0.8/16"], Addresses(h.Ns, "tok1"));
    }

    [Fact]
    public async Task Coldplugged_token_is_found_by_the_link_dump()
    {
        await using var h = new Harness(beforeStart: x =>
        {
            x.Sys.AddUsbNic("usb0", "1234", "4321", "02", "0c", "07", "cdc_eem");
            x.AddTokenVeth("usb0", "peer0");
        });
        await h.WaitUntil(e => e.Count > 0 && e[^1].State == TokenLinkState.Ready);
        Assert.Contains("coldplug", h.Events[0].Reason);
        Assert.Equal(["169.254.0.8/16"], Addresses(h.Ns, "usb0"));
    }

    [Fact]
    public async Task Link_down_and_carrier_loss_are_seen_and_the_link_is_brought_back()
    {
        await using var h = new Harness();
        h.Sys.AddUsbNic("tok0", "1234", "4321", "02", "0c", "07", "cdc_eem");
        h.AddTokenVeth("tok0", "peer0");
        await h.WaitUntil(e => e.Count > 0 && e[^1].State == TokenLinkState.Ready);

        // The far end goes down: carrier lost, still addressed.
        int n = h.Events.Count;
        h.Ns.Ip("link", "set", "peer0", "down");
        await h.WaitUntil(e => e.Count > n && e[^1].State == TokenLinkState.Addressed);
        Assert.Equal("carrier lost", h.Events[^1].Reason);
        h.Ns.Ip("link", "set", "peer0", "up");
        await h.WaitUntil(e => e.Count > n + 1 && e[^1].State == TokenLinkState.Ready);

        // Someone sets our link down: the manager notices and brings it back up.
        n = h.Events.Count;
        h.Ns.Ip("link", "set", "tok0", "down");
        await h.WaitUntil(e => e.Count > n && e[^1].State == TokenLinkState.Ready);
        Assert.Contains(h.Events.Skip(n), e => e.State == TokenLinkState.Present && e.Reason == "link went down");
        Assert.Contains("UP", h.Ns.Ip("-j", "link", "show", "tok0"));
        Assert.Equal(["169.254.0.8/16"], Addresses(h.Ns, "tok0"));
    }

    [Fact]
    public async Task Non_matching_usb_nic_is_left_alone_and_the_log_says_why()
    {
        await using var h = new Harness();
        h.Sys.AddUsbNic("usb0", "0525", "a4a2", "02", "06", "00", "cdc_ether");
        h.Sys.AddUsbNic("tok0", "1234", "4321", "02", "0c", "07", "cdc_eem");
        h.AddTokenVeth("usb0", "peer0"); // first: not the token
        h.AddTokenVeth("tok0", "peer1");
        await h.WaitUntil(e => e.Count > 0 && e[^1].State == TokenLinkState.Ready);
        Assert.All(h.Events, e => Assert.Equal("tok0", e.IfName));
        Assert.Contains(h.Log.Lines, l => l.Contains("ignoring usb0") && l.Contains("USB id 0525:a4a2 is not one of 1234:4321"));
        Assert.Empty(Addresses(h.Ns, "usb0"));
        Assert.DoesNotContain("\"UP\"", h.Ns.Ip("-j", "link", "show", "usb0"));
    }

    [Fact]
    public async Task Configured_matcher_takes_qemu_usb_net_and_WaitForAsync_returns_ready()
    {
        await using var h = new Harness(matcher: TokenMatcher.Parse("0525:a4a2,cdc_ether"));
        var wait = h.Manager.WaitForAsync(TokenLinkState.Ready, new CancellationTokenSource(Patience).Token);
        h.Sys.AddUsbNic("eth1", "0525", "a4a2", "02", "06", "00", "cdc_ether");
        h.AddTokenVeth("eth1", "peer0");
        var ready = await wait;
        Assert.Equal("eth1", ready.IfName);
        Assert.Equal(TokenLinkState.Ready, h.Manager.State);
    }
}
