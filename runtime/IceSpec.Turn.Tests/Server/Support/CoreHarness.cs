using IceSpec.Stun;
using IceSpec.Turn.Server;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// The sans-IO core on a virtual clock: packets in, transmits out, no sockets and no sleeping. Clients are 5-tuples;
/// <see cref="Client"/> does the long-term credential exchange as a TURN client would.
/// </summary>
public sealed class CoreHarness
{
    public static readonly TurnEndpoint ServerAddress = TurnEndpoint.Parse("192.0.2.10:3478");

    public CoreHarness(Action<TurnServerOptions>? configure = null, FakeRelayPorts? relays = null, List<string>? log = null)
    {
        Options = new TurnServerOptions
        {
            Realm = "example.org",
            Credentials = new TurnCredentials("example.org", [new TurnUser("alice", "secret"), new TurnUser("bob", "hunter2")], ["rest-secret"]),
            PeerPolicy = new TurnPeerPolicy(allowed: [IpPrefix.Parse("203.0.113.0/24")]),
            WallClockAtZero = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
            NonceLifetime = TimeSpan.FromDays(1), // lifetimes, not nonces, are under test unless a test says otherwise
        };
        configure?.Invoke(Options);
        Relays = relays ?? new FakeRelayPorts();
        Log = log ?? [];
        Server = new TurnServer(Options, Relays, new TurnLogLineProvider(Log.Add, LogLevel.Debug).CreateLogger(TurnServerHost.LogCategory));
    }

    public TurnServerOptions Options { get; }

    public FakeRelayPorts Relays { get; }

    public List<string> Log { get; }

    public TurnServer Server { get; }

    public TimeSpan Now { get; private set; } = TimeSpan.FromSeconds(1);

    /// <summary>Moves the virtual clock and fires what is due.</summary>
    public void Advance(TimeSpan by)
    {
        Now += by;
        Server.HandleTimeout(Now);
    }

    public List<TurnTransmit> Drain()
    {
        var sent = new List<TurnTransmit>();
        while (Server.PollTransmit(out var transmit)) sent.Add(transmit);
        return sent;
    }

    public Client NewClient(string address = "203.0.113.7:40000", TurnTransport transport = TurnTransport.Udp) =>
        new(this, new TurnFlow(transport, ServerAddress, TurnEndpoint.Parse(address)));

    /// <summary>A datagram from a peer to a relay port; returns what the core sent to clients.</summary>
    public List<TurnTransmit> FromPeer(TurnRelayPort relay, string peer, byte[] data)
    {
        Server.HandleRelayPacket(Now, relay, TurnEndpoint.Parse(peer), data);
        return Drain();
    }

    public sealed class Client(CoreHarness harness, TurnFlow flow)
    {
        public TurnFlow Flow { get; } = flow;

        public LongTermCredentials? Credentials { get; private set; }

        /// <summary>Sends one packet; returns everything the core transmitted.</summary>
        public List<TurnTransmit> SendRaw(byte[] packet)
        {
            harness.Server.HandlePacket(harness.Now, Flow.Transport, Flow.Local, Flow.Remote, packet);
            return harness.Drain();
        }

        /// <summary>Sends a request and returns the one response to this client (or null).</summary>
        public TestResponse? Request(byte[] request)
        {
            var sent = SendRaw(request);
            var toClient = sent.Where(t => t.Target == TurnTransmitTarget.Client && t.Destination == Flow.Remote).ToList();
            return toClient.Count == 1 ? TestResponse.TryParse(toClient[0].Data) : null;
        }

        /// <summary>Gets a nonce (401) and keeps credentials for <paramref name="username"/>.</summary>
        public LongTermCredentials Authenticate(string username = "alice", string password = "secret")
        {
            var challenge = Request(TestMessages.Allocate(transactionId: null, credentials: null)) ?? throw new InvalidOperationException("no 401");
            if (challenge.ErrorCode != 401) throw new InvalidOperationException($"expected 401, got {challenge}");
            Credentials = LongTermCredentials.For(username, password, challenge.Realm!, challenge.Nonce!);
            return Credentials;
        }

        public TestResponse Allocate(AddAttributes? extra = null, string username = "alice", string password = "secret")
        {
            var credentials = Credentials ?? Authenticate(username, password);
            return Request(TestMessages.Allocate(credentials, extra)) ?? throw new InvalidOperationException("no Allocate response");
        }
    }
}
