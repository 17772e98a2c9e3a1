using System.Text;
using Fobnail.Kexec.Measurement;
using Fobnail.Tpm;

namespace Fobnail.Kexec.Tests;

/// <summary>The CEL-JSON log: its shape, the replay against an independent extend chain, and hostile input.</summary>
public sealed class EventLogTests : IDisposable
{
    private static readonly TpmAlgId[] Banks = [TpmAlgId.Sha1, TpmAlgId.Sha256];
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>A handoff into software PCRs that start from non-zero values (as after firmware and a boot loader).</summary>
    private (EventLog Log, SoftwarePcrs Pcrs, byte[] Kernel, byte[] Initrd) Boot()
    {
        string kernel = _files.Random("vmlinuz", 5000, 1), initrd = _files.Random("initrd", 3000, 2);
        var pcrs = new SoftwarePcrs(Banks);
        foreach (TpmAlgId bank in Banks)
        {
            pcrs.Values[(bank, 8)] = ExtendChain.Hash(bank, "firmware 8"u8.ToArray());
            pcrs.Values[(bank, 9)] = ExtendChain.Hash(bank, "firmware 9"u8.ToArray());
        }
        using KexecImage image = KexecImage.Open(new KexecRequest(kernel, initrd, "console=ttyS0"));
        EventLog log = KexecMeasurer.Measure(image, Banks);
        KexecMeasurer.Extend(log, pcrs);
        return (log, pcrs, File.ReadAllBytes(kernel), File.ReadAllBytes(initrd));
    }

    [Fact]
    public void Records_are_json_seq_one_per_extend_with_every_bank_and_the_before_values()
    {
        var (log, pcrs, _, _) = Boot();
        byte[] bytes = CelLog.Serialize(CelLog.FromEventLog(log));
        string[] lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Equal('\x1e', l[0]));
        Assert.StartsWith("\x1e{\"recnum\":0,\"pcr\":9,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"", lines[0]);
        Assert.Contains("\"content_type\":\"fobnail\",\"content\":{\"object\":\"kernel\"", lines[0]);
        Assert.Contains("\"before\":[{\"hashAlg\":\"sha1\"", lines[0]);
        Assert.DoesNotContain("\"before\"", lines[1]); // second extend of PCR 9: continues the chain
        Assert.Contains("\"before\"", lines[2]);       // first extend of PCR 8
        Assert.Contains("\"object\":\"cmdline\",\"description\":\"\\u0022console=ttyS0\\u0022\",\"size\":14", lines[2]);
        List<CelRecord> parsed = CelLog.Parse(bytes);
        Assert.Equal([9, 9, 8], parsed.Select(r => r.Pcr));
        Assert.Equal(bytes, CelLog.Serialize(parsed));
        _ = pcrs;
    }

    [Fact]
    public void Replay_equals_the_independent_chain_and_the_pcrs()
    {
        var (log, pcrs, kernel, initrd) = Boot();
        var replayed = CelLog.Replay(CelLog.Parse(CelLog.Serialize(CelLog.FromEventLog(log))), Banks);
        foreach (TpmAlgId bank in Banks)
        {
            byte[] nine = ExtendChain.Chain(bank, ExtendChain.Hash(bank, "firmware 9"u8.ToArray()), kernel, initrd);
            byte[] eight = ExtendChain.Chain(bank, ExtendChain.Hash(bank, "firmware 8"u8.ToArray()), "console=ttyS0\0"u8.ToArray());
            Assert.Equal(nine, replayed[(bank, 9)]);
            Assert.Equal(eight, replayed[(bank, 8)]);
            Assert.Equal(pcrs.Get(bank, 9), replayed[(bank, 9)]);
        }
    }

    [Fact]
    public void Predict_from_zero_and_from_the_pcrs_now_equal_the_independent_chain()
    {
        string kernel = _files.Random("vmlinuz", 5000, 1);
        using KexecImage image = KexecImage.Open(new KexecRequest(kernel, null, "x"));
        EventLog log = KexecMeasurer.Measure(image, Banks);
        var pcrs = new SoftwarePcrs(Banks);
        pcrs.Values[(TpmAlgId.Sha256, 9)] = ExtendChain.Hash(TpmAlgId.Sha256, [7]);
        PcrValue[] fromTpm = KexecMeasurer.Predict(log, pcrs).ToArray(), fromZero = KexecMeasurer.Predict(log, null).ToArray();
        byte[] k = File.ReadAllBytes(kernel);
        Assert.Equal(ExtendChain.Chain(TpmAlgId.Sha256, ExtendChain.Hash(TpmAlgId.Sha256, [7]), k), fromTpm.Single(v => v.Pcr == 9 && v.Bank == TpmAlgId.Sha256).After);
        Assert.Equal(ExtendChain.Chain(TpmAlgId.Sha256, new byte[32], k), fromZero.Single(v => v.Pcr == 9 && v.Bank == TpmAlgId.Sha256).After);
        Assert.Equal(ExtendChain.Chain(TpmAlgId.Sha1, new byte[20], "x\0"u8.ToArray()), fromZero.Single(v => v.Pcr == 8 && v.Bank == TpmAlgId.Sha1).After);
        // Predicting extends nothing.
        Assert.DoesNotContain(pcrs.Calls, c => c.StartsWith("extend", StringComparison.Ordinal));
    }

