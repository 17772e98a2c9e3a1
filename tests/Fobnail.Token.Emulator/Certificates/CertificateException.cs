namespace Fobnail.Token.Emulator.Certificates;

/// <summary>
/// A certificate could not be parsed or its chain could not be verified (the token answers 4.03 either way).
/// The only exception the certificate code throws for untrusted input.
/// </summary>
public sealed class CertificateException(string message) : Exception(message);
