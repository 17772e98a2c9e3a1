using System.Text;
using Fobnail.Tpm;
using Fobnail.Kexec.Measurement;

namespace Fobnail.Kexec;

/// <summary>
/// Measures an opened <see cref="KexecImage"/> (kernel, initrd, the secrets appended to it, command line, in that
/// order) and extends the events.
/// </summary>
public static class KexecMeasurer
{
    /// <summary>The banks measured when no TPM says which are allocated (the usual two).</summary>
    public static IReadOnlyList<TpmAlgId> DefaultBanks { get; } = [TpmAlgId.Sha1, TpmAlgId.Sha256];

    public static EventLog Measure(KexecImage image, IReadOnlyList<TpmAlgId> banks)
    {
        KexecRequest request = image.Request;
        request.Pcrs.Validate();
        if (banks.Count == 0)
            throw new KexecException("no PCR bank to measure for");
        var log = new EventLog();
        var digests = BankDigester.Hash(image.Kernel, banks, request.Limits.MaxKernelBytes, $"kernel {request.KernelPath}", out long size);
        log.Add(new MeasurementEvent(request.Pcrs.Kernel, MeasuredObject.Kernel, request.KernelPath, size, digests));
        if (image.Initrd is not null)
        {
            digests = BankDigester.Hash(image.Initrd, banks, request.Limits.MaxInitrdBytes, $"initrd {request.InitrdPath}", out size);
            log.Add(new MeasurementEvent(request.Pcrs.Initrd, MeasuredObject.Initrd, request.InitrdPath!, size, digests));
        }
        foreach (Initrd.HandoverFile secret in request.Secrets)
            log.Add(new MeasurementEvent(request.Pcrs.Initrd, MeasuredObject.Secret, $"{secret.Name} at {secret.Path}", secret.Content.Length,
                BankDigester.Hash(Encoding.UTF8.GetBytes(SecretEventText(secret)), banks)));
        log.Add(new MeasurementEvent(request.Pcrs.Cmdline, MeasuredObject.Cmdline, Quote(request.Cmdline), image.Cmdline.Length,
            BankDigester.Hash(image.Cmdline, banks)));
        return log;
    }

    /// <summary>
    /// Extends every event, in order, then reads the PCRs back and checks each equals the value the extend
    /// chain gives from the value read before: anything else (another extend in between, a TPM that ignored
    /// ours) means the PCRs no longer describe what we boot. The log then records where the events went and
    /// the PCR values before and after.
    /// </summary>
    public static void Extend(EventLog log, IPcrExtender extender)
    {
        int[] pcrs = log.Events.Select(e => e.Pcr).Distinct().Order().ToArray();
        var before = extender.Read(pcrs);
        foreach (MeasurementEvent e in log.Events)
            extender.Extend(e.Pcr, e.Digests);
        var after = extender.Read(pcrs);
        var values = new List<PcrValue>();
        foreach (int pcr in pcrs)
            foreach (TpmAlgId bank in extender.Banks)
            {
                byte[] start = Value(before, bank, pcr), expected = Chain(log, pcr, bank, start);
                byte[] actual = Value(after, bank, pcr);
                if (!actual.AsSpan().SequenceEqual(expected))
                    throw new KexecException($"PCR {pcr} {TpmHash.AlgorithmName(bank)} is {Convert.ToHexStringLower(actual)} after extending, " +
                        $"expected {Convert.ToHexStringLower(expected)}: something else extended it, or the TPM did not apply our extends");
                values.Add(new PcrValue(pcr, bank, start, actual));
            }
        log.ExtendedInto = extender.Description;
        log.PcrValues = values;
    }

    /// <summary>
    /// The values each measured PCR will have after <paramref name="log"/> is extended, per bank, starting from
    /// what <paramref name="tpm"/> holds now, or from all zeros when it is null (a platform reset with nothing
    /// measured before us): the same extend chain the kexec step checks after extending.
    /// </summary>
    public static IReadOnlyList<PcrValue> Predict(EventLog log, IPcrExtender? tpm)
    {
        int[] pcrs = log.Events.Select(e => e.Pcr).Distinct().Order().ToArray();
        IReadOnlyList<TpmAlgId> banks = tpm?.Banks ?? log.Events[0].Digests.Select(d => d.Hash).ToArray();
        var before = tpm?.Read(pcrs);
        var result = new List<PcrValue>();
        foreach (int pcr in pcrs)
            foreach (TpmAlgId bank in banks)
            {
                byte[] start = before is null ? new byte[TpmHash.DigestSize(bank)] : Value(before, bank, pcr);
                result.Add(new PcrValue(pcr, bank, start, Chain(log, pcr, bank, start)));
            }
        return result;
    }

    /// <summary>TPM2_PCR_Extend applied to <paramref name="start"/> for each event of <paramref name="pcr"/>, in order.</summary>
    private static byte[] Chain(EventLog log, int pcr, TpmAlgId bank, byte[] start)
    {
        byte[] value = start;
        foreach (MeasurementEvent e in log.Events.Where(e => e.Pcr == pcr))
            value = BankDigester.ExtendedValue(bank, value, e.Digest(bank)!.Digest);
        return value;
    }

    private static byte[] Value(IReadOnlyDictionary<(TpmAlgId, int), byte[]> values, TpmAlgId bank, int pcr) =>
        values.TryGetValue((bank, pcr), out byte[]? v) ? v
            : throw new KexecException($"the TPM did not return PCR {pcr} of bank {TpmHash.AlgorithmName(bank)}");

    /// <summary>
    /// What a secret's event digests are the hash of: <c>secret NAME PATH SIZE</c> in UTF-8, so a verifier can check
    /// the record from its content. Hashing the secret itself would publish a verifier of it (a guessable key could
    /// be confirmed offline from the event log or a quote), so its bytes are never measured.
    /// </summary>
    public static string SecretEventText(Initrd.HandoverFile secret) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"secret {secret.Name} {secret.Path} {secret.Content.Length}");

    /// <summary>
    /// Stand-ins for secrets of the given sizes (zero bytes: only NAME, PATH and the size are measured), so that a
    /// verifier can predict PCR 9 without the secrets (<c>kexec measure --secret NAME:PATH:SIZE --predict</c>).
    /// </summary>
    public static Initrd.HandoverFile SecretOfSize(string name, string path, int size) => new(name, path, new byte[size]);

    /// <summary>The command line in double quotes with control characters escaped, so one event stays one line.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in text)
        {
            if (c == '"' || c == '\\') sb.Append('\\').Append(c);
            else if (char.IsControl(c)) sb.Append($"\\x{(int)c:x2}");
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
