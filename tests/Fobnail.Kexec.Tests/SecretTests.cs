using System.Security.Cryptography;
using System.Text;
using Fobnail.Attester.Flows;
using Fobnail.Attester.Platform;
using Fobnail.Attester.Tests.Flows;
using Fobnail.Init.Boot;
using Fobnail.Init.Config;
using Fobnail.Kexec.Initrd;
using Fobnail.Kexec.Measurement;
using Fobnail.Tpm;

namespace Fobnail.Kexec.Tests;

/// <summary>What the secret tests share: GNU cpio on the appended archive, and "these bytes appear nowhere in this text".</summary>
internal static class SecretChecks
{
    /// <summary>The archive appended after the target initrd (at its 4-byte boundary), listed and extracted by GNU cpio.</summary>
    public static (string[] Listing, string Root) Extract(byte[] loadedInitrd, int targetLength, string dir)
    {
        string cpio = Path.Combine(dir, "appended.cpio");
        File.WriteAllBytes(cpio, loadedInitrd[NewcArchive.Align4(targetLength)..]);
        string[] listing = HandoverTests.Shell($"cpio -tv --quiet -F {cpio}", dir).TrimEnd('\n').Split('\n');
        string root = Directory.CreateDirectory(Path.Combine(dir, "root")).FullName;
        HandoverTests.Shell($"cpio -id --quiet -F {cpio}", root);
        return (listing, root);
    }

    /// <summary>Fails if <paramref name="text"/> holds the secret raw, as hex (either case) or as base64.</summary>
    public static void Absent(byte[] secret, string text, string what)
    {
        foreach (string form in new[] { Convert.ToHexStringLower(secret), Convert.ToHexString(secret), Convert.ToBase64String(secret), Encoding.Latin1.GetString(secret) })
            Assert.False(text.Contains(form, StringComparison.Ordinal), $"the secret appears in {what}");
    }
}

/// <summary>fobnail.secret and fobnail.secret.optional on the kernel command line.</summary>
public sealed class SecretConfigTests
{
    private static (BootConfig Config, IReadOnlyList<string> Problems) Config(string cmdline) =>
        (BootConfig.FromCommandLine(KernelCommandLine.Parse(cmdline), out var problems), problems);

    [Fact]
    public void Names_take_the_systemd_key_directory_by_default_or_the_path_given()
    {
        var (config, problems) = Config("fobnail.secret=root,swap:/cryptroot/keyfiles/swap.key fobnail.secret.optional=1");
        Assert.Empty(problems);
        Assert.Equal([new SecretSpec("root", "/etc/cryptsetup-keys.d/root.key"), new SecretSpec("swap", "/cryptroot/keyfiles/swap.key")], config.Secrets);
        Assert.True(config.SecretOptional);
        Assert.Empty(new BootConfig().Secrets);
        Assert.False(new BootConfig().SecretOptional);
    }

    [Theory]
    [InlineData("a/b", "not a valid FTS file name")]
    [InlineData("..", "not a valid FTS file name")]
    [InlineData(":/k", "not a valid FTS file name")]
    [InlineData("x:relative.key", "is not an absolute path")]
    [InlineData("x:/a/../b", "'..' segment")]
    [InlineData("x:/a//b", "empty")]
    [InlineData("x:/a/", "ends in '/'")]
    [InlineData("x:/", "empty")]
    [InlineData("x:/.fobnail/k", "holds the event log")]
    [InlineData("x,x:/k", "named twice")]
    [InlineData("x:/k,y:/k", "two secrets would land at /k")]
    public void Bad_names_and_paths_are_refused_and_nothing_is_handed_over(string value, string why)
    {
        var (config, problems) = Config($"fobnail.secret={value}");
        Assert.Contains(problems, p => p.Contains(why, StringComparison.Ordinal));
        Assert.Empty(config.Secrets);
    }

