namespace Fobnail.Boot.Files;

/// <summary>Splits a config into lines, enforcing <see cref="BootLimits.MaxLineLength"/> (the error names the file and line).</summary>
internal static class ConfigLines
{
    public static IEnumerable<(int Number, string Text)> Split(string text, string source, BootLimits limits)
    {
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            if (raw.Length > limits.MaxLineLength)
                throw new BootFormatException($"{source}:{number}: line longer than {limits.MaxLineLength} characters");
            yield return (number, raw.TrimEnd('\r'));
        }
    }
}
