using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Tests.ServerCases;

/// <summary>
/// A broken server for the tests: it answers every datagram that has a STUN header — malformed or not, authenticated or
/// not — with a success response of the same method and transaction ID carrying the sender's XOR-MAPPED-ADDRESS, and
/// relays nothing. With <c>challengeFirst</c> it first answers requests without MESSAGE-INTEGRITY (other than Binding)
/// with a 401 carrying REALM and NONCE, and its Allocate and Refresh successes carry XOR-RELAYED-ADDRESS and the LIFETIME
/// asked for — a lenient TURN server that gets the cases past their set-up to the checks they must then fail. With
/// <c>slowToMalformed</c> it answers what it cannot parse only after that delay, as a loaded server might.
/// </summary>
public sealed class AlwaysSuccessServer : IAsyncDisposable
{
    private static readonly IPEndPoint FakeRelay = new(IPAddress.Loopback, 9);
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _challengeFirst;
    private readonly TimeSpan _slowToMalformed;
    private readonly Task _loop;

    public AlwaysSuccessServer(bool challengeFirst = false, TimeSpan slowToMalformed = default)
    {
        _challengeFirst = challengeFirst;
        _slowToMalformed = slowToMalformed;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _loop = AnswerAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    private async Task AnswerAsync()
    {
        var buffer = new byte[65536];
        var response = new byte[512];
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                if (received.ReceivedBytes < StunHeader.Length) continue;
                var length = Answer(buffer.AsSpan(0, received.ReceivedBytes), (IPEndPoint)received.RemoteEndPoint, response);
                if (_slowToMalformed > TimeSpan.Zero && StunMessage.TryParse(buffer.AsSpan(0, received.ReceivedBytes), out _) != StunParseStatus.Ok)
                    await Task.Delay(_slowToMalformed, _stop.Token);
                await _socket.SendToAsync(response.AsMemory(0, length), SocketFlags.None, received.RemoteEndPoint, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private int Answer(ReadOnlySpan<byte> request, IPEndPoint from, Span<byte> response)
    {
        var method = StunMessageType.Decode(BinaryPrimitives.ReadUInt16BigEndian(request)).Method;
        var parsed = StunMessage.TryParse(request, out var message) == StunParseStatus.Ok;
        if (_challengeFirst && method != StunMethods.Binding && !(parsed && message.HasMessageIntegrity))
        {
            var challenge = new StunMessageBuilder(response, new StunMessageType(method, StunClass.Error), request.Slice(8, 12));
            challenge.AddErrorCode(StunErrorCodes.Unauthenticated, "Unauthenticated");
            challenge.AddRealm("example.org");
            challenge.AddNonce("fixed-nonce");
            return challenge.Length;
        }
        var success = new StunMessageBuilder(response, new StunMessageType(method, StunClass.Success), request.Slice(8, 12));
        success.AddXorMappedAddress(new StunAddress(from));
        if (_challengeFirst && method is TurnMethods.Allocate or TurnMethods.Refresh)
        {
            if (method == TurnMethods.Allocate) success.AddXorRelayedAddress(new StunAddress(FakeRelay));
            success.AddLifetime(parsed && message.TryGetLifetime(out var asked) ? asked : 600);
        }
        return success.Length;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _socket.Dispose();
        _stop.Dispose();
    }
}
