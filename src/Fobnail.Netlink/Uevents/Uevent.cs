namespace Fobnail.Netlink.Uevents;

/// <summary>
/// One kernel uevent (lib/kobject_uevent.c): "ACTION@DEVPATH\0KEY=VALUE\0...". The well-known keys are
/// lifted into properties; <see cref="Properties"/> holds all of them in kernel order.
/// </summary>
public sealed record Uevent(
    string Action,
    string DevPath,
    string? Subsystem,
    string? DevType,
    string? Modalias,
    string? Interface,
    int? IfIndex,
    string? Product,
    string? Driver,
    ulong? SeqNum,
    IReadOnlyList<KeyValuePair<string, string>> Properties)
{
    /// <summary>Monotonic receive time (Stopwatch ticks), set by the listener; 0 for parsed-only events.</summary>
    public long ReceivedTimestamp { get; init; }

    public string? this[string key]
    {
        get
        {
            foreach (var kv in Properties)
                if (kv.Key == key) return kv.Value;
            return null;
        }
    }

    /// <summary>The kernel wire format of this event ("ACTION@DEVPATH\0KEY=VALUE\0..."), byte-identical to what was parsed.</summary>
    public byte[] ToDatagram()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(Action).Append('@').Append(DevPath).Append('\0');
        foreach (var kv in Properties) sb.Append(kv.Key).Append('=').Append(kv.Value).Append('\0');
        return System.Text.Encoding.UTF8.GetBytes(sb.ToString());
    }

    public override string ToString()
    {
        var parts = new List<string> { $"{Action}@{DevPath}" };
        if (Subsystem is not null) parts.Add($"SUBSYSTEM={Subsystem}");
        if (Interface is not null) parts.Add($"INTERFACE={Interface}");
        if (IfIndex is not null) parts.Add($"IFINDEX={IfIndex}");
        if (Modalias is not null) parts.Add($"MODALIAS={Modalias}");
        if (Product is not null) parts.Add($"PRODUCT={Product}");
        if (Driver is not null) parts.Add($"DRIVER={Driver}");
        if (SeqNum is not null) parts.Add($"SEQNUM={SeqNum}");
        return string.Join(' ', parts);
    }
}