    [Fact]
    public void Mutated_values_are_refused_with_a_format_error_or_parse_into_safe_specs_and_most_get_past_the_name_check()
    {
        byte[] seed = "root,swap:/cryptroot/keyfiles/swap.key,data:/etc/luks/data.key"u8.ToArray();
        var random = new Random(1212);
        int accepted = 0, pathChecked = 0, total = 2000;
        for (int i = 0; i < total; i++)
        {
            string value = Encoding.Latin1.GetString(Mutator.Mutate(random, seed));
            try
            {
                IReadOnlyList<SecretSpec> specs = SecretSpec.ParseList(value);
                accepted++;
                Assert.InRange(specs.Count, 1, SecretSpec.MaxSecrets);
                foreach (SecretSpec s in specs)
                {
                    Assert.Null(SecretSpec.ProblemWithName(s.Name));
                    Assert.StartsWith("/", s.Path);
                    Assert.DoesNotContain(s.Path[1..].Split('/'), seg => seg is "" or "." or "..");
                    Assert.False(s.Path.Any(char.IsControl), value);
                }
                Assert.Equal(specs.Count, specs.Select(s => s.Path).Distinct().Count());
            }
            catch (FormatException e)
            {
                // Refused after the name passed: the path or duplicate checks ran.
                if (e.Message.StartsWith("secret ", StringComparison.Ordinal) || e.Message.Contains("two secrets", StringComparison.Ordinal))
                    pathChecked++;
            }
        }
        // Seed 1212 measured: 585 accepted, 1086 refused by the path or duplicate checks, 329 by the name check.
        Assert.True(accepted + pathChecked >= total / 4, $"only {accepted} accepted and {pathChecked} refused by the path checks of {total}");
        Assert.True(pathChecked >= total / 20, $"only {pathChecked} of {total} reached the path checks and were refused there");
    }

    [Fact]
    public void Cmdline_parse_shows_each_secret_with_its_path()
    {
        var (code, stdout, stderr) = TpmTests.Cli("cmdline", "parse", "fobnail.secret=root,swap:/cryptroot/keyfiles/swap.key");
        Assert.True(code == 0, stderr);
        Assert.Contains("root:/etc/cryptsetup-keys.d/root.key,swap:/cryptroot/keyfiles/swap.key", stdout);
        Assert.Contains("secret.optional", stdout);
        // The default steps end with `boot`: the key goes to whatever /boot on the disk holds.
        string[] lines = stdout.Split('\n');
        int at = Array.FindIndex(lines, l => l.StartsWith("* fobnail.secret ", StringComparison.Ordinal));
        Assert.True(at >= 0, stdout);
        Assert.Contains("WEAKENS POLICY: the secrets go to the kernel and initrd the disk's boot entry names", lines[at + 1]);
        (code, stdout, stderr) = TpmTests.Cli("cmdline", "parse", "fobnail.steps=modules,network,attest,kexec fobnail.secret=root");
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("WEAKENS", stdout);
    }
}

