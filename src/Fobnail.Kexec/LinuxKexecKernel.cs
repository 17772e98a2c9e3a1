using Fobnail.Linux;
using Tmds.Linux;
using Microsoft.Win32.SafeHandles;

namespace Fobnail.Kexec;

/// <summary>kexec through the running Linux kernel.</summary>
public sealed class LinuxKexecKernel(string sysRoot = "/sys") : IKexecKernel
{
    public unsafe void FileLoad(SafeFileHandle kernel, SafeFileHandle? initrd, ReadOnlySpan<byte> cmdline, KexecFileFlags flags)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (cmdline.Length > 0 && cmdline[^1] != 0)
            throw new ArgumentException("the command line must end with its NUL (the kernel rejects it otherwise)", nameof(cmdline));
        if (Sys.SYS_kexec_file_load < 0)
            throw new KexecException("kexec_file_load", Errno.ENOSYS);

        bool kernelRef = false, initrdRef = false;
        try
        {
            kernel.DangerousAddRef(ref kernelRef);
            int initrdFd = -1;
            if (initrd is not null)
            {
                initrd.DangerousAddRef(ref initrdRef);
                initrdFd = (int)initrd.DangerousGetHandle();
            }
            else flags |= KexecFileFlags.NoInitramfs;

            long rc;
            fixed (byte* p = cmdline)
                rc = Sys.kexec_file_load((int)kernel.DangerousGetHandle(), initrdFd,
                    (nuint)cmdline.Length, cmdline.Length == 0 ? null : p, (nuint)flags);
            if (rc != 0)
                throw new KexecException("kexec_file_load", Errno.Last);
        }
        finally
        {
            if (kernelRef) kernel.DangerousRelease();
            if (initrdRef) initrd!.DangerousRelease();
        }
    }

    public bool IsLoaded()
    {
        string path = Path.Combine(sysRoot, "kernel", "kexec_loaded");
        try { return File.ReadAllText(path).Trim() == "1"; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KexecException($"cannot read {path}: {e.Message}", e);
        }
    }

    public void RebootKexec()
    {
        // Nothing to flush in an initramfs, but a CLI user on a real system may have dirty page cache.
        LibC.sync();
        if (Sys.reboot(Sys.LINUX_REBOOT_CMD_KEXEC) != 0)
            throw new KexecException("reboot", Errno.Last);
    }

    /// <summary>Unloads a loaded kexec image (kexec_file_load with KEXEC_FILE_UNLOAD; the fds are ignored).</summary>
    public static unsafe void Unload()
    {
        if (Sys.kexec_file_load(-1, -1, 0, null, (nuint)KexecFileFlags.Unload) != 0)
            throw new KexecException("kexec_file_load", Errno.Last);
    }
}
