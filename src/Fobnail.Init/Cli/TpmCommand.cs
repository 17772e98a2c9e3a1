using System.CommandLine;
using Fobnail.Tpm;
using Fobnail.Init.Logging;
using Serilog.Events;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>tpm info|pcrs|ek|aik|quote</c>: the TPM as the attester sees it, human-readable or <c>--json</c>
/// (<see cref="CliOutput"/>). A TPM error is exit code 1, a bad option value 2.
/// </summary>
internal static class TpmCommand
{

    public static Command Create()
    {
        var command = new Command("tpm", "TPM 2.0: information, PCRs, EK, AIK and quotes (Fobnail protocol section 7)");
        var tpm = CommonOptions.Tpm();
        var json = CommonOptions.Json();
        var verbose = CommonOptions.Verbose();
        var timeout = CommonOptions.Seconds("--timeout", "Seconds to wait for each TPM response before giving up",
            TpmTransportOptions.Default.CommandTimeout.TotalSeconds, 0, 3600);
        var keygenTimeout = CommonOptions.Seconds("--keygen-timeout", "Seconds to wait for TPM2_CreatePrimary/TPM2_Create (RSA key generation)",
            TpmTransportOptions.Default.KeyGenerationTimeout.TotalSeconds, 0, 3600);
        command.Options.Add(tpm);
        command.Options.Add(json);
        command.Options.Add(verbose);
        command.Options.Add(timeout);
        command.Options.Add(keygenTimeout);
        var common = new TpmOptions(tpm, json, verbose, timeout, keygenTimeout);

        var info = new Command("info", "Manufacturer, firmware, PCR banks, persistent handles, EK/AIK presence");
        info.SetAction((r, ct) => Run(r, common, ct, (t, o, _) => Info(t, o)));
        command.Subcommands.Add(info);

        var selection = new Option<string?>("--pcrs") { Description = "Selection, e.g. sha256:0-7,17,18+sha1:all (default: every allocated bank and PCR)" };
        var pcrs = new Command("pcrs", "Read PCR values (all allocated banks by default), as in the RIM (section 8.1)") { selection };
        pcrs.SetAction((r, ct) => Run(r, common, ct, (t, o, _) => Pcrs(t, o, r.GetValue(selection))));
        command.Subcommands.Add(pcrs);

        var create = new Option<bool>("--create") { Description = "Create (or replace a mismatching) persisted key if needed", Recursive = true };
        command.Options.Add(create);

        var certOut = new Option<string?>("--cert-out") { Description = "Write the EK certificate (DER) to this file" };
        var chainDir = new Option<string?>("--chain-dir") { Description = "Directory of CA certificates (DER or PEM) below the root, to build the chain" };
        var ek = new Command("ek", "EK at 0x8100F0BE and its certificate from NV 0x01C00002") { certOut, chainDir };
        ek.SetAction((r, ct) => Run(r, common, ct, (t, o, log) => Ek(t, o, log, r.GetValue(create), r.GetValue(certOut), r.GetValue(chainDir))));
        command.Subcommands.Add(ek);

        var publicOut = new Option<string?>("--public-out") { Description = "Write the AIK TPM2B_PUBLIC to this file" };
        var aik = new Command("aik", "AIK at 0x8100F0BA (RSA-2048, attributes 0x00060472, child of the EK)") { publicOut };
        aik.SetAction((r, ct) => Run(r, common, ct, (t, o, log) => Aik(t, o, log, r.GetValue(create), r.GetValue(publicOut))));
        command.Subcommands.Add(aik);

        var nonce = new Option<string>("--nonce") { Description = "qualifyingData as hex (the token's 32-byte nonce)", Required = true };
        var quoteSelection = new Option<string>("--pcrs") { Description = "PCR selection", DefaultValueFactory = _ => "sha256:0-7,17,18" };
        var attestOut = new Option<string?>("--attest-out") { Description = "Write TPMS_ATTEST to this file" };
        var signatureOut = new Option<string?>("--signature-out") { Description = "Write the TPMT_SIGNATURE to this file (tpm2_checkquote -s format)" };
        var quote = new Command("quote", "TPM2_Quote with the AIK, RSASSA-SHA256 (section 7.6)") { nonce, quoteSelection, attestOut, signatureOut };
        quote.SetAction((r, ct) =>
        {
            byte[] qualifyingData = CommonOptions.Hex("--nonce", r.GetValue(nonce)!); // a usage error before the TPM is opened
            return Run(r, common, ct, (t, o, log) =>
                Quote(t, o, log, qualifyingData, TpmPcrSelectionSyntax.Parse(r.GetValue(quoteSelection)!), r.GetValue(attestOut), r.GetValue(signatureOut)));
        });
        command.Subcommands.Add(quote);

        var count = CommonOptions.Count("--count", "Timed iterations per command", 100, 1, 1_000_000);
        var bench = new Command("bench", "Round-trip time of PCR_Read, Quote and Sign with the AIK, in this process") { count };
        bench.SetAction((r, ct) => Run(r, common, ct, (t, o, log) => Bench(t, o, log, r.GetValue(create), r.GetValue(count))));
        command.Subcommands.Add(bench);
        return command;
    }

