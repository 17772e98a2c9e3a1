namespace Fobnail.Modules;

/// <summary>
/// The only exception the modules.* parsers throw: a missing, unreadable, oversized or malformed index file.
/// Carries the file name and the 1-based line number (0 when the problem is the file as a whole).
/// </summary>
public sealed class ModuleIndexException : Exception
{
    public ModuleIndexException(string fileName, int lineNumber, string message, Exception? inner = null)
        : base(lineNumber > 0 ? $"{fileName}:{lineNumber}: {message}" : $"{fileName}: {message}", inner)
    {
        FileName = fileName;
        LineNumber = lineNumber;
    }

    public string FileName { get; }

    public int LineNumber { get; }
}
