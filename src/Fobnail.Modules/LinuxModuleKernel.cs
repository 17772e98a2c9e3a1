using System.Runtime.InteropServices;
using System.Text;
using Fobnail.Modules.Interop;

namespace Fobnail.Modules;

/// <summary>The real kernel: finit_module(2) on an fd opened O_RDONLY|O_CLOEXEC, presence from sysfs.</summary>
public sealed class LinuxModuleKernel : IModuleKernel
{
    private readonly string _sysfsRoot;

    public LinuxModuleKernel(string sysfsRoot = "/sys") => _sysfsRoot = sysfsRoot;

    public bool IsPresent(string moduleName) =>
        Directory.Exists(Path.Combine(_sysfsRoot, "module", moduleName));

    public unsafe int FinitModule(string path, string parameterValues, FinitModuleFlags flags)
    {
        long nr = Libc.SYS_finit_module;
        if (nr < 0)
            return Libc.ENOSYS;

        byte[] pathZ = ToNulTerminated(path);
        byte[] paramsZ = ToNulTerminated(parameterValues);
        int fd;
        fixed (byte* p = pathZ)
            fd = Libc.open(p, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0)
            return Marshal.GetLastPInvokeError();
        try
        {
            fixed (byte* pv = paramsZ)
            {
                long rc = Libc.syscall(nr, fd, (nint)pv, (nint)(int)flags);
                return rc == 0 ? 0 : Marshal.GetLastPInvokeError();
            }
        }
        finally
        {
            Libc.close(fd);
        }
    }

    /// <summary>The running kernel's release (uname -r), e.g. "6.1.0-56-amd64".</summary>
    public static unsafe string KernelRelease()
    {
        byte* buf = stackalloc byte[Libc.UtsFieldLength * 6];
        if (Libc.uname(buf) != 0)
            throw new IOException($"uname failed: errno {Marshal.GetLastPInvokeError()}");
        // Fields: sysname, nodename, release, version, machine, domainname.
        var release = new ReadOnlySpan<byte>(buf + 2 * Libc.UtsFieldLength, Libc.UtsFieldLength);
        int nul = release.IndexOf((byte)0);
        return Encoding.ASCII.GetString(nul < 0 ? release : release[..nul]);
    }

    private static byte[] ToNulTerminated(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
