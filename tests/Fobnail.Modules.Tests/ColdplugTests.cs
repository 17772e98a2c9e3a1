using System.Diagnostics;
using Fobnail.Modules;
using Xunit.Abstractions;

namespace Fobnail.Modules.Tests;

public sealed class ColdplugTests(ITestOutputHelper output) : IDisposable
{
    private const string TokenModalias = "usb:v1234p4321d0100dc02dsc00dp00ic02isc0Cip07in00";
    private const string XhciModalias = "pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30";
    private readonly string _root = Directory.CreateTempSubdirectory("fobnail-coldplug-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Device(string relative, string modalias)
    {
        string dir = Path.Combine(_root, "devices", relative);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "modalias"), modalias + "\n");
    }

    [Fact]
    public async Task LoadsWhatTheDevicesNeed()
    {
        Device("pci0000:00/0000:00:02.0", XhciModalias);
        Device("pci0000:00/0000:00:02.0/usb1/1-1/1-1:1.0", TokenModalias);
        Device("pci0000:00/0000:00:03.0", XhciModalias); // same modalias twice: one lookup
        Device("platform/serial8250", "platform:serial8250"); // no module for it
        Device("platform/empty", "");
        // A symlink cycle like sysfs's "subsystem"/"driver" links, and a symlinked modalias: neither is followed.
        Directory.CreateSymbolicLink(Path.Combine(_root, "devices", "pci0000:00", "loop"), Path.Combine(_root, "devices"));
        File.WriteAllText(Path.Combine(_root, "elsewhere"), "usb:v13FDp3940d0200dc00dsc00dp00ic08isc06ip50in00");
        Directory.CreateDirectory(Path.Combine(_root, "devices", "linked"));
        File.CreateSymbolicLink(Path.Combine(_root, "devices", "linked", "modalias"), Path.Combine(_root, "elsewhere"));

        var kernel = new FakeKernel();
        ColdplugSummary summary = await Coldplug.RunAsync(new ModuleLoader(Fixture.Index(), kernel), _root);

        Assert.Equal(4, summary.Devices);
        Assert.Equal(3, summary.Modaliases);
        Assert.Equal(1, summary.Unmatched);
        Assert.False(summary.Truncated);
        Assert.Empty(summary.Failed);
        Assert.Equal(["cdc_eem", "xhci_pci"], summary.Loaded.Select(l => l.Module).Order());
        Assert.Contains(("xhci_pci", XhciModalias), summary.Loaded);
        Assert.DoesNotContain("usb_storage", kernel.Inserted);
        Assert.Equal(kernel.Inserted.Count, kernel.Inserted.Distinct().Count());
    }

    [Fact]
    public async Task FailuresAreReportedNotThrown()
    {
        Device("pci0000:00/0000:00:02.0", XhciModalias);
        var kernel = new FakeKernel();
        kernel.Errors["xhci_hcd"] = 1; // EPERM
        ColdplugSummary summary = await Coldplug.RunAsync(new ModuleLoader(Fixture.Index(), kernel), _root);
        ModuleLoadResult failed = Assert.Single(summary.Failed);
        Assert.Equal("xhci_pci", failed.Module);
        Assert.Equal(1, failed.Errno);
        Assert.Empty(summary.Loaded);
    }

    [Fact]
    public async Task BlacklistedModulesAreNeitherLoadedNorFailures()
    {
        Device("pci0000:00/0000:00:02.0", XhciModalias);
        var kernel = new FakeKernel();
        var loader = new ModuleLoader(Fixture.Index(), kernel, ModuleParameters.FromKernelCommandLine("modprobe.blacklist=xhci_pci"));
        ColdplugSummary summary = await Coldplug.RunAsync(loader, _root);
        Assert.Empty(summary.Loaded);
        Assert.Empty(summary.Failed);
        Assert.Empty(kernel.Calls);
    }

    [Fact]
    public void DepthIsBounded()
    {
        string deep = string.Join('/', Enumerable.Range(0, Coldplug.MaxDepth + 5).Select(i => "d"));
        Device(deep, XhciModalias);
        Device("shallow", TokenModalias);
        ColdplugScan scan = Coldplug.Scan(_root);
        Assert.True(scan.Truncated);
        Assert.Equal([TokenModalias], scan.Modaliases);
    }

    [Fact]
    public void MissingSysfsIsAnEmptyScan()
    {
        ColdplugScan scan = Coldplug.Scan(Path.Combine(_root, "nothing-here"));
        Assert.Empty(scan.Modaliases);
        Assert.Equal(0, scan.Devices);
    }

    /// <summary>This machine's real /sys, read only, with the full Debian index if present, else the fixture.</summary>
    [Fact]
    public async Task RealSysfsWalkIsBoundedAndFast()
    {
        Coldplug.Scan("/sys"); // warm the dentry cache and the code
        var watch = Stopwatch.StartNew();
        const int rounds = 20;
        ColdplugScan scan = Coldplug.Scan("/sys");
        for (int i = 1; i < rounds; i++)
            Coldplug.Scan("/sys");
        TimeSpan scanTime = watch.Elapsed / rounds;
        output.WriteLine($"/sys scan: {scanTime.TotalMilliseconds:F1} ms for {scan.Devices} modalias files");
        Assert.False(scan.Truncated);
        Assert.NotEmpty(scan.Modaliases);
        Assert.All(scan.Modaliases, m => Assert.Contains(':', m));
        Assert.True(scanTime < TimeSpan.FromSeconds(10), $"scan took {scanTime}");

        string? debian = Fixture.DebianModulesDir();
        ModuleIndex index = debian is null ? Fixture.Index() : ModuleIndex.Load(debian);
        var kernel = new FakeKernel();
        watch.Restart();
        ColdplugSummary summary = await Coldplug.RunAsync(new ModuleLoader(index, kernel), "/sys");
        Assert.Equal(scan.Modaliases.Count, summary.Modaliases);
        Assert.Equal(kernel.Inserted.Count, kernel.Inserted.Distinct().Count());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"coldplug took {watch.Elapsed}");
    }
}
