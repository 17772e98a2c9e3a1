namespace Fobnail.Kexec.Tests;

/// <summary>Temporary files with known content, and the coreutils digest tools as the independent oracle.</summary>
public sealed class TestFiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("fobnail-kexec-test-").FullName;

    public string Write(string name, byte[] content)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string Random(string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return Write(name, bytes);
    }

    /// <summary>`sha256sum FILE` (or sha1sum, sha384sum, sha512sum): the hex digest.</summary>
    public static string Sum(string tool, string path)
    {
        string output = TpmFixture.Run(tool, [path]);
        return output.Split(' ', 2)[0];
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
