using System.Text;

namespace Fobnail.Modules;

/// <summary>
/// Reads a modules.* text file under <see cref="ModuleIndexLimits"/> and splits it into lines of
/// whitespace-separated tokens. Bytes are decoded as Latin-1 so that no byte sequence can make decoding
/// throw; module names and aliases are ASCII in practice.
/// </summary>
internal static class ModuleFileReader
{
    public static byte[] ReadFile(string path, string fileName)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            var buffer = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > ModuleIndexLimits.MaxFileBytes)
                    throw new ModuleIndexException(fileName, 0, $"larger than {ModuleIndexLimits.MaxFileBytes} bytes");
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
        catch (ModuleIndexException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ModuleIndexException(fileName, 0, $"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Calls <paramref name="onLine"/> for each non-blank, non-comment line with its 1-based number and tokens.
    /// </summary>
    public static void ForEachLine(ReadOnlySpan<byte> content, string fileName, Action<int, string[]> onLine)
    {
        int lineNumber = 0;
        while (!content.IsEmpty)
        {
            lineNumber++;
            if (lineNumber > ModuleIndexLimits.MaxLines)
                throw new ModuleIndexException(fileName, lineNumber, $"more than {ModuleIndexLimits.MaxLines} lines");
            int nl = content.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = nl < 0 ? content : content[..nl];
            content = nl < 0 ? default : content[(nl + 1)..];
            if (line.Length > ModuleIndexLimits.MaxLineLength)
                throw new ModuleIndexException(fileName, lineNumber, $"line longer than {ModuleIndexLimits.MaxLineLength} bytes");
            if (line.IndexOf((byte)0) >= 0)
                throw new ModuleIndexException(fileName, lineNumber, "NUL byte in a text file");
            string text = Encoding.Latin1.GetString(line);
            string[] tokens = text.Split([' ', '\t', '\r', '\v', '\f'], StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0 || tokens[0][0] == '#')
                continue;
            onLine(lineNumber, tokens);
        }
    }

    /// <summary>A module name as found in a file: non-empty, bounded, no '/' (it is not a path).</summary>
    public static string CheckName(string token, string fileName, int lineNumber, string what)
    {
        if (token.Length > ModuleIndexLimits.MaxNameLength)
            throw new ModuleIndexException(fileName, lineNumber, $"{what} longer than {ModuleIndexLimits.MaxNameLength} characters");
        if (token.Contains('/'))
            throw new ModuleIndexException(fileName, lineNumber, $"{what} '{token}' contains '/'");
        return ModuleName.Normalize(token);
    }
}
