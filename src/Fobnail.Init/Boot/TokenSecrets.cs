using Fobnail.Attester.Flows;
using Fobnail.Attester.Session;
using Fobnail.Init.Config;
using Fobnail.Kexec.Initrd;

namespace Fobnail.Init.Boot;

/// <summary>
/// fobnail.secret: right after a TRUSTED verdict, on the same token session (the token serves a platform's files
/// only to the endpoint that attested, and only while it stays alive), read each named FTS file and keep it in
/// memory (<see cref="HandoverSecrets"/>, wiped after the handoff) for the kexec/boot step, which appends it to the
/// target's initrd. Only names, paths and sizes are logged. A 4.04 fails the boot unless fobnail.secret.optional=1;
/// any other token failure always fails it.
/// </summary>
public static class TokenSecrets
{
    /// <summary>Reads the configured secrets into <see cref="BootContext.Secrets"/>; returns why the boot must stop, or null.</summary>
    public static async Task<string?> FetchAsync(TokenAttester trusted, BootContext context, CancellationToken ct)
    {
        BootConfig config = context.Config;
        if (config.Secrets.Count == 0)
            return null;
        var secrets = new HandoverSecrets();
        try
        {
            FtsClient fts = trusted.Fts;
            foreach (SecretSpec spec in config.Secrets)
            {
                byte[]? content;
                try { content = await fts.GetAsync(spec.Name, ct).ConfigureAwait(false); }
                catch (Exception e) when (e is TokenProtocolException or TokenUnreachableException)
                {
                    return $"secret {spec.Name}: reading it from the token failed: {e.Message}";
                }
                if (content is null)
                {
                    if (!config.SecretOptional)
                        return $"secret {spec.Name}: the token has no such file for this platform (4.04); not booting without it (fobnail.secret.optional=0)";
                    context.Log.Warning("attest: secret {Name}: the token has no such file for this platform (4.04); booting without it (fobnail.secret.optional=1)", spec.Name);
                    continue;
                }
                secrets.Add(spec.Name, spec.Path, content);
                context.Log.Information("attest: secret {Name} read from the token ({Size} bytes), for {Path}", spec.Name, content.Length, spec.Path);
            }
            context.Secrets = secrets;
            secrets = null;
            return null;
        }
        finally
        {
            secrets?.Dispose();
        }
    }
}
