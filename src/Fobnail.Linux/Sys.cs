namespace Fobnail.Linux;

/// <summary>
/// The syscall bindings Tmds.LibC (<c>Tmds.Linux.LibC</c>) lacks, 1:1 with their C names and argument order,
/// one file per C header (Netlink.cs = linux/netlink.h, Reboot.cs = sys/reboot.h, ...). Every binding sets
/// errno through SetLastError, so <c>LibC.errno</c> / <see cref="System.Runtime.InteropServices.Marshal.GetLastPInvokeError"/>
/// reads it after the call, the same as after Tmds.LibC's calls (which read Marshal.GetLastWin32Error()).
/// <para>
/// Statically linked through DirectPInvoke of "libc" in Fobnail.Init.csproj: the initramfs has no libc.so.
/// </para>
/// </summary>
public static unsafe partial class Sys
{
    /// <summary>The library every binding here names; Fobnail.Init.csproj lists it as a DirectPInvoke.</summary>
    internal const string Libc = "libc";

    /// <summary>A string as C wants it: UTF-8 with its terminating NUL (pin it with <c>fixed</c>).</summary>
    public static byte[] CString(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
