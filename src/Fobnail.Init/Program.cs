namespace Fobnail.Init;

public static class Program
{
    public static int Main(string[] args) => Cli.Commands.CreateRoot().Parse(args).Invoke();
}
