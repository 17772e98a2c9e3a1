using System.CommandLine;
using Fobnail.Attester.Flows;
using Fobnail.Attester.Platform;
using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Init.Logging;
using Serilog.Events;

namespace Fobnail.Init.Cli;

/// <summary>
/// Hosted-mode attester commands (protocol §5.4–§5.6, §6):
/// <c>attest [--provision] [--ek-chain DIR]</c>, <c>fs get|put|rm NAME [--file F]</c> (attest first, then the FTS
/// call on the same session) and <c>platform metadata [--json]</c>, written with <see cref="CliOutput"/>. The exit
/// code of attest names the verdict (<see cref="ExitCodes"/>) so scripts can act on it.
/// </summary>
internal static partial class AttestCommand
{
    /// <summary>The largest file <c>fs put</c> sends (the token's limit).</summary>
    private const int FtsMaxFile = 6000;

    /// <summary>The three top-level commands this area owns (registered by one line in Commands.cs).</summary>
    public static IEnumerable<Command> CreateAll() => [Create(), CreateFs(), CreatePlatform()];

    private sealed record Common(Option<string> Token, Option<string> Tpm, Option<string?> Metadata, Option<string[]> Meta,
        Option<string?> EkChain, Option<bool> Json, Option<bool> Verbose, Option<double> AckTimeout, Option<double> Timeout);

    private static Common AddCommon(Command command, bool tokenOptions)
    {
        var common = new Common(
            CommonOptions.Token(),
            CommonOptions.Tpm(),
            new Option<string?>("--metadata") { Description = "Metadata override file: key=value lines (mac, manufacturer, product_name, serial_number)", Recursive = true },
            new Option<string[]>("--meta") { Description = "One metadata override KEY=VALUE (repeatable; wins over --metadata)", Recursive = true, AllowMultipleArgumentsPerToken = false },
            new Option<string?>("--ek-chain") { Description = "Directory of the EK certificate's issuer chain (DER or PEM; roots are dropped)", Recursive = true },
            CommonOptions.Json(),
            CommonOptions.Verbose(),
            CommonOptions.Seconds("--ack-timeout", "CoAP ACK_TIMEOUT in seconds (4 retransmissions, factor 1.5)", 2.0, 0.05, 60),
            CommonOptions.Seconds("--timeout", "Deadline in seconds for the whole exchange with the token (attestation and the file call)", TokenSessionOptions.DefaultDeadline.TotalSeconds, 1, 86400));
        command.Options.Add(common.Metadata);
        command.Options.Add(common.Meta);
        command.Options.Add(common.Json);
        command.Options.Add(common.Verbose);
        if (tokenOptions)
        {
            command.Options.Add(common.Token);
            command.Options.Add(common.Tpm);
            command.Options.Add(common.EkChain);
            command.Options.Add(common.AckTimeout);
            command.Options.Add(common.Timeout);
        }
        return common;
    }

    public static Command Create()
    {
        var command = new Command("attest", "Attest this platform to the Fobnail Token (optionally provision it first)");
        Common common = AddCommon(command, tokenOptions: true);
        var provision = new Option<bool>("--provision") { Description = "Provision the platform on the token first (4.03 on commit = already provisioned)" };
        command.Options.Add(provision);
        command.SetAction((r, ct) => RunAsync(r, common, r.GetValue(provision), ct, (_, _, _) => Task.FromResult(ExitCodes.Ok)));
        return command;
    }

