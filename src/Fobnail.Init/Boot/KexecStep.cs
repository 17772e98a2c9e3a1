using Fobnail.Init.Config;
using Fobnail.Kexec;
using Fobnail.Kexec.Measurement;

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

    public Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken)
    {
        BootConfig config = context.Config;
        if (config.KexecKernel is null)
            return Task.FromResult<StepOutcome>(new StepOutcome.Failed("fobnail.kexec.kernel is not set: there is no kernel to boot"));

        var request = new KexecRequest(config.KexecKernel, config.KexecInitrd, config.KexecCmdline)
        {
            Pcrs = new KexecPcrs(Kernel: config.KexecKernelPcr, Initrd: config.KexecKernelPcr, Cmdline: config.KexecCmdlinePcr),
        };
        var handoff = new KexecHandoff(kernel ?? new LinuxKexecKernel(context.SysRoot), context.Log)
        {
            Policy = new KexecPolicy(config.KexecRequireAttestation),
            OpenExtender = () => TpmPcrExtender.Open(config.Tpm),
            EventLogPath = eventLogPath,
        };
        KexecHandoffResult result = handoff.Run(request, context.Verdict, execute: true);
        StepOutcome outcome = result switch
        {
            KexecHandoffResult.Failed f => new StepOutcome.Failed(f.Summary, f.Error),
            KexecHandoffResult.Refused r => new StepOutcome.Failed(r.Summary),
            _ => new StepOutcome.Succeeded(result.Summary),
        };
        return Task.FromResult(outcome);
    }
}
