using System.Text;
using Fobnail.Linux;
using Microsoft.Win32.SafeHandles;

namespace Fobnail.Kexec;

/// <summary>
/// The opened kernel and initrd files and the command line bytes (with the terminating NUL). Each file is
/// opened once: the digests are computed from these descriptors and the same descriptors go to
/// kexec_file_load, so what is measured is what boots (no re-open by path, no time-of-check/time-of-use gap).
/// </summary>
public sealed class KexecImage : IDisposable
{
    private readonly SealedMemfd? _handover;

    private KexecImage(KexecRequest request, SafeFileHandle kernel, SafeFileHandle? initrd, byte[] cmdline, SealedMemfd? handover)
    {
        Request = request;
        Kernel = kernel;
        Initrd = initrd;
        Cmdline = cmdline;
        _handover = handover;
    }

    public KexecRequest Request { get; }

    public SafeFileHandle Kernel { get; }

    /// <summary>
    /// The initrd to measure: the target's file, or, when opened for a handover, its copy in a memfd (so the
    /// measured bytes are the booted bytes even if the file changes afterwards).
    /// </summary>
    public SafeFileHandle? Initrd { get; }

    /// <summary>
    /// What kexec_file_load gets as the initrd: after <see cref="AppendAndSeal"/> the sealed memfd (target
    /// initrd, zero padding to 4 bytes, appended archive), otherwise <see cref="Initrd"/>.
    /// </summary>
    public SafeFileHandle? LoadInitrd => _handover is { IsSealed: true } ? _handover.Handle : Initrd;

    /// <summary>Bytes appended after the target initrd (padding + archive), 0 before <see cref="AppendAndSeal"/>.</summary>
    public long AppendedBytes { get; private set; }

    /// <summary>UTF-8 command line plus its NUL: exactly the bytes measured and passed to the kernel (like GRUB).</summary>
    public byte[] Cmdline { get; }

    /// <summary>
    /// Opens the kernel and initrd. With <paramref name="handOver"/> the initrd is copied into a memfd (bounded
    /// by the initrd limit) so that an archive can be appended later with <see cref="AppendAndSeal"/>.
    /// </summary>
    public static KexecImage Open(KexecRequest request, bool handOver = false)
    {
        byte[] cmdline = CmdlineBytes(request.Cmdline, request.Limits.MaxCmdlineBytes);
        SafeFileHandle kernel = OpenFile(request.KernelPath, "kernel");
        SafeFileHandle? initrd = null;
        SealedMemfd? memfd = null;
        try
        {
            initrd = request.InitrdPath is null ? null : OpenFile(request.InitrdPath, "initrd");
            if (handOver)
            {
                memfd = SealedMemfd.Create("fobnail-initrd");
                if (initrd is not null)
                {
                    try { memfd.AppendFrom(initrd, request.Limits.MaxInitrdBytes); }
                    catch (IOException e) { throw new KexecException($"cannot copy the initrd {request.InitrdPath}: {e.Message}", e); }
                    initrd.Dispose();
                    initrd = memfd.Handle;
                }
            }
            return new KexecImage(request, kernel, initrd, cmdline, memfd);
        }
        catch (Exception e) when (e is KexecException or IOException)
        {
            kernel.Dispose();
            if (initrd != memfd?.Handle) initrd?.Dispose();
            memfd?.Dispose();
            if (e is IOException) throw new KexecException($"cannot create the handover memfd: {e.Message}", e);
            throw;
        }
    }

    /// <summary>
    /// Appends <paramref name="archive"/> (a newc cpio) after the measured initrd, 4-byte aligned as the
    /// kernel's initramfs unpacker wants a cpio header, and seals the memfd. The kernel unpacks both archives
    /// in order, so the appended files land on top of the target's initramfs. With no target initrd the
    /// archive alone is the initramfs.
    /// </summary>
    public void AppendAndSeal(ReadOnlySpan<byte> archive)
    {
        if (_handover is null) throw new InvalidOperationException("the image was not opened for a handover");
        long start = _handover.Length;
        int padding = (int)((4 - start % 4) % 4);
        try
        {
            _handover.Append(new byte[padding]);
            _handover.Append(archive);
            _handover.Seal();
        }
        catch (IOException e)
        {
            throw new KexecException($"cannot build the handover initrd: {e.Message}", e);
        }
        AppendedBytes = _handover.Length - start;
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
            // Non-blocking open and a file type check: a FIFO would block in open(2), /dev/zero never ends.
            return Fobnail.Linux.RegularFile.OpenRead(path);
        }
        catch (IOException e)
        {
            throw new KexecException($"cannot open the {what} {path}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        Kernel.Dispose();
        Initrd?.Dispose();
        _handover?.Dispose();
    }
}
