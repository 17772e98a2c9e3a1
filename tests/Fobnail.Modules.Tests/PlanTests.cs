using Fobnail.Modules;

namespace Fobnail.Modules.Tests;

/// <summary>Load order on the real Debian 6.1 fixture lines; expectations are what modprobe --show-depends prints.</summary>
public class PlanTests
{
    private static readonly ModuleIndex Index = Fixture.Index();

    [Theory]
    // The Fobnail Token: a CDC EEM interface (class 02, subclass 0C, protocol 07) on VID:PID 1234:4321.
    [InlineData("usb:v1234p4321d0100dc02dsc00dp00ic02isc0Cip07in00", "cdc_eem", "usb_common usbcore mii usbnet cdc_eem")]
    // QEMU's qemu-xhci controller (1B36:000D, class 0C03 prog-if 30).
    [InlineData("pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30", "xhci_pci", "usb_common usbcore xhci_hcd xhci_pci")]
    // ohci_pci has "softdep ohci_pci pre: ehci_pci": EHCI must claim the companion ports first.
    [InlineData("pci:v00008086d00002934sv00001AF4sd00001100bc0Csc03i10", "ohci_pci", "usb_common usbcore ohci_hcd ehci_hcd ehci_pci ohci_pci")]
    [InlineData("uhci-hcd", "uhci_hcd", "usb_common usbcore ehci_hcd ehci_pci uhci_hcd")]
    // A name with '-' finds the '_' module; aliases are normalized the same way ("fs-ext4").
    [InlineData("usb-storage", "usb_storage", "usb_common usbcore scsi_common scsi_mod usb_storage")]
    [InlineData("fs-ext4", "ext4", "crc32c_intel crc32c_generic jbd2 mbcache crc16 ext4")]
    // ksmbd: hard dependency first, then the first softdep line's pre: crc32 (an alias matching two modules).
    [InlineData("ksmbd", "ksmbd", "cifs_arc4 crc32_pclmul crc32_generic ksmbd")]
    // post: softdeps come after the module.
    [InlineData("ipmi_msghandler", "ipmi_msghandler", "ipmi_msghandler ipmi_devintf")]
    // Bracket ranges in usb-storage/uas aliases: bcdDevice 0x0100..0x0299 matches d0[0-2]*.
    [InlineData("usb:v13FDp3940d0200dc00dsc00dp00ic08isc06ip50in00", "uas usb_storage", "usb_common usbcore scsi_common scsi_mod usb_storage uas")]
    public void PlansLikeModprobe(string query, string targets, string order)
    {
        ModuleLoadPlan plan = Index.Resolve(query);
        Assert.Equal(targets.Split(' '), plan.Targets);
        Assert.Equal(order.Split(' '), plan.Steps.Select(s => s.Name));
        Assert.All(plan.Steps, s => Assert.StartsWith(Fixture.ModulesDir + "/kernel/", s.Path));
    }

    [Fact]
    public void SoftdepModulesAreOptionalAndHardDependenciesAreNot()
    {
        ModuleLoadPlan plan = Index.Resolve("ohci_pci");
        var optional = plan.Steps.Where(s => s.Optional).Select(s => s.Name);
        Assert.Equal(["ehci_hcd", "ehci_pci"], optional);
    }

    [Fact]
    public void LookupOrderIsNameAliasBuiltinBuiltinAlias()
    {
        Assert.Equal(ModuleLookupKind.Module, Index.Lookup("xhci-pci").Kind);
        Assert.Equal(ModuleLookupKind.Builtin, Index.Lookup("zbud").Kind);
        ModuleLookup crc32 = Index.Lookup("crc32");
        Assert.Equal(ModuleLookupKind.Alias, crc32.Kind);
        Assert.Equal(["crc32_pclmul", "crc32_generic"], crc32.Modules); // file order
        ModuleLookup zbud = Index.Lookup("zpool-zbud");
        Assert.Equal(ModuleLookupKind.BuiltinAlias, zbud.Kind);
        Assert.Equal(["zbud"], zbud.Modules);
        Assert.Equal(ModuleLookupKind.None, Index.Lookup("pci:v0000FFFFd0000FFFFsv0sd0bcFFscFFi00").Kind);
    }

    [Fact]
    public void BuiltinModulesArePlannedWithoutAPath()
    {
        ModuleLoadPlan plan = Index.Resolve("zbud");
        PlannedModule step = Assert.Single(plan.Steps);
        Assert.True(step.IsBuiltin);
    }

    [Fact]
    public void UnresolvableThingsAreNotesNotExceptions()
    {
        ModuleIndex index = ModuleIndex.Parse("/m", "k/a.ko:\n"u8, "alias x ghost\n"u8, "softdep a pre: nothing-here post: x\n"u8);
        ModuleLoadPlan plan = index.Resolve("a");
        Assert.Equal(["a"], plan.Steps.Select(s => s.Name));
        Assert.Contains("a: softdep pre: nothing-here matches no module", plan.Notes);
        Assert.Contains("a: softdep post: x → ghost: not in modules.dep", plan.Notes);

        ModuleLoadPlan ghost = index.Resolve("x");
        Assert.Empty(ghost.Steps);
        Assert.Contains("ghost: not in modules.dep", ghost.Notes);
    }

    [Fact]
    public void SoftdepCyclesTerminate()
    {
        ModuleIndex index = ModuleIndex.Parse("/m", "k/a.ko:\nk/b.ko:\n"u8, default,
            "softdep a pre: b\nsoftdep b pre: a post: a\n"u8);
        Assert.Equal(["b", "a"], index.Resolve("a").Steps.Select(s => s.Name));
        Assert.Equal(["a", "b"], index.Resolve("b").Steps.Select(s => s.Name));
    }
}
