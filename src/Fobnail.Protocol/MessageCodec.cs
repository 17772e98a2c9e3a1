using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>Shared decode/encode plumbing: input size cap, exception translation, strict map field reading.</summary>
internal static class MessageCodec
{
    /// <summary>Messages are at most a few levels deep (Rim: map → array → map → array).</summary>
    private const int MaxDepth = 8;

    public static T Decode<T>(ReadOnlyMemory<byte> data, CborConformance conformance, string message, Func<CborReader, T> body)
    {
        if (data.Length > ProtocolLimits.MaxMessage)
            throw new ProtocolDecodeException($"{message}: {data.Length} bytes exceeds the {ProtocolLimits.MaxMessage}-byte limit");
        try
        {
            var reader = new CborReader(data, conformance, MaxDepth);
            T value = body(reader);
            if (conformance != CborConformance.CborSmol) reader.ReadEndOfData();
            return value;
        }
        catch (CborException e)
        {
            throw new ProtocolDecodeException($"{message}: {e.Message}", e);
        }
    }

    /// <param name="sizeHint">Expected encoded size, so that the writer's buffer is not regrown.</param>
    public static byte[] Encode(Action<CborWriter> body, int sizeHint = 256)
    {
        var writer = new CborWriter(sizeHint);
        body(writer);
        return writer.Encode();
    }

    /// <summary>
    /// Reads a definite- or indefinite-length array of at most <paramref name="maxCount"/> elements.
    /// </summary>
    public static T[] ReadArray<T>(CborReader r, string message, string key, int maxCount, Func<CborReader, T> element)
    {
        int? count = r.ReadStartArray();
        if (count > maxCount) throw new ProtocolDecodeException($"{message}: \"{key}\" has {count} entries, more than {maxCount}");
        var list = new List<T>(count ?? 4);
        while (r.PeekState() != CborReaderState.EndArray)
        {
            if (list.Count == maxCount) throw new ProtocolDecodeException($"{message}: \"{key}\" has more than {maxCount} entries");
            list.Add(element(r));
        }
        r.ReadEndArray();
        return list.ToArray();
    }

    public static byte[][] ReadByteStringArray(CborReader r, string message, string key, int maxCount) =>
        ReadArray(r, message, key, maxCount, static x => x.ReadByteString());

    public static void WriteByteStringArray(CborWriter w, IReadOnlyList<byte[]> items)
    {
        w.WriteStartArray(items.Count);
        foreach (var item in items) w.WriteByteString(item);
        w.WriteEndArray();
    }
}
