using System.Reflection;
using System.Text;

namespace Fobnail.Hosted.DBus;

/// <summary>
/// Names of our system-bus service (dist/dbus/: introspection XML and bus policy) and its errors.
/// </summary>
public static class AttesterBus
{
    public const string BusName = "org.fobnail.Attester1";
    public const string ObjectPath = "/org/fobnail/Attester1";
    public const string Interface = "org.fobnail.Attester1";

    public const string ErrorTokenAbsent = "org.fobnail.Attester1.Error.TokenAbsent";
    public const string ErrorFailed = "org.fobnail.Attester1.Error.Failed";

    /// <summary>
    /// The &lt;interface&gt; element of the shipped introspection document (embedded from
    /// dist/dbus/org.fobnail.Attester1.xml), as Introspect replies carry it.
    /// </summary>
    public static ReadOnlyMemory<byte> InterfaceXml { get; } = LoadInterfaceXml();

    private static byte[] LoadInterfaceXml()
    {
        using Stream s = typeof(AttesterBus).Assembly.GetManifestResourceStream("org.fobnail.Attester1.xml")
            ?? throw new InvalidOperationException("the introspection XML is not embedded (build error)");
        using var reader = new StreamReader(s, Encoding.UTF8);
        string doc = reader.ReadToEnd();
        int start = doc.IndexOf("<interface ", StringComparison.Ordinal);
        int end = doc.IndexOf("</interface>", StringComparison.Ordinal);
        if (start < 0 || end < start) throw new InvalidOperationException("the embedded introspection XML has no <interface> element");
        return Encoding.UTF8.GetBytes(doc[start..(end + "</interface>".Length)] + "\n");
    }
}
