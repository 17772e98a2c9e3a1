using System.Buffers.Binary;
using System.Security.Cryptography;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Crypto;
using Fobnail.Token.Emulator.Owner;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>
/// A platform simulated in software for the core tests: an EK with a 3-level manufacturer chain, an AIK with the
/// §7.3 template, PCR values, and the TPM operations the attester needs (ActivateCredential, Sign, Quote).
/// The independent checks against a real TPM are in the swtpm tests.
/// </summary>
public sealed class SoftwareAttester
{
    private static readonly SecureRandom Rng = new();
    private static readonly Lazy<AsymmetricCipherKeyPair> SharedEkRoot = new(() => NewRsa(65537));
    private static readonly Lazy<AsymmetricCipherKeyPair> SharedEkIssuer = new(() => NewRsa(65537));
    private static readonly Lazy<AsymmetricCipherKeyPair> SharedEk = new(() => NewRsa(65537));
    private static readonly Lazy<AsymmetricCipherKeyPair> SharedAik = new(() => NewRsa(65537));

    public const string EkRootName = "O=Test TPM Maker,CN=EK Root";
    public const string EkIssuerName = "O=Test TPM Maker,CN=EK Issuing CA";

    public SoftwareAttester()
    {
        EkRootKey = SharedEkRoot.Value;
        EkIssuerKey = SharedEkIssuer.Value;
        EkKey = SharedEk.Value;
        AikKey = SharedAik.Value;
        EkRootDer = CertificateFactory.Issue(EkRootName, EkRootKey.Public, EkRootName, EkRootKey.Private, EkRootKey.Public,
            new CertificateFactory.Options { Ca = true, KeyUsage = KeyUsage.KeyCertSign });
        EkIssuerDer = CertificateFactory.Issue(EkIssuerName, EkIssuerKey.Public, EkRootName, EkRootKey.Private,
            EkRootKey.Public, new CertificateFactory.Options { Ca = true, KeyUsage = KeyUsage.KeyCertSign });
        EkCertDer = CertificateFactory.Issue("CN=EK", EkKey.Public, EkIssuerName, EkIssuerKey.Private, EkIssuerKey.Public,
            new CertificateFactory.Options { Ca = false, KeyUsage = KeyUsage.KeyEncipherment });
        for (int i = 0; i < Pcrs.Length; i++) Pcrs[i] = SHA256.HashData(BitConverter.GetBytes(i * 7919));
    }

    public AsymmetricCipherKeyPair EkRootKey { get; }
    public AsymmetricCipherKeyPair EkIssuerKey { get; }
    public AsymmetricCipherKeyPair EkKey { get; }
    public AsymmetricCipherKeyPair AikKey { get; }
    public byte[] EkRootDer { get; }
    public byte[] EkIssuerDer { get; }
    public byte[] EkCertDer { get; }
    /// <summary>SHA-256 bank, PCR 0..23.</summary>
    public byte[][] Pcrs { get; } = new byte[24][];

    public Metadata Metadata { get; set; } = new(1, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56], "QEMU", "Standard PC (Q35 + ICH9, 2009)", "SN-0001");

    public static AsymmetricCipherKeyPair NewRsa(long exponent)
    {
        var gen = new RsaKeyPairGenerator();
        gen.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(exponent), Rng, 2048, 25));
        return gen.GenerateKeyPair();
    }

    public EkCertChain EkChain => new([EkIssuerDer, EkCertDer]);

    /// <summary>TPM2B_PUBLIC exactly as §7.3: 0116 | 0001 000B 00060472 0000 0010 0010 0800 00000000 | 0100 n.</summary>
    public byte[] AikTpm2bPublic
    {
        get
        {
            byte[] n = ((RsaKeyParameters)AikKey.Public).Modulus.ToByteArrayUnsigned();
            byte[] head = Convert.FromHexString("0116000100" + "0B000604720000001000100800000000000100".Replace(" ", ""));
            return [.. head, .. n];
        }
    }

    public byte[] AikName => [0x00, 0x0B, .. SHA256.HashData(AikTpm2bPublic.AsSpan(2))];

    /// <summary>TPM2_ActivateCredential in software: OAEP-decrypt the seed, check the HMAC, CFB-decrypt.</summary>
    public byte[] ActivateCredential(AikChallenge challenge)
    {
        var oaep = new OaepEncoding(new RsaEngine(), new Sha256Digest(), new Sha256Digest(), "IDENTITY\0"u8.ToArray());
        oaep.Init(false, EkKey.Private);
        byte[] enc = challenge.EncSecret[2..];
        byte[] seed = oaep.ProcessBlock(enc, 0, enc.Length);
        byte[] id = challenge.IdObject;
        int hmacLen = BinaryPrimitives.ReadUInt16BigEndian(id.AsSpan(2));
        byte[] hmac = id[4..(4 + hmacLen)];
        byte[] encIdentity = id[(4 + hmacLen)..];
        byte[] hmacKey = Kdfa.Sha256(seed, "INTEGRITY", [], [], 256);
        byte[] macInput = [.. encIdentity, .. AikName];
        if (!HMACSHA256.HashData(hmacKey, macInput).AsSpan().SequenceEqual(hmac))
            throw new CryptographicException("credential integrity check failed");
        byte[] symKey = Kdfa.Sha256(seed, "STORAGE", AikName, [], 128);
        byte[] cv = AesCfb.Decrypt(symKey, new byte[16], encIdentity);
        return cv[2..];
    }

    public byte[] Sign(byte[] data, byte[] nonce)
    {
        var signer = new RsaDigestSigner(new Sha256Digest());
        signer.Init(true, AikKey.Private);
        signer.BlockUpdate(data, 0, data.Length);
        signer.BlockUpdate(nonce, 0, nonce.Length);
        return signer.GenerateSignature();
    }

    public byte[] SignedObject(byte[] data, byte[] nonce) => new SignedObject(data, Sign(data, nonce)).Encode();

    public Rim Rim()
    {
        var all = new List<byte[]>();
        for (int i = 0; i < 24; i++) all.Add(Pcrs[i]);
        return new Rim(7, [new PcrBank(0x000B, 0x00FFFFFF, all)]);
    }

    /// <summary>TPMS_ATTEST of a quote over <paramref name="select"/> with the current PCR values.</summary>
    public byte[] QuoteAttest(byte[] nonce, uint select = 0x000600FF, byte safe = 1, ushort alg = 0x000B,
        int sizeofSelect = 3)
    {
        using var ms = new MemoryStream();
        void U16(int v) { ms.WriteByte((byte)(v >> 8)); ms.WriteByte((byte)v); }
        void U32(uint v) { U16((int)(v >> 16)); U16((int)(v & 0xFFFF)); }
        void Bytes(byte[] b) { ms.Write(b); }
        U32(0xFF544347);
        U16(0x8018);
        U16(AikName.Length); Bytes(AikName);
        U16(nonce.Length); Bytes(nonce);
        U32(0); U32(12345);           // clock
        U32(1); U32(0); ms.WriteByte(safe);
        U32(0x20191023); U32(0x00163636);  // firmwareVersion
        U32(1);
        U16(alg);
        ms.WriteByte((byte)sizeofSelect);
        for (int b = 0; b < sizeofSelect; b++) ms.WriteByte((byte)(select >> (8 * b)));
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < 24; i++) if ((select & (1u << i)) != 0) h.AppendData(Pcrs[i]);
        byte[] digest = h.GetHashAndReset();
        U16(digest.Length); Bytes(digest);
        return ms.ToArray();
    }
}
