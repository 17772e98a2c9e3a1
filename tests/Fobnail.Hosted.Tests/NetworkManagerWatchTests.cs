using Fobnail.Hosted.DBus;
using Fobnail.Hosted.Tests.Support;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Tests;

/// <summary>
/// The daemon's NetworkManager watch against NetworkManager stand-ins on a real dbus-daemon (NetworkManager itself
/// runs only in the installed-Debian system test): told when it appears after the token, told again after a
/// restart, asked again when it adds a device it did not know yet, its absence logged once.
/// </summary>
public sealed class NetworkManagerWatchTests
{
    private const string Device = "/org/freedesktop/NetworkManager/Devices/3";

    /// <summary>A private bus, the daemon's connection to it and the watch on that connection, logging into Log.</summary>
    private sealed record WatchedBus(DBusDaemon Bus, DBusConnection Connection, LogCollector Log, NetworkManagerWatch Watch) : IAsyncDisposable
    {
        /// <summary><paramref name="retryDelays"/>: none unless given, so only the bus's events make the watch ask.</summary>
        public static async Task<WatchedBus> StartAsync(params TimeSpan[] retryDelays)
        {
            DBusDaemon bus = await DBusDaemon.Open();
            DBusConnection connection = await BusConnection.ConnectAsync(bus.Address);
            var log = new LogCollector();
            return new WatchedBus(bus, connection, log, await NetworkManagerWatch.StartAsync(connection, log.Logger, retryDelays));
        }

        public async ValueTask DisposeAsync()
        {
            await Watch.DisposeAsync();
            Connection.Dispose();
            await Bus.DisposeAsync();
        }
    }

    /// <summary>A NetworkManager stand-in: GetDeviceByIpIface answered by <paramref name="answerGet"/> (with the call's number), Set answered empty.</summary>
    private static Task<RecordingService> StartNetworkManagerAsync(string address, Action<MethodContext, int> answerGet)
    {
        int asked = 0;
        return RecordingService.StartAsync(address, NetworkManagerClient.BusName, NetworkManagerClient.ObjectPath, c =>
        {
            if (c.Request.MemberAsString != "GetDeviceByIpIface") RecordingService.ReplyEmpty(c);
            else answerGet(c, Interlocked.Increment(ref asked));
        });
    }

    private static Task<RecordingService> StartNetworkManagerAsync(string address, Func<int, bool> knowsDevice) =>
        StartNetworkManagerAsync(address, (c, asked) =>
        {
            if (knowsDevice(asked)) RecordingService.ReplyObjectPath(c, Device);
            else c.ReplyError("org.freedesktop.NetworkManager.UnknownDevice", "No device found for the requested iface.");
        });

    private static string[] Calls(RecordingService nm) =>
        [.. nm.Calls.Select(c => $"{c.Path} {c.Member} {string.Join(',', c.Strings)}")];

    private const string Get = "/org/freedesktop/NetworkManager GetDeviceByIpIface usb1";
    private const string Set = Device + " Set org.freedesktop.NetworkManager.Device,Managed";

    [Fact]
    public async Task NetworkManager_appearing_late_restarting_or_adding_the_device_later_is_told_and_its_absence_logged_once()
    {
        await using var rig = await WatchedBus.StartAsync();
        var (bus, log, watch) = (rig.Bus, rig.Log, rig.Watch);

        // No NetworkManager on the bus: nothing is done, and that is said once while two token plugs come and go.
        watch.SetTokenInterface("usb0");
        watch.SetTokenInterface(null);
        watch.SetTokenInterface("usb1");
        await log.WaitForAsync("NetworkManager is still not on the bus; usb1 left alone");
        Assert.Equal(1, log.Count("NetworkManager is not on the bus"));

        // NetworkManager starts after the daemon; it owns its name before it knows the token's interface
        // (UnknownDevice), and DeviceAdded says when to ask again.
        using (RecordingService nm = await StartNetworkManagerAsync(bus.Address, asked => asked > 1))
        {
            await log.WaitForAsync("NetworkManager does not know usb1 yet");
            Assert.Equal([Get], Calls(nm));
            nm.EmitSignal(NetworkManagerClient.ObjectPath, NetworkManagerClient.Interface, "DeviceAdded", Device);
            await log.WaitForAsync($"NetworkManager: usb1 ({Device}) set unmanaged");
            Assert.Equal([Get, Get, Set], Calls(nm));
            // Once unmanaged, more devices added by NetworkManager change nothing.
            nm.EmitSignal(NetworkManagerClient.ObjectPath, NetworkManagerClient.Interface, "DeviceAdded", "/org/freedesktop/NetworkManager/Devices/4");
        }
        await log.WaitForAsync("NetworkManager left the bus");

        // A restarted NetworkManager has forgotten Managed=false: it is told again.
        using (RecordingService nm = await StartNetworkManagerAsync(bus.Address, _ => true))
        {
            await log.WaitForAsync($"NetworkManager: usb1 ({Device}) set unmanaged", count: 2);
            Assert.Equal([Get, Set], Calls(nm));
        }
        await log.WaitForAsync("NetworkManager left the bus", count: 2);
        Assert.Equal(1, log.Count("NetworkManager is not on the bus"));
        Assert.Equal(2, log.Count("NetworkManager is on the bus"));
    }