    private sealed record TpmOptions(Option<string> Tpm, Option<bool> Json, Option<bool> Verbose, Option<double> Timeout, Option<double> KeygenTimeout);

    /// <summary>
    /// Runs one subcommand. Ctrl-C/SIGTERM cancel <paramref name="cancellationToken"/> (see <see cref="CliRunner"/>),
    /// which is the transport's: a wait for a TPM that does not answer ends at once instead of at the timeout.
    /// </summary>
    private static Task<int> Run(ParseResult result, TpmOptions options, CancellationToken cancellationToken,
        Action<ITpmTransport, CliOutput, Serilog.ILogger> action) =>
        Task.Run(() => Execute(result, options, cancellationToken, action), CancellationToken.None);

    private static int Execute(ParseResult result, TpmOptions options, CancellationToken cancellationToken,
        Action<ITpmTransport, CliOutput, Serilog.ILogger> action)
    {
        using var log = LogSetup.CreateForCli(result.GetValue(options.Verbose) ? LogEventLevel.Debug : LogEventLevel.Information);
        try
        {
            TpmTransportSpec spec = TpmTransportSpec.Parse(result.GetValue(options.Tpm)!);
            var transportOptions = new TpmTransportOptions
            {
                CommandTimeout = TimeSpan.FromSeconds(result.GetValue(options.Timeout)),
                KeyGenerationTimeout = TimeSpan.FromSeconds(result.GetValue(options.KeygenTimeout)),
                CancellationToken = cancellationToken,
            };
            using ITpmTransport transport = spec.Open(transportOptions);
            using var output = new CliOutput(result.GetValue(options.Json));
            output.Field("tpm", transport.Description);
            action(transport, output, log);
            return ExitCodes.Ok;
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is TpmException or IOException)
        {
            Console.Error.WriteLine($"tpm: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("tpm: interrupted while waiting for the TPM");
            return ExitCodes.Failed;
        }
    }

    private static void Info(ITpmTransport t, CliOutput o)
    {
        bool started = new Startup().Execute(t);
        o.Field("startup", started ? "started by us" : "already started");
        IReadOnlyList<TpmsTaggedProperty> props = TpmProperties.GetRange(t, TpmPt.FamilyIndicator, 64);
        uint Prop(TpmPt p) => props.FirstOrDefault(x => x.Property == p).Value;
        o.Field("family", TpmProperties.Ascii(Prop(TpmPt.FamilyIndicator)));
        o.Field("manufacturer", TpmProperties.Ascii(Prop(TpmPt.Manufacturer)));
        o.Field("vendor", string.Concat(new[] { TpmPt.VendorString1, TpmPt.VendorString2, TpmPt.VendorString3, TpmPt.VendorString4 }.Select(p => TpmProperties.Ascii(Prop(p)))));
        o.Field("firmware", $"{Prop(TpmPt.FirmwareVersion1) >> 16}.{Prop(TpmPt.FirmwareVersion1) & 0xFFFF}.{Prop(TpmPt.FirmwareVersion2) >> 16}.{Prop(TpmPt.FirmwareVersion2) & 0xFFFF}");
        o.Field("nv_buffer_max", Prop(TpmPt.NvBufferMax));
        o.BeginArray("pcr_banks");
        foreach (TpmsPcrSelection bank in TpmPcrBanks.Allocated(t).Selections)
            o.Item($"{TpmHash.AlgorithmName(bank.Hash)} ({bank.Pcrs().Count()} PCRs)");
        o.EndArray();
        IReadOnlyList<uint> handles = new GetCapability { Capability = TpmCap.Handles, Property = 0x81000000, PropertyCount = GetCapability.MaxListCount }.Execute(t).Handles!;
        o.BeginArray("persistent_handles");
        foreach (uint h in handles)
            o.Item($"0x{h:X8}");
        o.EndArray();
        o.Field("ek_persisted", handles.Contains(TpmRh.FobnailEk));
        o.Field("aik_persisted", handles.Contains(TpmRh.FobnailAik));
    }

    private static void Pcrs(ITpmTransport t, CliOutput o, string? selection)
    {
        TpmPcrValues values = TpmPcrBanks.Read(t, selection is null ? null : TpmPcrSelectionSyntax.Parse(selection));
        o.Field("update_ctr", values.UpdateCounter);
        o.BeginArray("banks");
        foreach (TpmPcrBank bank in values.Banks)
        {
            o.BeginObject(TpmHash.AlgorithmName(bank.Hash));
            o.Field("algo_id", (ushort)bank.Hash);
            o.Field("pcrs", $"0x{bank.Bitmap:X8}");
            o.BeginObject("pcr");
            for (int i = 0; i < bank.Pcrs.Count; i++)
                o.Field(bank.Pcrs[i].ToString(System.Globalization.CultureInfo.InvariantCulture), Convert.ToHexString(bank.Digests[i]));
            o.EndObject();
            o.EndObject();
        }
        o.EndArray();
    }

    private static void Ek(ITpmTransport t, CliOutput o, Serilog.ILogger log, bool create, string? certOut, string? chainDir)
    {
        TpmKey ek = new TpmAttestationKeys(t, log).EnsureEk(create);
        KeyFields(o, ek);
        byte[] certificate = TpmEkCertificate.Read(t);
        o.Field("certificate_size", (ulong)certificate.Length);
        o.Field("certificate_matches_ek", TpmEkCertificate.Certifies(certificate, ek.Public.PublicArea));
        o.Field("certificate", Convert.ToHexString(certificate));
        if (certOut is not null)
            CliFiles.Write("--cert-out", certOut, certificate);
        if (chainDir is not null)
        {
            o.BeginArray("chain_sizes");
            foreach (byte[] c in TpmEkCertificateChain.Build(certificate, chainDir))
                o.Item(c.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            o.EndArray();
        }
    }

    private static void Aik(ITpmTransport t, CliOutput o, Serilog.ILogger log, bool create, string? publicOut)
    {
        TpmKey aik = new TpmAttestationKeys(t, log).EnsureAik(create);
        KeyFields(o, aik);
        o.Field("tpm2b_public", Convert.ToHexString(aik.Public.Bytes));
        if (publicOut is not null)
            CliFiles.Write("--public-out", publicOut, aik.Public.Bytes);
    }

    private static void KeyFields(CliOutput o, TpmKey key)
    {
        o.Field("handle", $"0x{key.Handle:X8}");
        o.Field("created", key.Created);
        o.Field("name", Convert.ToHexString(key.Name));
        o.Field("attributes", $"0x{(uint)key.Public.PublicArea.ObjectAttributes:X8}");
        o.Field("key_bits", key.Public.PublicArea.Parameters.KeyBits);
        o.Field("exponent", key.Public.PublicArea.EffectiveExponent);
        o.Field("modulus", Convert.ToHexString(key.Public.PublicArea.Modulus));
    }

    private static void Quote(ITpmTransport t, CliOutput o, Serilog.ILogger log, byte[] nonce, TpmlPcrSelection selection, string? attestOut, string? signatureOut)
    {
        QuoteResponse quote = new TpmAttestationKeys(t, log).Quote(nonce, selection);
        o.Field("pcr_select", selection.ToString());
        o.Field("safe", quote.Quoted.ClockInfo.Safe);
        o.Field("clock", quote.Quoted.ClockInfo.Clock);
        o.Field("reset_count", quote.Quoted.ClockInfo.ResetCount);
        o.Field("restart_count", quote.Quoted.ClockInfo.RestartCount);
        o.Field("pcr_digest", Convert.ToHexString(quote.Quoted.PcrDigest));
        o.Field("attest", Convert.ToHexString(quote.Quoted.Bytes));
        o.Field("signature", Convert.ToHexString(quote.Signature.Signature));
        if (!quote.Quoted.ClockInfo.Safe)
            log.Warning("TPMS_CLOCK_INFO.safe is 0: the token will reject this quote (section 7.6)");
        if (attestOut is not null)
            CliFiles.Write("--attest-out", attestOut, quote.Quoted.Bytes);
        if (signatureOut is not null)
            CliFiles.Write("--signature-out", signatureOut, quote.Signature.ToBytes());
    }

    /// <summary>
    /// The AIK operations the attester runs per boot, each timed per call (Stopwatch around Execute, i.e. marshal,
    /// transport round trip and parse) after 3 untimed warm-up calls.
    /// </summary>
    private static void Bench(ITpmTransport t, CliOutput o, Serilog.ILogger log, bool create, int count)
    {
        var keys = new TpmAttestationKeys(t, log);
        keys.EnsureAik(create);
        byte[] nonce = new byte[32];
        byte[] digest = TpmHash.Sha256(nonce);
        TpmlPcrSelection eight = TpmPcrSelectionSyntax.Parse("sha256:0-7");
        TpmlPcrSelection policy = TpmPcrSelectionSyntax.Parse("sha256:0-7,17,18");
        o.Field("count", (ulong)count);
        o.BeginArray("milliseconds");
        Time(o, "PCR_Read sha256:0-7", count, () => new PcrRead { PcrSelectionIn = eight }.Execute(t));
        Time(o, "Quote sha256:0-7,17,18", count, () => keys.Quote(nonce, policy));
        Time(o, "Sign sha256 digest", count, () => keys.Sign(digest));
        o.EndArray();
    }

    private static void Time(CliOutput o, string name, int count, Action action)
    {
        for (int i = 0; i < 3; i++)
            action();
        double[] ms = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            action();
            ms[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(ms);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        o.BeginObject(name);
        o.Field("command", name);
        o.Field("median", ms[count / 2].ToString("0.000", c));
        o.Field("mean", ms.Average().ToString("0.000", c));
        o.Field("min", ms[0].ToString("0.000", c));
        o.Field("p95", ms[Math.Min(count - 1, count * 95 / 100)].ToString("0.000", c));
        o.EndObject();
    }
}
