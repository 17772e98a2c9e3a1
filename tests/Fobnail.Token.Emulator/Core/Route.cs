namespace Fobnail.Token.Emulator.Core;

/// <summary>
/// The firmware's resource table (src/main.rs) matched like coap-server-rs does: Uri-Path segments, longest
/// prefix wins, the leftover segments go to the handler.
/// </summary>
internal sealed class Route(RouteKind kind, TokenMethod? method, params string[] prefix)
{
    private static readonly Route[] Table =
    [
        new(RouteKind.Version, TokenMethod.Get, "api", "version"),
        new(RouteKind.TokenProvision, TokenMethod.Post, "api", "v1", "admin", "token_provision"),
        new(RouteKind.ProvisionComplete, TokenMethod.Post, "api", "v1", "admin", "provision_complete"),
        new(RouteKind.Nonce, TokenMethod.Get, "api", "v1", "nonce"),
        new(RouteKind.ProvisionEk, TokenMethod.Post, "api", "v1", "admin", "provision", "ek"),
        new(RouteKind.ProvisionAik, TokenMethod.Post, "api", "v1", "admin", "provision", "aik"),
        new(RouteKind.Provision, TokenMethod.Post, "api", "v1", "admin", "provision"),
        new(RouteKind.Attest, TokenMethod.Post, "api", "v1", "attest"),
        // /api/v1/storage/fs has a catch-all handler: every method reaches it.
        new(RouteKind.Storage, null, "api", "v1", "storage", "fs"),
    ];

    public RouteKind Kind => kind;

    public bool Allows(TokenMethod m) => method == null || method == m;

    public static Route? Match(IReadOnlyList<string> path, out IReadOnlyList<string> rest)
    {
        Route? best = null;
        foreach (Route r in Table)
        {
            if (r.IsPrefixOf(path) && (best == null || r._prefix.Length > best._prefix.Length)) best = r;
        }
        rest = best == null ? [] : path.Skip(best._prefix.Length).ToArray();
        return best;
    }

    private readonly string[] _prefix = prefix;

    private bool IsPrefixOf(IReadOnlyList<string> path)
    {
        if (path.Count < _prefix.Length) return false;
        for (int i = 0; i < _prefix.Length; i++)
            if (!string.Equals(path[i], _prefix[i], StringComparison.Ordinal)) return false;
        return true;
    }
}
