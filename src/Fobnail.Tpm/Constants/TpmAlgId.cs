namespace Fobnail.Tpm;

/// <summary>TPM_ALG_ID (TPM 2.0 Part 2 §6.3, TCG Algorithm Registry).</summary>
public enum TpmAlgId : ushort
{
    Error = 0x0000,
    Rsa = 0x0001,
    Sha1 = 0x0004,
    Hmac = 0x0005,
    Aes = 0x0006,
    Mgf1 = 0x0007,
    KeyedHash = 0x0008,
    Xor = 0x000A,
    Sha256 = 0x000B,
    Sha384 = 0x000C,
    Sha512 = 0x000D,
    Null = 0x0010,
    Sm3_256 = 0x0012,
    RsaSsa = 0x0014,
    RsaEs = 0x0015,
    RsaPss = 0x0016,
    Oaep = 0x0017,
    EcDsa = 0x0018,
    Ecc = 0x0023,
    SymCipher = 0x0025,
    Sha3_256 = 0x0027,
    Sha3_384 = 0x0028,
    Sha3_512 = 0x0029,
    Ctr = 0x0040,
    Ofb = 0x0041,
    Cbc = 0x0042,
    Cfb = 0x0043,
    Ecb = 0x0044,
}