/// <summary>The handoff with secrets: the appended archive as GNU cpio reads it, the events, the logs, the wiping.</summary>
public sealed class SecretHandoffTests : IDisposable
{
    private readonly TestFiles _files = new();
    private readonly ListSink _log = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Secrets_land_0400_root_owned_in_0700_directories_and_only_name_path_and_size_are_measured_or_logged()
    {
        byte[] root = new byte[64], swap = new byte[32];
        new Random(12).NextBytes(root);
        new Random(13).NextBytes(swap);
        using var secrets = new HandoverSecrets();
        secrets.Add("root", "/etc/cryptsetup-keys.d/root.key", root);
        secrets.Add("swap", "/cryptroot/keyfiles/swap.key", swap);
        string kernelPath = _files.Random("vmlinuz", 5000, 1), initrdPath = _files.Random("initrd", 3001, 2);
        var request = new KexecRequest(kernelPath, initrdPath, "console=ttyS0") { Secrets = secrets.Files };
        var kernel = new FakeKexecKernel();
        string eventLog = Path.Combine(_files.Dir, "tpm2-measure.log");
        var handoff = new KexecHandoff(kernel, _log.Logger())
        {
            Policy = new KexecPolicy(true),
            OpenExtender = () => new SoftwarePcrs([TpmAlgId.Sha1, TpmAlgId.Sha256]),
            EventLogPath = eventLog,
        };
        var rebooted = Assert.IsType<KexecHandoffResult.Rebooted>(handoff.Run(request, AttestationVerdict.Pass("ok"), execute: true));

        // The target initrd is measured as before; each secret is one event in the initrd's PCR over "secret NAME PATH SIZE".
        Assert.Equal([MeasuredObject.Kernel, MeasuredObject.Initrd, MeasuredObject.Secret, MeasuredObject.Secret, MeasuredObject.Cmdline],
            rebooted.Log.Events.Select(e => e.Object));
        MeasurementEvent rootEvent = rebooted.Log.Events[2];
        Assert.Equal((9, "root at /etc/cryptsetup-keys.d/root.key", 64L), (rootEvent.Pcr, rootEvent.Description, rootEvent.Size));
        Assert.Equal(SHA256.HashData("secret root /etc/cryptsetup-keys.d/root.key 64"u8), rootEvent.Digest(TpmAlgId.Sha256)!.Digest);
        Assert.Equal(TestFiles.Sum("sha256sum", initrdPath), rebooted.Log.Events[1].Digest(TpmAlgId.Sha256)!.Hex);

        var (listing, dir) = SecretChecks.Extract(kernel.InitrdBytes!, 3001, _files.Dir);
        Assert.Equal(8, listing.Length);
        Assert.Matches(@"^drwxr-xr-x +2 root +root +0 Jan  1  1970 etc$", listing[2]);
        Assert.Matches(@"^drwx------ +2 root +root +0 Jan  1  1970 etc/cryptsetup-keys\.d$", listing[3]);
        Assert.Matches(@"^-r-------- +1 root +root +64 Jan  1  1970 etc/cryptsetup-keys\.d/root\.key$", listing[4]);
        Assert.Matches(@"^drwxr-xr-x +2 root +root +0 Jan  1  1970 cryptroot$", listing[5]);
        Assert.Matches(@"^drwx------ +2 root +root +0 Jan  1  1970 cryptroot/keyfiles$", listing[6]);
        Assert.Matches(@"^-r-------- +1 root +root +32 Jan  1  1970 cryptroot/keyfiles/swap\.key$", listing[7]);
        Assert.Equal(root, File.ReadAllBytes(Path.Combine(dir, "etc/cryptsetup-keys.d/root.key")));
        Assert.Equal(swap, File.ReadAllBytes(Path.Combine(dir, "cryptroot/keyfiles/swap.key")));

        Assert.Contains("INF kexec: secret root handed over at /etc/cryptsetup-keys.d/root.key (64 bytes)", _log.Lines);
        string handedLog = File.ReadAllText(Path.Combine(dir, ".fobnail/tpm2-measure.log"), Encoding.Latin1);
        Assert.Contains("\"object\":\"secret\",\"description\":\"swap at /cryptroot/keyfiles/swap.key\",\"size\":32", handedLog);
        foreach (byte[] secret in new[] { root, swap })
        {
            SecretChecks.Absent(secret, string.Join('\n', _log.Lines), "the log lines");
            SecretChecks.Absent(secret, File.ReadAllText(eventLog, Encoding.Latin1), "the saved event log");
            SecretChecks.Absent(secret, handedLog, "the handed-over event log");
            SecretChecks.Absent(secret, rebooted.Log.ToJson(), "the event log JSON");
        }

        secrets.Dispose();
        Assert.All(root, b => Assert.Equal(0, b));
        Assert.All(swap, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Kexec_measure_predicts_pcr_9_with_each_secret_from_its_name_path_and_size()
    {
        string kernel = _files.Random("k", 3000, 5), initrd = _files.Random("i", 2000, 6);
        var (code, stdout, stderr) = TpmTests.Cli("kexec", "measure", kernel, "--initrd", initrd, "--secret", "disk:/cryptroot/keyfiles/disk.key:64",
            "--predict", "--from-zero", "--banks", "sha256");
        Assert.True(code == 0, stderr);
        byte[] pcr = new byte[32];
        foreach (byte[] digest in new[] { SHA256.HashData(File.ReadAllBytes(kernel)), SHA256.HashData(File.ReadAllBytes(initrd)), SHA256.HashData("secret disk /cryptroot/keyfiles/disk.key 64"u8) })
            pcr = SHA256.HashData([.. pcr, .. digest]);
        Assert.Contains($"PCR 9 sha256: {Convert.ToHexStringLower(pcr)}\n", stdout);

        foreach (string bad in new[] { "disk:relative:64", "disk:/k:0", "disk:/k:6001", "a/b:/k:5", "disk:/k", "disk:/a,b:5" })
        {
            (code, _, stderr) = TpmTests.Cli("kexec", "measure", kernel, "--secret", bad);
            Assert.True(code == 2, $"{bad}: exit {code} {stderr}");
            Assert.Contains("--secret", stderr);
        }
    }

    /// <summary>A step that stands in for attest (leaves a secret in the context) or for one that fails after it.</summary>
    private sealed class StubStep(BootStep id, Func<BootContext, StepOutcome> run) : IBootStep
    {
        public BootStep Id => id;
        public Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken) => Task.FromResult(run(context));
    }

    [Fact]
    public async Task A_failure_between_attest_and_the_handoff_still_wipes_the_secrets()
    {
        byte[] key = [1, 2, 3, 4, 5, 6, 7, 8];
        var config = BootConfig.FromCommandLine(KernelCommandLine.Parse("fobnail.steps=attest,boot fobnail.secret=root"), out _);
        var context = new BootContext(config, _log.Logger());
        var sequence = new BootSequence(new Dictionary<BootStep, IBootStep>
        {
            [BootStep.Attest] = new StubStep(BootStep.Attest, c =>
            {
                c.Secrets = new HandoverSecrets();
                c.Secrets.Add("root", "/etc/cryptsetup-keys.d/root.key", key);
                return new StepOutcome.Succeeded("trusted");
            }),
            [BootStep.Boot] = new StubStep(BootStep.Boot, _ => new StepOutcome.Failed("no entry to boot")),
        });
        Assert.IsType<StepOutcome.Failed>(await sequence.RunAsync(context, CancellationToken.None));
        Assert.Null(context.Secrets);
        Assert.All(key, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Secrets_without_the_handover_are_refused_before_anything_is_loaded()
    {
        var kernel = new FakeKexecKernel();
        var request = new KexecRequest(_files.Random("k", 100, 1), null, "") { Secrets = [new HandoverFile("k", "/k.key", new byte[16])] };
        var result = new KexecHandoff(kernel, _log.Logger()) { HandOver = false, OpenExtender = () => new SoftwarePcrs([TpmAlgId.Sha256]) }
            .Run(request, AttestationVerdict.Pass("ok"), execute: true);
        Assert.Contains("handover is off", Assert.IsType<KexecHandoffResult.Failed>(result).Summary);
        Assert.Empty(kernel.Calls);
    }

    [Fact]
    public async Task Configured_secrets_that_were_never_read_stop_the_kexec_step_unless_optional()
    {
        string kernel = _files.Random("vmlinuz", 1000, 3);
        foreach (bool optional in new[] { false, true })
        {
            var config = BootConfig.FromCommandLine(KernelCommandLine.Parse(
                $"fobnail.kexec.kernel={kernel} fobnail.kexec.require_attestation=0 fobnail.tpm=device:{_files.Dir}/none fobnail.secret=root fobnail.secret.optional={(optional ? 1 : 0)}"), out var problems);
            Assert.Empty(problems);
            var fake = new FakeKexecKernel();
            StepOutcome outcome = await new KexecStep(fake, null).RunAsync(new BootContext(config, _log.Logger()), CancellationToken.None);
            if (optional)
            {
                Assert.IsType<StepOutcome.Succeeded>(outcome);
                Assert.Contains("reboot", fake.Calls);
            }
            else
            {
                Assert.Contains("no secret was read from the token", Assert.IsType<StepOutcome.Failed>(outcome).Summary);
                Assert.Empty(fake.Calls);
            }
        }
    }
}

/// <summary>
/// `secret new|rm` against the token emulator with swtpm, then the attest step's read of the secret on a trusted
/// session (<see cref="TokenSecrets"/>) and the kexec step's handoff of it, in-process.
/// </summary>
[Collection(TpmCollection.Name)]
[Trait("Category", TpmCollection.Trait)]
public sealed class TokenSecretTests(TpmFixture tpm) : IDisposable
{
    private static readonly MetadataOverrides Metadata = new(PrimaryNic.ParseMac("52:54:00:5e:c0:01"), "Fobnail", "secret test", "secret-1");
    private static readonly string[] Meta = ["--meta", "mac=52:54:00:5e:c0:01", "--meta", "manufacturer=Fobnail", "--meta", "product_name=secret test", "--meta", "serial_number=secret-1"];
    private readonly TestFiles _files = new();
    private readonly ListSink _log = new();

    public void Dispose() => _files.Dispose();

    private CommandResult Cli(TokenPeer token, params string[] args) =>
        TpmTests.Cli([.. args, "--token", token.EndPoint.ToString(), "--tpm", tpm.Spec.ToString(), "--ek-chain", token.EkChainDir, .. Meta]);

    private async Task<(string? Failure, BootContext Context)> FetchAsync(TokenPeer token, string cmdline)
    {
        var config = BootConfig.FromCommandLine(KernelCommandLine.Parse(cmdline), out var problems);
        Assert.Empty(problems);
        var context = new BootContext(config, _log.Logger());
        var settings = new AttesterSettings { Token = token.EndPoint, Metadata = Metadata, EkChainDirectory = token.EkChainDir };
        using ITpmTransport transport = tpm.Open();
        await using TokenAttester attester = await TokenAttester.RunAsync(transport, settings, _log.Logger());
        Assert.True(attester.Attestation.IsTrusted, attester.Attestation.Summary);
        return (await TokenSecrets.FetchAsync(attester, context, CancellationToken.None), context);
    }

    [Fact]
    public async Task Secret_new_stores_a_random_key_the_attest_step_reads_back_and_the_kexec_step_hands_over()
    {
        await using TokenPeer token = TokenPeer.Start(tpm);
        tpm.With(t => new TpmAttestationKeys(t).EnsureAik(allowCreate: true));
        var (code, stdout, stderr) = Cli(token, "attest", "--provision");
        Assert.True(code == 0, $"exit {code}: {stdout} {stderr}");

        string keyfile = Path.Combine(_files.Dir, "root.key");
        (code, stdout, stderr) = Cli(token, "secret", "new", "root", "--bytes", "48", "--keyfile", keyfile);
        Assert.True(code == 0, $"exit {code}: {stdout} {stderr}");
        Assert.Contains($"root: 48 random bytes stored on the token; key written to {keyfile} (mode 0600)", stdout);
        byte[] key = File.ReadAllBytes(keyfile);
        Assert.Equal(48, key.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyfile));
        Assert.True(key.Distinct().Count() > 16, "the key does not look random");
        SecretChecks.Absent(key, stdout + stderr, "the output of secret new");

        // Refusals: an existing key file is never overwritten (before the token is asked); an existing secret is never replaced.
        (code, _, stderr) = Cli(token, "secret", "new", "root", "--keyfile", keyfile);
        Assert.True(code == 2, stderr);
        Assert.Contains("exists; not overwritten", stderr);
        Assert.Equal(key, File.ReadAllBytes(keyfile));
        string second = Path.Combine(_files.Dir, "again.key");
        (code, _, stderr) = Cli(token, "secret", "new", "root", "--keyfile", second);
        Assert.True(code == 15, $"exit {code}: {stderr}");
        Assert.Contains("exists on the token", stderr);
        Assert.False(File.Exists(second));
        (code, _, stderr) = Cli(token, "secret", "new", "a/b", "--keyfile", second);
        Assert.True(code == 2, stderr);
        (code, _, stderr) = Cli(token, "secret", "new", "x", "--bytes", "8", "--keyfile", second);
        Assert.True(code == 2, stderr);

        // The attest step's read, on the trusted session.
        var (failure, context) = await FetchAsync(token, "fobnail.secret=root:/cryptroot/keyfiles/root.key,absent fobnail.secret.optional=1");
        Assert.Null(failure);
        HandoverFile read = Assert.Single(context.Secrets!.Files);
        Assert.Equal(("root", "/cryptroot/keyfiles/root.key"), (read.Name, read.Path));
        Assert.Equal(key, read.Content.ToArray());
        Assert.Contains(_log.Lines, l => l.StartsWith("WRN attest: secret absent: the token has no such file", StringComparison.Ordinal));
        Assert.Contains("INF attest: secret root read from the token (48 bytes), for /cryptroot/keyfiles/root.key", _log.Lines);

        // The kexec step hands it over with swtpm's PCRs and wipes it.
        string kernel = _files.Random("vmlinuz", 4000, 1), initrd = _files.Random("initrd", 2001, 2);
        context = new BootContext(BootConfig.FromCommandLine(KernelCommandLine.Parse(
            $"fobnail.kexec.kernel={kernel} fobnail.kexec.initrd={initrd} fobnail.tpm={tpm.Spec} fobnail.secret=root:/cryptroot/keyfiles/root.key"), out _), _log.Logger())
        {
            Verdict = AttestationVerdict.Pass("trusted"),
            Secrets = context.Secrets,
        };
        var fake = new FakeKexecKernel();
        StepOutcome outcome = await new KexecStep(fake, Path.Combine(_files.Dir, "measure.log")).RunAsync(context, CancellationToken.None);
        Assert.IsType<StepOutcome.Succeeded>(outcome);
        Assert.Null(context.Secrets);
        Assert.All(read.Content.ToArray(), b => Assert.Equal(0, b));
        var (_, root) = SecretChecks.Extract(fake.InitrdBytes!, 2001, _files.Dir);
        Assert.Equal(key, File.ReadAllBytes(Path.Combine(root, "cryptroot/keyfiles/root.key")));
        SecretChecks.Absent(key, string.Join('\n', _log.Lines), "the log lines");
        SecretChecks.Absent(key, File.ReadAllText(Path.Combine(_files.Dir, "measure.log"), Encoding.Latin1), "the event log");

        // Not optional: a secret the token does not have stops the boot.
        (failure, context) = await FetchAsync(token, "fobnail.secret=root,absent");
        Assert.Contains("secret absent: the token has no such file for this platform (4.04); not booting without it", failure);
        Assert.Null(context.Secrets);

        (code, _, stderr) = Cli(token, "secret", "rm", "root");
        Assert.True(code == 0, stderr);
        (failure, _) = await FetchAsync(token, "fobnail.secret=root");
        Assert.Contains("secret root: the token has no such file", failure);
    }
}
