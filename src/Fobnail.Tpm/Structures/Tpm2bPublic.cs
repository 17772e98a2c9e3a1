namespace Fobnail.Tpm;

/// <summary>
/// TPM2B_PUBLIC (Part 2 §12.2.5): the marshalled bytes (UINT16 size + TPMT_PUBLIC, exactly what the token
/// receives for the AIK, 280 bytes for RSA-2048) together with the parsed <see cref="TpmtPublic"/>.
/// </summary>
public sealed class Tpm2bPublic
{
    public const int MaxSize = 2048;

    private Tpm2bPublic(byte[] bytes, TpmtPublic publicArea)
    {
        Bytes = bytes;
        PublicArea = publicArea;
    }

    /// <summary>The whole TPM2B_PUBLIC including its size prefix.</summary>
    public byte[] Bytes { get; }

    public TpmtPublic PublicArea { get; }

    /// <summary>The marshalled TPMT_PUBLIC (size prefix stripped).</summary>
    public ReadOnlySpan<byte> TpmtBytes => Bytes.AsSpan(2);

    /// <summary>The object's Name (Part 1 §16): nameAlg (UINT16) || H_nameAlg(TPMT_PUBLIC).</summary>
    public byte[] Name
    {
        get
        {
            byte[] digest = TpmHash.Compute(PublicArea.NameAlg, TpmtBytes);
            byte[] name = new byte[2 + digest.Length];
            name[0] = (byte)((ushort)PublicArea.NameAlg >> 8);
            name[1] = (byte)PublicArea.NameAlg;
            digest.CopyTo(name, 2);
            return name;
        }
    }

    public static Tpm2bPublic From(TpmtPublic publicArea)
    {
        var w = new TpmWriter(512);
        int size = w.BeginSize();
        publicArea.Marshal(w);
        w.EndSize(size);
        return new Tpm2bPublic(w.ToArray(), publicArea);
    }

    /// <summary>Parses a TPM2B_PUBLIC; the TPMT_PUBLIC must fill the size exactly.</summary>
    public static Tpm2bPublic Unmarshal(TpmReader r)
    {
        TpmReader inner = r.ReadSized(MaxSize, "TPM2B_PUBLIC");
        if (inner.Remaining == 0)
            throw r.Fail("TPM2B_PUBLIC is empty");
        int size = inner.Remaining;
        byte[] tpmt = inner.ReadBytes(size, "TPMT_PUBLIC");
        var tpmtReader = new TpmReader(tpmt, r.Context);
        TpmtPublic publicArea = TpmtPublic.Unmarshal(tpmtReader);
        tpmtReader.ExpectEnd("TPMT_PUBLIC");
        byte[] bytes = new byte[2 + size];
        bytes[0] = (byte)(size >> 8);
        bytes[1] = (byte)size;
        tpmt.CopyTo(bytes, 2);
        return new Tpm2bPublic(bytes, publicArea);
    }

    /// <summary>Parses a standalone marshalled TPM2B_PUBLIC (e.g. a file), which must contain nothing else.</summary>
    public static Tpm2bPublic Parse(byte[] bytes, string context = "TPM2B_PUBLIC")
    {
        var r = new TpmReader(bytes, context);
        Tpm2bPublic result = Unmarshal(r);
        r.ExpectEnd("TPM2B_PUBLIC");
        return result;
    }
}
