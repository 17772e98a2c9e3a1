namespace Fobnail.Tpm;

/// <summary>TPMS_PCR_SELECTION (Part 2 §10.6.2): a hash bank and a bitmap of PCRs, bit i of byte i/8 = PCR i.</summary>
public sealed record TpmsPcrSelection(TpmAlgId Hash, byte[] PcrSelect)
{
    /// <summary>sizeofSelect bound: PCR_SELECT_MAX for 24..32 PCRs; the token also allows at most 4 (§7.6).</summary>
    public const int MaxSizeofSelect = 4;

    /// <summary>Selection of <paramref name="pcrs"/> in <paramref name="hash"/> with sizeofSelect 3 (24 PCRs, as the reference uses).</summary>
    public static TpmsPcrSelection Of(TpmAlgId hash, IEnumerable<int> pcrs, int sizeofSelect = 3)
    {
        byte[] select = new byte[sizeofSelect];
        foreach (int pcr in pcrs)
        {
            if (pcr < 0 || pcr >= sizeofSelect * 8)
                throw new ArgumentOutOfRangeException(nameof(pcrs), $"PCR {pcr} does not fit sizeofSelect {sizeofSelect}");
            select[pcr / 8] |= (byte)(1 << (pcr % 8));
        }
        return new TpmsPcrSelection(hash, select);
    }

    /// <summary>From the Fobnail little-endian bitmap (bit i = PCR i), sizeofSelect 3 (§7.6, §8.1).</summary>
    public static TpmsPcrSelection FromBitmap(TpmAlgId hash, uint bitmap, int sizeofSelect = 3)
    {
        byte[] select = new byte[sizeofSelect];
        for (int i = 0; i < sizeofSelect; i++)
            select[i] = (byte)(bitmap >> (8 * i));
        return new TpmsPcrSelection(hash, select);
    }

    /// <summary>The PCR bitmap as the Fobnail RIM/quote policy writes it: select bytes read little-endian.</summary>
    public uint Bitmap
    {
        get
        {
            uint bitmap = 0;
            for (int i = 0; i < PcrSelect.Length && i < 4; i++)
                bitmap |= (uint)PcrSelect[i] << (8 * i);
            return bitmap;
        }
    }

    public bool IsEmpty => PcrSelect.All(b => b == 0);

    public bool Contains(int pcr) => pcr >= 0 && pcr / 8 < PcrSelect.Length && (PcrSelect[pcr / 8] & (1 << (pcr % 8))) != 0;

    /// <summary>Selected PCR indices, ascending.</summary>
    public IEnumerable<int> Pcrs()
    {
        for (int pcr = 0; pcr < PcrSelect.Length * 8; pcr++)
            if (Contains(pcr))
                yield return pcr;
    }

    public void Marshal(TpmWriter w)
    {
        w.WriteU16((ushort)Hash);
        w.WriteU8((byte)PcrSelect.Length);
        w.WriteBytes(PcrSelect);
    }

    public static TpmsPcrSelection Unmarshal(TpmReader r)
    {
        var hash = (TpmAlgId)r.ReadU16();
        byte sizeofSelect = r.ReadU8();
        if (sizeofSelect > MaxSizeofSelect)
            throw r.Fail($"TPMS_PCR_SELECTION sizeofSelect {sizeofSelect} exceeds {MaxSizeofSelect}");
        return new TpmsPcrSelection(hash, r.ReadBytes(sizeofSelect, "pcrSelect"));
    }

    public override string ToString() => $"{TpmHash.AlgorithmName(Hash)}:{string.Join(',', Pcrs())}";
}
