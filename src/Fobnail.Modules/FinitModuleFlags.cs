namespace Fobnail.Modules;

/// <summary>The flags argument of finit_module(2) (include/uapi/linux/module.h).</summary>
[Flags]
public enum FinitModuleFlags
{
    None = 0,
    MODULE_INIT_IGNORE_MODVERSIONS = 1,
    MODULE_INIT_IGNORE_VERMAGIC = 2,
    /// <summary>The file is compressed; the kernel (≥ 5.17, CONFIG_MODULE_DECOMPRESS=y) decompresses it.</summary>
    MODULE_INIT_COMPRESSED_FILE = 4,
}
