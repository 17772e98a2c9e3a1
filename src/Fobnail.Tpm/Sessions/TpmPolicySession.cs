using Serilog;

namespace Fobnail.Tpm;

/// <summary>
/// A policy session (TPM_SE_POLICY, SHA-256, symmetric NULL, tpmKey and bind TPM_RH_NULL: unsalted and unbound)
/// that is flushed on Dispose. <see cref="ForEndorsement"/> builds the session the TCG EK policy needs:
/// PolicySecret(TPM_RH_ENDORSEMENT) with the endorsement hierarchy's empty password (Fobnail protocol §7.1).
/// </summary>
public sealed class TpmPolicySession : IDisposable
{
    private readonly ITpmTransport _transport;
    private readonly ILogger _log;
    private bool _flushed;

    private TpmPolicySession(ITpmTransport transport, uint handle, byte[] nonceTpm, ILogger log)
    {
        _transport = transport;
        Handle = handle;
        NonceTpm = nonceTpm;
        _log = log;
    }

    public uint Handle { get; }

    public byte[] NonceTpm { get; }

    public TpmAuthorization Authorization => TpmAuthorization.Policy(Handle);

    public static TpmPolicySession Start(ITpmTransport transport, ILogger? log = null)
    {
        var response = new StartAuthSession { SessionType = TpmSe.Policy, AuthHash = TpmAlgId.Sha256 }.Execute(transport);
        return new TpmPolicySession(transport, response.SessionHandle, response.NonceTpm, log ?? Serilog.Core.Logger.None);
    }

    /// <summary>Starts a policy session and satisfies the TCG default EK policy (PolicySecret(TPM_RH_ENDORSEMENT)).</summary>
    public static TpmPolicySession ForEndorsement(ITpmTransport transport, ILogger? log = null)
    {
        TpmPolicySession session = Start(transport, log);
        try
        {
            new PolicySecret { AuthHandle = TpmRh.Endorsement, PolicySession = session.Handle }.Execute(transport);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_flushed)
            return;
        _flushed = true;
        try
        {
            new FlushContext { FlushHandle = Handle }.Execute(_transport);
        }
        catch (TpmException e)
        {
            // Flushing runs in finally blocks; its failure must not hide the error that got us there.
            _log.Warning("flushing policy session 0x{Handle:X8} failed: {Error}", Handle, e.Message);
        }
    }
}
