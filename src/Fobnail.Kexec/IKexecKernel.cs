using Microsoft.Win32.SafeHandles;

namespace Fobnail.Kexec;

/// <summary>The kernel's kexec interface; <see cref="LinuxKexecKernel"/> is the real one, tests use a fake.</summary>
public interface IKexecKernel
{
    /// <summary>
    /// kexec_file_load(2). <paramref name="cmdline"/> is passed as given and must end with its NUL (it is what
    /// was measured). Throws <see cref="KexecException"/> with the errno on failure.
    /// </summary>
    void FileLoad(SafeFileHandle kernel, SafeFileHandle? initrd, ReadOnlySpan<byte> cmdline, KexecFileFlags flags);

    /// <summary>/sys/kernel/kexec_loaded: whether a kexec image is loaded now.</summary>
    bool IsLoaded();

    /// <summary>reboot(LINUX_REBOOT_CMD_KEXEC): does not return on success; throws <see cref="KexecException"/>.</summary>
    void RebootKexec();
}
