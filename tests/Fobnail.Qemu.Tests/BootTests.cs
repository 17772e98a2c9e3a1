using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>The walking skeleton in a real kernel: /init as PID 1, mounts, coldplug, power off, failure path.</summary>
public sealed class BootTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Init_runs_as_pid1_mounts_coldplugs_usb_host_controllers_and_powers_off()
    {
        await using var vm = QemuMachine.Start(new()
        {
            Name = "boot-coldplug",
            KernelParameters = "fobnail.steps=modules fobnail.final=poweroff",
            ExtraArguments = ["-device", "qemu-xhci,id=xhci", "-device", "usb-ehci,id=ehci"],
        });

        var (first, _) = await vm.WaitForAsync(@"^\[\s*([0-9.]+)\] fobnail-init INF fobnail-init \S+ running as PID 1$", Boot);
        foreach (var (fs, target) in new[] { ("proc", "/proc"), ("sysfs", "/sys"), ("devtmpfs", "/dev"), ("tmpfs", "/run"), ("tmpfs", "/tmp") })
            await vm.WaitForAsync($"INF mounted {fs} on {target}$", Step);

        // Loaded because coldplug found their PCI devices' modaliases, not from a list: the initramfs also holds
        // uhci_hcd and ohci_pci, and this machine has no such controller.
        await vm.WaitForAsync(@"INF coldplug: loaded xhci_pci \(pci:v00001B36d0000000D", Step);
        await vm.WaitForAsync(@"INF coldplug: loaded ehci_pci \(pci:v00008086d000024CD", Step);
        var (done, _) = await vm.WaitForAsync(@"INF poweroff: all steps done .*CPU time ([0-9.]+)s user \+ ([0-9.]+)s system since exec", Step);

        int exit = await vm.WaitForExitAsync(Step);
        string log = vm.Transcript;
        Assert.Equal(0, exit);
        Assert.Contains("reboot: Power down", log);
        Assert.DoesNotContain("Kernel panic", log);
        Assert.DoesNotContain("loaded ohci_pci", log);
        Assert.DoesNotContain("loaded uhci_hcd", log);
        // PID 1 ordering: /init's first words are its start line, which it logs only after mounting devtmpfs
        // (Serilog 4 touches Activity/Guid.NewGuid; done before the mount that fails, and keeps failing after
        // it). A logger created earlier would print or die before this line.
        string firstOfOurs = log.Split('\n').First(l => l.Contains("fobnail-init", StringComparison.Ordinal));
        Assert.Matches(@"fobnail-init INF fobnail-init \S+ running as PID 1", firstOfOurs);
        Assert.DoesNotContain("Unhandled exception", log);
        Assert.DoesNotContain("Attempted to kill init", log);
        output.WriteLine($"first /init log line at {first.Groups[1].Value} s after kernel start; " +
                         $"/init CPU time until poweroff {done.Groups[1].Value}s user + {done.Groups[2].Value}s system");
    }

    [Fact]
    public async Task A_failing_step_runs_the_failure_action_instead_of_killing_pid1()
    {
        await using var vm = QemuMachine.Start(new()
        {
            Name = "boot-fault",
            KernelParameters = "fobnail.steps=modules fobnail.debug.fault=modules fobnail.onfailure=poweroff fobnail.final=reboot",
        });

        await vm.WaitForAsync(@"ERR step modules: FAILED .*fault injected", Boot);
        await vm.WaitForAsync(@"INF poweroff: boot failed: ", Step);
        int exit = await vm.WaitForExitAsync(Step);
        string log = vm.Transcript;
        Assert.Equal(0, exit);
        Assert.Contains("reboot: Power down", log);
        Assert.DoesNotContain("Kernel panic", log);
        Assert.DoesNotContain("Attempted to kill init", log);
    }

    [Fact]
    public async Task Unknown_fobnail_options_are_reported_not_silently_ignored()
    {
        await using var vm = QemuMachine.Start(new()
        {
            Name = "boot-unknown-option",
            KernelParameters = "fobnail.steps=modules fobnail.final=poweroff fobnail.bogus=1 fobnail.final=sometimes",
        });

        await vm.WaitForAsync(@"WRN kernel command line: unknown option 'fobnail.bogus' ignored", Boot);
        await vm.WaitForAsync(@"WRN kernel command line: option 'fobnail.final=sometimes' ignored", Step);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
    }
}
