using System.Security.Cryptography;
using Org.BouncyCastle.Math;

namespace Fobnail.Token.Emulator.Tpm;

/// <summary>
/// An AIK's TPM2B_PUBLIC, accepted only with the exact template of spec §7.3 (the token refuses anything else),
/// and its TPM Name = nameAlg ‖ H(TPMT_PUBLIC) (Part 1 §16).
/// </summary>
public sealed class AikPublic
{
    /// <summary>
    /// The firmware hashes TPMT_PUBLIC for the Name through a 1024-byte Trussed message; a larger one (an RSA-8192
    /// AIK: 20 + 2 + 1024 bytes) would panic it. The emulator refuses it instead (→ 4.03).
    /// </summary>
    public const int MaxTpmtPublicSize = 1024;

    /// <summary>Hard input limit, above any TPM2B_PUBLIC (an RSA-8192 one is 1048 bytes).</summary>
    public const int MaxInputSize = 4096;

    private static readonly int[] AllowedKeyBits = [1024, 2048, 4096, 8192];

    public required byte[] Modulus { get; init; }
    public required uint Exponent { get; init; }
    public required byte[] Name { get; init; }

    public BigInteger ModulusInteger => new(1, Modulus);

    public static AikPublic Parse(ReadOnlySpan<byte> tpm2bPublic)
    {
        if (tpm2bPublic.Length > MaxInputSize)
            throw new TpmParseException($"TPM2B_PUBLIC of {tpm2bPublic.Length} bytes exceeds {MaxInputSize}");
        var r = new TpmReader(tpm2bPublic);
        ushort declared = r.U16("TPM2B_PUBLIC.size");
        if (declared > MaxTpmtPublicSize)
            throw new TpmParseException($"TPMT_PUBLIC of {declared} bytes exceeds {MaxTpmtPublicSize} (the firmware would panic hashing it)");
        ReadOnlySpan<byte> tpmtPublic = r.Take(declared, "TPM2B_PUBLIC");
        r.ExpectEnd("TPM2B_PUBLIC");  // size must equal len − 2

        var t = new TpmReader(tpmtPublic);
        ushort type = t.U16("TPMT_PUBLIC.type");
        if (type != TpmConstants.TPM_ALG_RSA) throw new TpmParseException($"AIK type 0x{type:X4} is not TPM_ALG_RSA");
        ushort nameAlg = t.U16("TPMT_PUBLIC.nameAlg");
        if (nameAlg != TpmConstants.TPM_ALG_SHA256)
            throw new TpmParseException($"AIK nameAlg 0x{nameAlg:X4} is not TPM_ALG_SHA256");
        uint attributes = t.U32("TPMT_PUBLIC.objectAttributes");
        if (attributes != TpmConstants.AikObjectAttributes)
            throw new TpmParseException($"AIK objectAttributes 0x{attributes:X8} != 0x{TpmConstants.AikObjectAttributes:X8}");
        if (t.Tpm2b("TPMT_PUBLIC.authPolicy", 64).Length != 0)
            throw new TpmParseException("AIK authPolicy is not empty");
        ushort symmetric = t.U16("TPMS_RSA_PARMS.symmetric.algorithm");
        if (symmetric != TpmConstants.TPM_ALG_NULL) throw new TpmParseException("AIK symmetric is not TPM_ALG_NULL");
        ushort scheme = t.U16("TPMS_RSA_PARMS.scheme.scheme");
        if (scheme != TpmConstants.TPM_ALG_NULL) throw new TpmParseException("AIK scheme is not TPM_ALG_NULL");
        ushort keyBits = t.U16("TPMS_RSA_PARMS.keyBits");
        if (Array.IndexOf(AllowedKeyBits, (int)keyBits) < 0)
            throw new TpmParseException($"AIK keyBits {keyBits} is not one of 1024/2048/4096/8192");
        uint exponent = t.U32("TPMS_RSA_PARMS.exponent");
        ReadOnlySpan<byte> modulus = t.Tpm2b("TPMT_PUBLIC.unique.rsa", 1024);
        if (modulus.Length != keyBits / 8)
            throw new TpmParseException($"AIK modulus is {modulus.Length} bytes, keyBits says {keyBits / 8}");
        // Like the firmware, bytes after unique are not inspected (they are still part of the Name).

        var name = new byte[2 + 32];
        name[0] = 0x00;
        name[1] = 0x0B;
        SHA256.HashData(tpmtPublic, name.AsSpan(2));
        return new AikPublic
        {
            Modulus = modulus.ToArray(),
            Exponent = exponent == 0 ? 65537u : exponent,  // Part 2 §12.2.3.5: 0 means 2^16 + 1
            Name = name,
        };
    }
}
