namespace Fobnail.Testing;

/// <summary>
/// Deterministic (seeded) mutations of recorded inputs for the parser robustness tests: one to four edits of
/// bit flips, byte overwrites, insertions, deletions, holes, truncation, extension, and length-field edits in
/// both byte orders (TPM structures are big-endian, netlink little-endian at 4-byte aligned offsets) with the
/// values that break length arithmetic (0, 0xFF.., the remaining length ± 2).
/// </summary>
public static class Mutator
{
    private static readonly uint[] Interesting = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    public static byte[] Mutate(Random random, byte[] seed)
    {
        var data = new List<byte>(seed);
        int edits = 1 + random.Next(4);
        for (int edit = 0; edit < edits; edit++)
        {
            switch (random.Next(10))
            {
                case 0 when data.Count > 0:
                    data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[random.Next(data.Count)] = (byte)random.Next(256);
                    break;
                case 2 when data.Count > 0:
                    int cut = random.Next(data.Count);
                    data.RemoveRange(cut, data.Count - cut); // truncation
                    break;
                case 3:
                    data.AddRange(RandomBytes(random, 1, 300)); // trailing bytes
                    break;
                case 4:
                    data.InsertRange(random.Next(data.Count + 1), RandomBytes(random, 1, 16));
                    break;
                case 5 when data.Count > 1:
                    int start = random.Next(data.Count);
                    data.RemoveRange(start, random.Next(1, Math.Min(32, data.Count - start) + 1)); // a hole
                    break;
                case 6:
                    WriteBigEndian(data, random, 2);
                    break;
                case 7:
                    WriteBigEndian(data, random, 4);
                    break;
                case 8 when data.Count >= 2:
                    // Little-endian u16 at a 4-byte aligned offset: netlink's nlmsg_len/nla_len/rta_len.
                    int at = random.Next(data.Count / 4) * 4;
                    ushort v = (ushort)(random.Next(3) switch { 0 => 0, 1 => 0xffff, _ => random.Next(64) });
                    data[at] = (byte)v;
                    if (at + 1 < data.Count) data[at + 1] = (byte)(v >> 8);
                    break;
                default:
                    if (data.Count > 0) data.RemoveAt(random.Next(data.Count));
                    break;
            }
        }
        return data.ToArray();
    }

    /// <summary>Random bytes of a random length from 0 to <paramref name="maxLength"/>.</summary>
    public static byte[] RandomBytes(Random random, int maxLength) => RandomBytes(random, 0, maxLength);

    private static byte[] RandomBytes(Random random, int minLength, int maxLength)
    {
        byte[] bytes = new byte[random.Next(minLength, maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static void WriteBigEndian(List<byte> data, Random random, int width)
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
}
