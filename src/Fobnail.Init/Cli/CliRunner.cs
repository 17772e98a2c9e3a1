using System.CommandLine;
using Fobnail.Linux;

namespace Fobnail.Init.Cli;

/// <summary>
/// Runs one command of the tool. Everything every command shares happens here once: parse errors are exit code
/// 2; every action is asynchronous, so System.CommandLine turns Ctrl-C/SIGTERM into the action's cancellation token
/// (an action that does not end within 2 s of it is left behind with exit code 130); errors a person has to fix
/// are one line on stderr with their exit code, never a stack trace.
/// </summary>
internal static class CliRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        ParseResult parsed = Commands.CreateRoot().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
                Console.Error.WriteLine($"fobnail-init: {error.Message}");
            Console.Error.WriteLine("fobnail-init: see fobnail-init --help");
            return ExitCodes.Usage;
        }
        var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(2) };
        try
        {
            int code = await parsed.InvokeAsync(invocation).ConfigureAwait(false);
            // System.CommandLine answers a signal with 130 itself when the action has not ended within
            // ProcessTerminationTimeout or has ended by cancellation: say so the same way as below.
            if (code == ExitCodes.Interrupted)
                Console.Error.WriteLine("fobnail-init: interrupted");
            return code;
        }
        catch (Exception e) when (e is CliUsageException or RegularFileException)
        {
            Console.Error.WriteLine($"fobnail-init: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("fobnail-init: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"fobnail-init: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
