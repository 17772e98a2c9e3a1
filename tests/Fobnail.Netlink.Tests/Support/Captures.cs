namespace Fobnail.Netlink.Tests.Support;

/// <summary>Real datagrams captured on a Linux host (Captures/*.hex, one hex datagram per line).</summary>
internal static class Captures
{
    public static IReadOnlyList<byte[]> Load(string name) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Captures", name))
            .Where(l => l.Length > 0)
            .Select(Convert.FromHexString)
            .ToList();

    public static IEnumerable<string> AllFiles() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Captures"), "*.hex").Select(Path.GetFileName)!;
}
