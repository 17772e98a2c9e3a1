namespace Fobnail.Netlink.Matching;

/// <summary>What sysfs says about the USB device behind a network interface.</summary>
/// <param name="Id">idVendor:idProduct of the USB device.</param>
/// <param name="InterfaceClass">Class triple of the USB interface the netdev is bound to.</param>
/// <param name="Driver">Name of the driver bound to that interface (e.g. cdc_eem), if any.</param>
/// <param name="InterfacePath">Resolved sysfs path of the USB interface.</param>
public sealed record UsbNetIdentity(UsbId Id, UsbInterfaceClass InterfaceClass, string? Driver, string InterfacePath)
{
    public override string ToString() => $"USB {Id} interface {InterfaceClass} driver {Driver ?? "(none)"}";
}
