namespace Fobnail.Tpm;

/// <summary>
/// A TPM_RC decoded per TPM 2.0 Part 2 §6.6. Format-1 codes (bit 7 set) carry an error number in bits 5:0
/// and name the failing parameter (bit 6 = TPM_RC_P, number in bits 11:8), session (bit 11 = TPM_RC_S,
/// number in bits 10:8) or handle (number in bits 10:8). Format-0 codes (bit 8 = RC_VER1) are errors or, with
/// bit 11 (TPM_RC_WARN's severity bit), warnings; bits 6:0 are the number.
/// </summary>
public readonly struct TpmResponseCode : IEquatable<TpmResponseCode>
{
    public const uint Success = 0x000;
    public const uint RcVer1 = 0x100;
    public const uint RcFmt1 = 0x080;
    public const uint RcWarn = 0x900;

    /// <summary>Format-0 TPM_RC_INITIALIZE: TPM2_Startup was already run (or is missing).</summary>
    public const uint Initialize = RcVer1 + 0x000;
    public const uint Yielded = RcWarn + 0x008;
    public const uint Testing = RcWarn + 0x00A;
    public const uint Retry = RcWarn + 0x022;
    /// <summary>Format-1 TPM_RC_HANDLE (error number 0x00B, without the handle/parameter number).</summary>
    public const uint Handle = RcFmt1 + 0x00B;

    public TpmResponseCode(uint value) => Value = value;

    public uint Value { get; }

    public bool IsSuccess => Value == Success;

    /// <summary>Bits 31:12 and bit 10 of format-0 are not from TPM 2.0 (TSS layer, TPM 1.2 or vendor codes).</summary>
    public bool IsTpm2 => (Value & 0xFFFFF000) == 0 && (IsFormat1 || (Value & RcVer1) != 0 || Value == Success);

    public bool IsFormat1 => (Value & RcFmt1) != 0;

    /// <summary>Format-0 with the severity bit (bit 11): the command was not executed and may be retried later.</summary>
    public bool IsWarning => !IsFormat1 && (Value & 0x800) != 0 && (Value & RcVer1) != 0;

    /// <summary>Format-0 bit 10 (TPM_RC_V: vendor-defined code).</summary>
    public bool IsVendor => !IsFormat1 && (Value & 0x400) != 0;

    /// <summary>The code with the parameter/handle/session number removed (format 1) or as is (format 0).</summary>
    public uint BaseCode => IsFormat1 ? RcFmt1 | (Value & 0x3F) : Value & 0xFFF;

    /// <summary>1..15 when a format-1 code names a parameter, else 0.</summary>
    public int ParameterNumber => IsFormat1 && (Value & 0x40) != 0 ? (int)((Value >> 8) & 0xF) : 0;

    /// <summary>1..7 when a format-1 code names a session, else 0.</summary>
    public int SessionNumber => IsFormat1 && (Value & 0x40) == 0 && (Value & 0x800) != 0 ? (int)((Value >> 8) & 0x7) : 0;

    /// <summary>1..7 when a format-1 code names a handle, else 0 (also 0 for "unspecified handle").</summary>
    public int HandleNumber => IsFormat1 && (Value & 0x40) == 0 && (Value & 0x800) == 0 ? (int)((Value >> 8) & 0x7) : 0;

    /// <summary>The Part 2 name, e.g. "TPM_RC_VALUE", or a hex fallback for codes Part 2 does not define.</summary>
    public string Name
    {
        get
        {
            if (Value == Success)
                return "TPM_RC_SUCCESS";
            if (!IsTpm2)
                return $"non-TPM2 response code 0x{Value:X}";
            if (IsVendor)
                return $"vendor-specific TPM_RC 0x{Value:X3}";
            string? name = IsFormat1 ? TpmResponseCodeNames.Format1(Value & 0x3F)
                : IsWarning ? TpmResponseCodeNames.Warning(Value & 0x7F)
                : TpmResponseCodeNames.Error(Value & 0x7F);
            return name ?? $"undefined TPM_RC 0x{BaseCode:X3}";
        }
    }

    public override string ToString()
    {
        string where = ParameterNumber != 0 ? $" (parameter {ParameterNumber})"
            : SessionNumber != 0 ? $" (session {SessionNumber})"
            : HandleNumber != 0 ? $" (handle {HandleNumber})"
            : "";
        return $"{Name}{where} [0x{Value:X3}]";
    }

    public bool Equals(TpmResponseCode other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is TpmResponseCode other && Equals(other);
    public override int GetHashCode() => (int)Value;
    public static bool operator ==(TpmResponseCode a, TpmResponseCode b) => a.Value == b.Value;
    public static bool operator !=(TpmResponseCode a, TpmResponseCode b) => a.Value != b.Value;
}
