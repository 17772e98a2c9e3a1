using System.Runtime.InteropServices;

namespace Fobnail.Linux;

// <sys/wait.h>
public static partial class Sys
{
    public const int WNOHANG = 1;

    [LibraryImport(Libc, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int waitpid(int pid, out int wstatus, int options);
}
