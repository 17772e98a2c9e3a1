using System.Buffers.Binary;

namespace Fobnail.Tpm.Tests;

/// <summary>Deterministic (seeded) mutations of recorded bytes: bit flips, truncation, extension, size-field edits.</summary>
public static class Mutator
{
    private static readonly uint[] Interesting = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    public static byte[] Mutate(byte[] original, Random random)
    {
        var data = new List<byte>(original);
        int rounds = 1 + random.Next(3);
        for (int round = 0; round < rounds; round++)
        {
            switch (random.Next(8))
            {
                case 0:
                    if (data.Count > 0)
                    {
                        int i = random.Next(data.Count);
                        data[i] ^= (byte)(1 << random.Next(8));
                    }
                    break;
                case 1:
                    if (data.Count > 0)
                    {
                        int cut = random.Next(data.Count);
                        data.RemoveRange(cut, data.Count - cut);
                    }
                    break;
                case 2:
                    data.AddRange(RandomBytes(random, 1 + random.Next(300)));
                    break;
                case 3:
                    if (data.Count > 0)
                        data[random.Next(data.Count)] = (byte)random.Next(256);
                    break;
                case 4:
                    WriteWord(data, random, 2);
                    break;
                case 5:
                    WriteWord(data, random, 4);
                    break;
                case 6:
                    data.InsertRange(random.Next(data.Count + 1), RandomBytes(random, 1 + random.Next(16)));
                    break;
                default:
                    if (data.Count > 1)
                    {
                        int start = random.Next(data.Count);
                        data.RemoveRange(start, random.Next(1, Math.Min(32, data.Count - start) + 1));
                    }
                    break;
            }
        }
        byte[] result = data.ToArray();
        // Half the time keep the TPM response header's responseSize consistent, so parsing goes deeper.
        if (result.Length >= 6 && random.Next(2) == 0)
            BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(2), (uint)result.Length);
        return result;
    }

    private static void WriteWord(List<byte> data, Random random, int width)
    {
        if (data.Count < width)
            return;
        int position = random.Next(data.Count - width + 1);
        uint value = random.Next(3) switch
        {
            0 => Interesting[random.Next(Interesting.Length)],
            1 => (uint)(data.Count - position + random.Next(-2, 3)),
            _ => (uint)random.NextInt64(0, 1L << 32),
        };
        for (int i = width - 1; i >= 0; i--, value >>= 8)
            data[position + i] = (byte)value;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        byte[] bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
