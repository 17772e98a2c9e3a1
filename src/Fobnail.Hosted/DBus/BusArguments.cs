using System.Text;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.DBus;

/// <summary>
/// Reading D-Bus message bodies, which are untrusted input (any bus peer may call us; a service we call may be an
/// impostor or broken): the signature is checked exactly before anything is read, and strings are bounded.
/// Tmds.DBus.Protocol already validates the wire format and the bus limits the message size; these are our
/// own, much smaller limits and clear errors.
/// </summary>
public static class BusArguments
{
    /// <summary>D-Bus names (interface, member, bus name) are at most 255 bytes by the specification.</summary>
    public const int MaxNameLength = 255;

    /// <summary>Longest other string we accept (object paths, job paths, unit names).</summary>
    public const int MaxStringLength = 4096;

    public static void ExpectSignature(Message message, string expected, string what)
    {
        string actual = message.SignatureAsString ?? "";
        if (actual != expected)
            throw new BusFormatException($"{what}: expected body signature '{expected}', got '{Shorten(actual)}'");
    }

    /// <summary>Reads a string of at most <paramref name="max"/> UTF-8 bytes.</summary>
    public static string ReadString(ref Reader reader, int max, string what)
    {
        ReadOnlySpan<byte> bytes = reader.ReadStringAsSpan();
        if (bytes.Length > max)
            throw new BusFormatException($"{what}: {bytes.Length} bytes, at most {max} accepted");
        return Encoding.UTF8.GetString(bytes);
    }

    public static string ReadObjectPath(ref Reader reader, string what)
    {
        ReadOnlySpan<byte> bytes = reader.ReadObjectPathAsSpan();
        if (bytes.Length > MaxStringLength)
            throw new BusFormatException($"{what}: object path of {bytes.Length} bytes, at most {MaxStringLength} accepted");
        return Encoding.UTF8.GetString(bytes);
    }

    private static string Shorten(string s) => s.Length <= 64 ? s : s[..64] + "...";
}

/// <summary>A D-Bus message whose body is not what the interface defines.</summary>
public sealed class BusFormatException(string message) : Exception(message);
