using System.CommandLine;
using Fobnail.Init.Config;

namespace Fobnail.Init.Cli;

/// <summary><c>cmdline parse [TEXT]</c> and <c>cmdline options</c>: the kernel command line as /init reads it.</summary>
internal static class CmdlineCommand
{
    public static Command Create()
    {
        var command = new Command("cmdline", "Show how /init reads a kernel command line");

        var text = new Argument<string?>("text") { Description = "Command line to parse (default: /proc/cmdline)", Arity = ArgumentArity.ZeroOrOne };
        var parse = new Command("parse", "Parse a kernel command line into the /init configuration") { text };
        parse.SetAction((result, _) =>
        {
            string? given = result.GetValue(text);
            KernelCommandLine cmdline;
            try { cmdline = given is null ? KernelCommandLine.ReadProc() : KernelCommandLine.Parse(given); }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"cannot read the command line: {e.Message}");
                return Task.FromResult(ExitCodes.Usage);
            }
            var config = BootConfig.FromCommandLine(cmdline, out var problems);
            Write(Console.Out, config, cmdline);
            foreach (var p in problems) Console.Error.WriteLine($"warning: {p}");
            return Task.FromResult(problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed);
        });

        var options = new Command("options", "List every fobnail.* kernel command line option");
        options.SetAction((_, _) =>
        {
            foreach (var opt in BootConfig.Options)
                Console.Out.WriteLine($"{BootConfig.Prefix}{opt.Name}={opt.Syntax}\n    {opt.Help} Default: {opt.Default}.");
            return Task.FromResult(ExitCodes.Ok);
        });

        command.Subcommands.Add(parse);
        command.Subcommands.Add(options);
        return command;
    }

    /// <summary>
    /// Every option with the value /init would use, an asterisk on each one the command line set, and a
    /// "WEAKENS POLICY" line under each value that weakens the boot policy, so an audit of a command line sees
    /// at once when, say, attestation is not required.
    /// </summary>
    internal static void Write(TextWriter o, BootConfig config, KernelCommandLine cmdline)
    {
        var given = cmdline.Parameters.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        int width = BootConfig.Options.Max(opt => opt.Name.Length) + BootConfig.Prefix.Length;
        foreach (BootConfig.Option opt in BootConfig.Options)
        {
            string name = BootConfig.Prefix + opt.Name;
            o.WriteLine($"{(given.Contains(name) ? '*' : ' ')} {name.PadRight(width)}  {opt.Show(config)}");
            if (opt.Weakens(config) is { } reason)
                o.WriteLine($"  {new string(' ', width)}  ^ WEAKENS POLICY: {reason}");
        }
        foreach (var p in cmdline.Parameters.Where(p => p.Key.Contains('.') && !p.Key.StartsWith(BootConfig.Prefix, StringComparison.Ordinal)))
            o.WriteLine($"module parameter {p.Key}={p.Value}");
        if (cmdline.InitArguments.Count > 0)
            o.WriteLine($"init arguments {string.Join(' ', cmdline.InitArguments)}");
        int weakened = config.Weakenings().Count();
        o.WriteLine(weakened == 0 ? "policy: as strict as the defaults" : $"policy: WEAKENED by {weakened} option{(weakened == 1 ? "" : "s")}");
    }
}
