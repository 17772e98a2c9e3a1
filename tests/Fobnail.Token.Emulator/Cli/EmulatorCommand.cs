using System.CommandLine;
using System.Net;
using Serilog;
using Serilog.Events;

namespace Fobnail.Token.Emulator.Cli;

/// <summary>The emulator's command line (System.CommandLine).</summary>
internal static class EmulatorCommand
{
    public static RootCommand Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "UDP address:port to serve CoAP on",
            DefaultValueFactory = _ => "169.254.0.1:5683",
        };
        var state = new Option<string>("--state")
        {
            Description = "Directory holding the token's flash (certificate, identity key, /meta, storage files)",
            DefaultValueFactory = _ => "fobnail-token-state",
        };
        var ekRoots = new Option<string?>("--ek-roots") { Description = "Directory of trusted EK root certificates (PEM or DER)" };
        var poRoot = new Option<string?>("--po-root") { Description = "The Platform Owner root certificate (PEM or DER) built into this token" };
        var reset = new Option<bool>("--reset") { Description = "Wipe the state directory first (like re-flashing the token)" };
        var provisioned = new Option<bool>("--provisioned")
        {
            Description = "Start as a token its owner already provisioned (self-made owner chain kept in the state directory)",
        };
        var logLevel = new Option<LogEventLevel>("--log-level")
        {
            Description = "Verbose, Debug, Information, Warning, Error or Fatal",
            DefaultValueFactory = _ => LogEventLevel.Information,
        };
        var deviceId = new Option<string>("--device-id")
        {
            Description = "64-bit device id (hex) put in the CSR's serialNumber as uppercase hex without leading zeros, like the nRF FICR DEVICEID (FOBNAIL_DEVICE_ID of the firmware's PC build)",
            DefaultValueFactory = _ => "0",
        };

        var root = new RootCommand("Software Fobnail Token: the token side of the Fobnail API v1 (CoAP server)")
        {
            listen, state, ekRoots, poRoot, reset, provisioned, logLevel, deviceId,
        };
        root.SetAction(async (result, ct) =>
        {
            if (!IPEndPoint.TryParse(result.GetValue(listen)!, out IPEndPoint? endpoint) || endpoint.Port == 0)
            {
                Console.Error.WriteLine($"--listen: not an address:port: {result.GetValue(listen)}");
                return 2;
            }
            string idText = result.GetValue(deviceId)!;
            if (!ulong.TryParse(idText.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? idText[2..] : idText,
                    System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out ulong id))
            {
                Console.Error.WriteLine($"--device-id: not a 64-bit hex number: {idText}");
                return 2;
            }
            var settings = new EmulatorSettings
            {
                Listen = endpoint,
                StateDir = result.GetValue(state)!,
                EkRootsDir = result.GetValue(ekRoots),
                PoRootFile = result.GetValue(poRoot),
                Reset = result.GetValue(reset),
                Provisioned = result.GetValue(provisioned),
                LogLevel = result.GetValue(logLevel),
                DeviceId = id.ToString("X", System.Globalization.CultureInfo.InvariantCulture),
            };
            using var log = new LoggerConfiguration().MinimumLevel.Is(settings.LogLevel)
                .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
                .CreateLogger();
            try
            {
                var (_, server) = EmulatorHost.Create(settings, log);
                await using (server.ConfigureAwait(false))
                {
                    server.Start();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        log.Information("Stopping");
                    }
                }
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException
                                          or InvalidOperationException or System.Net.Sockets.SocketException
                                          or Certificates.CertificateException)
            {
                log.Fatal("{Error}", e.Message);
                return 1;
            }
        });
        return root;
    }
}
