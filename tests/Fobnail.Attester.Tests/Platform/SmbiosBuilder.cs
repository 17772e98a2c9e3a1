using System.Buffers.Binary;
using System.Text;

namespace Fobnail.Attester.Tests.Platform;

/// <summary>Builds SMBIOS 3.x entry points and structure tables for tests (DSP0134 layout).</summary>
internal sealed class SmbiosBuilder
{
    private readonly List<byte> _table = [];

    public SmbiosBuilder Structure(byte type, byte[] formattedAfterHeader, params string[] strings) =>
        StructureRaw(type, formattedAfterHeader, strings.Select(s => Encoding.Latin1.GetBytes(s)).ToArray());

    public SmbiosBuilder StructureRaw(byte type, byte[] formattedAfterHeader, params byte[][] strings)
    {
        _table.Add(type);
        _table.Add((byte)(4 + formattedAfterHeader.Length));
        _table.Add(0x00);
        _table.Add(0x01);
        _table.AddRange(formattedAfterHeader);
        if (strings.Length == 0)
        {
            _table.Add(0);
        }
        foreach (byte[] s in strings)
        {
            _table.AddRange(s);
            _table.Add(0);
        }
        _table.Add(0);
        return this;
    }

    /// <summary>Type 1 with string numbers manufacturer=1, product=2, version=3, serial=4 (as firmware usually does).</summary>
    public SmbiosBuilder SystemInformation(string manufacturer, string product, string serial) =>
        Structure(1, [1, 2, 3, 4, .. new byte[16], 6, 0, 0], manufacturer, product, "1.0", serial);

    public SmbiosBuilder End() => Structure(127, []);

    public byte[] Table => _table.ToArray();

    public byte[] EntryPoint3() => EntryPoint3((uint)_table.Count);

    public static byte[] EntryPoint3(uint tableMaxSize)
    {
        byte[] ep = new byte[24];
        "_SM3_"u8.CopyTo(ep);
        ep[0x06] = 24;
        ep[0x07] = 3;
        BinaryPrimitives.WriteUInt32LittleEndian(ep.AsSpan(0x0C), tableMaxSize);
        return ep;
    }

    public static byte[] EntryPoint2(ushort tableLength)
    {
        byte[] ep = new byte[31];
        "_SM_"u8.CopyTo(ep);
        "_DMI_"u8.CopyTo(ep.AsSpan(0x10));
        BinaryPrimitives.WriteUInt16LittleEndian(ep.AsSpan(0x16), tableLength);
        return ep;
    }
}
