using Fobnail.Init.Config;
using Fobnail.Kexec;
using Fobnail.Kexec.Measurement;
using Fobnail.Modules;

namespace Fobnail.Init.Boot;

/// <summary>
/// The last step: measure fobnail.kexec.kernel/initrd/cmdline into the TPM (fobnail.tpm), kexec_file_load them
/// and reboot into the new kernel. Fail-closed: without a passed <see cref="AttestationVerdict"/> in the context
/// (set by the attestation step) it refuses, unless fobnail.kexec.require_attestation=0. On success it does not
/// return; every refusal or failure is a Failed outcome, and the failure action runs.
/// </summary>
public sealed class KexecStep(IKexecKernel? kernel = null, string? eventLogPath = EventLog.DefaultPath) : IBootStep
{
    public BootStep Id => BootStep.Kexec;

    public async Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken)
    {
        BootConfig config = context.Config;
        if (config.KexecKernel is null)
            return new StepOutcome.Failed("fobnail.kexec.kernel is not set: there is no kernel to boot");
        await LoadHashModulesAsync(context, cancellationToken).ConfigureAwait(false);

        var request = new KexecRequest(config.KexecKernel, config.KexecInitrd, config.KexecCmdline);
        return Handoff(context, request, kernel, eventLogPath);
    }

    /// <summary>
    /// The measured handoff with fobnail.kexec.* policy, PCRs and TPM, as a step outcome (shared with the boot step).
    /// The token-held secrets (fobnail.secret) go with it and are wiped afterwards, whatever the result.
    /// </summary>
    internal static StepOutcome Handoff(BootContext context, KexecRequest request, IKexecKernel? kernel, string? eventLogPath)
    {
        using Fobnail.Kexec.Initrd.HandoverSecrets? secrets = context.Secrets;
        context.Secrets = null;
        BootConfig config = context.Config;
        if (config.Secrets.Count > 0 && secrets is null && !config.SecretOptional)
            return new StepOutcome.Failed($"fobnail.secret names {string.Join(",", config.Secrets.Select(s => s.Name))} but no secret was read from the token (no trusted attestation in this boot); not booting without them");
        request = request with
        {
            Pcrs = new KexecPcrs(Kernel: config.KexecKernelPcr, Initrd: config.KexecKernelPcr, Cmdline: config.KexecCmdlinePcr),
            Secrets = secrets?.Files ?? [],
        };
        var handoff = new KexecHandoff(kernel ?? new LinuxKexecKernel(context.SysRoot), context.Log)
        {
            Policy = new KexecPolicy(config.KexecRequireAttestation),
            OpenExtender = () => TpmPcrExtender.Open(config.Tpm),
            EventLogPath = eventLogPath,
        };
        KexecHandoffResult result = handoff.Run(request, context.Verdict, execute: true);
        return result switch
        {
            KexecHandoffResult.Failed f => new StepOutcome.Failed(f.Summary, f.Error),
            KexecHandoffResult.Refused r => new StepOutcome.Failed(r.Summary),
            _ => new StepOutcome.Succeeded(result.Summary),
        };
    }

    /// <summary>
    /// AF_ALG hashing (algif_hash) and the fast SHA drivers, loaded by name before measuring: no usermode
    /// modprobe would load them on demand. Without them the measurement falls back to managed digests (logged).
    /// </summary>
    internal static async Task LoadHashModulesAsync(BootContext context, CancellationToken cancellationToken)
    {
        if (context.Modules is not { } loader)
            return; // no modules step ran (fobnail.steps): nothing to load with
        foreach (string name in BankDigester.KernelModules)
        {
            var result = await loader.LoadByNameAsync(name, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
                context.Log.Warning("kexec: {Result}", result.ToString());
        }
    }
}
