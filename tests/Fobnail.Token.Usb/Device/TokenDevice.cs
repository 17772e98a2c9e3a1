using System.Diagnostics;
using Fobnail.Token.Usb.Eem;
using Fobnail.Token.Usb.UsbRedir;

namespace Fobnail.Token.Usb.Device;

/// <summary>
/// The twin itself: the usb-host end of one usbredir connection, behaving as the Fobnail Token's USB device.
/// It answers QEMU's packets (the guest's control requests, configuration, bulk transfers), turns bulk OUT data
/// into EEM packets and Ethernet frames for the network, and frames from the network into EEM packets for bulk
/// IN. Synchronous and single-threaded: the caller serializes <see cref="Feed"/> and <see cref="FromNetwork"/>.
/// </summary>
public sealed class TokenDevice
{
    /// <summary>Frames waiting for the host to read them; more are dropped (a real token's buffer is smaller still).</summary>
    public const int MaxQueuedTransfers = 64;

    private readonly TokenIdentity _identity;
    private readonly Action<byte[]> _toQemu;
    private readonly Action<byte[]> _toNetwork;
    private readonly Action<string>? _trace;
    private readonly Action<string> _log;
    private readonly byte[] _input = new byte[UsbRedirParser.MaxPacketLength];
    private int _inputCount;
    private readonly EemDecoder _eem = new();
    private readonly Queue<byte[]> _inTransfers = new();
    private readonly LinkedList<(BulkPacket Request, long Since)> _inRequests = new();
    private byte[]? _current;
    private int _currentOffset;
    private bool _zeroLengthPacketDue;
    private bool _linkUp;
    private readonly HashSet<byte> _halted = [];

    public UsbRedirSettings Settings { get; private set; } = UsbRedirSettings.Initial;
    public byte Configuration { get; private set; }
    public string? PeerVersion { get; private set; }
    public DeviceCounters Counters { get; } = new();

    /// <summary>Zero: a bulk IN with nothing to send is ended at once with a zero-length packet (see <see cref="ExpireWaitingIn"/>).</summary>
    public bool AnswerInAtOnce { get; init; }

    public TokenDevice(TokenIdentity identity, Action<byte[]> toQemu, Action<byte[]> toNetwork, Action<string>? trace, Action<string> log)
    {
        _identity = identity;
        _toQemu = toQemu;
        _toNetwork = toNetwork;
        _trace = trace;
        _log = log;
    }

    /// <summary>Opens the connection: the usb-host speaks first with its hello.</summary>
    public void Start() => _toQemu(UsbRedirWriter.Hello(Settings));

