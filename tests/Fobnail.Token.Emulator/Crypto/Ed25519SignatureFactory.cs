using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Fobnail.Token.Emulator.Crypto;

/// <summary>
/// Ed25519 (RFC 8410, OID 1.3.101.112, no parameters) signing for BouncyCastle's certificate and PKCS#10
/// builders: Portable.BouncyCastle 1.8.10's Asn1SignatureFactory does not know the algorithm by name.
/// </summary>
public sealed class Ed25519SignatureFactory(Ed25519PrivateKeyParameters key) : ISignatureFactory
{
    public object AlgorithmDetails { get; } = new AlgorithmIdentifier(new DerObjectIdentifier("1.3.101.112"));

    public IStreamCalculator CreateCalculator() => new Calculator(key);

    private sealed class Calculator(Ed25519PrivateKeyParameters key) : IStreamCalculator
    {
        private readonly MemoryStream _data = new();

        public Stream Stream => _data;

        public object GetResult()
        {
            var signer = new Ed25519Signer();
            signer.Init(true, key);
            byte[] message = _data.ToArray();
            signer.BlockUpdate(message, 0, message.Length);
            return new SimpleBlockResult(signer.GenerateSignature());
        }
    }
}
