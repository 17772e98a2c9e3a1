namespace Fobnail.Init.Cli;

/// <summary>
/// A problem the person at the command line has to fix (a bad value, a directory where a file belongs, a FIFO as
/// input): printed as one line, exit code <see cref="ExitCodes.Usage"/>, never a stack trace.
/// </summary>
internal sealed class CliUsageException(string message) : Exception(message);
