namespace Fobnail.Netlink.Rtnl;

/// <summary>RFC 2863 operational state, IF_OPER_* from linux/if.h (IFLA_OPERSTATE).</summary>
public enum OperState : byte
{
    IF_OPER_UNKNOWN = 0,
    IF_OPER_NOTPRESENT = 1,
    IF_OPER_DOWN = 2,
    IF_OPER_LOWERLAYERDOWN = 3,
    IF_OPER_TESTING = 4,
    IF_OPER_DORMANT = 5,
    IF_OPER_UP = 6,
}
