using System.CommandLine;
using Fobnail.Tpm;
using Fobnail.Init.Logging;
using Fobnail.Kexec;
using Fobnail.Kexec.Measurement;
using Serilog.Events;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>kexec measure|load</c>: the measured handoff by hand. <c>measure</c> prints the event log (no TPM needed
/// unless --extend); <c>load</c> measures, extends when --extend, kexec_file_loads and with --exec reboots
/// into the kernel. A person at the CLI is their own attestation: load runs unattested, with the warning.
/// </summary>
internal static class KexecCommand
{
    public static Command Create()
    {
        var command = new Command("kexec", "Measured kexec: measure a kernel, initrd and command line into PCRs, load and boot it");
        var kernel = new Argument<string>("KERNEL") { Description = "Kernel image (bzImage)" };
        var initrd = new Option<string?>("--initrd") { Description = "Initrd file", Recursive = true };
        var cmdline = new Option<string>("--cmdline") { Description = "Command line of the new kernel", DefaultValueFactory = _ => "", Recursive = true };
        var extend = new Option<bool>("--extend") { Description = "Extend the measurements into the TPM (--tpm)", Recursive = true };
        var tpm = CommonOptions.Tpm("TPM to extend into");
        var banks = new Option<string>("--banks")
        {
            Description = "Banks to measure for without --extend (with --extend: every allocated bank)",
            DefaultValueFactory = _ => "sha1,sha256",
            Recursive = true,
        };
        var kernelPcr = new Option<int>("--kernel-pcr") { Description = "PCR for kernel and initrd", DefaultValueFactory = _ => KexecPcrs.Default.Kernel, Recursive = true };
        var cmdlinePcr = new Option<int>("--cmdline-pcr") { Description = "PCR for the command line", DefaultValueFactory = _ => KexecPcrs.Default.Cmdline, Recursive = true };
        var json = CommonOptions.Json();
        foreach (Option o in new Option[] { initrd, cmdline, extend, tpm, banks, kernelPcr, cmdlinePcr, json })
            command.Options.Add(o);

        KexecRequest Request(ParseResult r)
        {
            // A usage error (exit 2), not a failed measurement: PCRs 16-23 are refused before any file is opened.
            foreach (Option<int> o in new[] { kernelPcr, cmdlinePcr })
                if (KexecPcrs.Refusal(r.GetValue(o)) is string why)
                    throw new FormatException($"{o.Name}: {why}");
            return new(r.GetValue(kernel)!, r.GetValue(initrd), r.GetValue(cmdline)!)
            {
                Pcrs = new KexecPcrs(r.GetValue(kernelPcr), r.GetValue(kernelPcr), r.GetValue(cmdlinePcr)),
            };
        }

        var predict = new Option<bool>("--predict")
        {
            Description = "Print the PCR values a measured boot of these files will leave, per bank, from the TPM's values now (--tpm) or from zeros (--from-zero)",
        };
        var fromZero = new Option<bool>("--from-zero") { Description = "With --predict: start from all-zero PCRs (a fresh platform reset) instead of reading the TPM" };
        var verbose = CommonOptions.Verbose();
        var secrets = new Option<string[]>("--secret")
        {
            Description = "NAME:PATH:SIZE of a token-held secret the boot hands over (fobnail.secret), measured as /init measures it: name, path and size (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var measure = new Command("measure", "Print the digests and the event log (PCR, digest per bank, object)") { kernel, predict, fromZero, secrets, verbose };
        measure.SetAction((r, _) => Run(() =>
        {
            bool predicting = r.GetValue(predict), zero = r.GetValue(fromZero);
            if (zero && !predicting) throw new FormatException("--from-zero only goes with --predict");
            if (predicting && r.GetValue(extend)) throw new FormatException("--predict and --extend exclude each other");
            // --verbose: log lines on stderr, among them which digests measured (the kernel's AF_ALG or the managed
            // fallback), as /init logs it. Opt-in: Serilog's first line reaches Guid.NewGuid, which needs /dev/urandom.
            using var log = r.GetValue(verbose) ? LogSetup.CreateForCli(LogEventLevel.Debug) : null;
            if (log is not null) Serilog.Log.Logger = log;
            using TpmPcrExtender? extender = r.GetValue(extend) || (predicting && !zero) ? TpmPcrExtender.Open(r.GetValue(tpm)!) : null;
            using KexecImage image = KexecImage.Open(Request(r) with { Secrets = (r.GetValue(secrets) ?? []).Select(ParseSecret).ToArray() });
            EventLog events = KexecMeasurer.Measure(image, extender?.Banks ?? ParseBanks(r.GetValue(banks)!));
            if (predicting)
            {
                foreach (PcrValue v in KexecMeasurer.Predict(events, extender))
                    Console.Out.WriteLine($"PCR {v.Pcr} {TpmHash.AlgorithmName(v.Bank)}: {Convert.ToHexStringLower(v.After)}");
                return 0;
            }
            if (extender is not null) KexecMeasurer.Extend(events, extender);
            Console.Out.Write(r.GetValue(json) ? events.ToJson() + "\n" : events.ToText());
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(measure);

        var exec = new Option<bool>("--exec") { Description = "Reboot into the loaded kernel (reboot(LINUX_REBOOT_CMD_KEXEC))" };
        var eventLog = new Option<string?>("--event-log") { Description = "Also write the text event log to this file" };
        var viaSystemd = new Option<bool>("--via-systemd") { Description = "After loading, ask systemd over D-Bus to start kexec.target (clean shutdown into the kernel)" };
        var busAddress = new Option<string>("--bus-address") { Description = "D-Bus address of systemd (default: the system bus)", DefaultValueFactory = _ => Hosted.DBus.BusConnection.SystemAddress };
        var load = new Command("load", "Measure (and with --extend extend), kexec_file_load, and with --exec reboot into it") { kernel, exec, eventLog, viaSystemd, busAddress };
        load.SetAction((r, _) => Run(() =>
        {
            if (r.GetValue(exec) && r.GetValue(viaSystemd))
                throw new FormatException("--exec and --via-systemd exclude each other: --exec reboots at once, --via-systemd shuts down cleanly first");
            using var log = LogSetup.CreateForCli(LogEventLevel.Information);
            Serilog.Log.Logger = log;
            string spec = r.GetValue(tpm)!;
            var handoff = new KexecHandoff(new LinuxKexecKernel(), log)
            {
                Policy = new KexecPolicy(RequireAttestation: false, Override: "the command line tool (fobnail-init kexec load)"),
                OpenExtender = () => r.GetValue(extend) ? TpmPcrExtender.Open(spec) : null,
                EventLogPath = r.GetValue(eventLog),
            };
            KexecHandoffResult result = handoff.Run(Request(r), verdict: null, execute: r.GetValue(exec));
            switch (result)
            {
                case KexecHandoffResult.Loaded loaded:
                    Console.Out.Write(r.GetValue(json) ? loaded.Log.ToJson() + "\n" : loaded.Log.ToText());
                    return r.GetValue(viaSystemd) ? KexecViaSystemd(r.GetValue(busAddress)!, log) : ExitCodes.Ok;
                default:
                    // The handoff already logged the refusal or failure (on stderr).
                    return ExitCodes.Failed;
            }
        }));
        command.Subcommands.Add(load);
        return command;
    }

    /// <summary>The loaded kernel is booted by systemd: StartUnit("kexec.target", "replace-irreversibly").</summary>
    private static int KexecViaSystemd(string busAddress, Serilog.ILogger log)
    {
        try
        {
            string job = Hosted.DBus.SystemdManager.StartKexecTargetAsync(busAddress).GetAwaiter().GetResult();
            log.Information("kexec: systemd queued {Job}: stopping services, then kexec", job);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is Hosted.DBus.BusUnavailableException or Tmds.DBus.Protocol.DBusExceptionBase or Hosted.DBus.BusFormatException)
        {
            Console.Error.WriteLine($"kexec: the kernel is loaded, but systemd did not take kexec.target: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>--secret NAME:PATH:SIZE (a size stand-in: the bytes are never measured, see KexecMeasurer.SecretEventText).</summary>
    private static Fobnail.Kexec.Initrd.HandoverFile ParseSecret(string text)
    {
        int first = text.IndexOf(':', StringComparison.Ordinal), last = text.LastIndexOf(':');
        if (first <= 0 || last == first)
            throw new FormatException($"--secret {text}: expected NAME:PATH:SIZE");
        string name = text[..first], path = text[(first + 1)..last];
        if (Config.SecretSpec.ProblemWithPath(path) is { } problem)
            throw new FormatException($"--secret {text}: '{path}' {problem}");
        if (!int.TryParse(text[(last + 1)..], System.Globalization.NumberStyles.None, null, out int size) || size is < 1 or > Config.SecretSpec.MaxSecretBytes)
            throw new FormatException($"--secret {text}: SIZE is 1-{Config.SecretSpec.MaxSecretBytes} bytes");
        if (Config.SecretSpec.ProblemWithName(name) is { } bad)
            throw new FormatException($"--secret {text}: {bad}");
        if (path.Contains(','))
            throw new FormatException($"--secret {text}: a PATH with ',' cannot be given in fobnail.secret");
        return KexecMeasurer.SecretOfSize(name, path, size);
    }

    private static TpmAlgId[] ParseBanks(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name =>
            TpmHash.Find(name)?.Id ?? throw new FormatException($"--banks: '{name}' is not one of {TpmHash.Names}")).ToArray();

    /// <summary>Runs on a worker thread, so that Ctrl-C ends the command even while a large file is being hashed.</summary>
    private static Task<int> Run(Func<int> action) => Task.Run(() =>
    {
        try { return action(); }
        catch (FormatException e) { Console.Error.WriteLine(e.Message); return ExitCodes.Usage; }
        catch (KexecException e) { Console.Error.WriteLine($"kexec: {e.Message}"); return ExitCodes.Failed; }
        catch (TpmException e) { Console.Error.WriteLine($"kexec: TPM: {e.Message}"); return ExitCodes.Failed; }
        catch (IOException e) { Console.Error.WriteLine($"kexec: {e.Message}"); return ExitCodes.Failed; }
    });
}
