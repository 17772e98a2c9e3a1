namespace Fobnail.Linux;

/// <summary>
/// errno values by their asm-generic/errno(-base).h names, shared by every library that makes syscalls, so a log
/// line says EKEYREJECTED rather than 129. Only the values our syscalls are documented to return are named.
/// </summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENOEXEC = 8;
    public const int EBADF = 9;
    public const int ECHILD = 10;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ETXTBSY = 26;
    public const int EFBIG = 27;
    public const int ERANGE = 34;
    public const int ENOSYS = 38;
    public const int ENODATA = 61;
    public const int ENOPKG = 65;
    public const int EBADMSG = 74;
    public const int EOPNOTSUPP = 95;
    public const int EAFNOSUPPORT = 97;
    public const int EADDRNOTAVAIL = 99;
    public const int ENOBUFS = 105;
    public const int ETIMEDOUT = 110;
    public const int ENOKEY = 126;
    public const int EKEYREJECTED = 129;

    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENOEXEC => "ENOEXEC",
        EBADF => "EBADF",
        ECHILD => "ECHILD",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ETXTBSY => "ETXTBSY",
        EFBIG => "EFBIG",
        ERANGE => "ERANGE",
        ENOSYS => "ENOSYS",
        ENODATA => "ENODATA",
        ENOPKG => "ENOPKG",
        EBADMSG => "EBADMSG",
        EOPNOTSUPP => "EOPNOTSUPP",
        EAFNOSUPPORT => "EAFNOSUPPORT",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        ENOBUFS => "ENOBUFS",
        ETIMEDOUT => "ETIMEDOUT",
        ENOKEY => "ENOKEY",
        EKEYREJECTED => "EKEYREJECTED",
        _ => $"errno {errno}",
    };

    /// <summary>strerror's text, e.g. "No such file or directory".</summary>
    public static string Message(int errno) => System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>"ENOENT (No such file or directory)": the form log lines and exception messages use.</summary>
    public static string Describe(int errno) => $"{Name(errno)} ({Message(errno)})";

    /// <summary>errno of the last P/Invoke that captured it (ours and Tmds.LibC's set SetLastError).</summary>
    public static int Last => System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
}
