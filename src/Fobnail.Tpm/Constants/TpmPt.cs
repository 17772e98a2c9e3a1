namespace Fobnail.Tpm;

/// <summary>TPM_PT property tags (TPM 2.0 Part 2 §6.13); PT_FIXED group = 0x100.</summary>
public enum TpmPt : uint
{
    FamilyIndicator = 0x100,
    Level = 0x101,
    Revision = 0x102,
    DayOfYear = 0x103,
    Year = 0x104,
    Manufacturer = 0x105,
    VendorString1 = 0x106,
    VendorString2 = 0x107,
    VendorString3 = 0x108,
    VendorString4 = 0x109,
    VendorTpmType = 0x10A,
    FirmwareVersion1 = 0x10B,
    FirmwareVersion2 = 0x10C,
    InputBuffer = 0x10D,
    PcrCount = 0x112,
    MaxCommandSize = 0x11E,
    MaxResponseSize = 0x11F,
    MaxDigest = 0x120,
    NvBufferMax = 0x12C,
}
