using System.CommandLine;
using Fobnail.Kexec;
using Fobnail.Kexec.Measurement;
using Fobnail.Tpm;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>eventlog show|verify [--log F] [--tpm T]</c>: the CEL-JSON log of a measured kexec. <c>verify</c> replays it
/// per bank from the recorded before-values and compares with the TPM's PCRs now. Exit codes: 0 the log
/// explains every PCR it names in every allocated bank, 1 it does not, 2 the log is unreadable or malformed,
/// 3 the TPM could not be read.
/// </summary>
internal static class EventLogCommand
{
    public const int Explained = 0;
    public const int NotExplained = 1;
    public const int BadLog = 2;
    public const int TpmError = 3;

    /// <summary>Where a booted system finds the handed-over log first, then where /init keeps its own copy.</summary>
    public static readonly string[] DefaultLogs = [CelLog.HandoverPath, EventLog.DefaultPath];

    public static Command Create()
    {
        var command = new Command("eventlog", "The CEL-JSON event log of a measured kexec: show it, or replay it against the TPM");
        var log = new Option<string?>("--log") { Description = $"Event log file (default: {string.Join(", then ", DefaultLogs)})", Recursive = true };
        var tpm = new Option<string>("--tpm")
        {
            Description = "TPM to compare with: device:/dev/tpmrm0 or swtpm:HOST:PORT",
            DefaultValueFactory = _ => TpmTransportSpec.Default,
            Recursive = true,
        };
        command.Options.Add(log);
        command.Options.Add(tpm);

        var show = new Command("show", "Print the records: recnum, PCR, digest per bank, content");
        show.SetAction(r => WithLog(r.GetValue(log), (_, records) =>
        {
            foreach (CelRecord rec in records)
            {
                Console.Out.WriteLine($"#{rec.RecNum} PCR {rec.Pcr} {string.Join(' ', rec.Digests)} {rec.ContentType}");
                Console.Out.WriteLine($"    {(rec.Fobnail is { } c ? $"{c.Object} {c.Description} ({c.Size} bytes)" : CelLog.Printable(rec.ContentJson))}");
                foreach (BankDigest b in rec.Fobnail?.Before ?? []) Console.Out.WriteLine($"    before {b}");
            }
            return Explained;
        }));
        command.Subcommands.Add(show);

        var verify = new Command("verify", "Replay the log per bank from its recorded before-values and compare with the TPM's PCRs");
        verify.SetAction(r => WithLog(r.GetValue(log), (path, records) =>
        {
            int[] pcrs = records.Select(x => x.Pcr).Distinct().Order().ToArray();
            IReadOnlyList<TpmAlgId> banks;
            IReadOnlyDictionary<(TpmAlgId Bank, int Pcr), byte[]> actual;
            try
            {
                using TpmPcrExtender reader = TpmPcrExtender.Open(r.GetValue(tpm)!);
                banks = reader.Banks;
                actual = reader.Read(pcrs);
            }
            catch (Exception e) when (e is TpmException or IOException or FormatException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"eventlog: cannot read the TPM: {e.Message}");
                return TpmError;
            }
            IReadOnlyDictionary<(TpmAlgId Bank, int Pcr), byte[]> replayed;
            try { replayed = CelLog.Replay(records, banks); }
            catch (CelFormatException e)
            {
                Console.Out.WriteLine($"NOT EXPLAINED: {e.Message} (the TPM has banks {string.Join(", ", banks.Select(TpmHash.AlgorithmName))})");
                return NotExplained;
            }
            bool all = true;
            foreach (int pcr in pcrs)
                foreach (TpmAlgId bank in banks)
                {
                    byte[] want = replayed[(bank, pcr)];
                    byte[]? have = actual.GetValueOrDefault((bank, pcr));
                    bool ok = have is not null && want.AsSpan().SequenceEqual(have);
                    all &= ok;
                    Console.Out.WriteLine($"PCR {pcr} {TpmHash.AlgorithmName(bank)}: {(ok ? "ok" : "MISMATCH")} replayed {Convert.ToHexStringLower(want)} tpm {(have is null ? "(not read)" : Convert.ToHexStringLower(have))}");
                }
            Console.Out.WriteLine(all
                ? $"explained: {records.Count} records of {path} replay to the TPM's PCR {string.Join(",", pcrs)} in every allocated bank"
                : $"NOT EXPLAINED: {path} does not replay to the TPM's PCR values");
            return all ? Explained : NotExplained;
        }));
        command.Subcommands.Add(verify);
        return command;
    }

    private static int WithLog(string? given, Func<string, List<CelRecord>, int> action)
    {
        string? path = given ?? DefaultLogs.FirstOrDefault(File.Exists);
        if (path is null)
        {
            Console.Error.WriteLine($"eventlog: no log found at {string.Join(" or ", DefaultLogs)}; give one with --log");
            return BadLog;
        }
        List<CelRecord> records;
        try
        {
            using var file = new FileStream(Fobnail.Linux.RegularFile.OpenRead(path), FileAccess.Read);
            records = CelLog.Parse(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"eventlog: cannot read {path}: {e.Message}");
            return BadLog;
        }
        catch (CelFormatException e)
        {
            Console.Error.WriteLine($"eventlog: {path} is not a usable CEL-JSON log: {e.Message}");
            return BadLog;
        }
        if (records.Count == 0)
        {
            Console.Error.WriteLine($"eventlog: {path} holds no records");
            return BadLog;
        }
        return action(path, records);
    }
}
