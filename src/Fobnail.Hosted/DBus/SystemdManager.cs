using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.DBus;

/// <summary>
/// Client of systemd's org.freedesktop.systemd1.Manager (org.freedesktop.systemd1(5)): just what a clean kexec
/// needs. StartUnit("kexec.target", "replace-irreversibly") makes systemd stop every service, unmount the file
/// systems and then call kexec on the kernel that is already loaded, the same as `systemctl kexec`.
/// </summary>
public sealed class SystemdManager(DBusConnection connection)
{
    public const string BusName = "org.freedesktop.systemd1";
    public const string ObjectPath = "/org/freedesktop/systemd1";
    public const string Interface = "org.freedesktop.systemd1.Manager";
    public const string KexecTarget = "kexec.target";
    /// <summary>The job mode `systemctl kexec` uses: the shutdown cannot be cancelled by later jobs.</summary>
    public const string ReplaceIrreversibly = "replace-irreversibly";

    /// <summary>Queues a start job; returns the job's object path.</summary>
    public Task<string> StartUnitAsync(string unit, string mode)
    {
        MessageBuffer call = BusMessages.Build(connection, (ref MessageWriter w) =>
        {
            w.WriteMethodCallHeader(BusName, ObjectPath, Interface, "StartUnit", "ss", MessageFlags.None);
            w.WriteString(unit);
            w.WriteString(mode);
        });
        return connection.CallMethodAsync(call, static (Message m, object? _) =>
        {
            BusArguments.ExpectSignature(m, "o", "StartUnit reply");
            Reader r = m.GetBodyReader();
            return BusArguments.ReadObjectPath(ref r, "StartUnit job");
        }, null);
    }

    /// <summary>
    /// `systemctl kexec` for a kernel that is already loaded: connects to <paramref name="busAddress"/> and queues
    /// kexec.target irreversibly. Returns the job path; systemd then shuts the system down cleanly into the kernel.
    /// </summary>
    public static async Task<string> StartKexecTargetAsync(string busAddress)
    {
        using DBusConnection connection = await BusConnection.ConnectAsync(busAddress).ConfigureAwait(false);
        return await new SystemdManager(connection).StartUnitAsync(KexecTarget, ReplaceIrreversibly).ConfigureAwait(false);
    }
}
