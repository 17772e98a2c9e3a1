using System.Diagnostics;
using Fobnail.Tpm;
using Fobnail.Kexec.Initrd;
using Fobnail.Kexec.Measurement;
using Serilog;

namespace Fobnail.Kexec;

/// <summary>
/// The measured handoff, in this order: policy → open (once) → measure → extend → save the event log →
/// kexec_file_load the same descriptors → check /sys/kernel/kexec_loaded → log the event log →
/// reboot(LINUX_REBOOT_CMD_KEXEC). Every refusal or failure is a typed result; nothing here throws for a bad
/// file, TPM or kernel answer.
/// </summary>
public sealed class KexecHandoff(IKexecKernel kernel, ILogger? log = null)
{
    private readonly ILogger _log = log ?? Serilog.Core.Logger.None;

    /// <summary>Opens the TPM to extend into, or returns null when there is none configured.</summary>
    public Func<IPcrExtender?> OpenExtender { get; init; } = () => null;

    /// <summary>Where the CEL-JSON event log is written (null: not written).</summary>
    public string? EventLogPath { get; init; } = EventLog.DefaultPath;

    public KexecPolicy Policy { get; init; } = new();

    /// <summary>
    /// Append the handover archive (the CEL-JSON event log at /.fobnail/tpm2-measure.log) to the initrd, in a
    /// sealed memfd. Off only for tests of the plain path.
    /// </summary>
    public bool HandOver { get; init; } = true;

    public KexecHandoffResult Run(KexecRequest request, AttestationVerdict? verdict, bool execute)
    {
        KexecDecision decision = Policy.Decide(verdict);
        if (!decision.Allowed)
        {
            _log.Error("kexec: {Message}", decision.Message);
            return new KexecHandoffResult.Refused(decision.Message);
        }
        if (decision.Unattested) _log.Warning("kexec: {Message}", decision.Message);
        else _log.Information("kexec: {Message}", decision.Message);

        IPcrExtender? extender;
        try { extender = OpenExtender(); }
        catch (Exception e) when (e is TpmException or IOException or FormatException or UnauthorizedAccessException)
        {
            if (Policy.RequireAttestation)
                return Fail($"cannot open the TPM to extend the measurements: {e.Message}", e);
            _log.Warning("kexec: NO TPM ({Error}): measurements are computed and logged but NOT extended", e.Message);
            extender = null;
        }
        try
        {
            return Run(request, extender, execute);
        }
        finally
        {
            (extender as IDisposable)?.Dispose();
        }
    }

    private KexecHandoffResult Run(KexecRequest request, IPcrExtender? extender, bool execute)
    {
        if (request.Secrets.Count > 0 && !HandOver)
            return Fail("secrets can only be handed over in an appended archive, and the handover is off", null);
        KexecImage image;
        try { image = KexecImage.Open(request, HandOver); }
        catch (KexecException e) { return Fail(e.Message, e); }

        using (image)
        {
            EventLog events;
            long start = Stopwatch.GetTimestamp();
            try { events = KexecMeasurer.Measure(image, extender?.Banks ?? KexecMeasurer.DefaultBanks); }
            catch (KexecException e) { return Fail($"measuring failed: {e.Message}", e); }
            catch (IOException e) { return Fail($"measuring failed: {e.Message}", e); }
            double measureMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (extender is not null)
            {
                try { KexecMeasurer.Extend(events, extender); }
                catch (Exception e) when (e is TpmException or KexecException or IOException)
                {
                    // Some PCRs may be extended already: the platform state no longer matches anything we would boot.
                    return Fail($"extending the measurements failed: {e.Message}", e);
                }
            }
            _log.Debug("kexec: measured {Bytes} bytes in {Ms:0} ms", events.Events.Sum(e => e.Size), measureMs);
            IReadOnlyList<CelRecord> records = CelLog.FromEventLog(events);
            SaveEventLog(records);
            if (HandOver)
            {
                try
                {
                    using NewcArchive archive = HandoverArchive.Build(records, request.Secrets);
                    image.AppendAndSeal(archive.Bytes);
                }
                catch (KexecException e) { return Fail(e.Message, e, events); }
                _log.Information("kexec: event log handed over at {Path} ({Bytes} bytes appended to the initrd)", CelLog.HandoverPath, image.AppendedBytes);
                foreach (HandoverFile secret in request.Secrets)
                    _log.Information("kexec: secret {Name} handed over at {Path} ({Size} bytes)", secret.Name, secret.Path, secret.Content.Length);
            }

            try
            {
                kernel.FileLoad(image.Kernel, image.LoadInitrd, image.Cmdline, KexecFileFlags.None);
                if (!kernel.IsLoaded())
                    return Fail("kexec_file_load succeeded but /sys/kernel/kexec_loaded is not 1", null, events);
            }
            catch (KexecException e) { return Fail(e.Message, e, events); }

            foreach (string line in events.Lines()) _log.Information("kexec: measured PCR {Line}", line);
            foreach (PcrValue v in events.PcrValues) _log.Information("kexec: {PcrValue}", v.ToString());
            string target = $"{request.KernelPath}{(request.InitrdPath is null ? "" : " with initrd " + request.InitrdPath)}";
            string extended = events.ExtendedInto is null ? "not extended into a TPM" : $"extended into {events.ExtendedInto}";
            _log.Information("kexec: loaded {Target} ({Events} measurements {Extended})", target, events.Events.Count, extended);
            if (!execute)
                return new KexecHandoffResult.Loaded($"loaded {target}; measurements {extended}", events);

            _log.Information("kexec: rebooting into {Target}", target);
            try { kernel.RebootKexec(); }
            catch (KexecException e) { return Fail(e.Message, e, events); }
            return new KexecHandoffResult.Rebooted($"reboot(LINUX_REBOOT_CMD_KEXEC) into {target} returned", events);
        }
    }

    private void SaveEventLog(IReadOnlyList<CelRecord> records)
    {
        if (EventLogPath is null) return;
        try { EventLog.Save(EventLogPath, CelLog.Serialize(records)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The digests are in the TPM and in our log lines; a missing file must not stop the boot.
            _log.Warning("kexec: cannot write the event log to {Path}: {Error}", EventLogPath, e.Message);
        }
    }

    private KexecHandoffResult.Failed Fail(string message, Exception? e, EventLog? events = null)
    {
        _log.Error("kexec: {Message}", message);
        return new KexecHandoffResult.Failed(message, e, events);
    }
}
