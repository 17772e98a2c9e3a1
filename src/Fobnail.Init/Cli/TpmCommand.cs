using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Fobnail.Tpm;
using Fobnail.Init.Logging;
using Serilog.Events;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>tpm info|pcrs|ek|aik|quote</c>: the TPM as the attester sees it, human-readable or <c>--json</c>
/// (written with Utf8JsonWriter: no reflection under NativeAOT).
/// </summary>
internal static class TpmCommand
{
    public const int TpmFailed = 1;
    public const int UsageError = 2;

    public static Command Create()
    {
        var command = new Command("tpm", "TPM 2.0: information, PCRs, EK, AIK and quotes (Fobnail protocol section 7)");
        var tpm = new Option<string>("--tpm")
        {
            Description = "TPM to use: device:/dev/tpmrm0 (falls back to /dev/tpm0) or swtpm:HOST:PORT",
            DefaultValueFactory = _ => TpmTransportSpec.Default,
            Recursive = true,
        };
        var json = new Option<bool>("--json") { Description = "JSON output", Recursive = true };
        var verbose = new Option<bool>("--verbose") { Description = "Debug log lines on stderr", Recursive = true };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for each TPM response before giving up",
            DefaultValueFactory = _ => TpmTransportOptions.Default.CommandTimeout.TotalSeconds,
            Recursive = true,
        };
        var keygenTimeout = new Option<double>("--keygen-timeout")
        {
            Description = "Seconds to wait for TPM2_CreatePrimary/TPM2_Create (RSA key generation)",
            DefaultValueFactory = _ => TpmTransportOptions.Default.KeyGenerationTimeout.TotalSeconds,
            Recursive = true,
        };
        command.Options.Add(tpm);
        command.Options.Add(json);
        command.Options.Add(verbose);
        command.Options.Add(timeout);
        command.Options.Add(keygenTimeout);
        var common = new CommonOptions(tpm, json, verbose, timeout, keygenTimeout);

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
        quote.SetAction((r, ct) => Run(r, common, ct, (t, o, log) =>
            Quote(t, o, log, Convert.FromHexString(r.GetValue(nonce)!), TpmPcrSelectionSyntax.Parse(r.GetValue(quoteSelection)!), r.GetValue(attestOut), r.GetValue(signatureOut))));
        command.Subcommands.Add(quote);

