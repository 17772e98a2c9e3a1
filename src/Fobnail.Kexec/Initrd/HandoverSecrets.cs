using System.Security.Cryptography;

namespace Fobnail.Kexec.Initrd;

/// <summary>
/// The secrets read from the token for one boot, owned here from the moment they arrive until the handoff:
/// <see cref="Dispose"/> overwrites every byte (CryptographicOperations.ZeroMemory, which the JIT/AOT compiler
/// does not elide). Only names, paths and sizes ever leave this class in text form.
/// </summary>
public sealed class HandoverSecrets : IDisposable
{
    private readonly List<(HandoverFile File, byte[] Buffer)> _secrets = [];

    /// <summary>Takes ownership of <paramref name="content"/> (it is wiped on <see cref="Dispose"/>).</summary>
    public void Add(string name, string path, byte[] content) => _secrets.Add((new HandoverFile(name, path, content), content));

    public IReadOnlyList<HandoverFile> Files => _secrets.Select(s => s.File).ToArray();

    public int Count => _secrets.Count;

    public void Dispose()
    {
        foreach (var (_, buffer) in _secrets)
            CryptographicOperations.ZeroMemory(buffer);
        _secrets.Clear();
    }
}
