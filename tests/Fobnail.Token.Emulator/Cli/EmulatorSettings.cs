using System.Net;
using Serilog.Events;

namespace Fobnail.Token.Emulator.Cli;

/// <summary>Everything the command line configures.</summary>
public sealed record EmulatorSettings
{
    public IPEndPoint Listen { get; init; } = new(IPAddress.Parse("169.254.0.1"), 5683);
    public string StateDir { get; init; } = "fobnail-token-state";
    public string? EkRootsDir { get; init; }
    public string? PoRootFile { get; init; }
    public bool Reset { get; init; }
    public bool Provisioned { get; init; }
    public LogEventLevel LogLevel { get; init; } = LogEventLevel.Information;
    /// <summary>The nRF FICR DEVICEID stand-in (FOBNAIL_DEVICE_ID on the firmware's PC build, default 0).</summary>
    public string DeviceId { get; init; } = "0";
}
