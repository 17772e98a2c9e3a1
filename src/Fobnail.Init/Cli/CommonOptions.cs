using System.CommandLine;
using System.Globalization;
using Fobnail.Attester.Session;
using Fobnail.Tpm;

namespace Fobnail.Init.Cli;

/// <summary>
/// The options several commands share, defined once: --tpm, --token, --json, --verbose and the timeouts (with
/// their range checked at parse time, so a bad value is one line and exit code 2 for every command).
/// </summary>
internal static class CommonOptions
{
    public static Option<string> Tpm(string purpose = "TPM to use") => new("--tpm")
    {
        Description = $"{purpose}: device:/dev/tpmrm0 (falls back to /dev/tpm0) or swtpm:HOST:PORT",
        DefaultValueFactory = _ => TpmTransportSpec.Default,
        Recursive = true,
    };

    public static Option<string> Token() => new("--token")
    {
        Description = "The token's CoAP endpoint",
        DefaultValueFactory = _ => TokenSessionOptions.DefaultToken,
        Recursive = true,
    };

    public static Option<bool> Json() => new("--json") { Description = "JSON output", Recursive = true };

    public static Option<bool> Verbose() => new("--verbose") { Description = "Debug log lines on stderr", Recursive = true };

    /// <summary>Where a service (daemon, notify) logs: auto, journal or stdout (<c>DaemonLogging.Parse</c>).</summary>
    public static Option<string> ServiceLog() => new("--log")
    {
        Description = "auto (journal under systemd, else stdout), journal or stdout",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>A service's --verbose: Debug lines wherever <see cref="ServiceLog"/> sends them.</summary>
    public static Option<bool> ServiceVerbose() => new("--verbose") { Description = "Debug log lines" };

    /// <summary>A duration in seconds, refused at parse time unless finite and within [min, max].</summary>
    public static Option<double> Seconds(string name, string description, double defaultValue, double min, double max)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => defaultValue, Recursive = true };
        option.Validators.Add(r =>
        {
            double value = r.GetValueOrDefault<double>();
            if (!InRange(value, min, max))
                r.AddError(RangeError(name, value, min, max));
        });
        return option;
    }

    /// <summary>The same check for an optional duration (no default: the command runs without a limit).</summary>
    public static Option<double?> OptionalSeconds(string name, string description, double min, double max)
    {
        var option = new Option<double?>(name) { Description = description };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } value && !InRange(value, min, max))
                r.AddError(RangeError(name, value, min, max));
        });
        return option;
    }

    /// <summary>A count of at least <paramref name="min"/> (a count of 0 is refused, never silently raised).</summary>
    public static Option<int> Count(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            int value = r.GetValueOrDefault<int>();
            if (value < min || value > max)
                r.AddError($"{name} {value.ToString(CultureInfo.InvariantCulture)}: expected {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        });
        return option;
    }

    /// <summary>Hex digits as bytes, or one line naming the option.</summary>
    public static byte[] Hex(string option, string text)
    {
        try { return Convert.FromHexString(text); }
        catch (FormatException) { throw new CliUsageException($"{option} {text}: expected an even number of hex digits"); }
    }

    private static bool InRange(double value, double min, double max) => double.IsFinite(value) && value > 0 && value >= min && value <= max;

    private static string RangeError(string name, double value, double min, double max) =>
        string.Create(CultureInfo.InvariantCulture, $"{name} {value}: expected seconds between {min} and {max}");
}
