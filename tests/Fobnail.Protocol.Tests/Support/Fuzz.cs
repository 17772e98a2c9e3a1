namespace Fobnail.Protocol.Tests.Support;

/// <summary>
/// Deterministic random and mutation input generation for decoder robustness tests (fixed seeds, fixed case
/// counts), and a guard that turns a hang into a failure.
/// </summary>
internal static class Fuzz
{
    public static byte[] RandomBytes(Random rng, int maxLength)
    {
        var b = new byte[rng.Next(maxLength + 1)];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>One to four random edits of a valid input: bit flips, byte overwrites, insertions, deletions, truncation.</summary>
    public static byte[] Mutate(Random rng, byte[] seed)
    {
        var list = new List<byte>(seed);
        int edits = rng.Next(1, 5);
        for (int i = 0; i < edits; i++)
        {
            int op = rng.Next(6);
            int pos = list.Count == 0 ? 0 : rng.Next(list.Count);
            switch (op)
            {
                case 0 when list.Count > 0: list[pos] ^= (byte)(1 << rng.Next(8)); break;
                case 1 when list.Count > 0: list[pos] = (byte)rng.Next(256); break;
                case 2: list.Insert(pos, (byte)rng.Next(256)); break;
                case 3 when list.Count > 0: list.RemoveAt(pos); break;
                case 4 when list.Count > 0: list.RemoveRange(pos, list.Count - pos); break;
                // Interesting CBOR/CoAP bytes: break, indefinite headers, 8-byte arguments, payload marker.
                default: list.Insert(pos, new byte[] { 0xFF, 0x1F, 0x5F, 0x9F, 0xBF, 0x1B, 0x3B, 0x7B, 0xFB, 0xDD, 0xEE }[rng.Next(11)]); break;
            }
        }
        return list.ToArray();
    }

    /// <summary>
    /// Runs <paramref name="cases"/> inputs through <paramref name="decode"/>; any exception type other than
    /// <typeparamref name="TAllowed"/> fails the test with the offending input. Returns how many were accepted.
    /// </summary>
    public static int Run<TAllowed>(int cases, Func<int, byte[]> input, Action<byte[]> decode, TimeSpan limit) where TAllowed : Exception
    {
        int accepted = 0;
        var task = Task.Run(() =>
        {
            for (int i = 0; i < cases; i++)
            {
                byte[] data = input(i);
                try
                {
                    decode(data);
                    accepted++;
                }
                catch (TAllowed)
                {
                }
                catch (Exception e)
                {
                    throw new Xunit.Sdk.XunitException($"case {i}: input {Convert.ToHexString(data)} threw {e.GetType().Name}: {e}");
                }
            }
        });
        if (!task.Wait(limit))
            throw new Xunit.Sdk.XunitException($"decoder did not finish {cases} cases within {limit} (hang?)");
        return accepted;
    }
}
