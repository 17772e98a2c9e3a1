using Fobnail.Hosted.DBus;
using Fobnail.Hosted.Tests.Support;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Tests;

/// <summary>
/// Our clients of systemd (kexec.target) and NetworkManager (Managed=false) against recording services on a
/// private dbus-daemon: the exact calls they make, and what they do with bad, error or missing answers.
/// </summary>
public sealed class BusClientTests
{
    private const string JobPath = "/org/freedesktop/systemd1/job/4242";

    [Fact]
    public async Task Kexec_via_systemd_starts_kexec_target_irreversibly()
    {
        await using var bus = await DBusDaemon.Open();
        using var systemd = await RecordingService.StartAsync(bus.Address, SystemdManager.BusName, SystemdManager.ObjectPath,
            c => RecordingService.ReplyObjectPath(c, JobPath));

        string job = await SystemdManager.StartKexecTargetAsync(bus.Address);

        Assert.Equal(JobPath, job);
        var call = Assert.Single(systemd.Calls);
        Assert.Equal(("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "StartUnit", "ss"), (call.Path, call.Interface, call.Member, call.Signature));
        Assert.Equal(["kexec.target", "replace-irreversibly"], call.Strings);
    }

    [Fact]
    public async Task Systemd_refusing_or_answering_nonsense_is_a_clear_error()
    {
        await using var bus = await DBusDaemon.Open();
        using (await RecordingService.StartAsync(bus.Address, SystemdManager.BusName, SystemdManager.ObjectPath,
            c => c.ReplyError("org.freedesktop.systemd1.NoSuchUnit", "Unit kexec.target not found.")))
        {
            var e = await Assert.ThrowsAsync<DBusErrorReplyException>(() => SystemdManager.StartKexecTargetAsync(bus.Address));
            Assert.Equal("org.freedesktop.systemd1.NoSuchUnit", e.ErrorName);
        }
        using (await RecordingService.StartAsync(bus.Address, SystemdManager.BusName, SystemdManager.ObjectPath,
            c => RecordingService.ReplyString(c, "job 1")))
        {
            var e = await Assert.ThrowsAsync<BusFormatException>(() => SystemdManager.StartKexecTargetAsync(bus.Address));
            Assert.Equal("StartUnit reply: expected body signature 'o', got 's'", e.Message);
        }
        // Nobody owns org.freedesktop.systemd1 (no activation on this bus): the bus answers ServiceUnknown.
        var gone = await Assert.ThrowsAsync<DBusErrorReplyException>(() => SystemdManager.StartKexecTargetAsync(bus.Address));
        Assert.Equal("org.freedesktop.DBus.Error.ServiceUnknown", gone.ErrorName);
        await Assert.ThrowsAsync<BusUnavailableException>(() => SystemdManager.StartKexecTargetAsync("unix:path=/nonexistent/bus"));
    }

    [Fact]
    public async Task NetworkManager_is_told_to_leave_the_token_interface_unmanaged()
    {
        await using var bus = await DBusDaemon.Open();
        const string device = "/org/freedesktop/NetworkManager/Devices/7";
        using var nm = await RecordingService.StartAsync(bus.Address, NetworkManagerClient.BusName, "/org/freedesktop/NetworkManager", c =>
        {
            if (c.Request.MemberAsString == "GetDeviceByIpIface") RecordingService.ReplyObjectPath(c, device);
            else RecordingService.ReplyEmpty(c);
        });
        using var client = await BusConnection.ConnectAsync(bus.Address);

        var (result, path) = await new NetworkManagerClient(client).SetUnmanagedAsync("usb0");

        Assert.Equal(NetworkManagerClient.Result.Unmanaged, result);
        Assert.Equal(device, path);
        RecordingService.Call[] calls = [.. nm.Calls];
        Assert.Equal(2, calls.Length);
        Assert.Equal(("org.freedesktop.NetworkManager", "GetDeviceByIpIface", "s"), (calls[0].Interface, calls[0].Member, calls[0].Signature));
        Assert.Equal(["usb0"], calls[0].Strings);
        Assert.Equal((device, "org.freedesktop.DBus.Properties", "Set", "ssv"), (calls[1].Path, calls[1].Interface, calls[1].Member, calls[1].Signature));
        Assert.Equal(["org.freedesktop.NetworkManager.Device", "Managed"], calls[1].Strings);
    }

    [Fact]
    public async Task NetworkManager_absent_or_not_knowing_the_device_is_reported_not_thrown()
    {
        await using var bus = await DBusDaemon.Open();
        using var client = await BusConnection.ConnectAsync(bus.Address);
        Assert.Equal(NetworkManagerClient.Result.NotRunning, (await new NetworkManagerClient(client).SetUnmanagedAsync("usb0")).Result);

        using var nm = await RecordingService.StartAsync(bus.Address, NetworkManagerClient.BusName, "/org/freedesktop/NetworkManager",
            c => c.ReplyError("org.freedesktop.NetworkManager.UnknownDevice", "No device found for the requested iface."));
        Assert.Equal(NetworkManagerClient.Result.UnknownDevice, (await new NetworkManagerClient(client).SetUnmanagedAsync("usb0")).Result);
    }
}
