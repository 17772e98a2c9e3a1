using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Fobnail.Kexec;

/// <summary>
/// The opened kernel and initrd files and the command line bytes (with the terminating NUL). Each file is
/// opened once: the digests are computed from these descriptors and the same descriptors go to
/// kexec_file_load, so what is measured is what boots (no re-open by path, no time-of-check/time-of-use gap).
/// </summary>
public sealed class KexecImage : IDisposable
{
    private KexecImage(KexecRequest request, SafeFileHandle kernel, SafeFileHandle? initrd, byte[] cmdline)
    {
        Request = request;
        Kernel = kernel;
        Initrd = initrd;
        Cmdline = cmdline;
    }

    public KexecRequest Request { get; }

    public SafeFileHandle Kernel { get; }

    public SafeFileHandle? Initrd { get; }

    /// <summary>UTF-8 command line plus its NUL: exactly the bytes measured and passed to the kernel (like GRUB).</summary>
    public byte[] Cmdline { get; }

    public static KexecImage Open(KexecRequest request)
    {
        byte[] cmdline = CmdlineBytes(request.Cmdline, request.Limits.MaxCmdlineBytes);
        SafeFileHandle kernel = OpenFile(request.KernelPath, "kernel");
        try
        {
            SafeFileHandle? initrd = request.InitrdPath is null ? null : OpenFile(request.InitrdPath, "initrd");
            return new KexecImage(request, kernel, initrd, cmdline);
        }
        catch
        {
            kernel.Dispose();
            throw;
        }
    }

    public static byte[] CmdlineBytes(string cmdline, int maxBytes)
    {
        if (cmdline.Contains('\0'))
            throw new KexecException("the command line contains a NUL character");
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(cmdline) + 1];
        if (bytes.Length > maxBytes)
            throw new KexecException($"the command line is {bytes.Length} bytes with its NUL, more than the {maxBytes} the kernel accepts");
        Encoding.UTF8.GetBytes(cmdline, bytes);
        return bytes;
    }

    private static SafeFileHandle OpenFile(string path, string what)
    {
        try
        {
            // .NET refuses directories here; FIFOs and devices are refused by the size check (length 0/unknown) or the kernel.
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new KexecException($"cannot open the {what} {path}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        Kernel.Dispose();
        Initrd?.Dispose();
    }
}
