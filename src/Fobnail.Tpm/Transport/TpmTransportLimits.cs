namespace Fobnail.Tpm;

/// <summary>Size bounds every transport enforces before it allocates or sends anything.</summary>
public static class TpmTransportLimits
{
    /// <summary>
    /// The largest command or response we exchange: the Linux TPM driver's TPM_BUFSIZE, and the
    /// MAX_COMMAND_SIZE/MAX_RESPONSE_SIZE (TPM_PT_MAX_COMMAND_SIZE/TPM_PT_MAX_RESPONSE_SIZE) of PC Client TPMs.
    /// A response header claiming more is refused before a buffer of that size is allocated.
    /// </summary>
    public const int MaxMessageSize = 4096;

    /// <summary>The TPM 2.0 command/response header: tag (UINT16), size (UINT32), code (UINT32).</summary>
    public const int HeaderSize = 10;
}
