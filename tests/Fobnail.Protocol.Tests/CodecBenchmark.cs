using System.Diagnostics;
using Fobnail.Coap;
using Xunit.Abstractions;

namespace Fobnail.Protocol.Tests;

/// <summary>
/// Throughput and allocations of the codecs for a typical message: a SignedObject (metadata as data, 256-byte
/// signature) and the CoAP POST /api/v1/attest carrying it. Not a timed test: it prints numbers and checks only
/// that every iteration produced the right result. Run:
/// <c>dotnet test tests/Fobnail.Protocol.Tests --no-build --filter Category=Benchmark --logger "console;verbosity=detailed"</c>
/// </summary>
[Trait("Category", "Benchmark")]
public class CodecBenchmark(ITestOutputHelper output)
{
    private const int Iterations = 200_000;

    private static readonly byte[] MetadataBytes =
        new Metadata(1, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56], "QEMU", "Standard PC (Q35 + ICH9, 2009)", "SN-0001").Encode();

    private static readonly SignedObject Signed = new(MetadataBytes, Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());

    private void Measure(string name, int bytesPerOp, Func<int> op)
    {
        for (int i = 0; i < 5_000; i++) op(); // warm-up (tiering)
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        long check = 0;
        for (int i = 0; i < Iterations; i++) check += op();
        sw.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Equal((long)Iterations * bytesPerOp, check);
        double ns = sw.Elapsed.TotalNanoseconds / Iterations;
        output.WriteLine($"{name,-28} {bytesPerOp,5} B  {ns,8:F0} ns/op  {1e9 / ns,10:F0} op/s  {bytesPerOp / ns * 1e9 / 1e6,7:F1} MB/s  {allocated / (double)Iterations,7:F0} B allocated/op");
    }

    [Fact]
    public void SignedObjectAndCoapMessage()
    {
        byte[] signedBytes = Signed.Encode();
        var request = new CoapMessage(CoapType.Confirmable, CoapCode.Post, 0x1234, [1, 2, 3, 4]) { Payload = signedBytes }.SetUriPath("/api/v1/attest");
        request.ContentFormat = 60;
        byte[] datagram = request.Encode();

        output.WriteLine($"{Environment.Version} {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} CPUs, {Iterations} iterations");
        Measure("SignedObject.Encode", signedBytes.Length, () => Signed.Encode().Length);
        int outer = signedBytes.Length - Signed.Data.Length - Signed.Signature.Length; // map and key overhead
        Measure("SignedObject.Decode (strict)", signedBytes.Length, () =>
        {
            var d = SignedObject.Decode(signedBytes);
            return d.Data.Length + d.Signature.Length + outer;
        });
        Measure("Metadata.Decode (strict)", MetadataBytes.Length, () => Metadata.Decode(MetadataBytes).Mac.Length + MetadataBytes.Length - 6);
        Measure("CoapMessage.Encode", datagram.Length, () => request.Encode().Length);
        Measure("CoapMessage.Decode", datagram.Length, () => CoapMessage.Decode(datagram).Payload.Length + datagram.Length - signedBytes.Length);
    }
}
