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

        KexecRequest Request(ParseResult r) =>
            new(r.GetValue(kernel)!, r.GetValue(initrd), r.GetValue(cmdline)!)
            {
                Pcrs = new KexecPcrs(r.GetValue(kernelPcr), r.GetValue(kernelPcr), r.GetValue(cmdlinePcr)),
            };

        var measure = new Command("measure", "Print the digests and the event log (PCR, digest per bank, object)") { kernel };
        measure.SetAction((r, _) => Run(() =>
        {
            using TpmPcrExtender? extender = r.GetValue(extend) ? TpmPcrExtender.Open(r.GetValue(tpm)!) : null;
            using KexecImage image = KexecImage.Open(Request(r));
            EventLog events = KexecMeasurer.Measure(image, extender?.Banks ?? ParseBanks(r.GetValue(banks)!));
            if (extender is not null) KexecMeasurer.Extend(events, extender);
            Console.Out.Write(r.GetValue(json) ? events.ToJson() + "\n" : events.ToText());
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(measure);

        var exec = new Option<bool>("--exec") { Description = "Reboot into the loaded kernel (reboot(LINUX_REBOOT_CMD_KEXEC))" };
        var eventLog = new Option<string?>("--event-log") { Description = "Also write the text event log to this file" };
        var load = new Command("load", "Measure (and with --extend extend), kexec_file_load, and with --exec reboot into it") { kernel, exec, eventLog };
        load.SetAction((r, _) => Run(() =>
        {
            using var log = LogSetup.CreateForCli(LogEventLevel.Information);
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
                    return ExitCodes.Ok;
                default:
                    // The handoff already logged the refusal or failure (on stderr).
                    return ExitCodes.Failed;
            }
        }));
        command.Subcommands.Add(load);
        return command;
    }

    private static TpmAlgId[] ParseBanks(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => name.ToLowerInvariant() switch
        {
            "sha1" => TpmAlgId.Sha1,
            "sha256" => TpmAlgId.Sha256,
            "sha384" => TpmAlgId.Sha384,
            "sha512" => TpmAlgId.Sha512,
            "sm3_256" => TpmAlgId.Sm3_256,
            _ => throw new FormatException($"--banks: '{name}' is not one of sha1, sha256, sha384, sha512, sm3_256"),
        }).ToArray();

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
