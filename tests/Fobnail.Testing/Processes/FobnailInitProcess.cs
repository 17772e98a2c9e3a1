namespace Fobnail.Testing.Processes;

/// <summary>
/// `fobnail-init` as a process: the fobnail-init.dll copied next to the tests (a ProjectReference to
/// src/Fobnail.Init), run by `dotnet` through <see cref="Command"/> or started as a <see cref="LoggedProcess"/>.
/// </summary>
public static class FobnailInitProcess
{
    private static string[] Argv(IEnumerable<string> args) => [Path.Combine(AppContext.BaseDirectory, "fobnail-init.dll"), .. args];

    /// <summary>Runs one command to its end; <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static CommandResult Run(IEnumerable<string> args, TimeSpan timeout, CommandOptions? options = null) =>
        Command.Run("dotnet", Argv(args), (options ?? new CommandOptions()) with { Timeout = timeout });

    /// <summary>Starts a command the test talks to, signals or waits for (net watch, a request to a silent peer).</summary>
    public static LoggedProcess Start(IEnumerable<string> args, CommandOptions? options = null) =>
        LoggedProcess.Start("fobnail-init", "dotnet", Argv(args), options: options);
}
