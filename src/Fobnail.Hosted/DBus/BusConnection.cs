using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.DBus;

/// <summary>Connecting to a bus and owning a name, with errors that say what to do.</summary>
public static class BusConnection
{
    /// <summary>The system bus address (DBUS_SYSTEM_BUS_ADDRESS or the well-known socket).</summary>
    public static string SystemAddress => DBusAddress.System ?? "unix:path=/run/dbus/system_bus_socket";

    public static async Task<DBusConnection> ConnectAsync(string address)
    {
        var connection = new DBusConnection(new DBusConnectionOptions(address) { AutoConnect = false });
        try
        {
            await connection.ConnectAsync().ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is DBusConnectionException or IOException or System.Net.Sockets.SocketException)
        {
            connection.Dispose();
            throw new BusUnavailableException($"cannot connect to the D-Bus bus at {address}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Takes <paramref name="name"/> without queueing. Another owner (a second daemon) and a refusal by the bus
    /// policy (only root may own org.fobnail.Attester1) are errors with their own message.
    /// </summary>
    public static async Task OwnNameAsync(DBusConnection connection, string name)
    {
        bool acquired;
        try { acquired = await connection.TryRequestNameAsync(name, RequestNameOptions.None).ConfigureAwait(false); }
        catch (DBusErrorReplyException e) when (e.ErrorName == "org.freedesktop.DBus.Error.AccessDenied")
        {
            throw new BusNameException($"the bus policy does not allow this user to own {name} ({e.ErrorMessage}); install dist/dbus/{name}.conf and run as root");
        }
        if (!acquired)
            throw new BusNameException($"{name} is already owned on the bus (is another fobnail-init daemon running?)");
    }
}

/// <summary>The bus cannot be reached or went away.</summary>
public sealed class BusUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Our bus name cannot be owned.</summary>
public sealed class BusNameException(string message) : Exception(message);
