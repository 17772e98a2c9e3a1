namespace Fobnail.Attester.Session;

/// <summary>The token stopped answering (requests timed out or keep-alive pings went unanswered).</summary>
public class TokenUnreachableException : Exception
{
    public TokenUnreachableException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The session's deadline for the whole exchange passed (<see cref="TokenSessionOptions.Deadline"/>).</summary>
public sealed class TokenDeadlineException : TokenUnreachableException
{
    public TokenDeadlineException(string message, Exception? inner = null) : base(message, inner) { }
}
