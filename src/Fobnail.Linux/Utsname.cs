using System.Runtime.InteropServices;

namespace Fobnail.Linux;

/// <summary>struct utsname from sys/utsname.h: six fields of _UTSNAME_LENGTH (65) bytes on Linux.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct utsname
{
    public const int FieldLength = 65;
    public fixed byte sysname[FieldLength];
    public fixed byte nodename[FieldLength];
    public fixed byte release[FieldLength];
    public fixed byte version[FieldLength];
    public fixed byte machine[FieldLength];
    public fixed byte domainname[FieldLength];
}

// <sys/utsname.h>
public static unsafe partial class Sys
{
    [LibraryImport(Libc, EntryPoint = "uname", SetLastError = true)]
    public static partial int uname(utsname* buf);
}
