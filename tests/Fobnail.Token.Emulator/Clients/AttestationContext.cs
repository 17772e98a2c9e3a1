namespace Fobnail.Token.Emulator.Clients;

/// <summary>Attestation Context: what /attest/{ac} checks the quote against.</summary>
public sealed record AttestationContext(byte[] Rim, byte[] QuoteNonce, Protocol.AikPublicKey Aik, byte[] MetadataHash);
