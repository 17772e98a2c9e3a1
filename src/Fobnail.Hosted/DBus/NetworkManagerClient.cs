using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.DBus;

/// <summary>
/// Tells NetworkManager to leave the token's interface alone: the daemon configures 169.254.0.8/16 on it itself,
/// and NetworkManager would otherwise start DHCP on a new Ethernet device and flush that address. The decision
/// (see dist/README.md): set the device unmanaged over D-Bus (org.freedesktop.NetworkManager.Device.Managed =
/// false, not persistent, what `nmcli device set IFACE managed no` does) rather than creating a link-local
/// connection profile, because a profile would be persistent state on the user's system and NetworkManager would
/// still own the address. The shipped conf.d snippet makes the device unmanaged from the start; this call covers
/// systems without it. When to call it (NetworkManager starting late, restarting): <see cref="NetworkManagerWatch"/>.
/// </summary>
public sealed class NetworkManagerClient(DBusConnection connection)
{
    public const string BusName = "org.freedesktop.NetworkManager";
    public const string ObjectPath = "/org/freedesktop/NetworkManager";
    public const string Interface = "org.freedesktop.NetworkManager";
    public const string DeviceInterface = "org.freedesktop.NetworkManager.Device";

    public enum Result
    {
        /// <summary>Managed is now false.</summary>
        Unmanaged,
        /// <summary>NetworkManager is not on the bus: nothing to tell.</summary>
        NotRunning,
        /// <summary>NetworkManager does not know the interface (yet, or it is gone).</summary>
        UnknownDevice,
        /// <summary>
        /// NetworkManager owns its bus name but has not exported its objects yet: it takes the name first when it
        /// starts (seen with Debian 12's NetworkManager 1.42: UnknownMethod, "Object does not exist at path").
        /// </summary>
        NotReady,
    }

    public async Task<(Result Result, string? DevicePath)> SetUnmanagedAsync(string ifName)
    {
        string device;
        try
        {
            MessageBuffer call = BusMessages.Build(connection, (ref MessageWriter w) =>
            {
                w.WriteMethodCallHeader(BusName, ObjectPath, Interface, "GetDeviceByIpIface", "s", MessageFlags.NoAutoStart);
                w.WriteString(ifName);
            });
            device = await connection.CallMethodAsync(call, static (Message m, object? _) =>
            {
                BusArguments.ExpectSignature(m, "o", "GetDeviceByIpIface reply");
                Reader r = m.GetBodyReader();
                return BusArguments.ReadObjectPath(ref r, "NetworkManager device");
            }, null).ConfigureAwait(false);
        }
        catch (DBusErrorReplyException e) when (IsNotRunning(e.ErrorName))
        {
            return (Result.NotRunning, null);
        }
        catch (DBusErrorReplyException e) when (e.ErrorName == "org.freedesktop.NetworkManager.UnknownDevice")
        {
            return (Result.UnknownDevice, null);
        }
        catch (DBusErrorReplyException e) when (e.ErrorName is "org.freedesktop.DBus.Error.UnknownMethod" or "org.freedesktop.DBus.Error.UnknownObject")
        {
            return (Result.NotReady, null);
        }
        MessageBuffer set = BusMessages.Build(connection, (ref MessageWriter w) =>
        {
            w.WriteMethodCallHeader(BusName, device, "org.freedesktop.DBus.Properties", "Set", "ssv", MessageFlags.NoAutoStart);
            w.WriteString(DeviceInterface);
            w.WriteString("Managed");
            w.WriteVariantBool(false);
        });
        await connection.CallMethodAsync(set).ConfigureAwait(false);
        return (Result.Unmanaged, device);
    }

    private static bool IsNotRunning(string name) =>
        name is "org.freedesktop.DBus.Error.ServiceUnknown" or "org.freedesktop.DBus.Error.NameHasNoOwner";
}
