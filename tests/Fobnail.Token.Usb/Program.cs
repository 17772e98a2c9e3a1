using Fobnail.Token.Usb.Cli;

namespace Fobnail.Token.Usb;

internal static class Program
{
    private static Task<int> Main(string[] args) => TwinCommand.Create().Parse(args).InvokeAsync();
}
