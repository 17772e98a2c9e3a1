using Fobnail.Init.Pid1;

namespace Fobnail.Init;

public static class Program
{
    /// <summary>As PID 1 this is /init and never returns; otherwise it is the hosted-mode CLI.</summary>
    public static int Main(string[] args)
    {
        if (Environment.ProcessId == 1)
        {
            InitProcess.Run(args);
            return 0; // not reached: InitProcess.Run never returns
        }
        return Cli.Commands.CreateRoot().Parse(args).Invoke();
    }
}
