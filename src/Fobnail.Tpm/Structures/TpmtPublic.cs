namespace Fobnail.Tpm;

/// <summary>
/// TPMT_PUBLIC (Part 2 §12.2.4) for RSA objects, the only type the Fobnail protocol uses (EK and AIK, §7).
/// Other types are rejected with a parse error rather than half-parsed.
/// </summary>
public sealed record TpmtPublic(TpmAlgId Type, TpmAlgId NameAlg, TpmaObject ObjectAttributes, byte[] AuthPolicy, TpmsRsaParms Parameters, byte[] Unique)
{
    /// <summary>MAX_RSA_KEY_BYTES for 4096-bit keys; the token accepts up to 8192 (1024 bytes).</summary>
    public const int MaxRsaKeyBytes = 1024;

    /// <summary>The RSA modulus (TPM2B_PUBLIC_KEY_RSA contents), big-endian.</summary>
    public byte[] Modulus => Unique;

    /// <summary>Exponent with the TPM's 0 = 65537 convention resolved.</summary>
    public uint EffectiveExponent => Parameters.Exponent == 0 ? 65537u : Parameters.Exponent;

    public void Marshal(TpmWriter w)
    {
        w.WriteU16((ushort)Type);
        w.WriteU16((ushort)NameAlg);
        w.WriteU32((uint)ObjectAttributes);
        w.WriteTpm2b(AuthPolicy);
        Parameters.Marshal(w);
        w.WriteTpm2b(Unique);
    }

    public byte[] ToBytes()
    {
        var w = new TpmWriter(512);
        Marshal(w);
        return w.ToArray();
    }

    public static TpmtPublic Unmarshal(TpmReader r)
    {
        var type = (TpmAlgId)r.ReadU16();
        if (type != TpmAlgId.Rsa)
            throw r.Fail($"TPMT_PUBLIC type 0x{(ushort)type:X4} is not TPM_ALG_RSA (only RSA keys are supported)");
        var nameAlg = (TpmAlgId)r.ReadU16();
        var attributes = (TpmaObject)r.ReadU32();
        byte[] authPolicy = r.ReadTpm2b(64, "authPolicy");
        TpmsRsaParms parameters = TpmsRsaParms.Unmarshal(r);
        byte[] unique = r.ReadTpm2b(MaxRsaKeyBytes, "unique.rsa");
        return new TpmtPublic(type, nameAlg, attributes, authPolicy, parameters, unique);
    }

    /// <summary>
    /// True when everything but the unique field equals <paramref name="template"/> (what "the public area is
    /// what we expect" means for a persisted object created from that template).
    /// </summary>
    public bool MatchesTemplate(TpmtPublic template) =>
        Type == template.Type && NameAlg == template.NameAlg && ObjectAttributes == template.ObjectAttributes
        && AuthPolicy.AsSpan().SequenceEqual(template.AuthPolicy) && Parameters == template.Parameters;
}
