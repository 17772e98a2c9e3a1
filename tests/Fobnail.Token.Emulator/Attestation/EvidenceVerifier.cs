using System.Security.Cryptography;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Crypto;
using Fobnail.Token.Emulator.Tpm;

namespace Fobnail.Token.Emulator.Attestation;

/// <summary>
/// /attest/{ac} evidence appraisal (spec §7.6): signature over SHA-256(TPMS_ATTEST) with the stored AIK,
/// quote nonce, clock safe flag, PCR selection exactly as the policy, and the PCR digest recomputed from the
/// RIM captured at provisioning.
/// </summary>
public static class EvidenceVerifier
{
    /// <summary>Result: null when trusted, otherwise why not (for the log; the client gets 4.03).</summary>
    /// <exception cref="StoredRimCorruptException">The stored RIM does not decode or is inconsistent (5.00).</exception>
    public static string? Verify(ReadOnlyMemory<byte> evidence, byte[] storedRim, byte[] quoteNonce,
        AikPublicKey aik, IReadOnlyList<BankSelection> policy)
    {
        Rim rim;
        try
        {
            rim = Rim.Decode(storedRim);
        }
        catch (ProtocolDecodeException e)
        {
            throw new StoredRimCorruptException(e.Message);
        }
        if (!rim.IsConsistent) throw new StoredRimCorruptException("stored RIM is inconsistent");

        QuoteAttest quote;
        try
        {
            byte[]? data = SignedObjectVerifier.VerifyAndGetData(evidence, aik, ReadOnlySpan<byte>.Empty);
            if (data == null) return "evidence has an invalid signature";
            quote = QuoteAttest.Parse(data);
        }
        catch (ProtocolDecodeException e)
        {
            return "evidence is not a signed object: " + e.Message;
        }
        catch (TpmParseException e)
        {
            return "evidence is not a quote: " + e.Message;
        }

        if (!quote.ExtraData.AsSpan().SequenceEqual(quoteNonce)) return "evidence nonce is invalid";
        if (quote.Safe == 0) return "TPM clock is not safe";
        foreach (PcrSelection bank in quote.Banks)
            if (!policy.Any(p => p.AlgoId == bank.AlgoId)) return $"evidence contains bank 0x{bank.AlgoId:X4} not requested";
        foreach (BankSelection p in policy)
        {
            PcrSelection? q = null;
            foreach (PcrSelection b in quote.Banks)
                if (b.AlgoId == p.AlgoId) { q = b; break; }
            if (q == null) return $"required PCR bank 0x{p.AlgoId:X4} not in evidence";
            if (q.Value.Pcrs != p.Pcrs) return $"wrong PCR select: expected 0x{p.Pcrs:X8} got 0x{q.Value.Pcrs:X8}";
        }

        // Policy banks in policy order, PCRs ascending, values from the RIM.
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (BankSelection p in policy)
        {
            PcrBank? rimBank = rim.Banks.FirstOrDefault(b => b.AlgoId == p.AlgoId);
            if (rimBank == null) return $"RIM is missing required bank 0x{p.AlgoId:X4}";
            uint hashed = 0;
            for (int i = 0; i < 32; i++)
            {
                if ((p.Pcrs & (1u << i)) == 0) continue;
                byte[]? digest = rimBank.DigestOf(i);
                if (digest == null) continue;
                sha.AppendData(digest);
                hashed |= 1u << i;
            }
            if (hashed != p.Pcrs) return $"RIM is missing required PCRs of bank 0x{p.AlgoId:X4}";
        }
        byte[] expected = sha.GetHashAndReset();
        return expected.AsSpan().SequenceEqual(quote.PcrDigest) ? null : "PCRs don't match the RIM";
    }
}
