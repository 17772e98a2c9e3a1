using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Fobnail.Netlink.Tests.Support;

/// <summary>
/// A network namespace made for one test (ip netns add) and deleted on Dispose, even when the test fails.
/// Netlink sockets belong to the namespace of the thread that creates them, so code that opens sockets runs
/// via <see cref="Enter{T}"/> on a dedicated thread that joined the namespace with setns(2).
/// </summary>
internal sealed partial class NetNs : IDisposable
{
    private const int CLONE_NEWNET = 0x40000000;

    public string Name { get; }

    public NetNs()
    {
        Name = $"fnl-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        Run("ip", "netns", "add", Name);
    }

    /// <summary>Runs <paramref name="body"/> on a fresh OS thread inside the namespace and returns its result.</summary>
    public T Enter<T>(Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/run/netns/{Name}");
                if (setns((int)ns.DangerousGetHandle(), CLONE_NEWNET) != 0)
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                result = body();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new InvalidOperationException("inside netns: " + error.Message, error);
        return result;
    }

    /// <summary>Runs "ip -n NAME ARGS..." and returns stdout; throws on a non-zero exit.</summary>
    public string Ip(params string[] args) => Run("ip", ["-n", Name, .. args]);

    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {stderr}");
        return stdout.Result;
    }

    public void Dispose()
    {
        try { Run("ip", "netns", "del", Name); }
        catch (InvalidOperationException) { }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);
}