    [Fact]
    public void A_log_lacking_a_bank_cannot_explain_it()
    {
        var (log, _, _, _) = Boot();
        var records = CelLog.FromEventLog(log);
        var e = Assert.Throws<CelFormatException>(() => CelLog.Replay(records, [TpmAlgId.Sha384]));
        Assert.Contains("record 0 has no sha384 digest", e.Message);
    }

    private const string Good = "{\"recnum\":0,\"pcr\":9,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" +
        "0000000000000000000000000000000000000000000000000000000000000000\"}],\"content_type\":\"fobnail\",\"content\":{\"object\":\"kernel\",\"description\":\"k\",\"size\":1}}";

    [Theory]
    [InlineData("{\"recnum\":0,\"pcr\":9,\"digests\":[{\"hashAlg\":\"md5\",\"digest\":\"00\"}],\"content_type\":\"x\"}", "unknown hashAlg 'md5'")]
    [InlineData("{\"recnum\":0,\"pcr\":9,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"0000\"}],\"content_type\":\"x\"}", "is not 32 bytes of hex")]
    [InlineData("{\"recnum\":0,\"pcr\":24,\"digests\":[],\"content_type\":\"x\"}", "pcr is not a PCR index")]
    [InlineData("{\"recnum\":-1}", "recnum is not")]
    [InlineData("{\"recnum\":0,\"pcr\":9,\"digests\":[],\"content_type\":\"x\"}", "digests is empty")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"recnum\":0,", "line 1: not JSON")]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "not JSON")]
    [InlineData(Good + "\n" + "{\"recnum\":0,\"pcr\":9,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"zz00000000000000000000000000000000000000000000000000000000000000\"}],\"content_type\":\"x\"}", "line 2:")]
    public void Bad_records_are_refused_with_the_line_and_the_reason(string text, string message)
    {
        var e = Assert.Throws<CelFormatException>(() => CelLog.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_huge_line_and_a_million_records_are_refused_with_bounded_memory()
    {
        var e = Assert.Throws<CelFormatException>(() => CelLog.Parse(new GeneratedStream(_ => "x"u8.ToArray(), 100_000_000)));
        Assert.Contains("line 1: longer than 65536 bytes", e.Message);
        byte[] line = Encoding.UTF8.GetBytes(Good + "\n");
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        e = Assert.Throws<CelFormatException>(() => CelLog.Parse(new GeneratedStream(_ => line, 1_000_000L * line.Length)));
        Assert.Contains("more than 16384 records", e.Message);
        // Parsing stopped at the limit instead of reading (and keeping) a million records.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 200L << 20);
        e = Assert.Throws<CelFormatException>(() => CelLog.Parse(new GeneratedStream(_ => "\n"u8.ToArray(), 100L << 20)));
        Assert.Contains("larger than", e.Message);
    }

    /// <summary>
    /// Mutation fuzzing of a real log: every mutant parses, or fails with CelFormatException (nothing else), and
    /// a good share gets past the JSON syntax check into the record checks or all the way through.
    /// </summary>
    [Fact]
    public void Mutated_logs_fail_cleanly_and_most_reach_the_record_checks()
    {
        var (log, _, _, _) = Boot();
        byte[] seed = CelLog.Serialize(CelLog.FromEventLog(log));
        var random = new Random(1234);
        int parsed = 0, recordErrors = 0, syntaxErrors = 0;
        const int runs = 3000;
        for (int i = 0; i < runs; i++)
        {
            byte[] m = Mutate(seed, random);
            try
            {
                var records = CelLog.Parse(m);
                CelLog.Replay(records, Banks);
                parsed++;
            }
            catch (CelFormatException e) when (e.Message.Contains("not JSON")) { syntaxErrors++; }
            catch (CelFormatException) { recordErrors++; }
        }
        Assert.Equal(runs, parsed + recordErrors + syntaxErrors);
        Assert.True(parsed + recordErrors > runs * 3 / 10, $"only {parsed} parsed and {recordErrors} reached the record checks; {syntaxErrors} syntax errors");
        Assert.True(recordErrors > runs / 20, $"{recordErrors} record-level refusals");
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        byte[] m = (byte[])seed.Clone();
        // Mutate inside string values and digits mostly (what JSON syntax still accepts), sometimes anywhere.
        int n = 1 + random.Next(3);
        for (int j = 0; j < n; j++)
        {
            int at = random.Next(m.Length);
            m[at] = random.Next(4) switch
            {
                0 => (byte)random.Next(256),
                1 => (byte)"0123456789abcdef"[random.Next(16)],
                2 => (byte)"0123456789"[random.Next(10)],
                _ => m[random.Next(m.Length)],
            };
        }
        if (random.Next(10) == 0) m = m[..random.Next(m.Length)];
        return m;
    }

    /// <summary>A read-only stream of <paramref name="length"/> bytes made of repeated chunks, never held in memory.</summary>
    private sealed class GeneratedStream(Func<long, byte[]> chunk, long length) : Stream
    {
        private long _position;
        private byte[] _current = [];
        private int _offset;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int done = 0;
            while (done < count && _position < length)
            {
                if (_offset == _current.Length) { _current = chunk(_position); _offset = 0; }
                int n = (int)Math.Min(Math.Min(count - done, _current.Length - _offset), length - _position);
                Array.Copy(_current, _offset, buffer, offset + done, n);
                _offset += n; done += n; _position += n;
            }
            return done;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
