using System.Diagnostics;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>
/// The emulator where the real token stands: in its own network namespace on 169.254.0.1/16 (the default
/// --listen), reached over a veth pair from a second namespace, as a host with 169.254.0.8/16 would reach the
/// token. Both namespaces are created and deleted by the test.
/// </summary>
public sealed class NetnsTests : IDisposable
{
    private readonly string _id = $"{Environment.ProcessId % 10000}{Random.Shared.Next(1000):D3}";
    private readonly string _tokenNs;
    private readonly string _hostNs;
    private readonly string _dir = Directory.CreateTempSubdirectory("fobnail-netns-").FullName;

    public NetnsTests()
    {
        _tokenNs = "fbtok" + _id;
        _hostNs = "fbhost" + _id;
        Sh($"ip netns add {_tokenNs}");
        Sh($"ip netns add {_hostNs}");
        Sh($"ip link add fbt{_id} netns {_tokenNs} type veth peer name fbh{_id} netns {_hostNs}");
        Sh($"ip -n {_tokenNs} addr add 169.254.0.1/16 dev fbt{_id}");
        Sh($"ip -n {_hostNs} addr add 169.254.0.8/16 dev fbh{_id}");
        // A second host address outside the token's subnet (with a route back, so the emulator can answer it).
        Sh($"ip -n {_hostNs} addr add 10.77.0.2/24 dev fbh{_id}");
        foreach (string ns in new[] { _tokenNs, _hostNs })
        {
            Sh($"ip -n {ns} link set lo up");
        }
        Sh($"ip -n {_tokenNs} link set fbt{_id} up");
        Sh($"ip -n {_hostNs} link set fbh{_id} up");
        Sh($"ip -n {_tokenNs} route add 10.77.0.0/24 dev fbt{_id}");
    }

    private static string Sh(string command, int timeoutMs = 30_000)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(timeoutMs), $"{command} hung");
        if (p.ExitCode != 0) throw new InvalidOperationException($"{command} exited {p.ExitCode}: {err.Result}");
        return output + err.Result;
    }

    [Fact]
    public void Default_Listen_Address_Serves_The_Host_At_169_254_0_8_And_Logs_The_Unroutable_Client_Difference()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "fobnail-token-emulator.dll");
        var psi = new ProcessStartInfo("ip", ["netns", "exec", _tokenNs, "dotnet", dll, "--state", Path.Combine(_dir, "state"), "--provisioned"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using Process emu = Process.Start(psi)!;
        var lines = new List<string>();
        var listening = new TaskCompletionSource();
        void OnLine(string? l)
        {
            if (l == null) return;
            lock (lines) lines.Add(l);
            if (l.Contains("listening on 169.254.0.1:5683")) listening.TrySetResult();
        }
        emu.OutputDataReceived += (_, e) => OnLine(e.Data);
        emu.ErrorDataReceived += (_, e) => OnLine(e.Data);
        emu.BeginOutputReadLine();
        emu.BeginErrorReadLine();
        try
        {
            Assert.True(listening.Task.Wait(TimeSpan.FromSeconds(30)), "emulator did not start: " + string.Join('\n', lines));
            string outFile = Path.Combine(_dir, "version.bin");
            Sh($"ip netns exec {_hostNs} coap-client-notls -m get -o {outFile} coap://169.254.0.1/api/version");
            Assert.Equal(Convert.FromHexString("A16876657273696F6E738101"), File.ReadAllBytes(outFile));
            Assert.DoesNotContain(lines.ToArray(), l => l.Contains("FIRMWARE DIFFERENCE"));

            // From 10.77.0.2 the real token could not answer (no route; its UDP sink would panic).
            string outFile2 = Path.Combine(_dir, "version2.bin");
            Sh($"ip netns exec {_hostNs} coap-client-notls -a 10.77.0.2 -m get -o {outFile2} coap://169.254.0.1/api/version");
            Assert.Equal(Convert.FromHexString("A16876657273696F6E738101"), File.ReadAllBytes(outFile2));
            lock (lines)
                Assert.Contains(lines, l => l.Contains("FIRMWARE DIFFERENCE") && l.Contains("10.77.0.2") && l.Contains("panic"));
        }
        finally
        {
            if (!emu.HasExited) { emu.Kill(entireProcessTree: true); emu.WaitForExit(); }
        }
    }

    public void Dispose()
    {
        try { Sh($"ip netns del {_tokenNs}"); } catch (InvalidOperationException) { }
        try { Sh($"ip netns del {_hostNs}"); } catch (InvalidOperationException) { }
        Directory.Delete(_dir, recursive: true);
    }
}
