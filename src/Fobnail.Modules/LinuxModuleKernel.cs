using System.Text;
using Fobnail.Linux;
using Tmds.Linux;

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
        byte[] pathZ = Sys.CString(path);
        byte[] paramsZ = Sys.CString(parameterValues);
        int fd;
        fixed (byte* p = pathZ)
            fd = LibC.open(p, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
            return Errno.Last;
        try
        {
            fixed (byte* pv = paramsZ)
            {
                long rc = Sys.finit_module(fd, pv, (int)flags);
                return rc == 0 ? 0 : Errno.Last;
            }
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <summary>The running kernel's release (uname -r), e.g. "6.1.0-56-amd64".</summary>
    public static unsafe string KernelRelease()
    {
        utsname buf;
        if (Sys.uname(&buf) != 0)
            throw SyscallException.FromLast("uname");
        var release = new ReadOnlySpan<byte>(buf.release, utsname.FieldLength);
        int nul = release.IndexOf((byte)0);
        return Encoding.ASCII.GetString(nul < 0 ? release : release[..nul]);
    }
}