    public static Command CreateFs()
    {
        var command = new Command("fs", "Fobnail Token file storage (attests first, then uses the same session)");
        Common common = AddCommon(command, tokenOptions: true);
        var file = new Option<string?>("--file") { Description = "Local file: source for put, destination for get (default stdout)", Recursive = true };
        command.Options.Add(file);
        foreach (string verb in new[] { "get", "put", "rm" })
        {
            var name = new Argument<string>("name") { Description = "File name on the token (one path segment)" };
            var sub = new Command(verb, verb switch { "get" => "Read a file", "put" => "Store a file (at most 6000 bytes)", _ => "Delete a file" }) { name };
            sub.SetAction((r, ct) =>
            {
                // Local files are checked before the token is asked anything: a bad path costs no attestation.
                string? path = r.GetValue(file);
                byte[]? upload = verb == "put" && path is not null ? CliFiles.Read("--file", path, FtsMaxFile) : null;
                if (verb == "get" && path is not null && Directory.Exists(path))
                    throw new CliUsageException($"--file {path}: is a directory");
                return RunAsync(r, common, provision: false, ct,
                    (attester, output, token) => FtsAsync(verb, r.GetValue(name)!, path, upload, attester, output, token), textToStderr: true);
            });
            command.Subcommands.Add(sub);
        }
        return command;
    }

    public static Command CreatePlatform()
    {
        var command = new Command("platform", "This platform's identity as the token sees it (protocol section 6)");
        var metadata = new Command("metadata", "SMBIOS type 1 strings, the primary PCI NIC's MAC, the CBOR metadata and the platform ID (SHA-256)");
        Common common = AddCommon(metadata, tokenOptions: false);
        var dmi = new Option<string>("--dmi-dir") { Description = "SMBIOS tables directory", DefaultValueFactory = _ => SmbiosTable.DefaultDirectory };
        var sysfs = new Option<string>("--sysfs") { Description = "sysfs root for the NIC search", DefaultValueFactory = _ => "/sys" };
        metadata.Options.Add(dmi);
        metadata.Options.Add(sysfs);
        metadata.SetAction((r, _) =>
        {
            try
            {
                PlatformIdentity id = PlatformIdentity.Collect(Overrides(r, common), r.GetValue(dmi)!, r.GetValue(sysfs)!);
                using var output = new CliOutput(r.GetValue(common.Json));
                WritePlatform(output, id);
                return Task.FromResult(ExitCodes.Ok);
            }
            catch (Exception e) when (e is PlatformMetadataException or SmbiosException)
            {
                Console.Error.WriteLine($"platform: {e.Message}");
                return Task.FromResult(ExitCodes.ProtocolError);
            }
        });
        command.Subcommands.Add(metadata);
        return command;
    }

    private static MetadataOverrides Overrides(ParseResult r, Common common)
    {
        MetadataOverrides o = r.GetValue(common.Metadata) is { } path
            ? MetadataOverrides.Parse(CliFiles.ReadText("--metadata", path, MetadataOverrides.MaxFileSize), path)
            : MetadataOverrides.None;
        foreach (string field in r.GetValue(common.Meta) ?? [])
        {
            int eq = field.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new PlatformMetadataException($"--meta {field}: expected KEY=VALUE");
            o = o.With(MetadataOverrides.Field(field[..eq], field[(eq + 1)..], "--meta"));
        }
        return o;
    }

