
namespace Fobnail.Hosted.Tests.Support;

/// <summary>Runs an independent client (busctl, gdbus, systemd-analyze) through the test library's <see cref="Command"/>.</summary>
internal static class Tool
{
    /// <summary>Runs <paramref name="file"/>; with <paramref name="asNobody"/> through setpriv as the unprivileged user nobody.</summary>
    public static Task<CommandResult> RunAsync(string file, IEnumerable<string> args, bool asNobody = false, int timeoutSeconds = 60) =>
        Command.RunAsync(file, args, new CommandOptions { AsNobody = asNobody, Timeout = TimeSpan.FromSeconds(timeoutSeconds) });

    public static Task<CommandResult> Busctl(string address, params string[] args) =>
        RunAsync("busctl", [$"--address={address}", .. args]);

    public static Task<CommandResult> BusctlAsNobody(string address, params string[] args) =>
        RunAsync("busctl", [$"--address={address}", .. args], asNobody: true);
}
