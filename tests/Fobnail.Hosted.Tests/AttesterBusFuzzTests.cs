using Fobnail.Hosted.DBus;
using Fobnail.Hosted.Tests.Support;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Tests;

/// <summary>
/// Mutated calls to org.fobnail.Attester1 (seeded): every one gets an answer from the object (a reply or a named
/// error, never a hang or a dropped connection), a good share gets past the argument checks into the property
/// lookup or AttestNow, and the service answers normally afterwards.
/// </summary>
public sealed class AttesterBusFuzzTests
{
    private const string Props = "org.freedesktop.DBus.Properties";

    [Fact]
    public async Task Mutated_calls_are_all_answered_and_many_reach_the_object()
    {
        await using var bus = await DBusDaemon.SystemLike();
        await using var served = await ServedAttester.StartAsync(bus.Address, new FakeAttester());
        using DBusConnection client = await BusConnection.ConnectAsync(bus.Address);
        var random = new Random(1515);
        var outcomes = new Dictionary<string, int>();
        const int Runs = 400;

        for (int i = 0; i < Runs; i++)
        {
            (string iface, string member, string signature, object[] args) = Mutate(random);
            string outcome;
            try
            {
                MessageBuffer call = BusMessages.Build(client, (ref MessageWriter w) =>
                {
                    w.WriteMethodCallHeader(AttesterBus.BusName, AttesterBus.ObjectPath, iface, member, signature, MessageFlags.None);
                    foreach (object a in args)
                    {
                        switch (a)
                        {
                            case string s: w.WriteString(s); break;
                            case int n: w.WriteInt32(n); break;
                            case bool b: w.WriteVariantBool(b); break;
                        }
                    }
                });
                await client.CallMethodAsync(call).WaitAsync(TimeSpan.FromSeconds(60));
                outcome = "reply";
            }
            catch (DBusErrorReplyException e)
            {
                outcome = e.ErrorName;
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        string summary = string.Join(", ", outcomes.Select(kv => $"{kv.Key}={kv.Value}"));
        // Only these answers exist; anything else (a disconnect, a generic Failed) would be a bug.
        Assert.All(outcomes.Keys, k => Assert.Contains(k, new[]
        {
            "reply", "org.freedesktop.DBus.Error.InvalidArgs", "org.freedesktop.DBus.Error.UnknownProperty",
            "org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.DBus.Error.PropertyReadOnly",
            "org.freedesktop.DBus.Error.UnknownMethod", AttesterBus.ErrorTokenAbsent,
        }));
        // Past the checks: a property value, an unknown property/interface after the names were read, AttestNow run.
        int deep = outcomes.GetValueOrDefault("reply") + outcomes.GetValueOrDefault("org.freedesktop.DBus.Error.UnknownProperty") +
                   outcomes.GetValueOrDefault("org.freedesktop.DBus.Error.UnknownInterface") + outcomes.GetValueOrDefault(AttesterBus.ErrorTokenAbsent);
        Assert.True(deep >= Runs / 4, $"only {deep} of {Runs} got past the argument checks: {summary}");
        Assert.True(outcomes.GetValueOrDefault("org.freedesktop.DBus.Error.InvalidArgs") >= Runs / 10, summary);

        CommandResult after = await Tool.Busctl(bus.Address, "get-property", AttesterBus.BusName, AttesterBus.ObjectPath, AttesterBus.Interface, "TokenPresent");
        Assert.Equal("b false", after.Stdout.Trim());
    }

    private static readonly string[] Properties = ["TokenPresent", "LastVerdict", "LastVerdictTime", "PlatformId"];

    /// <summary>A valid call with one or two things changed: signature, argument lengths and values, names.</summary>
    private static (string Iface, string Member, string Signature, object[] Args) Mutate(Random r)
    {
        string iface = Props, member = "Get", signature = "ss";
        var args = new List<object> { AttesterBus.Interface, Properties[r.Next(Properties.Length)] };
        switch (r.Next(4))
        {
            case 0: member = "GetAll"; signature = "s"; args.RemoveAt(1); break;
            case 1: member = "Set"; signature = "ssv"; args.Add(true); break;
            case 2: iface = AttesterBus.Interface; member = "AttestNow"; signature = ""; args.Clear(); break;
        }
        int mutations = r.Next(3);
        for (int m = 0; m < mutations; m++)
        {
            switch (r.Next(6))
            {
                case 0 when args.Count > 0: // a string argument of random length, up to far past the name bound
                    int at = r.Next(args.Count);
                    if (args[at] is string) args[at] = new string((char)('A' + r.Next(26)), r.Next(2) == 0 ? r.Next(300) : r.Next(300, 70_000));
                    break;
                case 1: // an extra int argument
                    signature += "i"; args.Add(r.Next()); break;
                case 2 when args.Count > 0: // a dropped last argument
                    args.RemoveAt(args.Count - 1); signature = signature[..^1]; break;
                case 3: // another interface name for Get/GetAll
                    if (args.Count > 0 && args[0] is string) args[0] = r.Next(2) == 0 ? "org.example.Other" : AttesterBus.Interface + "X";
                    break;
                case 4: // a property name that is not one
                    if (args.Count > 1 && args[1] is string) args[1] = "Last" + r.Next(1000);
                    break;
                default: // an unknown member
                    member = r.Next(2) == 0 ? member + "X" : "Reboot"; break;
            }
        }
        return (iface, member, signature, [.. args]);
    }
}
