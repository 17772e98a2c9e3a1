using Fobnail.Boot;
using Fobnail.Boot.Discovery;
using Fobnail.Boot.Entries;
using Fobnail.Init.Config;
using Fobnail.Kexec;
using Fobnail.Kexec.Measurement;
using Fobnail.Modules;

namespace Fobnail.Init.Boot;

/// <summary>
/// Boots the installed system: fail-closed policy first (without a passed attestation, unless
/// fobnail.kexec.require_attestation=0, no disk is even read), then find the disks and their boot entries
/// (<see cref="BootDiscovery"/>, bounded by fobnail.boot.wait, filesystem modules loaded through the modules
/// step's loader), choose the entry (fobnail.boot.entry or the boot loader's default; the reason is logged), copy
/// its kernel and initrds (concatenated, as GRUB does) to tmpfs, unmount every disk, and hand the copies with the
/// entry's command line (+ fobnail.boot.append) to the measured kexec of the kexec step.
/// </summary>
public sealed class DiskBootStep(IKexecKernel? kernel = null, string? eventLogPath = EventLog.DefaultPath, string runDirectory = "/run/fobnail") : IBootStep
{
    public BootStep Id => BootStep.Boot;

    public async Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        BootConfig config = context.Config;
        KexecDecision decision = new KexecPolicy(config.KexecRequireAttestation).Decide(context.Verdict);
        if (!decision.Allowed)
        {
            log.Error("boot: {Message}", decision.Message);
            return new StepOutcome.Failed(decision.Message);
        }

        ModuleLoader? loader = context.Modules;
        var discovery = new BootDiscovery
        {
            Wait = TimeSpan.FromSeconds(config.BootWaitSeconds),
            Selector = config.BootEntry,
            SysRoot = context.SysRoot,
            MountBase = Path.Combine(runDirectory, "disks"),
            LoadModule = loader is null ? null : async (name, ct) =>
            {
                var result = await loader.LoadByNameAsync(name, ct).ConfigureAwait(false);
                if (!result.Succeeded) log.Warning("boot: {Result}", result.ToString());
                return result.Succeeded;
            },
            Log = line => log.Information("boot: {Line}", line),
        };
        BootDiscovery.Result found = await discovery.RunAsync(cancellationToken).ConfigureAwait(false);
        using DiskMounts mounts = found.Mounts;
        foreach (string note in found.Scan.Notes) log.Debug("boot: {Note}", note);
        for (int i = 0; i < found.Scan.Entries.Count; i++)
        {
            BootEntry e = found.Scan.Entries[i];
            log.Information("boot: entry {Index} {Id} \"{Title}\" ({Source}, {Config}){Default}{Problem}", i, e.Id, e.Title, e.SourceName, e.Config,
                e.IsDefault ? " default" : "", e.Problem is null ? "" : ": " + e.Problem);
        }
        log.Information("boot: {Count} entries on {Filesystems} filesystems after {Ms} ms ({Why})", found.Scan.Entries.Count, mounts.Filesystems.Count,
            (long)found.Elapsed.TotalMilliseconds, found.Why);
        if (found.Choice.Entry is not { } entry)
            return new StepOutcome.Failed($"no entry to boot: {found.Choice.Reason}");
        log.Information("boot: chose {Id} \"{Title}\": {Reason}", entry.Id, entry.Title, found.Choice.Reason);

        EntryStager.Staged staged;
        try
        {
            staged = EntryStager.Stage(entry, new BootFilesystems(mounts.Filesystems), Path.Combine(runDirectory, "kexec"),
                KexecLimits.Default.MaxKernelBytes, KexecLimits.Default.MaxInitrdBytes);
        }
        catch (BootFormatException e) { return new StepOutcome.Failed($"cannot copy {entry.Id}'s files: {e.Message}", e); }
        log.Information("boot: copied {Kernel} ({KernelBytes} bytes) and {Initrds} initrd file(s) ({InitrdBytes} bytes) to tmpfs",
            entry.Kernel, staged.KernelBytes, entry.Initrd.Count, staged.InitrdBytes);

        IReadOnlyList<string> stuck = mounts.UnmountAll();
        if (stuck.Count > 0) return new StepOutcome.Failed($"cannot unmount before kexec: {string.Join("; ", stuck)}");

        string cmdline = EntryChooser.Cmdline(entry, config.BootAppend);
        await KexecStep.LoadHashModulesAsync(context, cancellationToken).ConfigureAwait(false);
        return KexecStep.Handoff(context, new KexecRequest(staged.Kernel, staged.Initrd, cmdline), kernel, eventLogPath);
    }
}
