using System.Buffers.Binary;

namespace Fobnail.Coap;

/// <summary>
/// A CoAP message (RFC 7252 §3): 4-byte header (Ver, T, TKL, Code, Message ID), Token (0–8 bytes), options in
/// delta encoding, and an optional payload after the 0xFF marker. <see cref="Decode"/> rejects every message
/// format error with <see cref="CoapFormatException"/>.
/// </summary>
public sealed class CoapMessage
{
    public const int Version = 1;
    public const int MaxTokenLength = 8;

    /// <summary>Decoder bound on option instances per message (a real request has fewer than 16).</summary>
    public const int MaxOptions = 64;

    public CoapType Type { get; set; }
    public CoapCode Code { get; set; }
    public ushort MessageId { get; set; }
    public byte[] Token { get; set; } = [];
    public List<CoapOption> Options { get; } = [];
    public byte[] Payload { get; set; } = [];

    public CoapMessage() { }

    public CoapMessage(CoapType type, CoapCode code, ushort messageId, byte[]? token = null)
    {
        Type = type;
        Code = code;
        MessageId = messageId;
        Token = token ?? [];
    }

    /// <summary>An Empty message (code 0.00, no token): ping, empty ACK or RST (RFC 7252 §4.1-§4.3).</summary>
    public static CoapMessage Empty(CoapType type, ushort messageId) => new(type, CoapCode.Empty, messageId);

    // ---- option helpers ------------------------------------------------------------------------------

    public IEnumerable<CoapOption> GetOptions(ushort number) => Options.Where(o => o.Number == number);

    public CoapOption? GetOption(ushort number)
    {
        foreach (var o in Options)
            if (o.Number == number) return o;
        return null;
    }

    public bool HasOption(ushort number) => GetOption(number) is not null;

    public CoapMessage AddOption(CoapOption option)
    {
        Options.Add(option);
        return this;
    }

    public void RemoveOptions(ushort number) => Options.RemoveAll(o => o.Number == number);

    public void SetOption(CoapOption option)
    {
        RemoveOptions(option.Number);
        Options.Add(option);
    }

    private uint? GetUInt(ushort number) => GetOption(number)?.GetUInt();

    private void SetUInt(ushort number, uint? value)
    {
        RemoveOptions(number);
        if (value is { } v) Options.Add(CoapOption.UInt(number, v));
    }

    public uint? ContentFormat { get => GetUInt(CoapOptionNumber.ContentFormat); set => SetUInt(CoapOptionNumber.ContentFormat, value); }
    public uint? MaxAge { get => GetUInt(CoapOptionNumber.MaxAge); set => SetUInt(CoapOptionNumber.MaxAge, value); }
    public uint? Accept { get => GetUInt(CoapOptionNumber.Accept); set => SetUInt(CoapOptionNumber.Accept, value); }
    public uint? Size1 { get => GetUInt(CoapOptionNumber.Size1); set => SetUInt(CoapOptionNumber.Size1, value); }
    public uint? Size2 { get => GetUInt(CoapOptionNumber.Size2); set => SetUInt(CoapOptionNumber.Size2, value); }

    public CoapBlockOption? Block1
    {
        get => GetOption(CoapOptionNumber.Block1) is { } o ? CoapBlockOption.FromOption(o) : null;
        set => SetBlock(CoapOptionNumber.Block1, value);
    }

    public CoapBlockOption? Block2
    {
        get => GetOption(CoapOptionNumber.Block2) is { } o ? CoapBlockOption.FromOption(o) : null;
        set => SetBlock(CoapOptionNumber.Block2, value);
    }

    private void SetBlock(ushort number, CoapBlockOption? value)
    {
        RemoveOptions(number);
        if (value is { } b) Options.Add(b.ToOption(number));
    }

    public IReadOnlyList<string> UriPath => GetOptions(CoapOptionNumber.UriPath).Select(o => o.GetString()).ToArray();

    public IReadOnlyList<string> LocationPath => GetOptions(CoapOptionNumber.LocationPath).Select(o => o.GetString()).ToArray();

    /// <summary>Sets Uri-Path from "/a/b/c": one option per segment (RFC 7252 §6.4 step 8), empty segments dropped.</summary>
    public CoapMessage SetUriPath(string path)
    {
        RemoveOptions(CoapOptionNumber.UriPath);
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            Options.Add(CoapOption.String(CoapOptionNumber.UriPath, segment));
        return this;
    }

    public CoapMessage SetUriPath(IEnumerable<string> segments)
    {
        RemoveOptions(CoapOptionNumber.UriPath);
        foreach (var segment in segments)
            Options.Add(CoapOption.String(CoapOptionNumber.UriPath, segment));
        return this;
    }

    // ---- codec -------------------------------------------------------------------------------------

