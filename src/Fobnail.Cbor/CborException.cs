namespace Fobnail.Cbor;

/// <summary>
/// The only exception thrown by <see cref="CborReader"/> (malformed, non-conforming or over-limit input) and by
/// <see cref="CborWriter"/> misuse. Callers decoding untrusted bytes catch this one type.
/// </summary>
public sealed class CborException : Exception
{
    public CborException(string message) : base(message) { }

    /// <summary>Byte offset in the input at which the problem was detected, or -1 for writer errors.</summary>
    public int Offset { get; init; } = -1;
}
