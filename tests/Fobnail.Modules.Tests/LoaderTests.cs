using System.Text;
using Fobnail.Modules;

namespace Fobnail.Modules.Tests;

public class LoaderTests
{
    private const string TokenModalias = "usb:v1234p4321d0100dc02dsc00dp00ic02isc0Cip07in00";
    private const string XhciModalias = "pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30";

    private static readonly ModuleIndex Index = Fixture.Index();

    [Fact]
    public async Task LoadsDependenciesDeepestFirstThenTheModule()
    {
        var kernel = new FakeKernel();
        var loader = new ModuleLoader(Index, kernel);
        ModuleLoadResult result = await loader.LoadByNameAsync("cdc-eem");
        Assert.Equal(new ModuleLoadResult("cdc_eem", ModuleLoadStatus.Loaded), result);
        Assert.Equal(["usb_common", "usbcore", "mii", "usbnet", "cdc_eem"], kernel.Inserted);
        Assert.Equal(Fixture.ModulesDir + "/kernel/drivers/net/usb/cdc_eem.ko", kernel.Calls[^1].Path);
        Assert.All(kernel.Calls, c => Assert.Equal(FinitModuleFlags.None, c.Flags));
    }

    [Fact]
    public async Task ModaliasLoadsEveryMatchingModuleAndEachModuleOnlyOnce()
    {
        var kernel = new FakeKernel();
        var loader = new ModuleLoader(Index, kernel);
        IReadOnlyList<ModuleLoadResult> results = await loader.LoadForModaliasAsync("usb:v13FDp3940d0200dc00dsc00dp00ic08isc06ip50in00");
        Assert.Equal(["uas", "usb_storage"], results.Select(r => r.Module));
        Assert.All(results, r => Assert.Equal(ModuleLoadStatus.Loaded, r.Status));
        Assert.Equal(["usb_common", "usbcore", "scsi_common", "scsi_mod", "usb_storage", "uas"], kernel.Inserted);

        // Later requests reuse the outcome of the one attempt per module.
        await loader.LoadForModaliasAsync(TokenModalias);
        await loader.LoadByNameAsync("usb_storage");
        Assert.Equal(["usb_common", "usbcore", "scsi_common", "scsi_mod", "usb_storage", "uas", "mii", "usbnet", "cdc_eem"], kernel.Inserted);
    }

    [Fact]
    public async Task ConcurrentCallersShareOneAttemptPerModuleAndKeepDependencyOrder()
    {
        var kernel = new FakeKernel { Delay = TimeSpan.FromMilliseconds(3) };
        var loader = new ModuleLoader(Index, kernel);
        string[] queries = [TokenModalias, XhciModalias, "cdc_ether", "usb-storage", "uas", "ohci_pci", "uhci_hcd", "fs-ext4", "ksmbd"];
        var tasks = Enumerable.Range(0, 90).Select(i => Task.Run(() => loader.LoadByNameAsync(queries[i % queries.Length])));
        ModuleLoadResult[] results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.Equal(ModuleLoadStatus.Loaded, r.Status));

