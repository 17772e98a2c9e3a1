namespace Fobnail.Tpm;

/// <summary>TPML_PCR_SELECTION (Part 2 §10.9.7): count, then that many TPMS_PCR_SELECTION.</summary>
public sealed record TpmlPcrSelection(IReadOnlyList<TpmsPcrSelection> Selections)
{
    /// <summary>HASH_COUNT bound: no TPM has more banks than this.</summary>
    public const uint MaxCount = 16;

    public static TpmlPcrSelection Empty { get; } = new([]);

    public TpmlPcrSelection(params TpmsPcrSelection[] selections) : this((IReadOnlyList<TpmsPcrSelection>)selections) { }

    /// <summary>Total number of selected PCRs over all banks.</summary>
    public int SelectedCount => Selections.Sum(s => s.Pcrs().Count());

    public void Marshal(TpmWriter w)
    {
        w.WriteU32((uint)Selections.Count);
        foreach (TpmsPcrSelection s in Selections)
            s.Marshal(w);
    }

    public static TpmlPcrSelection Unmarshal(TpmReader r)
    {
        int count = r.ReadCount(MaxCount, 3, "TPML_PCR_SELECTION");
        var list = new TpmsPcrSelection[count];
        for (int i = 0; i < count; i++)
            list[i] = TpmsPcrSelection.Unmarshal(r);
        return new TpmlPcrSelection(list);
    }

    public override string ToString() => string.Join(' ', Selections);
}
