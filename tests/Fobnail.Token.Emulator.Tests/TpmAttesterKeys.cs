namespace Fobnail.Token.Emulator.Tests;

/// <summary>
/// The attester-side keys made with tpm2-tools exactly as spec §7.1/§7.3 describe: the default RSA EK, and under
/// it an AIK with objectAttributes 0x00060472 created and loaded through EK policy sessions.
/// </summary>
public sealed class TpmAttesterKeys
{
    public TpmAttesterKeys(SwtpmInstance tpm)
    {
        Tpm = tpm;
        tpm.Exec("tpm2_createek", "-c ek.ctx -G rsa -u ek.pub");
        tpm.Exec("tpm2_nvread", "0x01C00002 -C o -o ek-nv.der");
        EkCertDer = TrimDer(File.ReadAllBytes(tpm.PathOf("ek-nv.der")));
        tpm.FlushTransient();
        string s = tpm.EkPolicySession("create.ctx");
        tpm.Exec("tpm2_create",
            $"-C ek.ctx -P {s} -G rsa2048:null:null -a fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|decrypt|sign -u aik.pub -r aik.priv");
        tpm.Exec("tpm2_flushcontext", "create.ctx");
        tpm.FlushTransient();
        s = tpm.EkPolicySession("load.ctx");
        tpm.Exec("tpm2_load", $"-C ek.ctx -P {s} -u aik.pub -r aik.priv -c aik.ctx -n aik.name");
        tpm.Exec("tpm2_flushcontext", "load.ctx");
        tpm.FlushTransient();
        AikTpm2bPublic = File.ReadAllBytes(tpm.PathOf("aik.pub"));
        AikNameFromTpm = File.ReadAllBytes(tpm.PathOf("aik.name"));
    }

    public SwtpmInstance Tpm { get; }
    public byte[] EkCertDer { get; }
    public byte[] AikTpm2bPublic { get; }
    public byte[] AikNameFromTpm { get; }

    /// <summary>NV areas may be padded: keep exactly the outer DER SEQUENCE.</summary>
    private static byte[] TrimDer(byte[] nv)
    {
        int len = nv[1] < 0x80 ? nv[1] + 2 : (nv[1] & 0x7F) switch
        {
            1 => nv[2] + 3,
            2 => ((nv[2] << 8) | nv[3]) + 4,
            _ => throw new InvalidDataException("unexpected EK certificate length form"),
        };
        return nv.AsSpan(0, len).ToArray();
    }

    /// <summary>TPM2_ActivateCredential with the AIK and EK (EK via a PolicySecret session); returns certInfo.</summary>
    public byte[] ActivateCredential(byte[] idObject, byte[] encSecret)
    {
        // tpm2-tools' credential blob file: magic 0xBADCC0DE, version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET.
        byte[] blob = [0xBA, 0xDC, 0xC0, 0xDE, 0, 0, 0, 1, .. idObject, .. encSecret];
        File.WriteAllBytes(Tpm.PathOf("cred.blob"), blob);
        Tpm.FlushTransient();
        string s = Tpm.EkPolicySession("activate.ctx");
        Tpm.Exec("tpm2_activatecredential", $"-c aik.ctx -C ek.ctx -i cred.blob -o cred.secret -P {s}");
        Tpm.Exec("tpm2_flushcontext", "activate.ctx");
        Tpm.FlushTransient();
        return File.ReadAllBytes(Tpm.PathOf("cred.secret"));
    }
}
