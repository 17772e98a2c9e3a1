namespace Fobnail.Tpm;

/// <summary>A persisted key: its handle, its public area, and whether this run created it.</summary>
public sealed record TpmKey(uint Handle, Tpm2bPublic Public, bool Created)
{
    public byte[] Name => Public.Name;
}
