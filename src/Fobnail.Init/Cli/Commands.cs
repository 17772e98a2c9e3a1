using System.CommandLine;

namespace Fobnail.Init.Cli;

/// <summary>The hosted-mode command tree. Each area owns one file (Cli/XxxCommand.cs) with a Create().</summary>
internal static class Commands
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("fobnail-init: measured-launch /init and Fobnail Token attester");
        // One line per area; keep them sorted.
        foreach (Command c in AttestCommand.CreateAll()) root.Subcommands.Add(c);
        root.Subcommands.Add(BootCommand.Create());
        root.Subcommands.Add(CmdlineCommand.Create());
        root.Subcommands.Add(CoapCommand.Create());
        root.Subcommands.Add(EventLogCommand.Create());
        root.Subcommands.Add(DaemonCommand.Create());
        root.Subcommands.Add(KexecCommand.Create());
        root.Subcommands.Add(ModulesCommand.Create());
        root.Subcommands.Add(NetCommand.Create());
        root.Subcommands.Add(NotifyCommand.Create());
        root.Subcommands.Add(AttestCommand.CreateSecret());
        root.Subcommands.Add(TpmCommand.Create());
        return root;
    }
}
