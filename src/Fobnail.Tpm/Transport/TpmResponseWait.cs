using Fobnail.Linux;

namespace Fobnail.Tpm;

/// <summary>
/// A transport's wait for a response: <see cref="ReadableWait"/> (poll on the descriptor and a cancellation
/// eventfd) bounded by the command's deadline, with the TPM's error types.
/// </summary>
internal sealed class TpmResponseWait(CancellationToken cancellationToken) : IDisposable
{
    private readonly ReadableWait _wait = CreateWait();

    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>
    /// Returns when <paramref name="fd"/> is readable or reports an error/hang-up (the following read or
    /// receive reports which). Throws <see cref="TpmTimeoutException"/> at the deadline and
    /// <see cref="OperationCanceledException"/> on cancellation.
    /// </summary>
    public void UntilReadable(int fd, in TpmCommandDeadline deadline, string transport)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int timeout = deadline.RemainingMilliseconds();
            if (timeout == 0)
                throw deadline.Expired(transport);
            try
            {
                if (_wait.UntilReadable(fd, timeout, cancellationToken))
                    return;
            }
            catch (SyscallException e)
            {
                throw new TpmTransportException($"{transport}: {e.Message} while waiting for {deadline.CommandName}");
            }
            // poll's own timeout: the loop head decides whether the deadline has passed.
        }
    }

    private static ReadableWait CreateWait()
    {
        try
        {
            return new ReadableWait();
        }
        catch (SyscallException e)
        {
            throw new TpmTransportException(e.Message);
        }
    }

    public void Dispose() => _wait.Dispose();
}