        List<string> inserted = kernel.Inserted.ToList();
        Assert.Equal(inserted.Count, inserted.Distinct().Count());
        foreach (string module in inserted)
        {
            foreach (string dep in Index.Modules[module].Dependencies)
                Assert.True(inserted.IndexOf(dep) < inserted.IndexOf(module), $"{dep} inserted after {module}: {string.Join(' ', inserted)}");
        }
    }

    [Fact]
    public async Task AlreadyLoadedCases()
    {
        var kernel = new FakeKernel();
        kernel.Present.Add("usbcore");
        kernel.Present.Add("usb_common");
        kernel.Errors["mii"] = 17; // EEXIST: someone else loaded it meanwhile
        var loader = new ModuleLoader(Index, kernel);

        Assert.Equal(ModuleLoadStatus.Loaded, (await loader.LoadByNameAsync("cdc_eem")).Status);
        Assert.Equal(["mii", "usbnet", "cdc_eem"], kernel.Inserted);
        Assert.Equal(new ModuleLoadResult("usbcore", ModuleLoadStatus.AlreadyLoaded, 0, "present in /sys/module"), await loader.LoadByNameAsync("usbcore"));
        Assert.Equal(new ModuleLoadResult("mii", ModuleLoadStatus.AlreadyLoaded, 0, "EEXIST from finit_module"), await loader.LoadByNameAsync("mii"));
        Assert.Equal(new ModuleLoadResult("zbud", ModuleLoadStatus.AlreadyLoaded, 0, "built in"), await loader.LoadByNameAsync("zbud"));
        Assert.Equal([new ModuleLoadResult("zbud", ModuleLoadStatus.AlreadyLoaded, 0, "built in")], await loader.LoadForModaliasAsync("zpool-zbud"));
    }

    [Fact]
    public async Task NotFound()
    {
        var kernel = new FakeKernel();
        var loader = new ModuleLoader(Index, kernel);
        Assert.Equal(ModuleLoadStatus.NotFound, (await loader.LoadByNameAsync("no-such-module")).Status);
        Assert.Equal("no_such_module", (await loader.LoadByNameAsync("no-such-module")).Module);
        Assert.Empty(await loader.LoadForModaliasAsync("pci:v0000FFFFd0000FFFFsv00000000sd00000000bcFFscFFi00"));

        ModuleIndex ghostIndex = ModuleIndex.Parse("/m", "k/a.ko:\n"u8, "alias x ghost\n"u8);
        var ghost = await new ModuleLoader(ghostIndex, kernel).LoadForModaliasAsync("x");
        Assert.Equal(ModuleLoadStatus.NotFound, Assert.Single(ghost).Status);
        Assert.Empty(kernel.Calls);
    }

    [Fact]
    public async Task FailedHardDependencyStopsTheModuleAndIsNotRetried()
    {
        var kernel = new FakeKernel();
        kernel.Errors["usbcore"] = 8; // ENOEXEC
        var loader = new ModuleLoader(Index, kernel);
        ModuleLoadResult result = await loader.LoadByNameAsync("cdc_eem");
        Assert.Equal(ModuleLoadStatus.Failed, result.Status);
        Assert.Equal("cdc_eem", result.Module);
        Assert.Equal(8, result.Errno);
        Assert.StartsWith("dependency usbcore failed: ENOEXEC loading", result.Detail);
        Assert.Equal(["usb_common", "usbcore"], kernel.Inserted);

        ModuleLoadResult direct = await loader.LoadByNameAsync("usbcore");
        Assert.Equal(new ModuleLoadResult("usbcore", ModuleLoadStatus.Failed, 8, $"ENOEXEC loading {Fixture.ModulesDir}/kernel/drivers/usb/core/usbcore.ko"), direct);
        await loader.LoadForModaliasAsync(XhciModalias);
        Assert.Equal(["usb_common", "usbcore"], kernel.Inserted); // attempted once per boot
    }

    [Fact]
    public async Task FailedSoftdepDoesNotStopTheModule()
    {
        var kernel = new FakeKernel();
        kernel.Errors["ehci_pci"] = 19; // ENODEV
        var loader = new ModuleLoader(Index, kernel);
        Assert.Equal(new ModuleLoadResult("ohci_pci", ModuleLoadStatus.Loaded), await loader.LoadByNameAsync("ohci-pci"));
        Assert.Equal(["usb_common", "usbcore", "ohci_hcd", "ehci_hcd", "ehci_pci", "ohci_pci"], kernel.Inserted);
    }

    [Fact]
    public async Task TargetFailureCarriesErrnoAndKernelExceptionsBecomeFailures()
    {
        var kernel = new FakeKernel();
        kernel.Errors["cdc_eem"] = 129; // EKEYREJECTED: bad module signature
        ModuleLoadResult result = await new ModuleLoader(Index, kernel).LoadByNameAsync("cdc_eem");
        Assert.Equal(ModuleLoadStatus.Failed, result.Status);
        Assert.Equal(129, result.Errno);
        Assert.StartsWith("EKEYREJECTED", result.Detail);

        ModuleLoadResult exploded = await new ModuleLoader(Index, new FakeKernel { Throw = true }).LoadByNameAsync("mii");
        Assert.Equal(new ModuleLoadResult("mii", ModuleLoadStatus.Failed, 0, "kernel exploded"), exploded);
    }

    [Fact]
    public async Task ParametersComeFromTheKernelCommandLine()
    {
        var kernel = new FakeKernel();
        var parameters = ModuleParameters.FromKernelCommandLine(
            "BOOT_IMAGE=/vmlinuz quiet usbcore.autosuspend=-1 cdc-eem.name=\"a b\" usbnet.x usbcore.old_scheme_first=y -- usbcore.ignored=1");
        var loader = new ModuleLoader(Index, kernel, parameters);
        await loader.LoadByNameAsync("cdc_eem");
        var byModule = kernel.Calls.ToDictionary(c => c.Module, c => c.Params);
        Assert.Equal("autosuspend=-1 old_scheme_first=y", byModule["usbcore"]);
        Assert.Equal("name=\"a b\"", byModule["cdc_eem"]);
        Assert.Equal("x", byModule["usbnet"]);
        Assert.Equal("", byModule["mii"]);
    }

    [Fact]
    public async Task CompressedModulesGetMODULE_INIT_COMPRESSED_FILE()
    {
        var kernel = new FakeKernel();
        ModuleIndex index = ModuleIndex.Parse("/lib/modules/6.12", "kernel/a.ko.zst: kernel/b.ko.xz\nkernel/b.ko.xz: kernel/c.ko\nkernel/c.ko:\n"u8);
        await new ModuleLoader(index, kernel).LoadByNameAsync("a");
        Assert.Equal(
            [("c", FinitModuleFlags.None), ("b", FinitModuleFlags.MODULE_INIT_COMPRESSED_FILE), ("a", FinitModuleFlags.MODULE_INIT_COMPRESSED_FILE)],
            kernel.Calls.Select(c => (c.Module, c.Flags)));
        Assert.Equal("/lib/modules/6.12/kernel/a.ko.zst", kernel.Calls[^1].Path);
    }

    [Fact]
    public async Task HungModuleInitTimesOutWithoutBlockingForever()
    {
        var kernel = new FakeKernel { Delay = TimeSpan.FromSeconds(2) };
        var loader = new ModuleLoader(Index, kernel) { InitTimeout = TimeSpan.FromMilliseconds(100) };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        ModuleLoadResult result = await loader.LoadByNameAsync("usb_common");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"waited {watch.Elapsed}");
        Assert.Equal(new ModuleLoadResult("usb_common", ModuleLoadStatus.Failed, ModuleLoader.ETIMEDOUT, "finit_module still running after 0.1 s"), result);

        // The syscall finishes eventually; the shared attempt then reports its real outcome, without a second call.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(ModuleLoadStatus.Loaded, (await loader.LoadByNameAsync("usb_common")).Status);
        Assert.Equal(["usb_common"], kernel.Inserted);
    }

    [Fact]
    public async Task CancellationAlsoStopsWaitingForASlowInit()
    {
        var loader = new ModuleLoader(Index, new FakeKernel { Delay = TimeSpan.FromSeconds(2) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loader.LoadByNameAsync("mii", cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"waited {watch.Elapsed}");
    }

    [Fact]
    public async Task CancellationIsHonouredBetweenModules()
    {
        var loader = new ModuleLoader(Index, new FakeKernel());
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loader.LoadByNameAsync("cdc_eem", cts.Token));
    }

    [Fact]
    public async Task BlacklistSkipsModaliasMatchesButNotExplicitLoads()
    {
        var kernel = new FakeKernel();
        var parameters = ModuleParameters.FromKernelCommandLine("modprobe.blacklist=cdc-eem,uas modprobe.blacklist=nothing");
        Assert.Equal(["cdc_eem", "uas", "nothing"], parameters.Blacklist);
        Assert.Empty(parameters.Modules); // "modprobe" is not a module
        var loader = new ModuleLoader(Index, kernel, parameters);

        Assert.Equal([new ModuleLoadResult("cdc_eem", ModuleLoadStatus.Blacklisted, 0, "modprobe.blacklist")], await loader.LoadForModaliasAsync(TokenModalias));
        Assert.Empty(kernel.Calls);
        var storage = await loader.LoadForModaliasAsync("usb:v13FDp3940d0200dc00dsc00dp00ic08isc06ip50in00");
        Assert.Equal([ModuleLoadStatus.Blacklisted, ModuleLoadStatus.Loaded], storage.Select(r => r.Status));
        Assert.DoesNotContain("uas", kernel.Inserted);

        Assert.Equal(ModuleLoadStatus.Loaded, (await loader.LoadByNameAsync("cdc_eem")).Status);
        Assert.Contains("cdc_eem", kernel.Inserted);
    }

    [Fact]
    public void ModuleParametersTable()
    {
        var p = ModuleParameters.FromKernelCommandLine("\"a.b=c d\" x.y=\"1 2\" .z=1 m.=2 n.flag nodot=3 e-f.g=h\tq.r=s");
        Assert.Equal("b=\"c d\"", p.For("a"));
        Assert.Equal("y=\"1 2\"", p.For("x"));
        Assert.Equal("flag", p.For("n"));
        Assert.Equal("g=h", p.For("e_f"));
        Assert.Equal("g=h", p.For("e-f"));
        Assert.Equal("r=s", p.For("q"));
        Assert.Equal("", p.For("nodot"));
        Assert.Equal(["a", "x", "n", "e_f", "q"], p.Modules);
        Assert.Empty(ModuleParameters.FromKernelCommandLine("").Modules);
    }
}
