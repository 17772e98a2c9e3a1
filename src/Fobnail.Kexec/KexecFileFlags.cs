namespace Fobnail.Kexec;

/// <summary>The flags argument of kexec_file_load(2) (include/uapi/linux/kexec.h).</summary>
[Flags]
public enum KexecFileFlags : uint
{
    None = 0,
    /// <summary>KEXEC_FILE_UNLOAD: unload the currently loaded image.</summary>
    Unload = 1,
    /// <summary>KEXEC_FILE_ON_CRASH: load the crash (kdump) kernel instead.</summary>
    OnCrash = 2,
    /// <summary>KEXEC_FILE_NO_INITRAMFS: initrd_fd is ignored; the new kernel boots without one.</summary>
    NoInitramfs = 4,
}
