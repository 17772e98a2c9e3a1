using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

/// <summary>Passes commands to a real TPM and records every response, so mutation tests start from real bytes.</summary>
public sealed class RecordingTransport(ITpmTransport inner) : ITpmTransport
{
    public List<byte[]> Responses { get; } = [];

    public string Description => "recording " + inner.Description;

    public byte[] Transmit(ReadOnlySpan<byte> command)
    {
        byte[] response = inner.Transmit(command);
        Responses.Add(response);
        return response;
    }

    public void Dispose() { }
}

/// <summary>Answers each command with the next scripted response; running out is a transport error.</summary>
public sealed class ReplayTransport(IEnumerable<byte[]> responses) : ITpmTransport
{
    private readonly Queue<byte[]> _responses = new(responses);

    public List<byte[]> Commands { get; } = [];

    public string Description => "replay";

    public byte[] Transmit(ReadOnlySpan<byte> command)
    {
        Commands.Add(command.ToArray());
        if (_responses.Count == 0)
            throw new TpmTransportException("replay: no more responses");
        return _responses.Dequeue();
    }

    public void Dispose() { }
}
