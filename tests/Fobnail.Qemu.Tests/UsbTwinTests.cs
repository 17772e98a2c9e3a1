using System.Diagnostics;
using System.Globalization;
using Fobnail.Qemu.Tests.Demo;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// The token's USB twin (usbredir: VID:PID 1234:4321, one CDC EEM interface) on emulated USB host controllers,
/// with /init on its defaults (no fobnail.match): hot-plugged, cdc_eem binds, /init configures 169.254.0.8/16,
/// the namespace behind the twin's tap pings the guest through EEM both ways; unplug, replug. And BadUSB: a
/// look-alike with the token's VID:PID but not EEM, and a plain USB NIC, are not taken; a second token while one
/// is in use is ignored.
/// </summary>
public sealed class UsbTwinTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(90);
    private const string Defaults = "fobnail.steps=modules,network fobnail.final=halt";
    private const string Configured = @"INF token link: (\S+) configured 169\.254\.0\.8/16 ([0-9.]+) ms after it was announced";

    [Theory]
    [MemberData(nameof(HotplugTests.Controllers), MemberType = typeof(HotplugTests))]
    public async Task Twin_is_taken_by_default_configured_pinged_unplugged_and_replugged(string name, string[] controller, string bus)
    {
        await using var token = new TokenNamespace($"twin-{name}");
        // QEMU's OHCI serves one asynchronous packet per controller: a bulk IN the twin holds until it has data
        // would block the guest's bulk OUT behind it, so there the twin ends a waiting IN after 20 ms.
        string[] twinOptions = name == "ohci" ? ["--in-hold-ms", "0"] : [];
        await using var twin = await UsbTwin.StartAsync($"twin-{name}", token.Name, "tap0", twinOptions);
        await using var vm = await BootAsync($"twin-{name}", token, controller);

        var plug = await PlugAndPingAsync(vm, twin, bus, token);
        // The network step preloaded the token's drivers while waiting, so the uevent finds cdc_eem loaded.
        Assert.Matches(@"token link: preloaded the token's drivers \(.*cdc_eem", vm.Transcript);
        Assert.Matches(@"hotplug: cdc_eem: (Loaded|AlreadyLoaded) .*usb:v1234p4321d0010dc00dsc00dp00ic02isc0Cip07in00\) in [0-9.]+ ms", vm.Transcript);
        // EEM both ways: cdc_eem's CRC-framed packets out, the twin's sentinel-framed packets in.
        Assert.Matches(@"eem out data (crc|sentinel): .* IPv4 169\.254\.0\.8 > 169\.254\.0\.1 ICMP", twin.Transcript);
        Assert.Matches(@"eem in data sentinel: .* IPv4 169\.254\.0\.1 > 169\.254\.0\.8 ICMP", twin.Transcript);

        int before = vm.Lines.Count;
        await twin.UnplugAsync(vm);
        await vm.WaitForAsync(@"INF token link: \w+ -> Absent ", Step, before);
        // The guest's cdc_eem makes up a new MAC address on every plug; forget the old one.
        Tools.Run("ip", "-n", token.Name, "neigh", "flush", "dev", "tap0");

        var replug = await PlugAndPingAsync(vm, twin, bus, token);
        Assert.DoesNotContain("Kernel panic", vm.Transcript);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: uevent -> address configured: plug {plug.ConfiguredMs} ms, replug {replug.ConfiguredMs} ms; " +
            $"plug -> first ping answered (host): plug {plug.PingMs:0} ms, replug {replug.PingMs:0} ms (guest log {vm.LogPath}, twin log {twin.LogPath})"));
    }

    [Fact]
    public async Task Twin_vanishing_mid_transfer_is_an_unplug_and_the_next_token_is_taken()
    {
        await using var token = new TokenNamespace("twin-vanish");
        await using var vm = await BootAsync("twin-vanish", token, ["-device", "qemu-xhci,id=xhci"]);
        await using (var first = await UsbTwin.StartAsync("twin-vanish-first", token.Name, "tap0"))
        {
            await PlugAndPingAsync(vm, first, "xhci.0", token);
            int before = vm.Lines.Count;
            // Bulk traffic in flight both ways (100 echo requests a second), then the device is gone mid-transfer.
            var flood = Task.Run(() =>
            {
                try { Tools.Run("ip", "netns", "exec", token.Name, "ping", "-q", "-i", "0.01", "-w", "3", "169.254.0.8"); }
                catch (InvalidOperationException) { }  // replies stop when the device vanishes: ping exits 1
            });
            await Task.Delay(500);
            await first.VanishAsync();
            await vm.WaitForAsync(@"INF token link: \w+ -> Absent ", Step, before);
            await flood;
        }
        Tools.Run("ip", "-n", token.Name, "neigh", "flush", "dev", "tap0");
        await using var second = await UsbTwin.StartAsync("twin-vanish-second", token.Name, "tap0");
        await PlugAndPingAsync(vm, second, "xhci.0", token);
        Assert.DoesNotContain("Kernel panic", vm.Transcript);
        Assert.DoesNotContain("Attempted to kill init", vm.Transcript);
    }

    [Fact]
    public async Task Look_alike_with_another_interface_class_and_a_plain_nic_are_not_taken()
    {
        await using var token = new TokenNamespace("twin-badusb");
        // A second tap for QEMU's usb-net (a plain USB NIC, CDC Ethernet 0525:a4a2).
        Tools.Run("ip", "-n", token.Name, "tuntap", "add", "dev", "tap1", "mode", "tap");
        await using var badUsb = await UsbTwin.StartAsync("twin-badusb-vendor", token.Name, null, "--interface-class", "ff/00/00", "--serial", "BADUSB");
        await using var twin = await UsbTwin.StartAsync("twin-badusb", token.Name, "tap0");
        await using var vm = await BootAsync("twin-badusb", token, ["-device", "qemu-xhci,id=xhci", "-netdev", "tap,id=n1,ifname=tap1,script=no,downscript=no"]);

        // The look-alike enumerates (the kernel configures it) but no driver binds an interface of class ff.
        int from = badUsb.LineCount;
        await badUsb.PlugAsync(vm, "xhci.0");
        await badUsb.WaitForAsync(@"usb set configuration 1", Step, from);
        // A plain NIC: cdc_ether binds, the link manager looks at it and leaves it alone.
        int before = vm.Lines.Count;
        Assert.DoesNotContain("rror", await vm.MonitorAsync("device_add usb-net,id=nic,netdev=n1,bus=xhci.0"));
        await vm.WaitForAsync(@"INF token link: ignoring \S+ .*0525:a4a2", Step, before);
        // The link manager was alive all along and took neither; the real token is then taken at once.
        await PlugAndPingAsync(vm, twin, "xhci.0", token);
        Assert.DoesNotMatch(@"token link: .*BADUSB|token link: Absent -> Present \S+ .*0525:a4a2", vm.Transcript);
        Assert.Single(vm.Lines, l => l.Contains("token link: Absent -> Present", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Second_token_while_one_is_in_use_is_ignored()
    {
        await using var token = new TokenNamespace("twin-second");
        await using var twin = await UsbTwin.StartAsync("twin-second-first", token.Name, "tap0");
        await using var second = await UsbTwin.StartAsync("twin-second-other", token.Name, null, "--serial", "SECOND");
        await using var vm = await BootAsync("twin-second", token, ["-device", "qemu-xhci,id=xhci"]);

        await PlugAndPingAsync(vm, twin, "xhci.0", token);
        int before = vm.Lines.Count;
        await second.PlugAsync(vm, "xhci.0");
        await vm.WaitForAsync(@"token link: ignoring (\S+) .*it also matches, but \S+ is already the token", Step, before);
        // The first token keeps its link: still Ready, still answering.
        Tools.Run("ip", "netns", "exec", token.Name, "ping", "-c", "2", "-i", "0.2", "-W", "10", "169.254.0.8");
        Assert.DoesNotMatch(@"token link: Ready -> ", string.Join('\n', vm.Lines.Skip(before)));
    }

    private static async Task<QemuMachine> BootAsync(string name, TokenNamespace token, string[] controller)
    {
        var vm = QemuMachine.Start(new()
        {
            Name = name,
            NetNamespace = token.Name,
            KernelParameters = Defaults,
            ExtraArguments = controller,
        });
        await vm.WaitForAsync(@"INF hotplug: listening for kernel uevents", Boot);
        await vm.WaitForAsync(@"INF token link: looking for 1234:4321,02/0c/07", Step);
        return vm;
    }

    /// <summary>Plugs the twin, waits for /init to configure it and for the namespace to ping the guest; returns the configure time.</summary>
    private static async Task<(double ConfiguredMs, double PingMs)> PlugAndPingAsync(QemuMachine vm, UsbTwin twin, string bus, TokenNamespace token)
    {
        int from = vm.Lines.Count;
        var clock = Stopwatch.StartNew();
        await twin.PlugAsync(vm, bus);
        // Plug → first answered ping, seen from the token's side: one echo request every 10 ms until one is answered.
        Tools.Run("ip", "netns", "exec", token.Name, "ping", "-c", "1", "-i", "0.01", "-w", "60", "169.254.0.8");
        double pingMs = clock.Elapsed.TotalMilliseconds;
        var (configured, _) = await vm.WaitForAsync(Configured, Step, from);
        await vm.WaitForAsync(@"INF token link: Addressed -> Ready ", Step, from);
        Tools.Run("ip", "netns", "exec", token.Name, "ping", "-c", "3", "-i", "0.2", "-W", "10", "169.254.0.8");
        return (double.Parse(configured.Groups[2].Value, CultureInfo.InvariantCulture), pingMs);
    }
}
