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
        parse.SetAction(result =>
        {
            string? given = result.GetValue(text);
            KernelCommandLine cmdline;
            try { cmdline = given is null ? KernelCommandLine.ReadProc() : KernelCommandLine.Parse(given); }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"cannot read the command line: {e.Message}");
                return 2;
            }
            var config = BootConfig.FromCommandLine(cmdline, out var problems);
            var o = Console.Out;
            o.WriteLine($"steps      {string.Join(",", config.Steps).ToLowerInvariant()}");
            o.WriteLine($"final      {config.Final.ToString().ToLowerInvariant()}");
            o.WriteLine($"onfailure  {config.OnFailure.ToString().ToLowerInvariant()}");
            o.WriteLine($"loglevel   {config.LogLevel.ToString().ToLowerInvariant()}");
            o.WriteLine($"modules    {string.Join(",", config.ExtraModules)}");
            o.WriteLine($"match      {string.Join(",", config.TokenMatch)}");
            o.WriteLine($"addr       {config.HostAddress}/{config.HostPrefixLength}");
            o.WriteLine($"token      {config.TokenEndpoint}");
            o.WriteLine($"tpm        {config.Tpm}");
            if (config.DebugFault is { } fault) o.WriteLine($"debug.fault {fault.ToString().ToLowerInvariant()}");
            var moduleParams = cmdline.Parameters.Where(p => p.Key.Contains('.') && !p.Key.StartsWith(BootConfig.Prefix, StringComparison.Ordinal)).ToList();
            foreach (var p in moduleParams) o.WriteLine($"module parameter {p.Key}={p.Value}");
            if (cmdline.InitArguments.Count > 0) o.WriteLine($"init arguments {string.Join(' ', cmdline.InitArguments)}");
            foreach (var p in problems) Console.Error.WriteLine($"warning: {p}");
            return problems.Count == 0 ? 0 : 1;
        });

        var options = new Command("options", "List every fobnail.* kernel command line option");
        options.SetAction(_ =>
        {
            foreach (var opt in BootConfig.Options)
                Console.Out.WriteLine($"{BootConfig.Prefix}{opt.Name}={opt.Syntax}\n    {opt.Help} Default: {opt.Default}.");
            return 0;
        });

        command.Subcommands.Add(parse);
        command.Subcommands.Add(options);
        return command;
    }
}
