using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>GET /api/version response (§5.1): <c>{"versions": [uint, ...]}</c>, e.g. A1 68 "versions" 81 01.</summary>
public sealed record VersionResponse(IReadOnlyList<uint> Versions)
{
    private static readonly string[] Keys = ["versions"];

    private const string Name = nameof(VersionResponse);
    private const int MaxVersions = 16;

    public bool Supports(uint version) => Versions.Contains(version);

    public byte[] Encode() => MessageCodec.Encode(Write);

    public void Write(CborWriter w)
    {
        w.WriteStartMap(1);
        w.WriteTextString("versions");
        w.WriteStartArray(Versions.Count);
        foreach (uint v in Versions) w.WriteUInt32(v);
        w.WriteEndArray();
        w.WriteEndMap();
    }

    public static VersionResponse Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        MessageCodec.Decode(data, conformance, Name, static r =>
        {
            var map = new StrictMap(r, Name, Keys);
            uint[] versions = [];
            while (map.Next() >= 0)
                versions = MessageCodec.ReadArray(r, Name, "versions", MaxVersions, static x => x.ReadUInt32());
            map.RequireAll();
            return new VersionResponse(versions);
        });
}
