using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Prometheus;

namespace IceSpec.Turn.Server;

/// <summary>
/// <c>prometheus=IP:PORT</c>: serves one server's meter (<see cref="TurnServerMetrics"/>) over HTTP — <c>/metrics</c> in
/// Prometheus text format (<see cref="MeterPrometheusBridge"/> into a prometheus-net registry of its own, so other meters
/// of the process stay out) and <c>/health</c> (200, <c>ok</c>) while the server runs. Requests are answered one at a time.
/// </summary>
internal sealed class TurnMetricsEndpoint : IAsyncDisposable
{
    private static readonly byte[] HealthyBody = "ok\n"u8.ToArray();

    private readonly HttpListener _listener = new();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly MeterPrometheusBridge _bridge;
    private readonly Task _loop;

    private TurnMetricsEndpoint(IPEndPoint endpoint, Meter meter)
    {
        Endpoint = endpoint;
        var address = endpoint.Address;
        var host = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? "+"
            : address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        _listener.Prefixes.Add($"http://{host}:{endpoint.Port}/");
        // HttpListener matches the Host header against its prefixes: a scraper configured with localhost must find it too.
        if (IPAddress.IsLoopback(address)) _listener.Prefixes.Add($"http://localhost:{endpoint.Port}/");
        _listener.Start();
        try
        {
            _bridge = new MeterPrometheusBridge(meter, _registry);
        }
        catch
        {
            _listener.Close();
            throw;
        }
        _loop = Task.Run(Serve);
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Starts serving; throws <see cref="InvalidOperationException"/> naming the address when it cannot listen there.</summary>
    public static TurnMetricsEndpoint Start(IPEndPoint endpoint, Meter meter)
    {
        try
        {
            return new TurnMetricsEndpoint(endpoint, meter);
        }
        catch (HttpListenerException e)
        {
            throw new InvalidOperationException($"prometheus: cannot listen on {endpoint}: {e.Message}", e);
        }
    }

    private async Task Serve()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            await Answer(context).ConfigureAwait(false);
        }
    }

    private async Task Answer(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            switch (context.Request.Url?.AbsolutePath)
            {
                case "/metrics":
                    response.ContentType = PrometheusConstants.TextContentTypeWithVersionAndEncoding;
                    await _registry.CollectAndExportAsTextAsync(response.OutputStream).ConfigureAwait(false);
                    break;
                case "/health":
                    response.ContentType = "text/plain; charset=utf-8";
                    await response.OutputStream.WriteAsync(HealthyBody).ConfigureAwait(false);
                    break;
                default:
                    response.StatusCode = (int)HttpStatusCode.NotFound;
                    await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes("/metrics or /health\n")).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The scraper went away.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _loop.ConfigureAwait(false);
        _bridge.Dispose();
    }
}
