
namespace Fobnail.Kexec;

/// <summary>
/// Every failure of the kexec handoff: an unusable file, a size limit, or a system call error. For a system
/// call, <see cref="Errno"/> holds the errno and the message names it and says what it usually means.
/// </summary>
public sealed class KexecException : Exception
{
    public KexecException(string message) : base(message) { }

    public KexecException(string message, Exception inner) : base(message, inner) { }

    public KexecException(string call, int errno)
        : base($"{call} failed: {Fobnail.Linux.Errno.Name(errno)} ({Meaning(call, errno)})")
    {
        Call = call;
        Errno = errno;
    }

    /// <summary>The failed system call ("kexec_file_load", "reboot"), or null if none was made.</summary>
    public string? Call { get; }

    /// <summary>The errno, or 0 if the failure is not a system call error.</summary>
    public int Errno { get; }

    public string? ErrnoName => Errno == 0 ? null : Fobnail.Linux.Errno.Name(Errno);

    /// <summary>What an errno usually means for kexec (kernel/kexec_file.c, arch/x86/kernel/kexec-bzimage64.c).</summary>
    public static string Meaning(string call, int errno) => (call, errno) switch
    {
        (_, 1) => "not permitted: needs CAP_SYS_BOOT, and kernel lockdown (e.g. Secure Boot) or kexec_load_disabled can forbid kexec",
        ("kexec_file_load", 8) => "the kernel file is not a kernel image this kernel can kexec (not a bzImage?)",
        ("kexec_file_load", 129) => "the kernel image's signature was rejected",
        ("kexec_file_load", 126) => "the kernel image is not signed by a trusted key",
        ("kexec_file_load", 61) => "the kernel image carries no signature and one is required",
        ("kexec_file_load", 74) => "the kernel image's signature is malformed",
        (_, 16) => "busy: another kexec load is in progress",
        (_, 12) => "out of memory for the new kernel and initrd",
        ("kexec_file_load", 22) => "invalid argument: command line too long or not NUL-terminated, or a bad initrd",
        ("kexec_file_load", 27) => "a file is too large",
        (_, 9) => "a file descriptor is not valid",
        (_, 38) => "this kernel was built without kexec_file_load (CONFIG_KEXEC_FILE)",
        ("reboot", 22) => "no kexec image is loaded",
        _ => "see the kernel log",
    };
}