    /// <summary>
    /// A first answer that names no device is logged (a warning only for a broken answer) and NetworkManager is
    /// asked again when it adds a device: "not-exported" is what Debian 12's NetworkManager answered in the system
    /// test right after taking its bus name; "nonsense" is a reply with the wrong signature.
    /// </summary>
    [Theory]
    [InlineData("not-exported", "NetworkManager has not exported its objects yet", 0)]
    [InlineData("nonsense", "NetworkManager: could not set usb1 unmanaged: GetDeviceByIpIface reply: expected body signature 'o', got 's'", 1)]
    public async Task A_first_answer_naming_no_device_is_logged_and_asked_again_when_NetworkManager_adds_a_device(string first, string said, int warnings)
    {
        await using var rig = await WatchedBus.StartAsync();
        var (bus, log, watch) = (rig.Bus, rig.Log, rig.Watch);
        using RecordingService nm = await StartNetworkManagerAsync(bus.Address, (c, asked) =>
        {
            if (asked > 1) RecordingService.ReplyObjectPath(c, Device);
            else if (first == "nonsense") RecordingService.ReplyString(c, "usb1");
            else c.ReplyError("org.freedesktop.DBus.Error.UnknownMethod", "Object does not exist at path “/org/freedesktop/NetworkManager”");
        });

        watch.SetTokenInterface("usb1");
        await log.WaitForAsync(said);
        nm.EmitSignal(NetworkManagerClient.ObjectPath, NetworkManagerClient.Interface, "DeviceAdded", Device);
        await log.WaitForAsync($"NetworkManager: usb1 ({Device}) set unmanaged");
        Assert.Equal([Get, Get, Set], Calls(nm));
        Assert.Equal(warnings, log.Count("could not set"));
    }

    /// <summary>
    /// No DeviceAdded after the answer that made the watch wait (NetworkManager exported the device while the first
    /// call was under way, or its Set failed while it was setting the device up): the timer asks again, with the
    /// delays growing to the last one, until NetworkManager takes the interface as unmanaged; then it stops.
    /// </summary>
    [Theory]
    [InlineData("unknown-device", "NetworkManager does not know usb1 yet", 0)]
    [InlineData("not-exported", "NetworkManager has not exported its objects yet", 0)]
    [InlineData("set-fails", "NetworkManager: could not set usb1 unmanaged", 3)]
    public async Task Without_a_DeviceAdded_the_watch_asks_again_on_its_timer_until_NetworkManager_takes_it(string failure, string said, int warnings)
    {
        await using var rig = await WatchedBus.StartAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200));
        var (bus, log, watch) = (rig.Bus, rig.Log, rig.Watch);
        int gets = 0, sets = 0;
        using RecordingService nm = await RecordingService.StartAsync(bus.Address, NetworkManagerClient.BusName, NetworkManagerClient.ObjectPath, c =>
        {
            if (c.Request.MemberAsString == "GetDeviceByIpIface")
            {
                int asked = Interlocked.Increment(ref gets);
                if (failure == "set-fails" || asked > 3) RecordingService.ReplyObjectPath(c, Device);
                else if (failure == "unknown-device") c.ReplyError("org.freedesktop.NetworkManager.UnknownDevice", "No device found for the requested iface.");
                else c.ReplyError("org.freedesktop.DBus.Error.UnknownObject", "Object does not exist at path “/org/freedesktop/NetworkManager”");
            }
            else if (failure == "set-fails" && Interlocked.Increment(ref sets) <= 3) c.ReplyError("org.freedesktop.NetworkManager.Device.Failed", "device is being set up");
            else RecordingService.ReplyEmpty(c);
        });

        watch.SetTokenInterface("usb1");
        await log.WaitForAsync(said);
        await log.WaitForAsync($"NetworkManager: usb1 ({Device}) set unmanaged");
        Assert.Equal(warnings, log.Count("could not set"));
        string[] expected = failure == "set-fails" ? [Get, Set, Get, Set, Get, Set, Get, Set] : [Get, Get, Get, Get, Set];
        Assert.Equal(expected, Calls(nm));
        // Settled: the timer stops asking (three of the longest delays later, no new call).
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.Equal(expected, Calls(nm));
    }
}
