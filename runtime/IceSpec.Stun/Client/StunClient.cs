using System.Globalization;
using System.Net;
using IceSpec.Stun.Transports;

namespace IceSpec.Stun.Client;

/// <summary>
/// The Binding usage over real sockets (RFC 8489 §3, §6): send a Binding request to a server over UDP, TCP or TLS and
/// learn the server-reflexive address. A thin driver around the sans-IO <see cref="StunBindingTransaction"/>.
/// </summary>
public static class StunClient
{
    /// <summary>Sends one Binding request to <paramref name="server"/> (<c>host[:port]</c>) and returns what the response says.</summary>
    /// <exception cref="StunClientException">An error response, no response, or an unusable response.</exception>
    public static Task<StunBindingResult> BindingAsync(string server, TransportProtocol transport = TransportProtocol.Udp,
        CancellationToken cancellationToken = default) =>
        BindingAsync(new StunClientOptions { Server = server, Transport = transport }, cancellationToken);

    public static Task<StunBindingResult> BindingAsync(IPEndPoint server, TransportProtocol transport = TransportProtocol.Udp,
        CancellationToken cancellationToken = default) =>
        BindingAsync(new StunClientOptions { Server = ServerAddress.From(server).ToString(), Transport = transport }, cancellationToken);

    public static async Task<StunBindingResult> BindingAsync(StunClientOptions options, CancellationToken cancellationToken = default)
    {
        var stage = new Stage();
        if (options.Timeout is not { } limit) return await FollowRedirectionsAsync(options, stage, cancellationToken).ConfigureAwait(false);
        using var timer = new CancellationTokenSource(limit, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await FollowRedirectionsAsync(options, stage, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                                  && e is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
        {
            throw new StunClientException(string.Create(CultureInfo.InvariantCulture, $"timed out after {limit.TotalSeconds:0.###} s {stage.Doing}"), inner: e)
            {
                TimedOut = true,
            };
        }
    }

    /// <summary>What the request is doing, for the message of a timeout.</summary>
    private sealed class Stage
    {
        public string Doing { get; set; } = "";
    }

    private static async Task<StunBindingResult> FollowRedirectionsAsync(StunClientOptions options, Stage stage, CancellationToken cancellationToken)
    {
        var address = ServerAddress.Parse(options.Server);
        stage.Doing = $"resolving {address.Host}";
        var server = await address.ResolveAsync(options.Transport, cancellationToken: cancellationToken).ConfigureAwait(false);
        var tls = options.Tls ?? new TlsClientOptions();
        if (tls.TargetHost is null && !address.IsAddressLiteral) tls = tls with { TargetHost = address.Host };
        var redirections = new List<IPEndPoint>();
        while (true)
        {
            try
            {
                var result = await BindingOnceAsync(server, options, tls, stage, cancellationToken).ConfigureAwait(false);
                return result with { Redirections = redirections };
            }
            catch (StunClientException e) when (e.ErrorCode == StunErrorCodes.TryAlternate && e.AlternateServer is { } alternate
                                               && redirections.Count < options.MaxRedirections && !redirections.Contains(alternate))
            {
                // RFC 8489 §10: retry the request at the alternate server, same transport; a bounded number of times.
                redirections.Add(server);
                server = alternate;
            }
        }
    }

    private static async Task<StunBindingResult> BindingOnceAsync(IPEndPoint server, StunClientOptions options, TlsClientOptions tls, Stage stage,
        CancellationToken cancellationToken)
    {
        var clock = options.TimeProvider;
        var origin = clock.GetTimestamp();
        TimeSpan Now() => clock.GetElapsedTime(origin);

        stage.Doing = options.Transport switch
        {
            TransportProtocol.Tcp => $"connecting to {server} over TCP",
            TransportProtocol.Tls => $"connecting to {server} over TLS (TCP connect and TLS handshake)",
            _ => $"opening a UDP socket to {server}",
        };
        await using var transport = await MessageTransport.ConnectAsync(server, options.Transport, tls, cancellationToken).ConfigureAwait(false);
        var sent = 0;
        var transaction = new StunBindingTransaction(options.Transport.Reliability(), options.Software, rto: options.Rto);
        if (options.MaxTransmissions is { } rc) transaction.Settings.Rc = rc;
        transaction.Start(Now());

        var buffer = new byte[MessageTransport.MaxMessageLength];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receive = transport.ReceiveAsync(buffer, stop.Token).AsTask();
        try
        {
            while (transaction.Outcome == StunBindingOutcome.Pending)
            {
                while (transaction.TryPollTransmit(out var request))
                {
                    await transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    stage.Doing = $"waiting for the Binding response from {server} over {options.Transport.Name()} ({++sent} request{(sent == 1 ? "" : "s")} sent)";
                }

                var deadline = transaction.PollTimeout();
                var wait = deadline is { } d ? d - Now() : Timeout.InfiniteTimeSpan;
                if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero) wait = TimeSpan.Zero;
                var delay = Task.Delay(wait, clock, cancellationToken);
                var first = await Task.WhenAny(receive, delay).ConfigureAwait(false);
                if (first == receive)
                {
                    var length = await receive.ConfigureAwait(false);
                    if (length == 0) throw new StunClientException($"{server} closed the connection before answering");
                    transaction.HandlePacket(Now(), buffer.AsSpan(0, length));
                    if (transaction.Outcome == StunBindingOutcome.Pending) receive = transport.ReceiveAsync(buffer, stop.Token).AsTask();
                }
                else
                {
                    await delay.ConfigureAwait(false); // throws when cancelled
                    transaction.HandleTimeout(Now());
                }
            }
        }
        finally
        {
            stop.Cancel();
            try
            {
                await receive.ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // The pending read ends with the transport.
            }
        }

        if (transaction.Result is { } result)
            return result with { Server = server, LocalEndPoint = transport.LocalEndPoint, Protocol = options.Transport };
        throw transaction.Error!;
    }
}
