namespace Fobnail.Tpm;

/// <summary>Carries one marshalled TPM command to the TPM and returns its whole response (no parsing).</summary>
public interface ITpmTransport : IDisposable
{
    /// <summary>Human-readable description of where commands go (for logs and --json output).</summary>
    string Description { get; }

    byte[] Transmit(ReadOnlySpan<byte> command);
}