    private static async Task<int> RunAsync(ParseResult r, Common common, bool provision, CancellationToken ct,
        Func<TokenAttester, CliOutput, CancellationToken, Task<int>> afterTrusted, bool textToStderr = false)
    {
        using var log = LogSetup.CreateForCli(r.GetValue(common.Verbose) ? LogEventLevel.Debug : LogEventLevel.Warning);
        AttesterSettings settings;
        TpmTransportSpec spec;
        try
        {
            spec = TpmTransportSpec.Parse(r.GetValue(common.Tpm)!);
            settings = new AttesterSettings
            {
                Token = TokenSession.ParseEndPoint(r.GetValue(common.Token)!),
                Provision = provision,
                EkChainDirectory = r.GetValue(common.EkChain),
                Metadata = Overrides(r, common),
                Session = new TokenSessionOptions
                {
                    Coap = TokenSessionOptions.CoapDefaults(TimeSpan.FromSeconds(r.GetValue(common.AckTimeout))),
                    Deadline = TimeSpan.FromSeconds(r.GetValue(common.Timeout)),
                },
            };
        }
        catch (Exception e) when (e is FormatException or PlatformMetadataException)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.Usage;
        }
        try
        {
            using ITpmTransport transport = spec.Open(new TpmTransportOptions { CancellationToken = ct });
            await using TokenAttester attester = await TokenAttester.RunAsync(transport, settings, log, ct);
            using var output = new CliOutput(r.GetValue(common.Json), textToStderr);
            if (attester.Platform is { } platform)
                WritePlatform(output, platform);
            if (attester.Provisioning is { } p)
            {
                output.Field("provisioning", p.Kind.ToString());
                output.Field("provisioning_summary", p.Summary);
                output.Field("provisioning_ms", ((long)p.Elapsed.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            AttestationOutcome a = attester.Attestation;
            output.Field("attestation", a.Kind.ToString());
            output.Field("summary", a.Summary);
            output.Field("attestation_ms", ((long)a.Elapsed.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!a.IsTrusted)
                return ExitCode(a.Kind);
            return await afterTrusted(attester, output, ct);
        }
        catch (Exception e) when (e is TpmException or IOException)
        {
            Console.Error.WriteLine($"tpm: {e.Message}");
            return ExitCodes.ProtocolError;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted; // CliRunner says "interrupted" for every command that ends with 130
        }
    }

    private static async Task<int> FtsAsync(string verb, string name, string? file, byte[]? upload, TokenAttester attester, CliOutput output, CancellationToken ct)
    {
        try
        {
            FtsClient fts = attester.Fts;
            switch (verb)
            {
                case "get":
                    byte[]? content = await fts.GetAsync(name, ct);
                    if (content is null)
                    {
                        output.Field("fs", $"{name}: no such file");
                        return ExitCodes.FtsFailed;
                    }
                    if (file is not null)
                        CliFiles.Write("--file", file, content);
                    else
                        output.Bytes("content", content);
                    output.Field("fs", $"{name}: {content.Length} bytes read");
                    return 0;
                case "put":
                    if (upload is not { } data)
                    {
                        Console.Error.WriteLine("fs put: --file is required");
                        return ExitCodes.Usage;
                    }
                    bool created = await fts.PutAsync(name, data, ct);
                    output.Field("fs", $"{name}: {data.Length} bytes {(created ? "created" : "overwritten")}");
                    return 0;
                default:
                    await fts.DeleteAsync(name, ct);
                    output.Field("fs", $"{name}: deleted");
                    return 0;
            }
        }
        catch (Exception e) when (e is TokenProtocolException or TokenUnreachableException or ArgumentException or IOException)
        {
            Console.Error.WriteLine($"fs {verb}: {e.Message}");
            return ExitCodes.FtsFailed;
        }
    }

    private static int ExitCode(AttestationVerdictKind kind) => kind switch
    {
        AttestationVerdictKind.Trusted => ExitCodes.Ok,
        AttestationVerdictKind.NotTrusted => ExitCodes.NotTrusted,
        AttestationVerdictKind.PlatformNotProvisioned => ExitCodes.PlatformNotProvisioned,
        AttestationVerdictKind.TokenNotProvisioned => ExitCodes.TokenNotProvisioned,
        AttestationVerdictKind.TokenUnreachable => ExitCodes.TokenUnreachable,
        _ => ExitCodes.ProtocolError,
    };

    private static void WritePlatform(CliOutput output, PlatformIdentity id)
    {
        output.Field("manufacturer", id.Metadata.Manufacturer);
        output.Field("product_name", id.Metadata.ProductName);
        output.Field("serial_number", id.Metadata.SerialNumber);
        output.Field("mac", string.Join(':', id.Metadata.Mac.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));
        output.Field("metadata_cbor", Convert.ToHexStringLower(id.Bytes));
        output.Field("platform_id", id.IdHex);
    }
}
