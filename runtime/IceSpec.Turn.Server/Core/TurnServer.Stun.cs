using System.Buffers;
using System.Buffers.Binary;
using IceSpec.Stun;
using IceSpec.Stun.Classic;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

/// <summary>STUN processing: framing and rules, dispatch, Binding (RFC 8489 §6.3, RFC 5780 §6), and response building.</summary>
public sealed partial class TurnServer
{

    private void HandleStun(TimeSpan now, in TurnFlow flow, ReadOnlySpan<byte> packet)
    {
        var status = StunMessage.TryParse(packet, out var message);
        if (status == StunParseStatus.BadMagicCookie)
        {
            HandleClassicBinding(flow, packet);
            return;
        }
        if (status != StunParseStatus.Ok)
        {
            Counters.DroppedMalformed++;
            if (_log.IsEnabled(LogLevel.Debug)) _log.StunDropped(status.ToString(), flow.Remote);
            return;
        }
        // RFC 8489 §7.3: a FINGERPRINT that does not match means it is not STUN (or it is damaged): discard.
        if (message.HasFingerprint && StunIntegrity.VerifyFingerprint(message) != IntegrityStatus.Valid)
        {
            Counters.DroppedMalformed++;
            _log.StunDropped("bad-fingerprint", flow.Remote);
            return;
        }

        if (IgnoredAfterIntegrity(packet) is { } cut)
        {
            // RFC 8489 §14.5/§14.6: attributes after MESSAGE-INTEGRITY(-SHA256), other than MESSAGE-INTEGRITY-SHA256 and
            // FINGERPRINT, MUST be ignored: process the message as if it ended before the first of them.
            var trimmed = packet[..cut].ToArray();
            BinaryPrimitives.WriteUInt16BigEndian(trimmed.AsSpan(StunHeader.LengthOffset), (ushort)(cut - StunHeader.Length));
            HandleStun(now, flow, trimmed);
            return;
        }

        if (message.Class == StunClass.Indication)
        {
            if (message.Method == TurnMethods.Send && !_options.StunOnly) HandleSend(flow, message);
            return; // RFC 8489 §6.3.2: other indications (Binding keep-alives) are processed and never answered
        }
        if (message.Class != StunClass.Request) return; // a response from a client: nothing to do

        Counters.Requests++;
        // Order rules and value formats of STUN and TURN (RFC 8489 §14): a malformed request gets 400; an unknown
        // comprehension-required attribute gets 420 once the request is authenticated (RFC 8489 §6.3.1).
        var unknownRequired = false;
        if (!StunValidator.TryValidateStructure(message, out var violation))
        {
            if (violation.Rule != StunValidator.UnknownComprehensionRequiredRule)
            {
                SendError(flow, message, StunErrorCodes.BadRequest, violation.Rule);
                return;
            }
            unknownRequired = true;
        }
        if (!TurnValidator.TryValidateStructure(message, out violation))
        {
            SendError(flow, message, StunErrorCodes.BadRequest, violation.Rule);
            return;
        }

        var method = message.Method;
        if (method == StunMethods.Binding)
        {
            HandleBinding(flow, message, unknownRequired);
            return;
        }
        if (_options.StunOnly || !(method is TurnMethods.Allocate or TurnMethods.Refresh or TurnMethods.CreatePermission or TurnMethods.ChannelBind ||
                                   (method is TurnMethods.Connect or TurnMethods.ConnectionBind && !_options.NoTcpRelay)))
        {
            // RFC 8489 §6.3.1: an unknown (or disabled: RFC 6062 Connect and ConnectionBind with no-tcp-relay) method.
            SendError(flow, message, StunErrorCodes.BadRequest, "unsupported method");
            return;
        }

        if (method == TurnMethods.Allocate && !message.HasMessageIntegrity && !message.HasMessageIntegritySha256 &&
            !message.TryGetRequestedTransport(out _))
        {
            // RFC 8656 §7.2 item 4 (400 without REQUESTED-TRANSPORT), answered before the item 1 challenge when the request
            // has no credentials at all: the 401 is four times the size of a bare 20-byte Allocate, a 400 with an empty
            // reason phrase is 28 bytes, and no client that can allocate sends an Allocate without REQUESTED-TRANSPORT.
            SendUnauthenticatedError(flow, message, StunErrorCodes.BadRequest);
            return;
        }
        if (!Authenticate(now, flow, message, out var credential)) return;
        if (unknownRequired)
        {
            SendUnknownAttributes(flow, message, credential);
            return;
        }
        // The per-message rules of spec/turn.spec (required and forbidden attributes).
        if (!TurnValidator.TryValidate(message, out violation))
        {
            SendError(flow, message, StunErrorCodes.BadRequest, violation.Rule, credential);
            return;
        }
        if (message.HasFingerprint && _allocations.TryGetValue(flow, out var existing)) existing.ClientUsesFingerprint = true;

        switch (method)
        {
            case TurnMethods.Allocate:
                HandleAllocate(now, flow, message, credential);
                break;
            case TurnMethods.Refresh:
                HandleRefresh(now, flow, message, credential);
                break;
            case TurnMethods.CreatePermission:
                HandleCreatePermission(now, flow, message, credential);
                break;
            case TurnMethods.ChannelBind:
                HandleChannelBind(now, flow, message, credential);
                break;
            case TurnMethods.Connect:
                HandleConnect(now, flow, message, credential);
                break;
            case TurnMethods.ConnectionBind:
                HandleConnectionBind(now, flow, message, credential);
                break;
        }
    }

