using Fobnail.Linux;

namespace Fobnail.Init.Cli;

/// <summary>
/// Every file the command line reads or writes for a person goes through here, so a directory, a FIFO, /dev/zero
/// or an unwritable path is one readable line (<see cref="CliUsageException"/>, exit code 2), never a stack trace
/// or a hang. Reads are bounded (<see cref="RegularFile"/>).
/// </summary>
internal static class CliFiles
{
    public static byte[] Read(string option, string path, int maxBytes)
    {
        try { return RegularFile.ReadAll(path, maxBytes); }
        catch (RegularFileException e) { throw new CliUsageException($"{option} {e.Message}"); }
        catch (IOException e) { throw new CliUsageException($"{option} {path}: cannot read: {e.Message}"); }
    }

    public static string ReadText(string option, string path, int maxBytes) =>
        System.Text.Encoding.UTF8.GetString(Read(option, path, maxBytes));

    public static void Write(string option, string path, ReadOnlySpan<byte> content)
    {
        if (Directory.Exists(path))
            throw new CliUsageException($"{option} {path}: is a directory");
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
            file.Write(content);
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliUsageException($"{option} {path}: permission denied");
        }
        catch (DirectoryNotFoundException)
        {
            throw new CliUsageException($"{option} {path}: no such directory");
        }
        catch (IOException e)
        {
            throw new CliUsageException($"{option} {path}: cannot write: {e.Message}");
        }
    }
}
