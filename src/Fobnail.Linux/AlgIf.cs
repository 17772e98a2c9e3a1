using System.Runtime.InteropServices;

namespace Fobnail.Linux;

/// <summary>struct sockaddr_alg from linux/if_alg.h: names a kernel crypto algorithm to bind an AF_ALG socket to.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct sockaddr_alg
{
    public ushort salg_family;
    /// <summary>"hash", "skcipher", "aead", ...; NUL-terminated.</summary>
    public fixed byte salg_type[14];
    public uint salg_feat;
    public uint salg_mask;
    /// <summary>The crypto API name, e.g. "sha256"; NUL-terminated.</summary>
    public fixed byte salg_name[64];
}

// <linux/if_alg.h>, <sys/sendfile.h>
public static unsafe partial class Sys
{
    /// <summary>AF_ALG (Tmds.LibC has it too, as LibC.AF_ALG; repeated as a constant for switch/const use).</summary>
    public const int AF_ALG = 38;
    public const int SOL_ALG = 279;
    public const int ALG_SET_KEY = 1;

    /// <summary>sendfile(2): copies in the kernel from a file to a socket (here: an AF_ALG operation socket).</summary>
    [LibraryImport(Libc, EntryPoint = "sendfile", SetLastError = true)]
    public static partial nint sendfile(int out_fd, int in_fd, long* offset, nuint count);
}
