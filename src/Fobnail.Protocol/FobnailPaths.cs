using System.Globalization;

namespace Fobnail.Protocol;

/// <summary>Resource paths of the current token (protocol §1.3, §5). Object ids appear in URIs as decimal strings.</summary>
public static class FobnailPaths
{
    public const string Version = "/api/version";
    public const string Nonce = "/api/v1/nonce";
    public const string TokenProvision = "/api/v1/admin/token_provision";
    public const string ProvisionComplete = "/api/v1/admin/provision_complete";
    public const string ProvisionEk = "/api/v1/admin/provision/ek";
    public const string ProvisionAik = "/api/v1/admin/provision/aik";
    public const string Provision = "/api/v1/admin/provision";
    public const string Attest = "/api/v1/attest";
    public const string Storage = "/api/v1/storage/fs";

    /// <summary>POST /api/v1/admin/provision/{pc}/meta (§5.4d).</summary>
    public static string ProvisionMeta(uint pc) => Provision + "/" + Id(pc) + "/meta";

    /// <summary>POST /api/v1/admin/provision/{pc}/rim (§5.4e).</summary>
    public static string ProvisionRim(uint pc) => Provision + "/" + Id(pc) + "/rim";

    /// <summary>POST /api/v1/admin/provision/{pc}: commit (§5.4f).</summary>
    public static string ProvisionCommit(uint pc) => Provision + "/" + Id(pc);

    /// <summary>POST /api/v1/attest/{ac} (§5.5).</summary>
    public static string AttestContext(uint ac) => Attest + "/" + Id(ac);

    /// <summary>/api/v1/storage/fs/{name} (§5.6). The name must be one Uri-Path segment.</summary>
    public static string StorageFile(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains('/')) throw new ArgumentException("an FTS file name is one path segment and cannot contain '/'", nameof(name));
        return Storage + "/" + name;
    }

    /// <summary>Decimal ASCII form of an object id, as in Location-Path and Uri-Path (§3.7).</summary>
    public static string Id(uint id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses an object id from a Location-Path or Uri-Path segment: decimal digits only (no sign, no spaces),
    /// within u32.
    /// </summary>
    public static bool TryParseObjectId(string? segment, out uint id)
    {
        id = 0;
        if (string.IsNullOrEmpty(segment) || segment.Length > 10) return false;
        foreach (char c in segment)
            if (c < '0' || c > '9') return false;
        return uint.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }
}
