namespace Fobnail.Attester.Platform;

/// <summary>
/// The three strings of the SMBIOS type 1 (System Information) structure the Fobnail metadata uses (§6.1),
/// exactly as the reference attester renders them (§6.2): "Not Specified" for string number 0, "&lt;BAD INDEX&gt;"
/// for a number past the string set, non-printable bytes replaced by '.'.
/// </summary>
public sealed record SmbiosSystemInformation(string Manufacturer, string ProductName, string SerialNumber);
