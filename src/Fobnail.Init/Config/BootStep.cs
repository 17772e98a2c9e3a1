namespace Fobnail.Init.Config;

/// <summary>The steps of the boot sequence, in the order /init runs them.</summary>
public enum BootStep
{
    /// <summary>Coldplug: load the modules for every device present at boot; start uevent hotplug.</summary>
    Modules,
    /// <summary>Find the Fobnail Token's network interface and configure it.</summary>
    Network,
    /// <summary>Wait for the token link, provision the platform if asked, attest it with the TPM; leaves the verdict for kexec.</summary>
    Attest,
    /// <summary>Measure the target kernel, initrd and command line into PCRs, kexec_file_load it and reboot into it.</summary>
    Kexec,
    /// <summary>Find the installed system's boot entries on the disks, choose one as its boot loader would, measure and kexec it (after a passed attestation).</summary>
    Boot,
}
