using System.Buffers.Binary;

namespace Fobnail.Token.Usb.Eem;

/// <summary>
/// Splits the byte stream of a bulk OUT endpoint into EEM packets. A USB transfer may hold several EEM packets and
/// an EEM packet may span transfers, so bytes are kept until a packet is whole; a packet whose length is out of
/// bounds is skipped without being buffered. Untrusted input: the 14-bit length bounds every packet, and giant
/// frames are not kept at all.
/// </summary>
public sealed class EemDecoder
{
    private readonly byte[] _buffer = new byte[EemFormat.HeaderLength + EemFormat.MaxFrameLength + EemFormat.CrcLength];
    private int _count;
    private int _skip; // bytes of a dropped (giant) packet still to come

    /// <summary>Bytes held for a packet that is not complete yet.</summary>
    public int Pending => _count + _skip;

    public void Reset()
    {
        _count = 0;
        _skip = 0;
    }

    /// <summary>Feeds the data of one bulk OUT transfer; returns the EEM packets it completed, in order.</summary>
    public List<EemPacket> Feed(ReadOnlySpan<byte> data)
    {
        var packets = new List<EemPacket>();
        while (!data.IsEmpty)
        {
            if (_skip > 0)
            {
                int n = Math.Min(_skip, data.Length);
                _skip -= n;
                data = data[n..];
                continue;
            }
            // Complete the header first, then the body it announces.
            if (_count < EemFormat.HeaderLength)
            {
                int n = Math.Min(EemFormat.HeaderLength - _count, data.Length);
                data[..n].CopyTo(_buffer.AsSpan(_count));
                _count += n;
                data = data[n..];
                if (_count < EemFormat.HeaderLength) break;
            }
            ushort header = BinaryPrimitives.ReadUInt16LittleEndian(_buffer);
            int bodyLength = BodyLength(header);
            if (bodyLength > _buffer.Length - EemFormat.HeaderLength)
            {
                packets.Add(new EemDropped($"giant frame: EEM length {bodyLength} > {EemFormat.MaxFrameLength + EemFormat.CrcLength}", bodyLength));
                _count = 0;
                _skip = bodyLength;
                continue;
            }
            int want = EemFormat.HeaderLength + bodyLength - _count;
            int take = Math.Min(want, data.Length);
            data[..take].CopyTo(_buffer.AsSpan(_count));
            _count += take;
            data = data[take..];
            if (take < want) break;
            packets.Add(Decode(header, _buffer.AsSpan(EemFormat.HeaderLength, bodyLength)));
            _count = 0;
        }
        return packets;
    }

    /// <summary>How many bytes follow the header: the data length, or an echo's payload, or none.</summary>
    private static int BodyLength(ushort header)
    {
        if ((header & 0x8000) == 0) return header & 0x3fff;
        var command = (EemCommand)((header >> 11) & 7);
        return command is EemCommand.Echo or EemCommand.EchoResponse ? header & 0x7ff : 0;
    }

    private static EemPacket Decode(ushort header, ReadOnlySpan<byte> body)
    {
        if ((header & 0x8000) != 0)
        {
            int command = (header >> 11) & 7;
            if (command > (int)EemCommand.Tickle)
                return new EemDropped($"reserved EEM command {command}", 0);
            return new EemCommandPacket((EemCommand)command, (ushort)(header & 0x7ff), body.ToArray());
        }
        if (body.Length == 0) return new EemZeroLength();
        bool withCrc = (header & 0x4000) != 0;
        if (body.Length < EemFormat.MinFrameLength + EemFormat.CrcLength)
            return new EemDropped($"runt frame: EEM length {body.Length}", body.Length);
        var frame = body[..^EemFormat.CrcLength];
        if (withCrc)
        {
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(body[^EemFormat.CrcLength..]);
            uint expected = System.IO.Hashing.Crc32.HashToUInt32(frame);
            if (crc != expected) return new EemDropped($"bad CRC {crc:x8}, frame has {expected:x8}", body.Length);
        }
        // bmCRC 0: the sender put the sentinel there and the receiver does not check it (EEM 5.1.2.1).
        return new EemFrame(frame.ToArray(), withCrc);
    }
}
