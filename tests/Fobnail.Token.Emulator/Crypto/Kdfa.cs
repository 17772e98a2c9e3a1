using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Fobnail.Token.Emulator.Crypto;

/// <summary>
/// KDFa from TPM 2.0 Part 1 §11.4.10.2 (SP 800-108 counter mode with HMAC), SHA-256 only: the token supports
/// no other name/KDF hash (spec §7.3).
/// </summary>
public static class Kdfa
{
    /// <summary>
    /// HMAC-SHA256(key, [i]₃₂ ‖ Label ‖ 00 ‖ ContextU ‖ ContextV ‖ [bits]₃₂) for i = 1.., truncated to
    /// <paramref name="bits"/>. The label's terminating zero is added here, as Part 1 requires.
    /// </summary>
    public static byte[] Sha256(ReadOnlySpan<byte> key, string label, ReadOnlySpan<byte> contextU,
        ReadOnlySpan<byte> contextV, int bits)
    {
        if (bits <= 0 || bits % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(bits), "KDFa output must be a positive number of whole bytes");
        byte[] labelBytes = Encoding.ASCII.GetBytes(label);
        int bytes = bits / 8;
        var output = new byte[bytes];
        var block = new byte[4 + labelBytes.Length + 1 + contextU.Length + contextV.Length + 4];
        labelBytes.CopyTo(block, 4);
        // block[4 + label.Length] stays 0: the label terminator.
        contextU.CopyTo(block.AsSpan(4 + labelBytes.Length + 1));
        contextV.CopyTo(block.AsSpan(4 + labelBytes.Length + 1 + contextU.Length));
        BinaryPrimitives.WriteUInt32BigEndian(block.AsSpan(block.Length - 4), (uint)bits);
        int done = 0;
        for (uint counter = 1; done < bytes; counter++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(block, counter);
            byte[] k = HMACSHA256.HashData(key, block);
            int n = Math.Min(k.Length, bytes - done);
            k.AsSpan(0, n).CopyTo(output.AsSpan(done));
            done += n;
        }
        return output;
    }
}
