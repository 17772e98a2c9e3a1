using System.Globalization;
using System.Text;

namespace Fobnail.Kexec.Initrd;

/// <summary>
/// Builds a "newc" cpio archive in memory, the format the kernel unpacks into its initramfs
/// (Documentation/driver-api/early-userspace/buffer-format.rst): per entry the magic 070701, thirteen 8-digit
/// hex fields (ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize
/// with the NUL, check 0), the name with its NUL padded to a multiple of 4, the data padded to a multiple of 4,
/// and a closing TRAILER!!! entry. Every entry is owned by 0:0 with one mtime (SOURCE_DATE_EPOCH or 0), so the
/// bytes depend only on the content. The buffer may hold secrets: <see cref="Dispose"/> wipes it.
/// </summary>
public sealed class NewcArchive : IDisposable
{
    public const string Magic = "070701";
    public const string TrailerName = "TRAILER!!!";
    private const int HeaderSize = 110;
    /// <summary>PATH_MAX: the kernel refuses longer names (init/initramfs.c).</summary>
    public const int MaxNameBytes = 4096;

    private byte[] _buffer = new byte[4096];
    private int _length;
    private uint _ino = 1;
    private bool _finished;

    public NewcArchive(uint? mtime = null) => Mtime = mtime ?? SourceDateEpoch();

    public uint Mtime { get; }

    /// <summary>The archive so far (after <see cref="Finish"/>: the whole archive). Valid until the next call.</summary>
    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length);

    /// <summary>A directory entry (mode e.g. 0755); the kernel creates it, or chowns/chmods it if it exists.</summary>
    public void AddDirectory(string name, uint permissions) => AddEntry(name, 0x4000 | permissions, 2, []);

    /// <summary>A regular file entry; the parent directories must come first (the kernel does not create them).</summary>
    public void AddFile(string name, uint permissions, ReadOnlySpan<byte> data) => AddEntry(name, 0x8000 | permissions, 1, data);

    /// <summary>
    /// Adds each missing parent of <paramref name="path"/> as a directory, outermost first, with
    /// <paramref name="permissions"/>; the innermost gets <paramref name="innermost"/> when given, unless it is a
    /// top-level directory (shared with the rest of the system).
    /// </summary>
    public void AddParents(string path, uint permissions, ISet<string> added, uint? innermost = null)
    {
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 1; i < parts.Length; i++)
        {
            string dir = string.Join('/', parts, 0, i);
            uint mode = i == parts.Length - 1 && i > 1 && innermost is { } m ? m : permissions;
            if (added.Add(dir)) AddDirectory(dir, mode);
        }
    }

    /// <summary>Adds the TRAILER!!! entry. The archive ends 4-byte aligned.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        if (!_finished)
        {
            AddEntry(TrailerName, 0, 1, [], trailer: true);
            _finished = true;
        }
        return Bytes;
    }

    private void AddEntry(string name, uint mode, uint nlink, ReadOnlySpan<byte> data, bool trailer = false)
    {
        if (_finished) throw new InvalidOperationException("the archive is finished");
        name = name.TrimStart('/');
        if (name.Length == 0 || name.Contains('\0') || name.Split('/').Any(p => p is "" or "." or ".."))
            throw new KexecException($"'{name}' is not a usable path inside an initramfs");
        int nameSize = Encoding.UTF8.GetByteCount(name) + 1;
        if (nameSize > MaxNameBytes) throw new KexecException($"the path {name} is longer than {MaxNameBytes} bytes");
        int needed = Align4(HeaderSize + nameSize) + Align4(data.Length);
        Reserve(needed);
        Span<byte> out_ = _buffer.AsSpan(_length, needed);
        out_.Clear();
        uint ino = trailer ? 0 : _ino++;
        Span<uint> fields = [ino, mode, 0, 0, nlink, trailer ? 0 : Mtime, (uint)data.Length, 0, 0, 0, 0, (uint)nameSize, 0];
        Encoding.ASCII.GetBytes(Magic, out_);
        for (int i = 0; i < fields.Length; i++)
            fields[i].TryFormat(out_.Slice(6 + 8 * i, 8), out _, "x8", CultureInfo.InvariantCulture);
        Encoding.UTF8.GetBytes(name, out_[HeaderSize..]);
        data.CopyTo(out_[Align4(HeaderSize + nameSize)..]);
        _length += needed;
    }

    public static int Align4(int n) => (n + 3) & ~3;

    private void Reserve(int more)
    {
        if (_length + more <= _buffer.Length) return;
        byte[] bigger = new byte[Math.Max(_buffer.Length * 2, _length + more)];
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        // The old buffer may hold secret bytes already: wipe it before it is dropped.
        _buffer.AsSpan().Clear();
        _buffer = bigger;
    }

    /// <summary>SOURCE_DATE_EPOCH (reproducible builds) when set and valid, else 0.</summary>
    public static uint SourceDateEpoch() =>
        uint.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), NumberStyles.None, CultureInfo.InvariantCulture, out uint t) ? t : 0;

    /// <summary>Overwrites every byte, secrets included.</summary>
    public void Dispose()
    {
        _buffer.AsSpan().Clear();
        _length = 0;
    }
}
