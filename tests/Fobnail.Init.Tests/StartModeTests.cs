using Fobnail.Init.Pid1;

namespace Fobnail.Init.Tests;

public sealed class StartModeTests
{
    [Theory]
    [InlineData(1, "/init", new string[0], true)]
    [InlineData(1, "/init", new[] { "single", "splash" }, true)] // words of the kernel command line it did not know
    [InlineData(1, "init", new string[0], true)]
    [InlineData(1, "/sbin/init", new string[0], true)]
    [InlineData(1, "/sbin/fobnail-init", new[] { "--init" }, true)]
    [InlineData(1, "out/fobnail-init", new[] { "tpm", "info" }, false)] // unshare -p -f: PID 1 of a namespace
    [InlineData(1, "/usr/bin/fobnail-init", new string[0], false)]
    [InlineData(1, "/usr/lib/fobnail/fobnail-init.dll", new string[0], false)]
    [InlineData(1, "/usr/bin/initialize", new string[0], false)]
    [InlineData(4242, "/init", new string[0], false)]
    [InlineData(4242, "/init", new[] { "--init" }, false)]
    public void Only_the_kernels_init_runs_the_boot_sequence(int pid, string argv0, string[] args, bool init)
    {
        Assert.Equal(init, StartMode.IsInit(pid, argv0, args));
    }
}
