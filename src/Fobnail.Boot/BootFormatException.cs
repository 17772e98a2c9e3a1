namespace Fobnail.Boot;

/// <summary>An input this library reads is malformed, hostile or over a limit. The message says where and why.</summary>
public sealed class BootFormatException(string message, Exception? inner = null) : Exception(message, inner);
