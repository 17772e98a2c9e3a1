using System.Diagnostics;
using Fobnail.Init.Boot;
using Fobnail.Init.Config;
using Fobnail.Init.Logging;
using Serilog;
using Serilog.Core;

namespace Fobnail.Init.Pid1;

/// <summary>
/// /init as PID 1: mount the API filesystems, attach to the console, log, reap, read the kernel command line, run
/// the boot sequence, then carry out the final or the failure action. Never returns.
/// </summary>
internal static class InitProcess
{
    public static void Run(string[] args)
    {
        // Mount first: /proc/self/stat gives the CPU baseline, and /dev/kmsg and /dev/console exist only once
        // devtmpfs is mounted.
        var mounts = EarlyMounts.MountAll();
        SystemPower.AtStart = SystemPower.CpuTime();
        bool console = ConsoleSetup.AttachToConsole();
        var level = new LoggingLevelSwitch();
        KmsgSink? kmsg = KmsgSink.TryOpen();
        var log = LogSetup.CreateForInit(level, kmsg);
        Log.Logger = log;

        // Whatever escapes on any thread ends here, and the failure action runs on that thread instead of the
        // runtime terminating the process (which would panic the kernel). Set before anything else can throw.
        var onFailure = SystemAction.Halt;
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            log.Fatal(e.ExceptionObject as Exception, "unhandled exception");
            SystemPower.Perform(onFailure, log, "unhandled exception");
        };
        TaskScheduler.UnobservedTaskException += (_, e) =>
        {
            log.Error(e.Exception, "unobserved task exception");
            e.SetObserved();
        };

        try
        {
            log.Information("fobnail-init {Version} running as PID {Pid}{Args}", Version, Environment.ProcessId,
                args.Length > 0 ? " with arguments " + string.Join(' ', args) : "");
            if (!console) log.Warning("/dev/console could not be opened; keeping the descriptors the kernel gave us");
            foreach (var m in mounts)
            {
                if (m.Mounted) log.Information("mounted {FsType} on {Target}", m.Mount.FsType, m.Mount.Target);
                else if (m.AlreadyMounted) log.Information("{Target} was already mounted", m.Mount.Target);
                else if (m.Mount.Required) log.Error("mounting {FsType} on {Target} failed: {Error}", m.Mount.FsType, m.Mount.Target, Fobnail.Linux.Errno.Describe(m.Errno));
                else log.Warning("mounting {FsType} on {Target} failed: {Error}", m.Mount.FsType, m.Mount.Target, Fobnail.Linux.Errno.Describe(m.Errno));
            }
            EnableDevKmsg(log);
            if (kmsg is not null)
                kmsg.ConsoleLogLevel = KmsgSink.ReadConsoleLogLevel();

            using var reaper = new ChildReaper(log);
            using var signals = new SignalPolicy(log);

            var (config, cmdline) = ReadConfig(log);
            level.MinimumLevel = config.LogLevel;
            onFailure = config.OnFailure;

            var context = new BootContext(config, log, cmdline);
            var outcome = new BootSequence(Steps.All()).RunAsync(context, CancellationToken.None).GetAwaiter().GetResult();
            if (outcome is StepOutcome.Failed failed)
                SystemPower.Perform(config.OnFailure, log, "boot failed: " + failed.Summary);
            SystemPower.Perform(config.Final, log, outcome.Summary);
        }
        catch (Exception e)
        {
            log.Fatal(e, "/init failed outside any step");
            SystemPower.Perform(onFailure, log, "unexpected error in /init");
        }
    }

    private static (BootConfig, string) ReadConfig(ILogger log)
    {
        try
        {
            var cmdline = KernelCommandLine.ReadProc();
            var config = BootConfig.FromCommandLine(cmdline, out var problems);
            foreach (var p in problems) log.Warning("kernel command line: {Problem}", p);
            foreach (var (option, reason) in config.Weakenings())
                log.Warning("kernel command line: {Option}={Value} WEAKENS POLICY: {Reason}", BootConfig.Prefix + option.Name, option.Show(config), reason);
            log.Information("configuration: steps={Steps} final={Final} onfailure={OnFailure} match={Match} addr={Addr}/{Prefix} token={Token}",
                string.Join(",", config.Steps).ToLowerInvariant(), config.Final.ToString().ToLowerInvariant(),
                config.OnFailure.ToString().ToLowerInvariant(), string.Join(",", config.TokenMatch),
                config.HostAddress, config.HostPrefixLength, config.TokenEndpoint);
            return (config, cmdline.Text);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            log.Error("cannot read the kernel command line ({Error}); using defaults", e.Message);
            return (new BootConfig(), "");
        }
    }

    /// <summary>
    /// By default the kernel rate-limits writes to /dev/kmsg (printk.devkmsg=ratelimit: a burst of 10, then
    /// "callbacks suppressed"), which would drop most of our story from dmesg. Unless the command line locked
    /// the setting, switch it on.
    /// </summary>
    private static void EnableDevKmsg(ILogger log)
    {
        try { File.WriteAllText("/proc/sys/kernel/printk_devkmsg", "on\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Debug("printk_devkmsg left as is: {Error}", e.Message);
        }
    }

    public static string Version =>
        typeof(InitProcess).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute a, ..] ? a.InformationalVersion : "unknown";
}
