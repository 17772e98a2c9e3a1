using System.Runtime.InteropServices;
using Fobnail.Testing.Processes;

namespace Fobnail.Testing.Network;

/// <summary>
/// A network namespace made for one test (ip netns add) and deleted on Dispose, even when the test fails, so
/// tests address only what they created. Netlink and other sockets belong to the namespace of the thread that
/// creates them: code that opens sockets runs via <see cref="Enter{T}"/> on a thread that joined it (setns(2)).
/// </summary>
public sealed partial class NetworkNamespace : IDisposable
{
    private const int CLONE_NEWNET = 0x40000000;
    private static int s_counter;

    /// <summary>The namespace's name (/run/netns/NAME), unique to this process.</summary>
    public string Name { get; }

    /// <param name="purpose">A short word that shows in `ip netns list` while the test runs.</param>
    public NetworkNamespace(string purpose = "test")
    {
        Name = $"fnl-{purpose}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        // IFNAMSIZ is not the limit here, but a veth named after the namespace would be: keep names short.
        if (Name.Length > 40) throw new ArgumentException("purpose too long", nameof(purpose));
        Command.Output("ip", "netns", "add", Name);
        try
        {
            Ip("link", "set", "lo", "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Runs "ip -n NAME ARGS..." and returns stdout; throws on a non-zero exit.</summary>
    public string Ip(params string[] args) => Command.Output("ip", ["-n", Name, .. args]);

    /// <summary>
    /// A tap device <paramref name="device"/> holding <paramref name="address"/> (CIDR), up: the far end of a link
    /// whose other end is a QEMU guest's NIC (-netdev tap) or the USB twin's EEM function.
    /// </summary>
    public void AddTap(string device, string address)
    {
        Ip("tuntap", "add", "dev", device, "mode", "tap");
        Ip("addr", "add", address, "dev", device);
        Ip("link", "set", device, "up");
    }

    /// <summary>Runs a program inside the namespace (ip netns exec) to its end.</summary>
    public Task<CommandResult> RunAsync(string file, IEnumerable<string> args, CommandOptions? options = null) =>
        Command.RunAsync(file, args, (options ?? new CommandOptions()) with { NetworkNamespace = Name });

    /// <summary>The options that start a program inside this namespace.</summary>
    public CommandOptions Options => new() { NetworkNamespace = Name };

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

    public void Dispose()
    {
        Command.Run("ip", ["netns", "del", Name]);
    }

    // The one binding of the test library: Fobnail.Linux has no setns (the product never changes namespace).
    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);
}
