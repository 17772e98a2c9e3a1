using System.Diagnostics;
using Fobnail.Modules;
using Xunit.Abstractions;

namespace Fobnail.Modules.Tests;

public class PlanTextTests(ITestOutputHelper output)
{
    [Fact]
    public void ResolveOutputShowsMatchOrderPathsAndSoftdeps()
    {
        ModuleIndex index = Fixture.Index();
        ModuleLookup lookup = index.Lookup("pci:v00008086d00002934sv00001AF4sd00001100bc0Csc03i10");
        var text = new StringWriter();
        ModulePlanText.Write(text, lookup, index.Plan(lookup.Modules));
        string d = Fixture.ModulesDir + "/kernel/drivers/usb";
        Assert.Equal(
            $"""
            pci:v00008086d00002934sv00001AF4sd00001100bc0Csc03i10: alias of ohci_pci
            load order:
               1  usb_common  {d}/common/usb-common.ko
               2  usbcore     {d}/core/usbcore.ko
               3  ohci_hcd    {d}/host/ohci-hcd.ko
               4  ehci_hcd    {d}/host/ehci-hcd.ko  (softdep)
               5  ehci_pci    {d}/host/ehci-pci.ko  (softdep)
               6  ohci_pci    {d}/host/ohci-pci.ko

            """.ReplaceLineEndings("\n"),
            text.ToString().ReplaceLineEndings("\n"));

        text = new StringWriter();
        ModulePlanText.Write(text, index.Lookup("nope"), index.Plan([]));
        Assert.Equal("nope: no module or alias matches\n", text.ToString().ReplaceLineEndings("\n"));
    }

    /// <summary>Measured: loading the whole Debian 6.1 index (4023 modules, 26k aliases) and one modalias lookup.</summary>
    [Fact]
    public void FullDebianIndexLoadsAndMatchesQuickly()
    {
        string dir = Fixture.DebianModulesDir()
            ?? throw new InvalidOperationException("build/kernel/lib/modules/*/modules.dep is missing: run the kernel unpack step of build.sh first");
        var watch = Stopwatch.StartNew();
        ModuleIndex index = ModuleIndex.Load(dir);
        TimeSpan load = watch.Elapsed;
        watch.Restart();
        const int lookups = 1000;
        for (int i = 0; i < lookups; i++)
            Assert.Equal(["cdc_eem"], index.Lookup("usb:v1234p4321d0100dc02dsc00dp00ic02isc0Cip07in00").Modules);
        TimeSpan perLookup = watch.Elapsed / lookups;
        output.WriteLine($"index load {load.TotalMilliseconds:F0} ms ({index.Modules.Count} modules, {index.Aliases.Aliases.Count} aliases); " +
            $"USB modalias lookup {perLookup.TotalMicroseconds:F0} µs");
        Assert.True(load < TimeSpan.FromSeconds(5), $"load took {load}");
        Assert.True(perLookup < TimeSpan.FromMilliseconds(20), $"lookup took {perLookup}");
    }
}
