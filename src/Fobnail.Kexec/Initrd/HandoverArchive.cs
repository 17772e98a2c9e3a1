using Fobnail.Kexec.Measurement;

namespace Fobnail.Kexec.Initrd;

/// <summary>
/// The cpio appended to the target's initrd: the CEL-JSON event log of this boot at
/// <see cref="CelLog.HandoverPath"/> (/.fobnail/ is a path no initramfs generator uses, and it is on the
/// initramfs root itself, not under /run, which initramfs-tools and systemd both cover with a fresh tmpfs),
/// and any files given (the token-held secrets). Files are owned by 0:0; the log is 0444 in a 0755 directory.
/// A secret's own directory is 0700 (e.g. /etc/cryptsetup-keys.d, /cryptroot/keyfiles), the directories above
/// it 0755; a secret directly under a top-level directory (/etc/disk.key) leaves that directory 0755, because the
/// kernel applies an archive's mode to a directory the target's initrd already has, and /etc must stay readable.
/// </summary>
public static class HandoverArchive
{
    /// <summary>Builds the archive; the caller disposes it (which wipes it).</summary>
    public static NewcArchive Build(IReadOnlyList<CelRecord> records, IReadOnlyList<HandoverFile>? files = null)
    {
        var archive = new NewcArchive();
        try
        {
            var directories = new HashSet<string>();
            archive.AddParents(CelLog.HandoverPath, 0x1ED /* 0755 */, directories);
            archive.AddFile(CelLog.HandoverPath, 0x124 /* 0444 */, CelLog.Serialize(records));
            foreach (HandoverFile f in files ?? [])
            {
                archive.AddParents(f.Path, 0x1ED /* 0755 */, directories, f.DirectoryPermissions);
                archive.AddFile(f.Path, f.Permissions, f.Content.Span);
            }
            archive.Finish();
            return archive;
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }
}

/// <summary>
/// A token-held secret for the booted system's initramfs: its FTS <paramref name="Name"/> (logged and measured),
/// the absolute <paramref name="Path"/> it lands at, and its content (never logged, never measured).
/// </summary>
public sealed record HandoverFile(string Name, string Path, ReadOnlyMemory<byte> Content, uint Permissions = 0x100 /* 0400 */, uint DirectoryPermissions = 0x1C0 /* 0700 */);