        var count = new Option<int>("--count") { Description = "Timed iterations per command", DefaultValueFactory = _ => 100 };
        var bench = new Command("bench", "Round-trip time of PCR_Read, Quote and Sign with the AIK, in this process") { count };
        bench.SetAction((r, ct) => Run(r, common, ct, (t, o, log) => Bench(t, o, log, r.GetValue(create), Math.Max(1, r.GetValue(count)))));
        command.Subcommands.Add(bench);
        return command;
    }

    private sealed record CommonOptions(Option<string> Tpm, Option<bool> Json, Option<bool> Verbose, Option<double> Timeout, Option<double> KeygenTimeout);

    /// <summary>
    /// Runs one subcommand. Ctrl+C/SIGTERM cancel the transport's token, which ends a wait for a TPM that does
    /// not answer at once instead of leaving the process hung until the timeout. The signals are registered
    /// here because System.CommandLine's own handler is not installed when Program calls the synchronous
    /// Invoke(): without this, SIGINT killed the process mid-wait (TpmCliTimeoutTests.Ctrl_C_ends_the_wait_for_the_TPM).
    /// </summary>
    private static Task<int> Run(ParseResult result, CommonOptions options, CancellationToken cancellationToken,
        Action<ITpmTransport, Output, Serilog.ILogger> action)
    {
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void Interrupt(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        return Task.FromResult(Execute(result, options, interrupted.Token, action));
    }

    private static int Execute(ParseResult result, CommonOptions options, CancellationToken cancellationToken,
        Action<ITpmTransport, Output, Serilog.ILogger> action)
    {
        using var log = LogSetup.CreateForCli(result.GetValue(options.Verbose) ? LogEventLevel.Debug : LogEventLevel.Information);
        try
        {
            TpmTransportSpec spec = TpmTransportSpec.Parse(result.GetValue(options.Tpm)!);
            var transportOptions = new TpmTransportOptions
            {
                CommandTimeout = Seconds(result.GetValue(options.Timeout), "--timeout"),
                KeyGenerationTimeout = Seconds(result.GetValue(options.KeygenTimeout), "--keygen-timeout"),
                CancellationToken = cancellationToken,
            };
            using ITpmTransport transport = spec.Open(transportOptions);
            using var output = new Output(result.GetValue(options.Json));
            output.Field("tpm", transport.Description);
            action(transport, output, log);
            return 0;
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            return UsageError;
        }
        catch (TpmException e)
        {
            Console.Error.WriteLine($"tpm: {e.Message}");
            return TpmFailed;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"tpm: {e.Message}");
            return TpmFailed;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("tpm: interrupted while waiting for the TPM");
            return TpmFailed;
        }
    }

    private static TimeSpan Seconds(double value, string option) =>
        double.IsFinite(value) && value > 0 && value <= 3600
            ? TimeSpan.FromSeconds(value)
            : throw new FormatException($"{option} {value}: expected seconds between 0 and 3600");

    private static void Info(ITpmTransport t, Output o)
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

    private static void Pcrs(ITpmTransport t, Output o, string? selection)
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

    private static void Ek(ITpmTransport t, Output o, Serilog.ILogger log, bool create, string? certOut, string? chainDir)
    {
        TpmKey ek = new TpmAttestationKeys(t, log).EnsureEk(create);
        KeyFields(o, ek);
        byte[] certificate = TpmEkCertificate.Read(t);
        o.Field("certificate_size", (ulong)certificate.Length);
        o.Field("certificate_matches_ek", TpmEkCertificate.Certifies(certificate, ek.Public.PublicArea));
        o.Field("certificate", Convert.ToHexString(certificate));
        if (certOut is not null)
            File.WriteAllBytes(certOut, certificate);
        if (chainDir is not null)
        {
            o.BeginArray("chain_sizes");
            foreach (byte[] c in TpmEkCertificateChain.Build(certificate, chainDir))
                o.Item(c.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            o.EndArray();
        }
    }

    private static void Aik(ITpmTransport t, Output o, Serilog.ILogger log, bool create, string? publicOut)
    {
        TpmKey aik = new TpmAttestationKeys(t, log).EnsureAik(create);
        KeyFields(o, aik);
        o.Field("tpm2b_public", Convert.ToHexString(aik.Public.Bytes));
        if (publicOut is not null)
            File.WriteAllBytes(publicOut, aik.Public.Bytes);
    }

    private static void KeyFields(Output o, TpmKey key)
    {
        o.Field("handle", $"0x{key.Handle:X8}");
        o.Field("created", key.Created);
        o.Field("name", Convert.ToHexString(key.Name));
        o.Field("attributes", $"0x{(uint)key.Public.PublicArea.ObjectAttributes:X8}");
        o.Field("key_bits", key.Public.PublicArea.Parameters.KeyBits);
        o.Field("exponent", key.Public.PublicArea.EffectiveExponent);
        o.Field("modulus", Convert.ToHexString(key.Public.PublicArea.Modulus));
    }

    private static void Quote(ITpmTransport t, Output o, Serilog.ILogger log, byte[] nonce, TpmlPcrSelection selection, string? attestOut, string? signatureOut)
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
            File.WriteAllBytes(attestOut, quote.Quoted.Bytes);
        if (signatureOut is not null)
            File.WriteAllBytes(signatureOut, quote.Signature.ToBytes());
    }

    /// <summary>
    /// The AIK operations the attester runs per boot, each timed per call (Stopwatch around Execute, i.e. marshal,
    /// transport round trip and parse) after 3 untimed warm-up calls.
    /// </summary>
    private static void Bench(ITpmTransport t, Output o, Serilog.ILogger log, bool create, int count)
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

    private static void Time(Output o, string name, int count, Action action)
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

    /// <summary>Either indented "name: value" text or one JSON object on stdout.</summary>
    private sealed class Output : IDisposable
    {
        private readonly Utf8JsonWriter? _json;
        private readonly Stream _stdout = Console.OpenStandardOutput();
        private int _depth;

        public Output(bool json)
        {
            if (json)
            {
                _json = new Utf8JsonWriter(_stdout, new JsonWriterOptions { Indented = true });
                _json.WriteStartObject();
            }
        }

        private void Line(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(new string(' ', 2 * _depth) + text + "\n");
            _stdout.Write(bytes);
        }

        public void Field(string name, string value)
        {
            if (_json is null) Line($"{name}: {value}");
            else _json.WriteString(name, value);
        }

        public void Field(string name, ulong value)
        {
            if (_json is null) Line($"{name}: {value}");
            else _json.WriteNumber(name, value);
        }

        public void Field(string name, bool value)
        {
            if (_json is null) Line($"{name}: {(value ? "yes" : "no")}");
            else _json.WriteBoolean(name, value);
        }

        /// <summary>Text indentation depth at which the innermost open array's items are written.</summary>
        private int _arrayDepth = -1;

        public void BeginArray(string name)
        {
            if (_json is null) Line($"{name}:");
            else _json.WriteStartArray(name);
            _depth++;
            _arrayDepth = _depth;
        }

        public void Item(string value)
        {
            if (_json is null) Line($"- {value}");
            else _json.WriteStringValue(value);
        }

        public void EndArray()
        {
            _json?.WriteEndArray();
            _depth--;
            _arrayDepth = -1;
        }

        /// <summary>An object: named in text output; inside an array it is an anonymous JSON object.</summary>
        public void BeginObject(string name)
        {
            if (_json is null) Line($"{name}:");
            else if (_depth == _arrayDepth) _json.WriteStartObject();
            else _json.WriteStartObject(name);
            _depth++;
        }

        public void EndObject()
        {
            _json?.WriteEndObject();
            _depth--;
        }

        public void Dispose()
        {
            if (_json is not null)
            {
                _json.WriteEndObject();
                _json.Flush();
                _json.Dispose();
                _stdout.Write("\n"u8);
            }
            _stdout.Flush();
        }
    }
}
