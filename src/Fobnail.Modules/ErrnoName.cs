namespace Fobnail.Modules;

/// <summary>Names of the errno values finit_module(2) and open(2) return, for log lines a person can act on.</summary>
public static class ErrnoName
{
    public static string Of(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        8 => "ENOEXEC",
        9 => "EBADF",
        12 => "ENOMEM",
        13 => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        17 => "EEXIST",
        19 => "ENODEV",
        22 => "EINVAL",
        26 => "ETXTBSY",
        27 => "EFBIG",
        38 => "ENOSYS",
        61 => "ENODATA",
        65 => "ENOPKG",
        74 => "EBADMSG",
        95 => "EOPNOTSUPP",
        110 => "ETIMEDOUT",
        126 => "ENOKEY",
        129 => "EKEYREJECTED",
        _ => $"errno {errno}",
    };
}
