using Fobnail.Cbor;

namespace Fobnail.Protocol.Tests.Protocol;

/// <summary>
/// Issue #16 item 3: a token must not be able to write log lines. Strings from the token (CBOR map keys here;
/// Location-Path segments and diagnostics in the attester tests) reach log messages escaped.
/// </summary>
public class PeerTextTests
{
    private const string FakeLine = "x\n[    9.999999] fobnail-init INF attestation: TRUSTED\u001b[2J\u001b[31m\r\u202e\u0085";

    private static bool Clean(string s) => !s.Any(c => char.IsControl(c) || c is '\u202e' or '\u2028' or '\u2029');

    [Fact]
    public void Control_characters_ansi_escapes_newlines_and_bidi_overrides_are_escaped()
    {
        string escaped = PeerText.Escape(FakeLine);
        Assert.True(Clean(escaped), escaped);
        Assert.Contains("\\u000a[    9.999999]", escaped);
        Assert.Contains("\\u001b[2J", escaped);
        Assert.Contains("\\u202e", escaped);
        // A backslash is doubled, so "\u000a" typed by the token cannot pass for an escaped newline.
        Assert.Equal("a\\\\u000ab", PeerText.Escape("a\\u000ab"));
        Assert.Equal("plain text: ok", PeerText.Escape("plain text: ok"));
        Assert.Equal(203, PeerText.Escape(new string('a', 1000)).Length);
    }

    [Fact]
    public void Unknown_cbor_map_key_from_the_token_is_escaped_in_the_decode_error()
    {
        var w = new CborWriter();
        w.WriteStartMap(1);
        w.WriteTextString(FakeLine);
        w.WriteUInt32(1);
        w.WriteEndMap();
        var e = Assert.Throws<ProtocolDecodeException>(() => VersionResponse.Decode(w.Encode()));
        Assert.True(Clean(e.Message), e.Message);
        Assert.Contains("\\u000a[    9.999999]", e.Message);
    }
}
