namespace Fobnail.Netlink.Matching;

/// <summary>
/// Decides whether a USB network interface is the Fobnail Token. Each non-empty list is a requirement and
/// all requirements must hold (a BadUSB device that merely uses the right driver is not the token):
/// VID:PID in <see cref="Ids"/>, driver in <see cref="Drivers"/>, interface class in <see cref="Classes"/>.
/// Default: 1234:4321 with CDC EEM (02/0c/07).
/// </summary>
public sealed class TokenMatcher
{
    public TokenMatcher(IEnumerable<UsbId> ids, IEnumerable<string> drivers, IEnumerable<UsbInterfaceClass> classes)
    {
        Ids = ids.ToArray();
        Drivers = drivers.ToArray();
        Classes = classes.ToArray();
        if (Ids.Count == 0 && Drivers.Count == 0 && Classes.Count == 0)
            throw new ArgumentException("a token matcher needs at least one VID:PID, driver or interface class");
    }

    public IReadOnlyList<UsbId> Ids { get; }
    public IReadOnlyList<string> Drivers { get; }
    public IReadOnlyList<UsbInterfaceClass> Classes { get; }

    public static TokenMatcher Default { get; } = new([new UsbId(0x1234, 0x4321)], [], [UsbInterfaceClass.CdcEem]);

    /// <summary>
    /// Parses a comma-separated list: "vvvv:pppp" (hex VID:PID), "cc/ss/pp" (hex interface class), or a
    /// driver name, e.g. "0525:a4a2,cdc_ether" (QEMU usb-net) or "1234:4321,02/0c/07" (the default).
    /// </summary>
    public static TokenMatcher Parse(string text)
    {
        var ids = new List<UsbId>();
        var drivers = new List<string>();
        var classes = new List<UsbInterfaceClass>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (UsbId.TryParse(raw, out var id)) ids.Add(id);
            else if (UsbInterfaceClass.TryParse(raw, out var c)) classes.Add(c);
            else if (IsDriverName(raw)) drivers.Add(raw);
            else throw new FormatException($"'{raw}' is neither VID:PID (1234:4321), an interface class (02/0c/07) nor a driver name");
        }
        if (ids.Count == 0 && drivers.Count == 0 && classes.Count == 0)
            throw new FormatException($"'{text}' names no VID:PID, interface class or driver");
        return new TokenMatcher(ids, drivers, classes);
    }

    private static bool IsDriverName(string s) =>
        s.Length is > 0 and <= 64 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>True when <paramref name="identity"/> satisfies every requirement; otherwise the reason it does not.</summary>
    public bool Matches(UsbNetIdentity identity, out string reason)
    {
        if (Ids.Count > 0 && !Ids.Contains(identity.Id))
        {
            reason = $"USB id {identity.Id} is not one of {string.Join(", ", Ids)}";
            return false;
        }
        if (Classes.Count > 0 && !Classes.Contains(identity.InterfaceClass))
        {
            reason = $"interface class {identity.InterfaceClass} is not one of {string.Join(", ", Classes)}";
            return false;
        }
        if (Drivers.Count > 0 && (identity.Driver is null || !Drivers.Contains(identity.Driver)))
        {
            reason = $"driver {identity.Driver ?? "(none)"} is not one of {string.Join(", ", Drivers)}";
            return false;
        }
        reason = "";
        return true;
    }

    public override string ToString() => string.Join(",", Ids.Select(i => i.ToString()).Concat(Classes.Select(c => c.ToString())).Concat(Drivers));
}
