using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using Fobnail.Cbor;
using Fobnail.Coap;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>coap get|post|put|delete URI [--payload-file F] [--content-format N]</c>: one CoAP request with
/// <see cref="CoapClient"/> (CON, block-wise as needed, no Accept), printing the response code, options and
/// payload (CBOR in RFC 8949 diagnostic notation). For debugging a token or the emulator from a normal host.
/// </summary>
internal static class CoapCommand
{
    /// <summary>The largest request payload read from --payload-file (sent block-wise).</summary>
    private const int MaxPayload = 1024 * 1024;

    public static Command Create()
    {
        var command = new Command("coap", "Send one CoAP request (e.g. coap get coap://169.254.0.1/api/version) and print the response");
        foreach (var (name, method) in new[] { ("get", CoapCode.Get), ("post", CoapCode.Post), ("put", CoapCode.Put), ("delete", CoapCode.Delete) })
            command.Subcommands.Add(CreateMethod(name, method));
        return command;
    }

    private static Command CreateMethod(string name, CoapCode method)
    {
        var uri = new Argument<string>("uri") { Description = "coap://HOST[:PORT]/path[?query]; HOST is an IP address (default port 5683)" };
        var payloadFile = new Option<string?>("--payload-file") { Description = "Request payload read from this file" };
        var contentFormat = new Option<uint?>("--content-format") { Description = "Content-Format of the payload (0 text, 42 octet-stream, 60 CBOR)" };
        var non = new Option<bool>("--non") { Description = "Send a NON-confirmable request instead of CON" };
        var cmd = new Command(name, $"CoAP {name.ToUpperInvariant()} request") { uri, payloadFile, contentFormat, non };
        cmd.SetAction(async (result, ct) =>
        {
            if (!TryParseUri(result.GetValue(uri)!, out var endPoint, out var path, out var query, out string? error))
            {
                Console.Error.WriteLine($"coap: {error}");
                return ExitCodes.Usage;
            }
            byte[] payload = result.GetValue(payloadFile) is { } file ? CliFiles.Read("--payload-file", file, MaxPayload) : [];
            var request = new CoapRequest(method, path)
            {
                Payload = payload,
                ContentFormat = result.GetValue(contentFormat),
                Confirmable = !result.GetValue(non),
                Options = query.Select(q => CoapOption.String(CoapOptionNumber.UriQuery, q)).ToArray(),
            };
            try
            {
                using var client = new CoapClient(endPoint);
                CoapMessage response = await client.SendAsync(request, ct).ConfigureAwait(false);
                Print(Console.Out, response);
                return response.Code.IsSuccess ? ExitCodes.Ok : ExitCodes.Failed;
            }
            catch (Exception e) when (e is CoapException or System.Net.Sockets.SocketException)
            {
                Console.Error.WriteLine($"coap: {e.Message}");
                return ExitCodes.Failed;
            }
        });
        return cmd;
    }

    internal static bool TryParseUri(string text, out IPEndPoint endPoint, out string path, out string[] query, out string? error)
    {
        endPoint = new IPEndPoint(IPAddress.Loopback, 5683);
        path = "/";
        query = [];
        error = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "coap")
        {
            error = $"'{text}' is not a coap:// URI";
            return false;
        }
        string host = uri.Host.Trim('[', ']');
        if (!IPAddress.TryParse(host, out var address))
        {
            if (host != "localhost")
            {
                error = $"host '{host}' must be an IP address";
                return false;
            }
            address = IPAddress.Loopback;
        }
        endPoint = new IPEndPoint(address, uri.Port > 0 ? uri.Port : 5683);
        // RFC 7252 §6.4: each path segment, percent-decoded, is one Uri-Path option.
        path = "/" + string.Join('/', uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString));
        query = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        return true;
    }

    internal static void Print(TextWriter o, CoapMessage response)
    {
        o.WriteLine(response.Code.ToString());
        foreach (var option in response.Options)
            o.WriteLine($"{CoapOptionNumber.NameOf(option.Number)}: {CoapOptionNumber.FormatValue(option)}");
        if (response.Payload.Length == 0) return;
        o.WriteLine($"Payload ({response.Payload.Length.ToString(CultureInfo.InvariantCulture)} bytes):");
        o.WriteLine(FormatPayload(response.Payload, response.ContentFormatOrNull()));
    }

    /// <summary>CBOR (Content-Format 60, or no Content-Format and the bytes are one CBOR item) → diagnostic notation; UTF-8 text → text; else hex.</summary>
    internal static string FormatPayload(byte[] payload, uint? contentFormat)
    {
        if ((contentFormat is null or 60) && CborDiagnostic.TryFormat(payload, out string diagnostic, indent: true))
            return diagnostic;
        if (contentFormat is null or 0 && IsText(payload))
            return Encoding.UTF8.GetString(payload);
        return Convert.ToHexString(payload).ToLowerInvariant();
    }

    private static bool IsText(byte[] payload)
    {
        if (!System.Text.Unicode.Utf8.IsValid(payload)) return false;
        return Encoding.UTF8.GetString(payload).All(c => !char.IsControl(c) || c is '\n' or '\r' or '\t');
    }

    private static uint? ContentFormatOrNull(this CoapMessage m)
    {
        try { return m.ContentFormat; }
        catch (CoapFormatException) { return null; }
    }
}
