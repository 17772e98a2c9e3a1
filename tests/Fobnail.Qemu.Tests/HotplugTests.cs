using System.Globalization;
using Fobnail.Testing.Network;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// fobnail.match naming another device, on real (emulated) USB host controllers: /init runs hotplug + the token link
/// manager told to take QEMU's usb-net (0525:a4a2, cdc_ether); the test hot-adds it through the monitor, the guest loads the
/// driver from the uevent's MODALIAS and configures 169.254.0.8/16, and the far end of the link (a tap device
/// with 169.254.0.1 in a namespace this test makes) pings it. Then unplug (device_del) and replug (device_add).
/// One theory, so the scenarios run one after another (several TCG guests at once only slow each other down).
/// The token itself (its USB twin, on /init's default match) is <see cref="UsbTwinTests"/>.
/// </summary>
public sealed class HotplugTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(90);

    /// <summary>Controller arguments and the bus the token is plugged into.</summary>
    public static TheoryData<string, string[], string> Controllers => new()
    {
        { "xhci", ["-device", "qemu-xhci,id=xhci"], "xhci.0" },
        // A full-speed device on EHCI is routed to a companion controller; a lone usb-ehci refuses it.
        { "ehci", ["-device", "ich9-usb-ehci1,id=ehci",
                   "-device", "ich9-usb-uhci1,masterbus=ehci.0,firstport=0",
                   "-device", "ich9-usb-uhci2,masterbus=ehci.0,firstport=2",
                   "-device", "ich9-usb-uhci3,masterbus=ehci.0,firstport=4"], "ehci.0" },
        { "uhci", ["-device", "piix3-usb-uhci,id=uhci"], "uhci.0" },
        { "ohci", ["-device", "pci-ohci,id=ohci"], "ohci.0" },
    };

    [Theory]
    [MemberData(nameof(Controllers))]
    public async Task Token_is_configured_on_plug_unplugged_and_reconfigured_on_replug(string name, string[] controller, string bus)
    {
        using var tokenSide = new NetworkNamespace("hotplug");
        string ns = tokenSide.Name;
        // The token's side of the link: a tap device holding the token's address.
        tokenSide.AddTap("tap0", "169.254.0.1/16");

        await using var vm = QemuMachine.Start(new()
        {
            Name = $"hotplug-{name}",
            NetNamespace = ns,
            KernelParameters = "fobnail.steps=modules,network fobnail.final=halt fobnail.match=0525:a4a2,cdc_ether",
            ExtraArguments = [.. controller, "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"],
        });
        // Hotplug listens from before coldplug; the link manager is subscribed once it says "looking for".
        await vm.WaitForAsync(@"INF hotplug: listening for kernel uevents", Boot);
        await vm.WaitForAsync(@"INF step network: done", Step);
        await vm.WaitForAsync(@"INF token link: looking for 0525:a4a2,cdc_ether", Step);

        var plug = await PlugAsync(vm, bus, ns, vm.Lines.Count);
        Assert.Matches(@"hotplug: cdc_ether: Loaded", vm.Transcript);

        int before = vm.Lines.Count;
        string del = await vm.MonitorAsync("device_del tok");
        Assert.DoesNotContain("Error", del);
        await vm.WaitForAsync(@"INF token link: \w+ -> Absent ", Step, before);

        var replug = await PlugAsync(vm, bus, ns, vm.Lines.Count);
        Assert.DoesNotContain("Kernel panic", vm.Transcript);
        output.WriteLine($"{name}: uevent -> address configured: plug {plug.ToString(CultureInfo.InvariantCulture)} ms, " +
                         $"replug {replug.ToString(CultureInfo.InvariantCulture)} ms (guest log {vm.LogPath})");
    }

    /// <summary>Plugs the token, waits for the guest to configure it and for the ping through the tap; returns the configure time.</summary>
    internal static async Task<double> PlugAsync(QemuMachine vm, string bus, string ns, int from)
    {
        string add = await vm.MonitorAsync($"device_add usb-net,id=tok,netdev=n0,bus={bus}");
        Assert.DoesNotContain("Error", add);
        var (configured, _) = await vm.WaitForAsync(@"INF token link: (\S+) configured 169\.254\.0\.8/16 ([0-9.]+) ms after it was announced", Step, from);
        await vm.WaitForAsync(@"INF token link: Addressed -> Ready ", Step, from);
        // The guest answers from 169.254.0.8 to 169.254.0.1: the configured link works both ways.
        Run("ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.2", "-W", "10", "169.254.0.8");
        return double.Parse(configured.Groups[2].Value, CultureInfo.InvariantCulture);
    }

    internal static string Run(string file, params string[] args) => Command.Output(file, args);
}
