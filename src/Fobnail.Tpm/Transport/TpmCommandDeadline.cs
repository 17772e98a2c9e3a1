using System.Buffers.Binary;
using System.Diagnostics;

namespace Fobnail.Tpm;

/// <summary>
/// The wait for one command's response: which command (read from the frame's commandCode, so errors name it
/// without the transport knowing the caller), its timeout, and when it was sent (monotonic clock).
/// </summary>
internal readonly struct TpmCommandDeadline
{
    private readonly long _start;

    private TpmCommandDeadline(string commandName, TimeSpan timeout)
    {
        CommandName = commandName;
        Timeout = timeout;
        _start = Stopwatch.GetTimestamp();
    }

    public string CommandName { get; }

    public TimeSpan Timeout { get; }

    public static TpmCommandDeadline Start(ReadOnlySpan<byte> command, TpmTransportOptions options)
    {
        if (command.Length < TpmTransportLimits.HeaderSize)
            return new("a command shorter than the TPM header", options.CommandTimeout);
        uint code = BinaryPrimitives.ReadUInt32BigEndian(command[6..]);
        return new(NameOf(code), options.TimeoutFor(code));
    }

    /// <summary>"TPM2_Quote" for the codes we send, "TPM_CC 0x..." otherwise.</summary>
    public static string NameOf(uint commandCode) => Enum.IsDefined((TpmCc)commandCode)
        ? "TPM2_" + ((TpmCc)commandCode).ToString()
        : $"TPM_CC 0x{commandCode:X8}";

    /// <summary>Milliseconds left for poll(2), rounded up so we never wake just before the deadline; 0 once expired.</summary>
    public int RemainingMilliseconds()
    {
        TimeSpan left = Timeout - Stopwatch.GetElapsedTime(_start);
        return left <= TimeSpan.Zero ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(left.TotalMilliseconds));
    }

    public TpmTimeoutException Expired(string transport) => new(transport, CommandName, Timeout);
}
