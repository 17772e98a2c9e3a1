namespace Fobnail.Tpm;

/// <summary>
/// The creationData, creationHash and creationTicket that TPM2_Create and TPM2_CreatePrimary return
/// (Part 3 §12.1, §24.1). We do not use them, but their sizes are still checked so a malformed response
/// cannot shift the fields after them.
/// </summary>
internal static class TpmCreationOutputs
{
    public static void Skip(TpmReader r)
    {
        r.ReadSized(1024, "TPM2B_CREATION_DATA");
        r.ReadTpm2b(64, "creationHash");
        ushort tag = r.ReadU16();
        if (tag != (ushort)TpmSt.Creation)
            throw r.Fail($"creationTicket tag 0x{tag:X4} is not TPM_ST_CREATION");
        r.ReadU32(); // hierarchy
        r.ReadTpm2b(64, "creationTicket digest");
    }

    /// <summary>Reads a TPM2B_NAME and checks it against the name computed from <paramref name="publicArea"/>.</summary>
    public static byte[] ReadName(TpmReader r, Tpm2bPublic publicArea)
    {
        byte[] name = r.ReadTpm2b(66, "TPM2B_NAME");
        if (TpmHash.IsSupported(publicArea.PublicArea.NameAlg) && !name.AsSpan().SequenceEqual(publicArea.Name))
            throw r.Fail("the returned name does not match the returned public area");
        return name;
    }
}
