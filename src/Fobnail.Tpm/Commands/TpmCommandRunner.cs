namespace Fobnail.Tpm;

/// <summary>The parsed frame of a successful response: its handle area and a reader over exactly its parameter area.</summary>
public sealed record TpmResponse(uint[] Handles, TpmReader Parameters);

/// <summary>
/// Builds the command frame (Part 1 §18: tag, commandSize, commandCode, handles, authorization area, parameters),
/// sends it, and checks the response frame against the command's expected shape before any parameter is parsed.
/// TPM_RC_RETRY, TPM_RC_YIELDED and TPM_RC_TESTING mean "not executed, try again" and are retried a bounded
/// number of times; every other non-success code becomes a <see cref="TpmException"/>.
/// </summary>
public static class TpmCommandRunner
{
    public const int MaxAttempts = 8;
    private const int HeaderSize = TpmTransportLimits.HeaderSize;

    public static TpmResponse Run(
        ITpmTransport transport,
        TpmCc commandCode,
        string commandName,
        ReadOnlySpan<uint> handles,
        ReadOnlySpan<TpmAuthorization> authorizations,
        ReadOnlySpan<byte> parameters,
        int responseHandleCount)
    {
        byte[] command = Build(commandCode, handles, authorizations, parameters);
        for (int attempt = 1; ; attempt++)
        {
            byte[] response = transport.Transmit(command);
            var reader = new TpmReader(response, commandName);
            ushort tag = reader.ReadU16();
            uint size = reader.ReadU32();
            var rc = new TpmResponseCode(reader.ReadU32());
            if (tag != (ushort)TpmSt.NoSessions && tag != (ushort)TpmSt.Sessions)
                throw reader.Fail($"response tag 0x{tag:X4} is neither TPM_ST_NO_SESSIONS nor TPM_ST_SESSIONS");
            if (size != response.Length)
                throw reader.Fail($"responseSize {size} does not match the {response.Length} bytes received");
            if (!rc.IsSuccess)
            {
                bool retryable = rc.Value is TpmResponseCode.Retry or TpmResponseCode.Yielded or TpmResponseCode.Testing;
                if (retryable && attempt < MaxAttempts)
                {
                    // Self-test or a busy TPM: back off a little longer each time.
                    Thread.Sleep(10 * attempt);
                    continue;
                }
                throw new TpmException(commandName, rc);
            }
            return ParseSuccess(reader, tag, authorizations.Length, responseHandleCount);
        }
    }

    private static byte[] Build(TpmCc commandCode, ReadOnlySpan<uint> handles, ReadOnlySpan<TpmAuthorization> authorizations, ReadOnlySpan<byte> parameters)
    {
        var w = new TpmWriter(HeaderSize + 4 * handles.Length + 64 * authorizations.Length + parameters.Length);
        w.WriteU16((ushort)(authorizations.IsEmpty ? TpmSt.NoSessions : TpmSt.Sessions));
        w.WriteU32(0); // commandSize, patched below
        w.WriteU32((uint)commandCode);
        foreach (uint handle in handles)
            w.WriteU32(handle);
        if (!authorizations.IsEmpty)
        {
            var auth = new TpmWriter();
            foreach (TpmAuthorization a in authorizations)
                a.Marshal(auth);
            w.WriteU32((uint)auth.Length);
            w.WriteBytes(auth.WrittenSpan);
        }
        w.WriteBytes(parameters);
        w.PatchU32(2, (uint)w.Length);
        return w.ToArray();
    }

    private static TpmResponse ParseSuccess(TpmReader reader, ushort tag, int sessionCount, int responseHandleCount)
    {
        bool withSessions = sessionCount > 0;
        if (tag != (ushort)(withSessions ? TpmSt.Sessions : TpmSt.NoSessions))
            throw reader.Fail($"response tag 0x{tag:X4} does not match a command sent with {sessionCount} sessions");
        uint[] handles = new uint[responseHandleCount];
        for (int i = 0; i < handles.Length; i++)
            handles[i] = reader.ReadU32();
        if (!withSessions)
            return new TpmResponse(handles, reader.Slice(reader.Remaining, "parameters"));

        uint parameterSize = reader.ReadU32();
        if (parameterSize > reader.Remaining)
            throw reader.Fail($"parameterSize {parameterSize} exceeds the {reader.Remaining} bytes remaining");
        TpmReader parameters = reader.Slice((int)parameterSize, "parameters");
        // One TPMS_AUTH_RESPONSE per command session: nonceTPM, sessionAttributes, hmac.
        for (int i = 0; i < sessionCount; i++)
        {
            reader.ReadTpm2b(64, "nonceTPM");
            reader.ReadU8();
            reader.ReadTpm2b(64, "response hmac");
        }
        reader.ExpectEnd("the response authorization area");
        return new TpmResponse(handles, parameters);
    }
}
