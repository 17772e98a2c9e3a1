namespace Fobnail.Boot.Block;

/// <summary>What <see cref="PartitionTableReader"/> found on a disk.</summary>
public sealed record PartitionTable(PartitionTableKind Kind, Guid? DiskGuid, IReadOnlyList<GptPartition> Partitions, string? Note = null);

public enum PartitionTableKind
{
    /// <summary>No MBR signature: a whole-disk filesystem or an empty disk.</summary>
    None,
    /// <summary>A classic MBR (the kernel's partitions in sysfs are all we need; there are no type GUIDs).</summary>
    Mbr,
    /// <summary>A protective MBR (type 0xEE) and a valid GPT.</summary>
    Gpt,
}
