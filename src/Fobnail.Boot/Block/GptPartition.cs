namespace Fobnail.Boot.Block;

/// <summary>One used GPT partition entry (UEFI spec 5.3.3). <see cref="Number"/> is 1-based, as the kernel numbers partitions.</summary>
public sealed record GptPartition(int Number, Guid Type, Guid PartUuid, ulong FirstLba, ulong LastLba, ulong Attributes, string Name)
{
    public bool IsEsp => Type == PartitionTypes.EfiSystem;

    public bool IsXbootldr => Type == PartitionTypes.ExtendedBootLoader;
}
