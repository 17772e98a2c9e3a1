namespace Fobnail.Tpm;

/// <summary>One DER TLV inside a buffer: tag, where its contents start, and their length.</summary>
public readonly record struct DerElement(byte Tag, int Start, int HeaderLength, int ContentLength)
{
    public int ContentStart => Start + HeaderLength;
    public int End => ContentStart + ContentLength;
    public int TotalLength => HeaderLength + ContentLength;
}