    /// <summary>RFC 8489 §6.3.1 and RFC 5780 §6.1: XOR-MAPPED-ADDRESS; with a second address, OTHER-ADDRESS, RESPONSE-ORIGIN, CHANGE-REQUEST.</summary>
    private void HandleBinding(in TurnFlow flow, in StunMessage message, bool unknownRequired)
    {
        if (unknownRequired)
        {
            SendUnknownAttributes(flow, message, default);
            return;
        }
        if (!StunValidator.TryValidate(message, out var violation))
        {
            SendError(flow, message, StunErrorCodes.BadRequest, violation.Rule);
            return;
        }
        var source = flow.Local;
        var destination = flow.Remote;
        var rfc5780 = _options.Rfc5780;
        if (message.TryGetChangeRequest(out var value) && new StunChangeRequest(value) is { AsksForChange: true } change)
        {
            if (rfc5780 is not { } addresses)
            {
                // RFC 5780 §6.1: a server without an alternate address treats CHANGE-REQUEST as unknown (420).
                SendUnknownAttributes(flow, message, default, StunAttributeTypes.ChangeRequest);
                return;
            }
            if (flow.IsStream)
            {
                SendError(flow, message, StunErrorCodes.BadRequest, "CHANGE-REQUEST is for UDP");
                return;
            }
            source = addresses.Swap(flow.Local, change.ChangeIp, change.ChangePort);
        }
        // RFC 5780 §6.1: RESPONSE-PORT names the port the response goes to (UDP only).
        if (message.TryGetResponsePort(out var responsePort) && !flow.IsStream) destination = flow.Remote.WithPort(responsePort.Port);

        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), message.TransactionId);
        builder.AddXorMappedAddress(flow.Remote.ToStunAddress());
        if (rfc5780 is { } other)
        {
            builder.AddResponseOrigin(source.ToStunAddress());
            builder.AddOtherAddress(other.OtherOf(flow.Local).ToStunAddress());
        }
        Finish(ref builder, buffer, flow, default, source, destination);
        _log.Binding(flow.Remote, Name(flow.Transport), source, destination);
    }

    /// <summary>
    /// RFC 5389 §12.2 (backwards compatibility with RFC 3489): a Binding request without the magic cookie gets
    /// MAPPED-ADDRESS, with the client's 128-bit transaction ID echoed and no FINGERPRINT. RESPONSE-ADDRESS, a
    /// CHANGE-REQUEST that asks for another address or port, and any other comprehension-required attribute the server
    /// does not know get a 420 instead, as §12.2 says: answering a change request from the same address would tell an
    /// RFC 3489 client it is behind no NAT. A CHANGE-REQUEST with no flag set asks for nothing and is answered (as coturn
    /// does: stund's client sends one in every request). Nothing else is added: RFC 3489 attributes have lengths that
    /// are multiples of 4 (§11.2), and its clients reject others (stund's does).
    /// </summary>
    private void HandleClassicBinding(in TurnFlow flow, ReadOnlySpan<byte> packet)
    {
        Span<ushort> unknown = stackalloc ushort[16];
        if (packet.Length < StunHeader.Length || BinaryPrimitives.ReadUInt16BigEndian(packet) != StunMessageType.Encode(StunMethods.Binding, StunClass.Request) ||
            BinaryPrimitives.ReadUInt16BigEndian(packet[StunHeader.LengthOffset..]) + StunHeader.Length != packet.Length || (packet.Length & 3) != 0 ||
            !TryCollectClassicUnknown(packet[StunHeader.Length..], unknown, out var count))
        {
            Counters.DroppedMalformed++;
            return;
        }
        Counters.Requests++;
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var transactionId = packet.Slice(StunHeader.TransactionIdOffset, StunHeader.TransactionIdLength);
        StunMessageBuilder builder;
        if (count == 0)
        {
            builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), transactionId);
            builder.AddMappedAddress(flow.Remote.ToStunAddress());
        }
        else
        {
            Counters.ErrorResponses++;
            builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Error), transactionId);
            // RFC 3489 §11.2.9: a reason phrase whose length is a multiple of 4 ("Unknown Attribute" + 3 spaces);
            // §11.2.10: an even number of UNKNOWN-ATTRIBUTES entries, one repeated if need be.
            builder.AddErrorCode(ClassicErrorCodes.UnknownAttribute, ClassicUnknownAttributePhrase);
            if (count % 2 == 1)
            {
                unknown[count] = unknown[count - 1];
                count++;
            }
            builder.AddUnknownAttributes(unknown[..count]);
        }
        var length = builder.Length;
        packet.Slice(StunHeader.CookieOffset, 4).CopyTo(buffer.AsSpan(StunHeader.CookieOffset));
        EnqueueAnswer(flow, default, flow.Local, flow.Remote, buffer, length);
    }

    /// <summary>RFC 3489 §11.2.9: classic.spec's reason phrase of 420, padded with spaces to a multiple of 4 bytes.</summary>
    private static readonly string ClassicUnknownAttributePhrase = PadToMultipleOf4(ClassicErrorCodes.ReasonPhrase(ClassicErrorCodes.UnknownAttribute)!);

    private static string PadToMultipleOf4(string phrase) => phrase.PadRight(StunHeader.Padded(phrase.Length));

    /// <summary>
    /// Walks an RFC 3489 request's attributes (which must fill its body exactly) and lists the comprehension-required
    /// ones to refuse: those the server does not understand, and a CHANGE-REQUEST with a flag set (RFC 5389 §12.2).
    /// False when malformed.
    /// </summary>
    private static bool TryCollectClassicUnknown(ReadOnlySpan<byte> body, Span<ushort> unknown, out int count)
    {
        count = 0;
        while (body.Length >= StunHeader.AttributeHeaderLength)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(body);
            var length = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
            if (StunHeader.AttributeHeaderLength + length > body.Length) return false;
            var refused = type == ClassicAttributeTypes.ChangeRequest
                ? !ClassicAttributeFormats.IsValidChangeRequest(body.Slice(StunHeader.AttributeHeaderLength, length)) ||
                  StunChangeRequest.Read(body[StunHeader.AttributeHeaderLength..]).AsksForChange
                : ClassicRanges.IsComprehensionRequired(type) && !StunAttributeRegistry.IsUnderstood(type);
            if (refused &&
                count < unknown.Length - 1 && !unknown[..count].Contains(type))
                unknown[count++] = type;
            body = body[(StunHeader.AttributeHeaderLength + length)..];
        }
        return body.IsEmpty;
    }

    /// <summary>SOFTWARE, then MESSAGE-INTEGRITY(-SHA256) when the request was authenticated (RFC 8489 §9.2.4), then FINGERPRINT.</summary>
    private void Finish(ref StunMessageBuilder builder, byte[] buffer, in TurnFlow flow, in Credential credential, in TurnEndpoint source, in TurnEndpoint destination)
    {
        if (_software.Length > 0) builder.AddSoftware(_software);
        if (credential.Key is { } key)
        {
            if (credential.Sha256Integrity) builder.AddMessageIntegritySha256(key);
            else builder.AddMessageIntegrity(key);
        }
        builder.AddFingerprint();
        EnqueueAnswer(flow, credential, source, destination, buffer, builder.Length);
    }

    /// <summary>
    /// Queues a response; one without integrity (the request had no valid credentials) first takes a token of the
    /// client's unauthenticated-rate bucket, and is dropped when there is none (<see cref="UnauthenticatedRateLimiter"/>).
    /// </summary>
    private void EnqueueAnswer(in TurnFlow flow, in Credential credential, in TurnEndpoint source, in TurnEndpoint destination, byte[] buffer, int length)
    {
        if (credential.Key is null && _unauthenticatedLimiter is { } limiter && !limiter.TryAcquire(flow.Remote, out var firstDrop))
        {
            Counters.DroppedRateLimited++;
            if (firstDrop)
                _log.RequestDropped("unauthenticated-rate", flow.Remote, Name(flow.Transport), _options.UnauthenticatedRate, _options.UnauthenticatedBurst);
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        Enqueue(flow, source, destination, buffer, length);
    }

    /// <summary>
    /// The smallest answer RFC 8489 allows to a request without credentials: an empty reason phrase (§14.8: the phrase is
    /// for diagnostics), no SOFTWARE (§14.14: optional), FINGERPRINT only when the request carried one (§7: optional, and
    /// a client that multiplexes with FINGERPRINT sends it). Reflected traffic is what a spoofed request costs a victim.
    /// </summary>
    private void FinishUnauthenticated(ref StunMessageBuilder builder, byte[] buffer, in TurnFlow flow, in StunMessage request)
    {
        if (request.HasFingerprint) builder.AddFingerprint();
        EnqueueAnswer(flow, default, flow.Local, flow.Remote, buffer, builder.Length);
    }

    private void SendUnauthenticatedError(in TurnFlow flow, in StunMessage request, int code)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = BeginError(buffer, request, code, null, withPhrase: false);
        FinishUnauthenticated(ref builder, buffer, flow, request);
    }

    private void Finish(ref StunMessageBuilder builder, byte[] buffer, in TurnFlow flow, in Credential credential) =>
        Finish(ref builder, buffer, flow, credential, flow.Local, flow.Remote);

    private void Enqueue(in TurnFlow flow, in TurnEndpoint source, in TurnEndpoint destination, byte[] buffer, int length) =>
        _transmits.Enqueue(new TurnTransmit(TurnTransmitTarget.Client, flow.Transport, source, destination, null, buffer, length));

    private static string Reason(int code, string? detail)
    {
        var phrase = StunErrorCodes.ReasonPhrase(code) ?? TurnErrorCodes.ReasonPhrase(code) ?? "Error";
        if (string.IsNullOrEmpty(detail)) return phrase;
        var text = phrase + ": " + detail;
        // RFC 8489 §14.8: fewer than 128 characters.
        return text.Length > 127 ? text[..127] : text;
    }

    /// <summary>An error response's header and ERROR-CODE; <paramref name="withPhrase"/> false leaves the reason phrase empty (answers without credentials).</summary>
    private StunMessageBuilder BeginError(byte[] buffer, in StunMessage request, int code, string? detail, bool withPhrase = true)
    {
        Counters.ErrorResponses++;
        if (request.Method == TurnMethods.Allocate) _metrics.AllocateError(code, request.HasMessageIntegrity || request.HasMessageIntegritySha256);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(request.Method, StunClass.Error), request.TransactionId);
        builder.AddErrorCode(code, withPhrase ? Reason(code, detail) : "");
        return builder;
    }

    /// <summary>An error response (RFC 8489 §6.3.4), integrity-protected when the request was authenticated.</summary>
    private void SendError(in TurnFlow flow, in StunMessage request, int code, string? detail, in Credential credential = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = BeginError(buffer, request, code, detail);
        Finish(ref builder, buffer, flow, credential);
        if (_log.IsEnabled(LogLevel.Debug)) _log.RequestRejected(LogLevel.Debug, MethodName(request.Method), code, detail, flow.Remote, credential.Username, null);
    }

    /// <summary>RFC 8489 §14.13: 420 with the unknown comprehension-required attributes listed.</summary>
    private void SendUnknownAttributes(in TurnFlow flow, in StunMessage request, in Credential credential, ushort extra = 0)
    {
        Span<ushort> unknown = stackalloc ushort[32];
        var count = StunValidator.CollectUnknownComprehensionRequired(request, unknown);
        if (extra != 0 && count < unknown.Length) unknown[count++] = extra;
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = BeginError(buffer, request, StunErrorCodes.UnknownAttribute, null);
        builder.AddUnknownAttributes(unknown[..count]);
        Finish(ref builder, buffer, flow, credential);
    }

    private static string MethodName(ushort method) => TurnMethods.NameOf(method) ?? StunMethods.NameOf(method) ?? $"0x{method:X3}";

    /// <summary>The offset of the first attribute a receiver must ignore after the integrity attributes, or null.</summary>
    private static int? IgnoredAfterIntegrity(ReadOnlySpan<byte> packet)
    {
        var offset = StunHeader.Length;
        var afterIntegrity = false;
        var sha256Allowed = true;
        while (offset <= packet.Length - StunHeader.AttributeHeaderLength)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            if (afterIntegrity && type != StunAttributeTypes.Fingerprint && !(type == StunAttributeTypes.MessageIntegritySha256 && sha256Allowed)) return offset;
            if (type == StunAttributeTypes.MessageIntegrity) afterIntegrity = true;
            else if (type == StunAttributeTypes.MessageIntegritySha256) { afterIntegrity = true; sha256Allowed = false; }
            offset += StunHeader.AttributeHeaderLength + StunHeader.Padded(length);
        }
        return null;
    }
}
