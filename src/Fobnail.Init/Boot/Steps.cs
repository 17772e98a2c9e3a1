using Fobnail.Init.Config;

namespace Fobnail.Init.Boot;

/// <summary>The boot steps this build provides.</summary>
internal static class Steps
{
    public static IReadOnlyDictionary<BootStep, IBootStep> All() => new Dictionary<BootStep, IBootStep>
    {
        [BootStep.Modules] = new ModulesStep(),
        [BootStep.Network] = new NetworkStep(),
        [BootStep.Attest] = new AttestStep(),
        [BootStep.Kexec] = new KexecStep(),
        [BootStep.Boot] = new DiskBootStep(),
    };
}