    public byte[] Encode()
    {
        if (Token.Length > MaxTokenLength) throw new CoapFormatException($"token of {Token.Length} bytes (at most 8)");
        if (Code.IsEmpty && (Token.Length != 0 || Options.Count != 0 || Payload.Length != 0))
            throw new CoapFormatException("an Empty message has no token, options or payload");
        // Options go out in ascending number order; a stable (insertion) sort keeps repeated options such as
        // Uri-Path in the order they were added.
        var sorted = Options.ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            var item = sorted[i];
            int j = i - 1;
            for (; j >= 0 && sorted[j].Number > item.Number; j--) sorted[j + 1] = sorted[j];
            sorted[j + 1] = item;
        }
        int size = 4 + Token.Length + (Payload.Length > 0 ? 1 + Payload.Length : 0);
        foreach (var o in sorted) size += 5 + o.Value.Length;
        var buffer = new byte[size];
        buffer[0] = (byte)((Version << 6) | ((int)Type << 4) | Token.Length);
        buffer[1] = Code.Value;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), MessageId);
        Token.CopyTo(buffer, 4);
        int pos = 4 + Token.Length;
        int previous = 0;
        foreach (var o in sorted)
        {
            if (o.Value.Length > 65535 + 269) throw new CoapFormatException("option value too long");
            int delta = o.Number - previous;
            previous = o.Number;
            int headerPos = pos++;
            int deltaNibble = WriteExtended(buffer, ref pos, delta);
            int lengthNibble = WriteExtended(buffer, ref pos, o.Value.Length);
            // The extended delta bytes precede the extended length bytes; WriteExtended appended them in that order.
            buffer[headerPos] = (byte)((deltaNibble << 4) | lengthNibble);
            o.Value.CopyTo(buffer, pos);
            pos += o.Value.Length;
        }
        if (Payload.Length > 0)
        {
            buffer[pos++] = 0xFF;
            Payload.CopyTo(buffer, pos);
            pos += Payload.Length;
        }
        return buffer.AsSpan(0, pos).ToArray();
    }

    /// <summary>RFC 7252 §3.1: values 0–12 inline; 13 + 1 byte (value-13); 14 + 2 bytes (value-269).</summary>
    private static int WriteExtended(byte[] buffer, ref int pos, int value)
    {
        if (value < 13) return value;
        if (value < 269)
        {
            buffer[pos++] = (byte)(value - 13);
            return 13;
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(pos), (ushort)(value - 269));
        pos += 2;
        return 14;
    }

    public static CoapMessage Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4) throw new CoapFormatException($"datagram of {data.Length} bytes is shorter than the 4-byte header");
        int version = data[0] >> 6;
        if (version != Version) throw new CoapFormatException($"unknown version {version}");
        int tkl = data[0] & 0x0F;
        // RFC 7252 §3: lengths 9-15 are reserved and MUST be processed as a message format error.
        if (tkl > MaxTokenLength) throw new CoapFormatException($"token length {tkl} is reserved");
        var msg = new CoapMessage
        {
            Type = (CoapType)((data[0] >> 4) & 3),
            Code = new CoapCode(data[1]),
            MessageId = BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
        };
        if (msg.Code.IsEmpty)
        {
            // §4.1: an Empty message MUST NOT contain bytes after the Message ID; otherwise a format error.
            if (data.Length != 4 || tkl != 0) throw new CoapFormatException("Empty message with token, options or payload");
            return msg;
        }
        if (data.Length < 4 + tkl) throw new CoapFormatException("datagram ends inside the token");
        msg.Token = data.Slice(4, tkl).ToArray();
        int pos = 4 + tkl;
        int number = 0;
        while (pos < data.Length)
        {
            byte header = data[pos++];
            if (header == 0xFF)
            {
                // §3: a marker followed by a zero-length payload MUST be processed as a message format error.
                if (pos == data.Length) throw new CoapFormatException("payload marker with an empty payload");
                msg.Payload = data[pos..].ToArray();
                return msg;
            }
            int delta = ReadExtended(data, ref pos, header >> 4, "delta");
            int length = ReadExtended(data, ref pos, header & 0x0F, "length");
            number += delta;
            if (number > ushort.MaxValue) throw new CoapFormatException($"option number {number} exceeds 65535");
            if (length > data.Length - pos) throw new CoapFormatException($"option {number} value of {length} bytes runs past the datagram");
            if (msg.Options.Count == MaxOptions) throw new CoapFormatException($"more than {MaxOptions} options");
            msg.Options.Add(new CoapOption((ushort)number, data.Slice(pos, length).ToArray()));
            pos += length;
        }
        return msg;
    }

    private static int ReadExtended(ReadOnlySpan<byte> data, ref int pos, int nibble, string what)
    {
        switch (nibble)
        {
            case < 13:
                return nibble;
            case 13:
                if (pos + 1 > data.Length) throw new CoapFormatException($"datagram ends inside an extended option {what}");
                return data[pos++] + 13;
            case 14:
                if (pos + 2 > data.Length) throw new CoapFormatException($"datagram ends inside an extended option {what}");
                int v = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]) + 269;
                pos += 2;
                return v;
            default:
                // 15 is reserved for the payload marker; in a delta or length nibble it is a format error.
                throw new CoapFormatException($"option {what} nibble 15 is reserved");
        }
    }

    public override string ToString() =>
        $"{Type} {Code} MID={MessageId} Token={Convert.ToHexString(Token)} " +
        string.Join(" ", Options.Select(o => o.ToString())) + (Payload.Length > 0 ? $" Payload={Payload.Length}B" : "");
}
