using System.Runtime.InteropServices;

namespace Fobnail.Linux;

// <stdlib.h>, <linux/limits.h>
public static unsafe partial class Sys
{
    /// <summary>PATH_MAX: the buffer size realpath(3) requires.</summary>
    public const int PATH_MAX = 4096;

    [LibraryImport(Libc, EntryPoint = "realpath", SetLastError = true)]
    public static partial byte* realpath(byte* path, byte* resolved_path);
}
