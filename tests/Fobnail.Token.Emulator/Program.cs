using Fobnail.Token.Emulator.Cli;

namespace Fobnail.Token.Emulator;

internal static class Program
{
    private static Task<int> Main(string[] args) => EmulatorCommand.Create().Parse(args).InvokeAsync();
}
