using System.Runtime.InteropServices;
using Fobnail.Init.Pid1;

namespace Fobnail.Init.Tests;

/// <summary>
/// PID 1 adopts orphans and must reap them. On the host we get the same adoption by making the test process a
/// child subreaper (prctl PR_SET_CHILD_SUBREAPER): a shell that backgrounds a sleep and exits leaves the sleep to us.
/// The children are started with posix_spawn, not System.Diagnostics.Process, whose own reaping would hide ours.
/// </summary>
public sealed partial class ChildReaperTests
{
    private const int PR_SET_CHILD_SUBREAPER = 36;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int posix_spawn(out int pid, byte* path, nint fileActions, nint attr, byte** argv, byte** envp);

    private static unsafe int Spawn(params string[] argv)
    {
        var handles = argv.Select(a => Marshal.StringToCoTaskMemUTF8(a)).ToArray();
        try
        {
            byte** args = stackalloc byte*[argv.Length + 1];
            for (int i = 0; i < handles.Length; i++) args[i] = (byte*)handles[i];
            args[argv.Length] = null;
            byte** env = stackalloc byte*[1];
            env[0] = null;
            int rc = posix_spawn(out int pid, args[0], 0, 0, args, env);
            Assert.Equal(0, rc);
            return pid;
        }
        finally { foreach (var h in handles) Marshal.FreeCoTaskMem(h); }
    }

    private static bool Exists(int pid) => Directory.Exists($"/proc/{pid}");

    [Fact]
    public async Task Orphans_adopted_by_us_are_reaped_and_leave_no_zombie()
    {
        Assert.Equal(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
        using var reaper = new ChildReaper(Serilog.Core.Logger.None);
        string pidFile = Path.Combine(Path.GetTempPath(), $"fobnail-reaper-{Guid.NewGuid():N}");
        try
        {
            int shell = Spawn("/bin/sh", "-c", $"sleep 0.3 & echo $! > {pidFile}");
            int orphan = 0;
            for (int i = 0; i < 100 && orphan == 0; i++)
            {
                await Task.Delay(50);
                if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int p)) orphan = p;
            }
            Assert.NotEqual(0, orphan);

            // Both the shell (our child) and the sleep (adopted when the shell exited) must be gone entirely:
            // a zombie would keep its /proc entry.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while ((Exists(shell) || Exists(orphan)) && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.False(Exists(shell), $"shell {shell} was not reaped");
            Assert.False(Exists(orphan), $"orphan {orphan} was not reaped");
            Assert.True(reaper.Reaped >= 2, $"reaped {reaper.Reaped}");
        }
        finally { File.Delete(pidFile); }
    }
}
