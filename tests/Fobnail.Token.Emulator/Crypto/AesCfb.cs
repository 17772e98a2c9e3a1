using System.Security.Cryptography;

namespace Fobnail.Token.Emulator.Crypto;

/// <summary>
/// AES in full-block CFB mode (CFB-128) as TPM 2.0 Part 1 §11.4.6 uses for credential blobs. The TPM allows a
/// final partial block (the 34-byte TPM2B_DIGEST of a credential), which .NET's EncryptCfb does not, so the
/// keystream is produced here from ECB encryptions of the previous ciphertext block.
/// </summary>
public static class AesCfb
{
    public static byte[] Encrypt(byte[] key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext) =>
        Transform(key, iv, plaintext, encrypt: true);

    public static byte[] Decrypt(byte[] key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext) =>
        Transform(key, iv, ciphertext, encrypt: false);

    private static byte[] Transform(byte[] key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, bool encrypt)
    {
        if (iv.Length != 16) throw new ArgumentException("CFB-128 needs a 16-byte IV", nameof(iv));
        using var aes = Aes.Create();
        aes.Key = key;
        var output = new byte[input.Length];
        byte[] feedback = iv.ToArray();
        var keystream = new byte[16];
        for (int offset = 0; offset < input.Length; offset += 16)
        {
            aes.EncryptEcb(feedback, keystream, PaddingMode.None);
            int n = Math.Min(16, input.Length - offset);
            for (int i = 0; i < n; i++)
                output[offset + i] = (byte)(input[offset + i] ^ keystream[i]);
            // The next block's feedback is always the ciphertext block.
            ReadOnlySpan<byte> cipherBlock = encrypt ? output.AsSpan(offset, n) : input.Slice(offset, n);
            if (n == 16) cipherBlock.CopyTo(feedback);
        }
        return output;
    }
}
