namespace Fobnail.Coap;

/// <summary>
/// The last N message IDs seen, for recognising retransmitted CON responses (RFC 7252 §4.5 duplicate
/// detection on the receiving side).
/// </summary>
internal sealed class MessageIdHistory
{
    private readonly ushort[] _ids;
    private int _count;
    private int _next;

    public MessageIdHistory(int capacity) => _ids = new ushort[capacity];

    /// <summary>Records the ID; returns false if it was already present (a duplicate).</summary>
    public bool Add(ushort id)
    {
        for (int i = 0; i < _count; i++)
            if (_ids[i] == id) return false;
        _ids[_next] = id;
        _next = (_next + 1) % _ids.Length;
        if (_count < _ids.Length) _count++;
        return true;
    }
}
