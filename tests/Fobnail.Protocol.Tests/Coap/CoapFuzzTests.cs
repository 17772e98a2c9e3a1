using Fobnail.Coap;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Coap;

/// <summary>The message parser and option accessors only ever throw CoapFormatException, and terminate.</summary>
public class CoapFuzzTests
{
    private const int Cases = 200_000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private static readonly byte[][] Seeds = BuildSeeds();

    private static byte[][] BuildSeeds()
    {
        var get = new CoapMessage(CoapType.Confirmable, CoapCode.Get, 0x1234, [1, 2, 3, 4]).SetUriPath("/api/v1/storage/fs/file");
        get.Block2 = new CoapBlockOption(3, false, 6);
        var post = new CoapMessage(CoapType.Confirmable, CoapCode.Post, 7, [9]) { Payload = new byte[40] }.SetUriPath("/api/v1/attest");
        post.ContentFormat = 60;
        post.Block1 = new CoapBlockOption(17, true, 5);
        post.Size1 = 70000;
        post.AddOption(new CoapOption(3000, new byte[20]));
        var ack = new CoapMessage(CoapType.Acknowledgement, CoapCode.Created, 7, [9]);
        ack.AddOption(CoapOption.String(CoapOptionNumber.LocationPath, "3735928559"));
        return [get.Encode(), post.Encode(), ack.Encode(), CoapMessage.Empty(CoapType.Confirmable, 5).Encode()];
    }

    /// <summary>Decode, then touch every typed accessor a server or client uses.</summary>
    private static void DecodeAndInspect(byte[] data)
    {
        var m = CoapMessage.Decode(data);
        _ = m.UriPath;
        _ = m.LocationPath;
        _ = m.ContentFormat;
        _ = m.MaxAge;
        _ = m.Accept;
        _ = m.Size1;
        _ = m.Size2;
        _ = m.Block1;
        _ = m.Block2;
        // Property: a decoded message re-encodes to something that decodes to the same content.
        var again = CoapMessage.Decode(m.Encode());
        if (again.Options.Count != m.Options.Count || !again.Payload.AsSpan().SequenceEqual(m.Payload) || again.Code != m.Code)
            throw new InvalidOperationException("re-encoding changed the message");
    }

    [Fact]
    public void RandomDatagrams()
    {
        var rng = new Random(11);
        Fuzz.Run<CoapFormatException>(Cases, _ => Fuzz.RandomBytes(rng, 64), DecodeAndInspect, Limit);
    }

    [Fact]
    public void RandomDatagramsWithValidHeader()
    {
        var rng = new Random(12);
        Fuzz.Run<CoapFormatException>(Cases, _ =>
        {
            var b = Fuzz.RandomBytes(rng, 64);
            if (b.Length > 0) b[0] = (byte)(0x40 | (b[0] & 0x37)); // version 1, TKL 0-7
            return b;
        }, DecodeAndInspect, Limit);
    }

    [Fact]
    public void MutatedValidMessages()
    {
        var rng = new Random(13);
        int ok = Fuzz.Run<CoapFormatException>(Cases, i => Fuzz.Mutate(rng, Seeds[i % Seeds.Length]), DecodeAndInspect, Limit);
        Assert.True(ok > 0);
    }
}
