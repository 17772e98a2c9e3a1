namespace Fobnail.Netlink.Tests.Support;

/// <summary>Deterministic mutations of valid inputs for the parser robustness tests.</summary>
internal static class Mutator
{
    public static byte[] Mutate(Random rng, byte[] seed)
    {
        var b = new List<byte>(seed);
        int edits = 1 + rng.Next(4);
        for (int i = 0; i < edits; i++)
        {
            switch (rng.Next(8))
            {
                case 0 when b.Count > 0: b[rng.Next(b.Count)] ^= (byte)(1 << rng.Next(8)); break;
                case 1 when b.Count > 0: b[rng.Next(b.Count)] = (byte)rng.Next(256); break;
                case 2 when b.Count > 0: b.RemoveRange(rng.Next(b.Count), 1); break;
                case 3 when b.Count > 0:
                    int cut = rng.Next(b.Count);
                    b.RemoveRange(cut, b.Count - cut); // truncation
                    break;
                case 4: b.Insert(rng.Next(b.Count + 1), (byte)rng.Next(256)); break;
                case 5 when b.Count >= 2:
                    // Length fields are little-endian u16/u32 at 4-byte aligned offsets: hit them specifically.
                    int at = rng.Next(b.Count / 4) * 4;
                    ushort v = (ushort)(rng.Next(3) switch { 0 => 0, 1 => 0xffff, _ => rng.Next(64) });
                    b[at] = (byte)v;
                    if (at + 1 < b.Count) b[at + 1] = (byte)(v >> 8);
                    break;
                case 6 when b.Count > 0:
                    int start = rng.Next(b.Count);
                    b.RemoveRange(start, 1 + rng.Next(Math.Min(16, b.Count - start))); // a hole
                    break;
                case 7: b.AddRange(Enumerable.Range(0, rng.Next(16)).Select(_ => (byte)rng.Next(256))); break;
            }
        }
        return b.ToArray();
    }

    public static byte[] RandomBytes(Random rng, int maxLength)
    {
        var b = new byte[rng.Next(maxLength + 1)];
        rng.NextBytes(b);
        return b;
    }
}
