using System.Globalization;

namespace Fobnail.Tpm;

/// <summary>
/// The one `--tpm` syntax: `device:/dev/tpmrm0` (or just `device`, meaning /dev/tpmrm0 with fallback to
/// /dev/tpm0) and `swtpm:HOST:PORT` (TCG simulator protocol on the server port).
/// </summary>
public sealed record TpmTransportSpec(string Kind, string Path, string Host, int Port)
{
    public const string Default = "device:" + TpmDeviceTransport.ResourceManagerPath;

    public static TpmTransportSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "device")
            return new("device", TpmDeviceTransport.ResourceManagerPath, "", 0);
        if (text.StartsWith("device:", StringComparison.Ordinal))
        {
            string path = text["device:".Length..];
            if (path.Length == 0 || path[0] != '/')
                throw new FormatException($"--tpm {text}: the device path must be absolute, e.g. {Default}");
            return new("device", path, "", 0);
        }
        if (text.StartsWith("swtpm:", StringComparison.Ordinal))
        {
            string rest = text["swtpm:".Length..];
            int colon = rest.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
                || port is < 1 or > 65535)
                throw new FormatException($"--tpm {text}: expected swtpm:HOST:PORT, e.g. swtpm:127.0.0.1:2321");
            return new("swtpm", "", rest[..colon], port);
        }
        throw new FormatException($"--tpm {text}: expected device:/dev/tpmrm0 or swtpm:HOST:PORT");
    }

    /// <summary>Opens the transport; <paramref name="options"/> bounds and cancels each wait for a response.</summary>
    public ITpmTransport Open(TpmTransportOptions? options = null) => Kind == "swtpm"
        ? TpmSimulatorTransport.Connect(Host, Port, options)
        : TpmDeviceTransport.Open(Path, options);

    public override string ToString() => Kind == "swtpm" ? $"swtpm:{Host}:{Port}" : $"device:{Path}";
}
