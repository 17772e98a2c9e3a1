using Fobnail.Attester.Flows;
using Fobnail.Hosted.Daemon;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>
/// Stands in for the TPM + token attestation in the D-Bus surface tests only (the attestation itself is tested
/// against swtpm and the token emulator in Fobnail.Attester.Flows.Tests): returns a set verdict, optionally
/// waiting for <see cref="Release"/> so a test can unplug the token mid-attestation.
/// </summary>
internal sealed class FakeAttester : IPlatformAttester
{
    private int _calls;

    public DaemonVerdict Verdict { get; set; } = new(AttestationVerdictKind.Trusted, "attestation: TRUSTED (fake)", "ab".PadRight(64, 'c'));

    public TaskCompletionSource? Release { get; set; }

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Calls => Volatile.Read(ref _calls);

    public async Task<DaemonVerdict> AttestAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        Started.TrySetResult();
        if (Release is { } r) await r.Task.WaitAsync(ct);
        return Verdict;
    }
}
