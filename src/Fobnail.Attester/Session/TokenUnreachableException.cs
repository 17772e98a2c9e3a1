namespace Fobnail.Attester.Session;

/// <summary>The token stopped answering (requests timed out or keep-alive pings went unanswered).</summary>
public sealed class TokenUnreachableException : Exception
{
    public TokenUnreachableException(string message, Exception? inner = null) : base(message, inner) { }
}
