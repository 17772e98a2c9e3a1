using System.Net;

namespace Fobnail.Token.Emulator.Clients;

/// <summary>
/// Per-endpoint client state with the firmware's liveness rule (spec §3.6): every request or ping refreshes
/// the client; a 1 s tick purges clients idle for more than 3 s, with all their objects and FTS access.
/// </summary>
public sealed class ClientTable(ITokenClock clock)
{
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan PurgeInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<IPEndPoint, (TimeSpan LastSeen, ClientState State)> _clients = [];

    public int Count => _clients.Count;

    public bool Contains(IPEndPoint endpoint) => _clients.ContainsKey(endpoint);

    /// <summary>Refreshes (or creates) the client for <paramref name="endpoint"/>; returns whether it is new.</summary>
    public ClientState Touch(IPEndPoint endpoint, out bool created)
    {
        created = !_clients.TryGetValue(endpoint, out var entry);
        ClientState state = created ? new ClientState() : entry.State;
        _clients[endpoint] = (clock.Now, state);
        return state;
    }

    /// <summary>Removes clients idle for more than <see cref="ClientTimeout"/>; returns them.</summary>
    public List<(IPEndPoint Endpoint, ClientState State)> PurgeIdle()
    {
        TimeSpan now = clock.Now;
        var removed = new List<(IPEndPoint, ClientState)>();
        foreach (var (ep, entry) in _clients)
            if (now - entry.LastSeen > ClientTimeout) removed.Add((ep, entry.State));
        foreach (var (ep, _) in removed) _clients.Remove(ep);
        return removed;
    }

    /// <summary>Forgets every client (what a firmware reset does to RAM).</summary>
    public void Clear() => _clients.Clear();

    public IEnumerable<ClientState> States => _clients.Values.Select(v => v.State);
}
