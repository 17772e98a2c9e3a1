using System.CommandLine;
using System.Security.Cryptography;
using Fobnail.Attester.Flows;
using Fobnail.Attester.Session;
using Fobnail.Linux;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>secret new NAME [--bytes 64] --keyfile F</c> and <c>secret rm NAME</c>: the owner's enrolment of a
/// token-held secret (fobnail.secret). A part of the attester commands (same options, attests first, then the FTS
/// call on the same session), in its own file.
/// </summary>
internal static partial class AttestCommand
{
    public const int DefaultSecretBytes = 64;
    public const int MaxKeyBytes = 4096;

    public static Command CreateSecret()
    {
        var command = new Command("secret", "Token-held secrets for fobnail.secret (attests first, then uses the same session)");
        Common common = AddCommon(command, tokenOptions: true);

        var name = new Argument<string>("name") { Description = "File name on the token (one path segment), as in fobnail.secret=NAME" };
        var bytes = new Option<int>("--bytes") { Description = $"Key length in bytes (16-{MaxKeyBytes})", DefaultValueFactory = _ => DefaultSecretBytes };
        var keyfile = new Option<string>("--keyfile") { Description = "Where the key is written (mode 0600, never overwritten), for one `cryptsetup luksAddKey DEVICE F`", Required = true };
        var create = new Command("new", "Make a random key (getrandom), store it on the token for this platform and write it to --keyfile") { name, bytes, keyfile };
        create.SetAction((r, ct) => NewSecretAsync(r, common, r.GetValue(name)!, r.GetValue(bytes), r.GetValue(keyfile)!, ct));
        command.Subcommands.Add(create);

        var rmName = new Argument<string>("name") { Description = "File name on the token" };
        var rm = new Command("rm", "Delete the secret from the token") { rmName };
        rm.SetAction((r, ct) => RunAsync(r, common, provision: false, ct,
            (attester, output, token) => FtsAsync("rm", r.GetValue(rmName)!, null, null, attester, output, token)));
        command.Subcommands.Add(rm);
        return command;
    }

    private static async Task<int> NewSecretAsync(ParseResult r, Common common, string name, int length, string keyfile, CancellationToken ct)
    {
        // Everything local is checked before the token is asked anything: a bad name or path costs no attestation.
        if (Config.SecretSpec.ProblemWithName(name) is { } bad)
            throw new CliUsageException($"secret new: {bad}");
        if (length is < 16 or > MaxKeyBytes)
            throw new CliUsageException($"--bytes {length}: a key is 16-{MaxKeyBytes} bytes");
        if (File.Exists(keyfile) || Directory.Exists(keyfile))
            throw new CliUsageException($"--keyfile {keyfile}: exists; not overwritten");
        FileStream file;
        try
        {
            // O_CREAT|O_EXCL: a file (or a dangling symlink) that appears meanwhile is never written through.
            file = new FileStream(keyfile, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--keyfile {keyfile}: cannot create: {e.Message}");
        }

        byte[] key = new byte[length];
        int code = ExitCodes.Failed;
        try
        {
            code = await RunAsync(r, common, provision: false, ct, async (attester, output, token) =>
            {
                try
                {
                    FtsClient fts = attester.Fts;
                    byte[]? existing = await fts.GetAsync(name, token);
                    if (existing is not null)
                    {
                        CryptographicOperations.ZeroMemory(existing);
                        Console.Error.WriteLine($"secret new: {name} exists on the token for this platform; not replaced (a volume enrolled with it would no longer open): `secret rm {name}` first");
                        return ExitCodes.FtsFailed;
                    }
                    KernelRandom.Fill(key);
                    await fts.PutAsync(name, key, token);
                    file.Write(key);
                    file.Flush(flushToDisk: true);
                    output.Field("secret", $"{name}: {key.Length} random bytes stored on the token; key written to {keyfile} (mode 0600)");
                    return ExitCodes.Ok;
                }
                catch (Exception e) when (e is TokenProtocolException or TokenUnreachableException or ArgumentException or IOException)
                {
                    Console.Error.WriteLine($"secret new: {e.Message}");
                    return ExitCodes.FtsFailed;
                }
            });
            return code;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            file.Dispose();
            if (code != ExitCodes.Ok)
                File.Delete(keyfile); // ours (created with O_EXCL above), and without a key on the token it is useless
        }
    }
}
