namespace Fobnail.Tpm;

/// <summary>
/// The parameter area shared by TPM2_Create and TPM2_CreatePrimary (Part 3 §12.1, §24.1): a
/// TPM2B_SENSITIVE_CREATE with empty userAuth and data (the Fobnail EK and AIK have empty authValues and the TPM
/// generates the key, sensitiveDataOrigin), TPM2B_PUBLIC inPublic, empty outsideInfo, no creation PCRs.
/// </summary>
internal static class TpmCreateParameters
{
    public static byte[] Marshal(TpmtPublic inPublic)
    {
        var w = new TpmWriter(512);
        int sensitive = w.BeginSize();
        w.WriteTpm2b([]); // userAuth
        w.WriteTpm2b([]); // data
        w.EndSize(sensitive);
        int publicSize = w.BeginSize();
        inPublic.Marshal(w);
        w.EndSize(publicSize);
        w.WriteTpm2b([]); // outsideInfo
        TpmlPcrSelection.Empty.Marshal(w); // creationPCR
        return w.ToArray();
    }
}
