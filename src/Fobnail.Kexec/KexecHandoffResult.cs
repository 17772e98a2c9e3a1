using Fobnail.Kexec.Measurement;

namespace Fobnail.Kexec;

/// <summary>The typed end of a <see cref="KexecHandoff"/>; Summary is a line a person understands.</summary>
public abstract record KexecHandoffResult(string Summary)
{
    /// <summary>The policy forbade the kexec; nothing was opened, measured or loaded.</summary>
    public sealed record Refused(string Summary) : KexecHandoffResult(Summary);

    /// <summary>Something went wrong; no reboot happened.</summary>
    public sealed record Failed(string Summary, Exception? Error = null, EventLog? Log = null) : KexecHandoffResult(Summary);

    /// <summary>Measured and loaded; not executed (the caller asked only to load).</summary>
    public sealed record Loaded(string Summary, EventLog Log) : KexecHandoffResult(Summary);

    /// <summary>reboot(LINUX_REBOOT_CMD_KEXEC) returned without an error: only a test double does this.</summary>
    public sealed record Rebooted(string Summary, EventLog Log) : KexecHandoffResult(Summary);
}
