using System.CommandLine;
using System.Globalization;
using Fobnail.Token.Usb.Device;
using Fobnail.Token.Usb.Host;

namespace Fobnail.Token.Usb.Cli;

/// <summary>The twin's command line (System.CommandLine).</summary>
internal static class TwinCommand
{
    public static RootCommand Create()
    {
        var socket = new Option<string>("--socket") { Description = "Unix socket to listen on for QEMU's usb-redir chardev", Required = true };
        var tap = new Option<string?>("--tap") { Description = "Tap device (in this network namespace) carrying the token's Ethernet side" };
        var serial = new Option<string>("--serial") { Description = "Serial number string", DefaultValueFactory = _ => "TEST" };
        var interfaceClass = new Option<string>("--interface-class")
        {
            Description = "Interface class/subclass/protocol in hex (02/0c/07 = CDC EEM; anything else makes a BadUSB look-alike)",
            DefaultValueFactory = _ => "02/0c/07",
        };
        var inHold = new Option<int?>("--in-hold-ms")
        {
            Description = "End a bulk IN request that waited this many ms (0: at once) with a zero-length packet (for QEMU's OHCI, which serves one waiting packet at a time)",
        };
        var trace = new Option<bool>("--trace") { Description = "Print one line per EEM packet and Ethernet frame (and per control request)" };
        var root = new RootCommand("The Fobnail Token's USB twin: a usbredir device server with the token's USB identity and CDC EEM")
        {
            socket, tap, serial, interfaceClass, inHold, trace,
        };
        root.SetAction(async (result, ct) =>
        {
            string[] parts = result.GetValue(interfaceClass)!.Split('/');
            var bytes = new byte[3];
            if (parts.Length != 3 || !parts.Select((p, i) => byte.TryParse(p, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i])).All(ok => ok))
            {
                Console.Error.WriteLine($"--interface-class: want CC/SS/PP in hex, got {result.GetValue(interfaceClass)}");
                return 2;
            }
            var options = new TwinOptions
            {
                SocketPath = result.GetValue(socket)!,
                TapName = result.GetValue(tap),
                Trace = result.GetValue(trace),
                InHold = result.GetValue(inHold) is int ms and >= 0 ? TimeSpan.FromMilliseconds(ms) : null,
                Identity = new TokenIdentity
                {
                    SerialNumber = result.GetValue(serial)!,
                    InterfaceClass = bytes[0], InterfaceSubClass = bytes[1], InterfaceProtocol = bytes[2],
                },
            };
            try
            {
                await new TwinServer(options, Log).RunAsync(ct).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ArgumentException)
            {
                Log($"fatal: {e.Message}");
                return 1;
            }
        });
        return root;
    }

    private static void Log(string line) =>
        Console.Out.WriteLine($"{DateTime.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {line}");
}
