using System.Text;
using Fobnail.Modules;

namespace Fobnail.Modules.Tests;

public class ParserTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    [Fact]
    public void ModulesDepFixtureParses()
    {
        var modules = ModulesDepParser.Parse(Fixture.Bytes("modules.dep"));
        Assert.Equal(33, modules.Count);
        ModuleEntry eem = modules["cdc_eem"];
        Assert.Equal("kernel/drivers/net/usb/cdc_eem.ko", eem.Path);
        Assert.Equal(["usbnet", "mii", "usbcore", "usb_common"], eem.Dependencies);
        Assert.Empty(modules["usb_common"].Dependencies);
        Assert.Equal("kernel/drivers/usb/host/xhci-pci.ko", modules["xhci_pci"].Path); // '-' normalized in the name only
    }

    [Fact]
    public void ModulesDepDependencyWithoutOwnLineBecomesAnEntry()
    {
        var modules = ModulesDepParser.Parse(B("a.ko: x/b-c.ko.zst\n"));
        Assert.Equal("x/b-c.ko.zst", modules["b_c"].Path);
        Assert.Empty(modules["b_c"].Dependencies);
    }

    [Fact]
    public void ModulesAliasFixtureParsesInFileOrder()
    {
        var aliases = ModulesAliasParser.Parse(Fixture.Bytes("modules.alias"));
        Assert.Contains(new ModuleAlias("usb:v*p*d*dc*dsc*dp*ic02isc0Cip07in*", "cdc_eem"), aliases);
        // "alias crypto-crc32c crc32c_intel" is stored normalized, like kmod's alias_normalize.
        Assert.Contains(new ModuleAlias("crypto_crc32c", "crc32c_intel"), aliases);
        // Ranges inside brackets keep their '-'.
        Assert.Contains(aliases, a => a.Pattern.Contains("d0[0-2]*") && a.Module == "uas");
    }

    [Fact]
    public void ModulesSoftdepFollowsKmod()
    {
        var softdeps = ModulesSoftdepParser.Parse(Fixture.Bytes("modules.softdep"));
        Assert.Equal(["crypto-crc32c"], softdeps["ext4"].Pre);
        Assert.Equal(["ehci_pci"], softdeps["ohci_pci"].Pre);
        Assert.Equal(["ipmi_devintf"], softdeps["ipmi_msghandler"].Post);
        Assert.Equal(["platform:gpio_amd_fch", "platform:leds-gpio", "platform:gpio_keys_polled"], softdeps["pcengines_apuv2"].Pre);
        // Only the first line per module counts, as in libkmod: ksmbd's twelve lines mean "pre: crc32".
        Assert.Equal(["crc32"], softdeps["ksmbd"].Pre);
        // "softdep cifs gcm" has no pre:/post:, so kmod (and we) see no softdep at all for cifs.
        Assert.Empty(softdeps["cifs"].Pre);
        Assert.Empty(softdeps["cifs"].Post);
    }

    [Fact]
    public void ModulesBuiltinAndModinfoParse()
    {
        var builtin = ModulesBuiltinParser.Parse(Fixture.Bytes("modules.builtin"));
        Assert.Equal(60, builtin.Count);
        Assert.Contains("zbud", builtin);
        var aliases = ModulesBuiltinModinfoParser.Parse(Fixture.Bytes("modules.builtin.modinfo"));
        Assert.Contains(new ModuleAlias("zpool_zbud", "zbud"), aliases);
        Assert.DoesNotContain(aliases, a => a.Pattern.Contains("arch/")); // only .alias= records
    }

    [Theory]
    [InlineData("modules.dep", "kernel/a.ko kernel/b.ko\n", 1, "expected \"<path>: <dependencies>\"")]
    [InlineData("modules.dep", "\n\nkernel/a.ko:\nkernel/a.ko:\n", 4, "listed twice")]
    [InlineData("modules.dep", "kernel/a.txt:\n", 1, "is not a .ko file")]
    [InlineData("modules.dep", "kernel/a.ko: ../../etc/b.ko\n", 1, "contains '..'")]
    [InlineData("modules.dep", "kernel/a.ko: kernel/a.ko\n", 1, "depends on itself")]
    [InlineData("modules.dep", "kernel/a.ko:\n\0\n", 2, "NUL byte")]
    [InlineData("modules.alias", "alias usb:v* cdc_eem extra\n", 1, "got 4 words")]
    [InlineData("modules.alias", "# c\nalias usb:v*\n", 2, "got 2 words")]
    [InlineData("modules.alias", "options usbcore x=1\n", 1, "unknown command 'options'")]
    [InlineData("modules.alias", "alias x a/b\n", 1, "contains '/'")]
    [InlineData("modules.softdep", "softdep\n", 1, "without a module name")]
    [InlineData("modules.softdep", "blacklist foo\n", 1, "unknown command 'blacklist'")]
    [InlineData("modules.builtin", "kernel/a.ko kernel/b.ko\n", 1, "expected one module path, got 2")]
    [InlineData("modules.builtin", "kernel/a.o\n", 1, "is not a .ko file")]
    [InlineData("modules.builtin.modinfo", "a.alias=x\0garbage\0", 2, "expected \"module.key=value\"")]
    public void MalformedLinesNameFileAndLine(string file, string content, int line, string message)
    {
        var e = Assert.Throws<ModuleIndexException>(() => ParseOne(file, B(content)));
        Assert.Equal(file, e.FileName);
        Assert.Equal(line, e.LineNumber);
        Assert.Contains(message, e.Message);
        Assert.StartsWith($"{file}:{line}: ", e.Message);
    }

    [Fact]
    public void LimitsAreEnforced()
    {
        var longLine = B("kernel/a.ko: " + string.Join(' ', Enumerable.Range(0, 3000).Select(i => $"d{i}.ko")) + "\n");
        Assert.Contains("line longer than", Assert.Throws<ModuleIndexException>(() => ModulesDepParser.Parse(longLine)).Message);

        var manyDeps = B("kernel/a.ko: " + string.Join(' ', Enumerable.Range(0, 1100).Select(i => $"d{i}.ko")) + "\n");
        Assert.Contains("more than 1024 dependencies", Assert.Throws<ModuleIndexException>(() => ModulesDepParser.Parse(manyDeps)).Message);

        var manyLines = new byte[ModuleIndexLimits.MaxLines + 1];
        Array.Fill(manyLines, (byte)'\n');
        Assert.Contains("more than", Assert.Throws<ModuleIndexException>(() => ModulesAliasParser.Parse(manyLines)).Message);

        var huge = new byte[ModuleIndexLimits.MaxFileBytes + 1];
        var e = Assert.Throws<ModuleIndexException>(() => ModuleIndex.Parse("/x", huge));
        Assert.Equal("modules.dep", e.FileName);
        Assert.Equal(0, e.LineNumber);
    }

    [Fact]
    public void MissingDirectoryOrModulesDepIsAClearError()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fobnail-modules-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<ModuleIndexException>(() => ModuleIndex.Load(dir));
        Assert.Contains("does not exist", e.Message);
        Directory.CreateDirectory(dir);
        try
        {
            e = Assert.Throws<ModuleIndexException>(() => ModuleIndex.Load(dir));
            Assert.Equal($"modules.dep: {dir}/modules.dep does not exist (was depmod run?)", e.Message);

            // Only modules.dep present: the optional files are treated as empty.
            File.WriteAllText(Path.Combine(dir, "modules.dep"), "kernel/a.ko:\n");
            ModuleIndex index = ModuleIndex.Load(dir);
            Assert.Single(index.Modules);
            Assert.Empty(index.Aliases.Aliases);

            File.WriteAllText(Path.Combine(dir, "modules.softdep"), "softdep a pre: b\nsoftdep\n");
            e = Assert.Throws<ModuleIndexException>(() => ModuleIndex.Load(dir));
            Assert.Equal("modules.softdep:2: softdep without a module name", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LoadReadsTheFixtureDirectory()
    {
        ModuleIndex index = ModuleIndex.Load(Fixture.Dir);
        Assert.Equal(33, index.Modules.Count);
        Assert.Equal(Path.Combine(Fixture.Dir, "kernel/drivers/net/usb/cdc_eem.ko"), index.FullPath(index.Modules["cdc_eem"]));
    }

    internal static void ParseOne(string file, ReadOnlySpan<byte> content)
    {
        switch (file)
        {
            case "modules.dep": ModulesDepParser.Parse(content); break;
            case "modules.alias": ModulesAliasParser.Parse(content); break;
            case "modules.softdep": ModulesSoftdepParser.Parse(content); break;
            case "modules.builtin": ModulesBuiltinParser.Parse(content); break;
            case "modules.builtin.modinfo": ModulesBuiltinModinfoParser.Parse(content); break;
            default: throw new ArgumentException(file);
        }
    }
}
