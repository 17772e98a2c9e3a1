using Fobnail.Init.Cli;
using Fobnail.Init.Pid1;

namespace Fobnail.Init;

public static class Program
{
    /// <summary>As the kernel's /init this never returns; otherwise it is the command line tool.</summary>
    public static int Main(string[] args)
    {
        if (StartMode.IsInit(Environment.ProcessId, Environment.GetCommandLineArgs()[0], args))
        {
            InitProcess.Run(args);
            return 0; // not reached: InitProcess.Run never returns
        }
        return CliRunner.RunAsync(args).GetAwaiter().GetResult();
    }
}
