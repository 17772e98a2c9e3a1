using Fobnail.Modules;

namespace Fobnail.Modules.Tests;

/// <summary>
/// Real lines from Debian's linux-image-6.1.0-56-amd64 (modules.dep/.alias/.softdep/.builtin/.builtin.modinfo),
/// cut down to USB host controllers, usbnet/cdc_ether/cdc_eem, usb-storage/uas, ext4 and a few softdep users.
/// </summary>
internal static class Fixture
{
    public const string ModulesDir = "/lib/modules/6.1.0-56-amd64";

    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static byte[] Bytes(string file) => File.ReadAllBytes(Path.Combine(Dir, file));

    public static ModuleIndex Index() => ModuleIndex.Parse(
        ModulesDir,
        Bytes("modules.dep"),
        Bytes("modules.alias"),
        Bytes("modules.softdep"),
        Bytes("modules.builtin"),
        Bytes("modules.builtin.modinfo"));

    /// <summary>The unpacked Debian kernel the lead's build puts under build/kernel, if it is there.</summary>
    public static string? DebianModulesDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string modules = Path.Combine(dir.FullName, "build", "kernel", "lib", "modules");
            if (File.Exists(Path.Combine(dir.FullName, "fobnail-init.slnx")))
                return Directory.Exists(modules) ? Directory.GetDirectories(modules).FirstOrDefault(d => File.Exists(Path.Combine(d, "modules.dep"))) : null;
        }
        return null;
    }
}
