namespace Fobnail.Linux;

/// <summary>A system call failed with <see cref="Errno"/>; libraries wrap it in their own exception type where callers expect one.</summary>
public sealed class SyscallException(string operation, int errno)
    : IOException($"{operation} failed: {Linux.Errno.Describe(errno)}")
{
    public string Operation { get; } = operation;
    public int Errno { get; } = errno;

    /// <summary>The exception for the errno the last call left.</summary>
    public static SyscallException FromLast(string operation) => new(operation, Linux.Errno.Last);
}
