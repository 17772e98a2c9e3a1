using Fobnail.Modules;

namespace Fobnail.Modules.Tests;

/// <summary>
/// The real finit_module(2) binding against the running kernel. Nothing here can load a module: the files are
/// not ELF modules, so the kernel answers with an errno (EPERM without CAP_SYS_MODULE, else ENOEXEC/EINVAL, or a
/// signature error); what is proven is that the syscall number, fd and flags reach the kernel and errno comes back.
/// </summary>
public class LinuxModuleKernelTests
{
    private static readonly int[] RefusalErrnos = [1 /* EPERM */, 8 /* ENOEXEC */, 22 /* EINVAL */, 61 /* ENODATA */,
        74 /* EBADMSG */, 126 /* ENOKEY */, 129 /* EKEYREJECTED */, 95 /* EOPNOTSUPP */];

    [Fact]
    public void MissingFileIsENOENTFromOpen()
    {
        Assert.Equal(2, new LinuxModuleKernel().FinitModule("/nonexistent/fobnail/x.ko", "", FinitModuleFlags.None));
    }

    [Fact]
    public void KernelRefusesANonModuleWithAnErrno()
    {
        string path = Path.Combine(Fixture.Dir, "modules.dep");
        int errno = new LinuxModuleKernel().FinitModule(path, "param=1", FinitModuleFlags.None);
        int compressed = new LinuxModuleKernel().FinitModule(path, "", FinitModuleFlags.MODULE_INIT_COMPRESSED_FILE);
        if (!File.Exists("/proc/modules"))
        {
            // A kernel built without CONFIG_MODULES (this CI's microVM kernel) has no finit_module at all.
            Assert.Equal(38, errno); // ENOSYS
            Assert.Equal(38, compressed);
        }
        else
        {
            Assert.Contains(errno, RefusalErrnos);
            Assert.Contains(compressed, RefusalErrnos);
        }
    }

    /// <summary>The syscall number must be the kernel headers' __NR_finit_module for this architecture.</summary>
    [Fact]
    public void SyscallNumberMatchesKernelHeaders()
    {
        string header = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64
            ? "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
            : "/usr/include/asm-generic/unistd.h";
        string line = File.ReadLines(header).Single(l => l.StartsWith("#define __NR_finit_module "));
        Assert.Equal(long.Parse(line.Split(' ')[^1]), Fobnail.Linux.Sys.SYS_finit_module);
    }

    [Fact]
    public void KernelReleaseIsUnameR()
    {
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), LinuxModuleKernel.KernelRelease());
        Assert.Equal("/lib/modules/" + LinuxModuleKernel.KernelRelease(), ModuleIndex.DefaultDirectory());
    }

    [Fact]
    public void PresenceIsSysModuleDirectory()
    {
        string root = Directory.CreateTempSubdirectory("fobnail-sys-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "module", "usbcore"));
            var kernel = new LinuxModuleKernel(root);
            Assert.True(kernel.IsPresent("usbcore"));
            Assert.False(kernel.IsPresent("cdc_eem"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