    /// <summary>Takes bytes QEMU sent and handles every packet they complete. Throws <see cref="UsbRedirProtocolException"/>.</summary>
    public void Feed(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int n = Math.Min(bytes.Length, _input.Length - _inputCount);
            bytes[..n].CopyTo(_input.AsSpan(_inputCount));
            _inputCount += n;
            bytes = bytes[n..];
            int start = 0;
            // Settings may change with each packet (hello), so parse one at a time.
            while (UsbRedirParser.TryParse(_input.AsSpan(start, _inputCount - start), Settings, out var packet, out int consumed, out _))
            {
                start += consumed;
                Counters.Packets++;
                Handle(packet!);
            }
            _input.AsSpan(start, _inputCount - start).CopyTo(_input);
            _inputCount -= start;
        }
    }

    private void Handle(UsbRedirPacket packet)
    {
        switch (packet)
        {
            case HelloPacket hello: OnHello(hello); break;
            case ControlPacket control: OnControl(control); break;
            case BulkPacket bulk: OnBulk(bulk); break;
            case SetConfigurationPacket set: OnSetConfiguration(set); break;
            case SetAltSettingPacket set:
                bool ok = set.Interface == TokenIdentity.InterfaceNumber && set.Alt == 0;
                _toQemu(UsbRedirWriter.AltSettingStatus(Settings, set.Id, ok ? UsbRedirStatus.Success : UsbRedirStatus.Inval, set.Interface, set.Alt));
                break;
            case GetAltSettingPacket get:
                bool known = get.Interface == TokenIdentity.InterfaceNumber && Configuration != 0;
                _toQemu(UsbRedirWriter.AltSettingStatus(Settings, get.Id, known ? UsbRedirStatus.Success : UsbRedirStatus.Inval, get.Interface, known ? (byte)0 : (byte)255));
                break;
            case OtherPacket other: OnOther(other); break;
        }
    }

    private void OnHello(HelloPacket hello)
    {
        if (Settings.HavePeerHello)
        {
            _log($"usbredir: a second hello from \"{hello.Version}\" ignored");
            return;
        }
        PeerVersion = hello.Version;
        Settings = Settings with { PeerCaps = hello.Capabilities, HavePeerHello = true };
        _log($"usbredir: peer \"{hello.Version}\" caps 0x{hello.Capabilities:x}; plugging {_identity}");
        // Like usbredirhost: describe the interfaces and endpoints, then connect (QEMU attaches on connect).
        _toQemu(UsbRedirWriter.InterfaceInfo(Settings, [(TokenIdentity.InterfaceNumber, _identity.InterfaceClass, _identity.InterfaceSubClass, _identity.InterfaceProtocol)]));
        _toQemu(UsbRedirWriter.EpInfo(Settings,
        [
            (0x00, 0, 0, TokenIdentity.MaxPacketSize0), (0x80, 0, 0, TokenIdentity.MaxPacketSize0),
            (TokenIdentity.BulkOut, 2, TokenIdentity.InterfaceNumber, TokenIdentity.BulkMaxPacketSize),
            (TokenIdentity.BulkIn, 2, TokenIdentity.InterfaceNumber, TokenIdentity.BulkMaxPacketSize),
        ]));
        _toQemu(UsbRedirWriter.DeviceConnect(Settings, UsbRedirSpeed.Full, 0, 0, 0, _identity.VendorId, _identity.ProductId, _identity.DeviceRelease));
    }

    private void OnSetConfiguration(SetConfigurationPacket set)
    {
        bool ok = set.Configuration is 0 or TokenIdentity.ConfigurationValue;
        if (ok)
        {
            Configuration = set.Configuration;
            ResetFunction();
        }
        _trace?.Invoke($"usb set configuration {set.Configuration}{(ok ? "" : " refused")}");
        _toQemu(UsbRedirWriter.ConfigurationStatus(Settings, set.Id, ok ? UsbRedirStatus.Success : UsbRedirStatus.Stall, Configuration));
    }

    /// <summary>usbd-ethernet's reset: buffers emptied, link down until the host sends again.</summary>
    private void ResetFunction()
    {
        _eem.Reset();
        _inTransfers.Clear();
        _current = null;
        _zeroLengthPacketDue = false;
        _linkUp = false;
        _halted.Clear();
    }

    private void OnOther(OtherPacket other)
    {
        switch (other.RawType)
        {
            case UsbRedirType.Reset:
                _trace?.Invoke("usb reset");
                Configuration = 0;
                ResetFunction();
                break;
            case UsbRedirType.GetConfiguration:
                _toQemu(UsbRedirWriter.ConfigurationStatus(Settings, other.Id, UsbRedirStatus.Success, Configuration));
                break;
            case UsbRedirType.CancelDataPacket:
                OnCancel(other.Id);
                break;
            // The token has no iso or interrupt endpoints, no streams; refuse what asks for them.
            case UsbRedirType.StartIsoStream or UsbRedirType.StopIsoStream:
                _toQemu(UsbRedirWriter.Status(Settings, UsbRedirType.IsoStreamStatus, other.Id, [(byte)UsbRedirStatus.Inval, other.TypeHeader[0]]));
                break;
            case UsbRedirType.StartInterruptReceiving or UsbRedirType.StopInterruptReceiving:
                _toQemu(UsbRedirWriter.Status(Settings, UsbRedirType.InterruptReceivingStatus, other.Id, [(byte)UsbRedirStatus.Inval, other.TypeHeader[0]]));
                break;
            case UsbRedirType.StartBulkReceiving or UsbRedirType.StopBulkReceiving:
                byte[] th = [other.TypeHeader[0], other.TypeHeader[1], other.TypeHeader[2], other.TypeHeader[3],
                    other.RawType == UsbRedirType.StartBulkReceiving ? other.TypeHeader[8] : other.TypeHeader[4], (byte)UsbRedirStatus.Inval];
                _toQemu(UsbRedirWriter.Status(Settings, UsbRedirType.BulkReceivingStatus, other.Id, th));
                break;
            case UsbRedirType.AllocBulkStreams or UsbRedirType.FreeBulkStreams:
                var status = new byte[9];
                other.TypeHeader.AsSpan(0, 4).CopyTo(status);
                status[8] = (byte)UsbRedirStatus.Inval;
                _toQemu(UsbRedirWriter.Status(Settings, UsbRedirType.BulkStreamsStatus, other.Id, status));
                break;
            case UsbRedirType.FilterFilter or UsbRedirType.FilterReject or UsbRedirType.DeviceDisconnectAck:
                _log($"usbredir: {other.RawType} ignored");
                break;
            case UsbRedirType.IsoPacket or UsbRedirType.InterruptPacket:
                _log($"usbredir: {other.RawType} for endpoint {other.TypeHeader[0]:x2}, which the token does not have");
                break;
            default:
                _log($"usbredir: packet type {(uint)other.RawType} ({other.Data.Length} bytes) ignored");
                break;
        }
    }

    private void OnCancel(ulong id)
    {
        for (var node = _inRequests.First; node is not null; node = node.Next)
        {
            if (node.Value.Request.Id != id) continue;
            _inRequests.Remove(node);
            _toQemu(UsbRedirWriter.BulkReply(Settings, id, node.Value.Request.Endpoint, 0, UsbRedirStatus.Cancelled, 0, []));
            return;
        }
    }

    // ---- Control transfers (USB 2.0 chapter 9; EEM defines no class requests) ----

    private void OnControl(ControlPacket c)
    {
        Counters.ControlRequests++;
        byte[]? reply = StandardRequest(c);
        var status = reply is null ? UsbRedirStatus.Stall : UsbRedirStatus.Success;
        if (reply is not null && reply.Length > c.Length) reply = reply[..c.Length];
        _trace?.Invoke($"usb control {c.RequestType:x2} {c.Request:x2} value {c.Value:x4} index {c.Index:x4} length {c.Length}: " +
                       (reply is null ? "stall" : $"{reply.Length} bytes"));
        _toQemu(UsbRedirWriter.ControlReply(Settings, c, status, reply ?? []));
    }

    /// <summary>The answer to a standard request, or null to stall (what usb-device does with anything it does not handle).</summary>
    private byte[]? StandardRequest(ControlPacket c)
    {
        byte[] none = [];
        switch (c.RequestType, c.Request)
        {
            case (0x80, 0x06): // GET_DESCRIPTOR
                byte type = (byte)(c.Value >> 8), index = (byte)c.Value;
                return type switch
                {
                    0x01 => _identity.DeviceDescriptor(),
                    0x02 when index == 0 => _identity.ConfigurationDescriptor(),
                    0x03 => _identity.StringDescriptor(index, c.Index),
                    0x0f => TokenIdentity.BosDescriptor(),
                    _ => null, // device qualifier, other speed: a full-speed-only device stalls
                };
            case (0x80, 0x00): return [0, 0]; // GET_STATUS device: bus powered, no remote wakeup
            case (0x81, 0x00): return [0, 0]; // GET_STATUS interface
            case (0x82, 0x00): return [_halted.Contains((byte)c.Index) ? (byte)1 : (byte)0, 0];
            case (0x80, 0x08): return [Configuration]; // GET_CONFIGURATION
            case (0x81, 0x0a): return [0]; // GET_INTERFACE
            case (0x00, 0x09): // SET_CONFIGURATION (QEMU normally sends set_configuration instead)
                if (c.Value is not (0 or TokenIdentity.ConfigurationValue)) return null;
                Configuration = (byte)c.Value;
                ResetFunction();
                return none;
            case (0x01, 0x0b): return c.Value == 0 ? none : null; // SET_INTERFACE alt 0
            case (0x00, 0x05): return c.Value is >= 1 and <= 127 ? none : null; // SET_ADDRESS (QEMU handles it itself)
            case (0x00, 0x01) or (0x00, 0x03): return c.Value == 1 ? none : null; // CLEAR/SET_FEATURE DEVICE_REMOTE_WAKEUP
            case (0x02, 0x01) when c.Value == 0: // CLEAR_FEATURE ENDPOINT_HALT
                _halted.Remove((byte)c.Index);
                return none;
            case (0x02, 0x03) when c.Value == 0: // SET_FEATURE ENDPOINT_HALT
                _halted.Add((byte)c.Index);
                return none;
            default: return null;
        }
    }

    // ---- Bulk transfers: EEM ----

    private void OnBulk(BulkPacket b)
    {
        bool ours = Configuration != 0 && b.Endpoint is TokenIdentity.BulkIn or TokenIdentity.BulkOut && b.StreamId == 0;
        if (!ours || _halted.Contains(b.Endpoint))
        {
            _toQemu(UsbRedirWriter.BulkReply(Settings, b.Id, b.Endpoint, b.StreamId, UsbRedirStatus.Stall, 0, []));
            return;
        }
        if (b.IsIn)
        {
            _inRequests.AddLast((b, Stopwatch.GetTimestamp()));
            Pump();
            if (AnswerInAtOnce) ExpireWaitingIn(TimeSpan.Zero);
            return;
        }
        Counters.BulkOut++;
        _toQemu(UsbRedirWriter.BulkReply(Settings, b.Id, b.Endpoint, 0, UsbRedirStatus.Success, (uint)b.Data.Length, []));
        // usbd-ethernet: the link is up once the host has sent something.
        _linkUp = true;
        foreach (var packet in _eem.Feed(b.Data)) OnEemPacket(packet);
        Pump();
    }

    private void OnEemPacket(EemPacket packet)
    {
        Counters.EemPackets++;
        switch (packet)
        {
            case EemFrame f:
                Counters.FramesOut++;
                _trace?.Invoke($"eem out data {(f.WithCrc ? "crc" : "sentinel")}: {FrameSummary.Describe(f.Frame)}");
                _toNetwork(f.Frame);
                break;
            case EemZeroLength:
                _trace?.Invoke("eem out zero-length packet");
                break;
            case EemCommandPacket { Command: EemCommand.Echo } echo:
                _trace?.Invoke($"eem out echo {echo.Payload.Length} bytes: answering echo response");
                Enqueue(EemEncoder.EchoResponse(echo.Payload));
                break;
            case EemCommandPacket command:
                _trace?.Invoke($"eem out command {command.Command} parameter {command.Parameter}: ignored");
                break;
            case EemDropped dropped:
                Counters.Dropped++;
                _trace?.Invoke($"eem out dropped: {dropped.Reason}");
                break;
        }
    }

    /// <summary>A frame from the network for the host: queued as one EEM data packet (sentinel, like the firmware).</summary>
    public void FromNetwork(ReadOnlySpan<byte> frame)
    {
        if (!_linkUp || Configuration == 0)
        {
            _trace?.Invoke($"eem in dropped (link down): {FrameSummary.Describe(frame)}");
            return;
        }
        if (frame.Length > EemFormat.MaxFrameLength)
        {
            _trace?.Invoke($"eem in dropped (giant): {FrameSummary.Describe(frame)}");
            return;
        }
        _trace?.Invoke($"eem in data sentinel: {FrameSummary.Describe(frame)}");
        Enqueue(EemEncoder.Data(frame));
        Pump();
    }

    private void Enqueue(byte[] transfer)
    {
        if (_inTransfers.Count >= MaxQueuedTransfers)
        {
            _trace?.Invoke("eem in dropped: queue full");
            return;
        }
        _inTransfers.Enqueue(transfer);
    }

    /// <summary>
    /// Answers waiting bulk IN requests from the queued transfers. One EEM packet is one USB transfer: it goes out
    /// in whole 64-byte packets and ends with a short packet, or with a zero-length packet when its last packet
    /// was full and the host asked for more (so cdc_eem never sees an EEM packet cut between two of its URBs).
    /// </summary>
    private void Pump()
    {
        while (_inRequests.First is { } node)
        {
            var request = node.Value.Request;
            int max = (int)request.Length;
            if (_zeroLengthPacketDue)
            {
                _zeroLengthPacketDue = false;
                Reply(node, []);
                continue;
            }
            if (_current is null)
            {
                if (!_inTransfers.TryDequeue(out _current)) return;
                _currentOffset = 0;
            }
            int remaining = _current.Length - _currentOffset;
            int chunk = remaining <= max ? remaining : max - max % TokenIdentity.BulkMaxPacketSize;
            if (chunk == 0)
            {
                // A request smaller than one packet while more is to come: the device would babble.
                _inRequests.Remove(node);
                _toQemu(UsbRedirWriter.BulkReply(Settings, request.Id, request.Endpoint, 0, UsbRedirStatus.Babble, 0, []));
                continue;
            }
            byte[] data = _current.AsSpan(_currentOffset, chunk).ToArray();
            _currentOffset += chunk;
            if (_currentOffset == _current.Length)
            {
                _current = null;
                _zeroLengthPacketDue = chunk == max && chunk % TokenIdentity.BulkMaxPacketSize == 0;
            }
            Reply(node, data);
        }
    }

    private void Reply(LinkedListNode<(BulkPacket Request, long Since)> node, byte[] data)
    {
        _inRequests.Remove(node);
        Counters.BulkIn++;
        _toQemu(UsbRedirWriter.BulkReply(Settings, node.Value.Request.Id, node.Value.Request.Endpoint, 0, UsbRedirStatus.Success, (uint)data.Length, data));
    }

    /// <summary>
    /// Ends bulk IN requests that waited longer than <paramref name="hold"/> with no data, with a zero-length
    /// packet. usbredir has no NAK, so a device with nothing to say keeps the request; QEMU's OHCI model serves
    /// one asynchronous packet per controller, so a waiting bulk IN would block the bulk OUT behind it. Only for
    /// such controllers (the twin's --in-hold-ms); a real token NAKs, which the host retries without a transfer.
    /// </summary>
    public void ExpireWaitingIn(TimeSpan hold)
    {
        if (_current is not null || _inTransfers.Count > 0 || _zeroLengthPacketDue) return;
        while (_inRequests.First is { } node && Stopwatch.GetElapsedTime(node.Value.Since) >= hold)
            Reply(node, []);
    }
}

/// <summary>How far traffic got: the trace's summary and the fuzz tests' measure of depth.</summary>
public sealed class DeviceCounters
{
    public long Packets { get; set; }
    public long ControlRequests { get; set; }
    public long BulkOut { get; set; }
    public long BulkIn { get; set; }
    public long EemPackets { get; set; }
    public long FramesOut { get; set; }
    public long Dropped { get; set; }

    public override string ToString() =>
        $"{Packets} usbredir packets, {ControlRequests} control requests, {BulkOut} bulk OUT, {BulkIn} bulk IN, " +
        $"{EemPackets} EEM packets ({FramesOut} frames out, {Dropped} dropped)";
}
