using System.Net;

namespace Fobnail.Init.Config;

/// <summary>
/// The typed configuration of /init, taken from the <c>fobnail.*</c> parameters of the kernel command line.
/// Every option is declared once in <see cref="Options"/>, which also feeds the CLI help and the README table.
/// </summary>
public sealed record BootConfig
{
    public IReadOnlyList<BootStep> Steps { get; init; } = [BootStep.Modules, BootStep.Network, BootStep.Attest, BootStep.Boot];
    public SystemAction Final { get; init; } = SystemAction.Halt;
    public SystemAction OnFailure { get; init; } = SystemAction.Halt;
    public Serilog.Events.LogEventLevel LogLevel { get; init; } = Serilog.Events.LogEventLevel.Information;
    public IReadOnlyList<string> ExtraModules { get; init; } = [];
    /// <summary>Token interface match list (VID:PID and/or driver names), parsed by Fobnail.Netlink.</summary>
    public IReadOnlyList<string> TokenMatch { get; init; } = ["1234:4321", "02/0c/07"];
    public IPAddress HostAddress { get; init; } = IPAddress.Parse("169.254.0.8");
    public int HostPrefixLength { get; init; } = 16;
    public IPEndPoint TokenEndpoint { get; init; } = new(IPAddress.Parse("169.254.0.1"), 5683);
    public string Tpm { get; init; } = "device:/dev/tpmrm0";
    /// <summary>fobnail.kexec.*: the target of the measured handoff (see Fobnail.Kexec).</summary>
    public string? KexecKernel { get; init; }
    public string? KexecInitrd { get; init; }
    public string KexecCmdline { get; init; } = "";
    public bool KexecRequireAttestation { get; init; } = true;
    public int KexecKernelPcr { get; init; } = 9;
    public int KexecCmdlinePcr { get; init; } = 8;
    /// <summary>fobnail.attest.*: how long the attest step waits for the token link to be Ready.</summary>
    public int AttestWaitSeconds { get; init; } = 120;
    /// <summary>fobnail.attest.timeout: one deadline for the whole exchange with the token (provisioning + attestation).</summary>
    public int AttestTimeoutSeconds { get; init; } = 60;
    /// <summary>fobnail.provision: whether the attest step provisions the platform to the token first.</summary>
    public ProvisionMode Provision { get; init; } = ProvisionMode.Never;
    /// <summary>fobnail.attest.mac: the metadata MAC when the platform has no PCI NIC /init can see (spec §6.2).</summary>
    public byte[]? AttestMac { get; init; }
    /// <summary>fobnail.attest.ek_chain: directory of the EK certificate's issuers to send below the root (§5.4 (a)).</summary>
    public string? AttestEkChain { get; init; }
    /// <summary>fobnail.boot.*: how long the boot step waits for disks, which entry it boots, what it appends.</summary>
    public int BootWaitSeconds { get; init; } = 10;
    public string? BootEntry { get; init; }
    public string? BootAppend { get; init; }
    /// <summary>fobnail.secret: token-held files handed to the booted system after a trusted attestation.</summary>
    public IReadOnlyList<SecretSpec> Secrets { get; init; } = [];
    /// <summary>fobnail.secret.optional: a secret the token does not have (4.04) is skipped instead of failing the boot.</summary>
    public bool SecretOptional { get; init; }
    /// <summary>Test hook: throw inside this step to prove a failure runs the failure action instead of killing PID 1.</summary>
    public BootStep? DebugFault { get; init; }

    public const string Prefix = "fobnail.";

    /// <summary>
    /// fobnail.provision: when the attest step provisions the platform to the token (spec §5.4) before attesting.
    /// The token never provisions by itself (§8.3); a platform it does not know answers 4.04 at /attest.
    /// </summary>
    public enum ProvisionMode
    {
        /// <summary>Attest only; an unknown platform is a failed attestation.</summary>
        Never,
        /// <summary>Provision first, then attest (first boot of a platform with its owner present).</summary>
        Always,
        /// <summary>Attest; if the token says the platform is unknown, provision and attest again.</summary>
        WhenUnknown,
    }

    /// <summary>
    /// One <c>fobnail.*</c> option: its name, value syntax, default, meaning, and how it applies; how its value in a
    /// configuration reads (<see cref="Show"/>, so `cmdline parse` can show every option), and why that value
    /// weakens the boot policy, if it does (<see cref="Weakens"/>: null when it does not).
    /// </summary>
    public sealed record Option(string Name, string Syntax, string Default, string Help, Func<BootConfig, string, BootConfig> Apply)
    {
        public required Func<BootConfig, string> Show { get; init; }
        public Func<BootConfig, string?> Weakens { get; init; } = _ => null;
    }

    /// <summary>The options whose value in this configuration weakens the policy, with the reason.</summary>
    public IEnumerable<(Option Option, string Reason)> Weakenings() =>
        Options.Select(o => (Option: o, Reason: o.Weakens(this))).Where(w => w.Reason is not null).Select(w => (w.Option, w.Reason!));

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
    private static string OrNone(string? value) => string.IsNullOrEmpty(value) ? "(none)" : value;
    private static string Bool(bool value) => value ? "1" : "0";

    public static readonly IReadOnlyList<Option> Options =
    [
        new("steps", "STEP[,STEP...]", "modules,network,attest,boot",
            "Boot steps to run, in order: modules (coldplug + hotplug), network (token link), attest (provision/attest with the token), boot (find the installed system's boot entry on the disks, measure and kexec it; fail-closed), kexec (measure and boot fobnail.kexec.kernel instead).",
            (c, v) => c with { Steps = SplitList(v).Select(ParseEnum<BootStep>).ToArray() }) { Show = c => string.Join(",", c.Steps.Select(s => Lower(s))), Weakens = c => c.Steps.Contains(BootStep.Attest) ? null : c.Steps.Contains(BootStep.Kexec) || c.Steps.Contains(BootStep.Boot) ? "no attest step: the kexec/boot step has no verdict to require" : "no attest step: this boot is not attested" },
        new("final", "halt|poweroff|reboot", "halt",
            "What to do once every step succeeded. halt = stay up with hotplug and the link manager running.",
            (c, v) => c with { Final = ParseEnum<SystemAction>(v) }) { Show = c => Lower(c.Final) },
        new("onfailure", "halt|poweroff|reboot", "halt",
            "What to do when a step fails or anything throws. PID 1 never exits (that would panic the kernel).",
            (c, v) => c with { OnFailure = ParseEnum<SystemAction>(v) }) { Show = c => Lower(c.OnFailure) },
        new("loglevel", "debug|info|warning|error", "info",
            "Minimum level of /init's log lines (console and /dev/kmsg).",
            (c, v) => c with { LogLevel = ParseLevel(v) }) { Show = c => c.LogLevel switch { Serilog.Events.LogEventLevel.Information => "info", var l => Lower(l) } },
        new("modules", "NAME[,NAME...]", "(none)",
            "Extra kernel modules to load by name after coldplug.",
            (c, v) => c with { ExtraModules = SplitList(v) }) { Show = c => OrNone(string.Join(",", c.ExtraModules)) },
        new("match", "VID:PID|CC/SS/PP|DRIVER[,...]", "1234:4321,02/0c/07",
            "Which USB network interface is the token; every kind of criterion given must match (VID:PID, interface class, driver). QEMU's usb-net stand-in is 0525:a4a2 or cdc_ether.",
            (c, v) => c with { TokenMatch = SplitList(v) }) { Show = c => string.Join(",", c.TokenMatch) },
        new("addr", "A.B.C.D/PREFIX", "169.254.0.8/16",
            "Address given to the token interface (the token answers whatever 169.254/16 source it sees).",
            (c, v) => { var (a, p) = ParseCidr(v); return c with { HostAddress = a, HostPrefixLength = p }; }) { Show = c => $"{c.HostAddress}/{c.HostPrefixLength}" },
        new("token", "A.B.C.D:PORT", "169.254.0.1:5683",
            "The token's CoAP endpoint.",
            (c, v) => c with { TokenEndpoint = IPEndPoint.TryParse(v, out var ep) && ep.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && ep.Port != 0
                ? ep : throw new FormatException($"'{v}' is not an IPv4 address:port") }) { Show = c => c.TokenEndpoint.ToString() },
        new("tpm", "device:PATH|swtpm:HOST:PORT", "device:/dev/tpmrm0",
            "TPM transport.",
            (c, v) => c with { Tpm = v.Length > 0 ? v : throw new FormatException("empty TPM transport") }) { Show = c => c.Tpm, Weakens = c => c.Tpm.StartsWith("swtpm:", StringComparison.Ordinal) ? "a software TPM over the network: its PCRs say nothing about this machine" : null },
        new("kexec.kernel", "PATH", "(none)",
            "Kernel image (bzImage) the kexec step measures and boots.",
            (c, v) => c with { KexecKernel = v.Length > 0 ? v : throw new FormatException("empty path") }) { Show = c => OrNone(c.KexecKernel) },
        new("kexec.initrd", "PATH", "(none)",
            "Initrd for the kexec'd kernel (none: boot it without one).",
            (c, v) => c with { KexecInitrd = v.Length > 0 ? v : throw new FormatException("empty path") }) { Show = c => OrNone(c.KexecInitrd) },
        new("kexec.cmdline", "\"TEXT\"", "(none)",
            "Command line of the kexec'd kernel; quote it to include spaces.",
            (c, v) => c with { KexecCmdline = v }) { Show = c => c.KexecCmdline.Length == 0 ? "(none)" : $"\"{c.KexecCmdline}\"" },
        new("kexec.require_attestation", "1|0", "1",
            "1 = kexec only after a passed attestation (fail closed); 0 = also unattested, with a loud warning (bring-up only).",
            (c, v) => c with { KexecRequireAttestation = ParseBool(v) }) { Show = c => Bool(c.KexecRequireAttestation), Weakens = c => c.KexecRequireAttestation ? null : "the target kernel is booted even when attestation did not pass" },
        new("kexec.kernel_pcr", "N", "9",
            "PCR the kernel and initrd digests are extended into (GRUB's convention).",
            (c, v) => c with { KexecKernelPcr = ParsePcr(v) }) { Show = c => c.KexecKernelPcr.ToString(System.Globalization.CultureInfo.InvariantCulture), Weakens = c => Fobnail.Kexec.KexecPcrs.Refusal(c.KexecKernelPcr) },
        new("kexec.cmdline_pcr", "N", "8",
            "PCR the command line (UTF-8 with its NUL) is extended into (GRUB's convention).",
            (c, v) => c with { KexecCmdlinePcr = ParsePcr(v) }) { Show = c => c.KexecCmdlinePcr.ToString(System.Globalization.CultureInfo.InvariantCulture), Weakens = c => Fobnail.Kexec.KexecPcrs.Refusal(c.KexecCmdlinePcr) },
        new("attest.wait", "SECONDS", "120",
            "How long the attest step waits for the token's link to be ready (token plugged in, addressed, carrier).",
            (c, v) => c with { AttestWaitSeconds = int.TryParse(v, System.Globalization.NumberStyles.None, null, out int s) && s is >= 1 and <= 86400
                ? s : throw new FormatException($"'{v}' is not a number of seconds 1-86400") }) { Show = c => c.AttestWaitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        new("attest.timeout", "SECONDS", "60",
            "One deadline for the whole exchange with the token (provisioning and attestation); when it passes the step fails.",
            (c, v) => c with { AttestTimeoutSeconds = int.TryParse(v, System.Globalization.NumberStyles.None, null, out int s) && s is >= 1 and <= 86400
                ? s : throw new FormatException($"'{v}' is not a number of seconds 1-86400") }) { Show = c => c.AttestTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        new("attest.mac", "AA:BB:CC:DD:EE:FF", "(none)",
            "MAC for the platform metadata instead of the primary PCI NIC's (for machines, like a QEMU guest, without one /init can see).",
            (c, v) => c with { AttestMac = Fobnail.Attester.Platform.PrimaryNic.ParseMac(v) ?? throw new FormatException($"'{v}' is not a MAC aa:bb:cc:dd:ee:ff") }) { Show = c => c.AttestMac is null ? "(none)" : string.Join(":", c.AttestMac.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))), Weakens = c => c.AttestMac is null ? null : "the platform's MAC is taken from the command line, not from the hardware" },
        new("attest.ek_chain", "DIR", "(none)",
            "Directory of the certificates between the EK root and the EK certificate (PEM or DER), sent at provisioning.",
            (c, v) => c with { AttestEkChain = v.Length > 0 ? v : throw new FormatException("empty path") }) { Show = c => OrNone(c.AttestEkChain) },
        new("provision", "0|1|unknown", "0",
            "1 = provision this platform to the token before attesting; unknown = only when the token says the platform is unknown; 0 = never.",
            (c, v) => c with { Provision = v == "unknown" ? ProvisionMode.WhenUnknown : ParseBool(v) ? ProvisionMode.Always : ProvisionMode.Never }) { Show = c => c.Provision switch { ProvisionMode.Always => "1", ProvisionMode.WhenUnknown => "unknown", _ => "0" }, Weakens = c => c.Provision switch { ProvisionMode.Always => "this boot enrolls the platform: the token takes its PCRs as the reference", ProvisionMode.WhenUnknown => "a platform the token does not know is enrolled with the PCRs of this boot", _ => null } },
        new("boot.wait", "SECONDS", "10",
            "How long the boot step waits for block devices; it stops early once the chosen entry and its root filesystem are there.",
            (c, v) => c with { BootWaitSeconds = int.TryParse(v, System.Globalization.NumberStyles.None, null, out int s) && s is >= 0 and <= 3600
                ? s : throw new FormatException($"'{v}' is not a number of seconds 0-3600") }) { Show = c => c.BootWaitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        new("boot.entry", "ID|TITLE|INDEX", "(the boot loader's default)",
            "Which boot entry the boot step boots: an id (BLS file name, GRUB --id, syslinux LABEL), a title (GRUB's 'submenu>title' too) or an index in `fobnail-init boot list`.",
            (c, v) => c with { BootEntry = v.Length > 0 ? v : throw new FormatException("empty entry") }) { Show = c => c.BootEntry ?? "(the boot loader's default)" },
        new("boot.append", "\"TEXT\"", "(none)",
            "Parameters added to the chosen entry's command line; quote it to include spaces.",
            (c, v) => c with { BootAppend = v }) { Show = c => OrNone(c.BootAppend) },
        new("secret", "NAME[:PATH][,...]", "(none)",
            "After a TRUSTED verdict, read each FTS file NAME from the token in the same session and hand it to the booted system at PATH in its initramfs (default /etc/cryptsetup-keys.d/NAME.key; mode 0400, owner 0:0). A missing one fails the boot.",
            (c, v) => c with { Secrets = SecretSpec.ParseList(v) }) { Show = c => OrNone(string.Join(",", c.Secrets)), Weakens = c => c.Secrets.Count > 0 && c.Steps.Contains(BootStep.Boot) ? "the secrets go to the kernel and initrd the disk's boot entry names, which nobody verified before they get them (README: Security model)" : null },
        new("secret.optional", "1|0", "0",
            "1 = a secret the token does not have (4.04) is skipped (the booted system then asks for a passphrase); 0 = the boot fails closed.",
            (c, v) => c with { SecretOptional = ParseBool(v) }) { Show = c => Bool(c.SecretOptional) },
        new("debug.fault", "STEP", "(none)",
            "Test hook: make STEP throw, to exercise the failure path.",
            (c, v) => c with { DebugFault = ParseEnum<BootStep>(v) }) { Show = c => c.DebugFault is { } f ? Lower(f) : "(none)", Weakens = c => c.DebugFault is { } f ? $"test hook: the {Lower(f)} step is made to fail" : null },
    ];

    /// <summary>Builds the configuration; problems (unknown keys, bad values) are returned, never thrown.</summary>
    public static BootConfig FromCommandLine(KernelCommandLine cmdline, out IReadOnlyList<string> problems)
    {
        var config = new BootConfig();
        var found = new List<string>();
        foreach (var p in cmdline.Parameters)
        {
            if (!p.Key.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            string name = p.Key[Prefix.Length..];
            var option = Options.FirstOrDefault(o => o.Name == name);
            if (option is null)
            {
                found.Add($"unknown option '{p.Key}' ignored (known: {string.Join(", ", Options.Select(o => Prefix + o.Name))})");
                continue;
            }
            if (p.Value is null)
            {
                found.Add($"option '{p.Key}' needs a value ({p.Key}={option.Syntax}); default {option.Default} kept");
                continue;
            }
            try { config = option.Apply(config, p.Value); }
            catch (FormatException e) { found.Add($"option '{p.Key}={p.Value}' ignored: {e.Message}"); }
        }
        problems = found;
        return config;
    }

    private static string[] SplitList(string v) =>
        v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static T ParseEnum<T>(string v) where T : struct, Enum =>
        Enum.TryParse<T>(v, ignoreCase: true, out var r) && Enum.IsDefined(r) && !char.IsDigit(v.FirstOrDefault())
            ? r
            : throw new FormatException($"'{v}' is not one of {string.Join("|", Enum.GetNames<T>()).ToLowerInvariant()}");

    private static bool ParseBool(string v) => v switch
    {
        "1" or "y" or "yes" or "true" => true,
        "0" or "n" or "no" or "false" => false,
        _ => throw new FormatException($"'{v}' is not 1 or 0"),
    };

    private static int ParsePcr(string v) =>
        !int.TryParse(v, System.Globalization.NumberStyles.None, null, out int p) || p is < 0 or > 23
            ? throw new FormatException($"'{v}' is not a PCR index 0-23")
            : Fobnail.Kexec.KexecPcrs.Refusal(p) is string why ? throw new FormatException(why) : p;

    private static Serilog.Events.LogEventLevel ParseLevel(string v) => v.ToLowerInvariant() switch
    {
        "debug" => Serilog.Events.LogEventLevel.Debug,
        "info" => Serilog.Events.LogEventLevel.Information,
        "warning" or "warn" => Serilog.Events.LogEventLevel.Warning,
        "error" => Serilog.Events.LogEventLevel.Error,
        _ => throw new FormatException($"'{v}' is not one of debug|info|warning|error"),
    };

    private static (IPAddress, int) ParseCidr(string v)
    {
        int slash = v.IndexOf('/');
        if (slash > 0
            && IPAddress.TryParse(v[..slash], out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && int.TryParse(v[(slash + 1)..], System.Globalization.NumberStyles.None, null, out int p) && p is >= 1 and <= 32)
            return (a, p);
        throw new FormatException($"'{v}' is not an IPv4 address with a prefix length (A.B.C.D/N)");
    }
}
