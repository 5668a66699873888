using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IceSpec.Stun.Client;
using IceSpec.Turn.Client;
using IceSpec.Stun.Transports;

namespace IceSpec.Turn.Tests.Client;

/// <summary>The client interop tests share one coturn (and its echo peers): they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class CoturnCollection : ICollectionFixture<CoturnFixture>
{
    public const string Name = "coturn";
}

/// <summary>
/// A real coturn 4.x on loopback, started for the tests and stopped by PID: UDP and TCP on one port, TLS (a self-signed
/// certificate made here) on another, a relay port range, long-term user alice:secret in realm example.org, nonces that
/// go stale after <see cref="StaleNonceSeconds"/> s, and turnutils_peer as the echoing peer (also on ::1 when the
/// machine has IPv6). Every port is probed free first. A missing binary fails the tests with a clear message.
/// </summary>
public sealed class CoturnFixture : IAsyncLifetime
{
    public const string Username = "alice";
    public const string Password = "secret";
    public const string Realm = "example.org";
    public const int StaleNonceSeconds = 3;

    private readonly List<Process> _processes = [];
    private readonly Dictionary<Process, StringBuilder> _output = [];
    private readonly CancellationTokenSource _stop = new();
    private string _directory = "";
    private TcpListener? _tcpPeer;
    private string _turnserver = "";
    private List<string> _coturnArguments = [];
    private Process? _coturn;
    private Task? _tcpPeerLoop;

    public IPEndPoint Server { get; private set; } = null!;

    public IPEndPoint TlsServer { get; private set; } = null!;

    /// <summary>turnutils_peer on 127.0.0.1: echoes every UDP datagram to its sender.</summary>
    public IPEndPoint Peer { get; private set; } = null!;

    /// <summary>A TCP echo server on 127.0.0.1: the peer of RFC 6062 TCP allocations (turnutils_peer is UDP only).</summary>
    public IPEndPoint TcpPeer => (IPEndPoint)_tcpPeer!.LocalEndpoint;

    /// <summary>coturn on [::1] and an echo peer there, when the machine has IPv6 loopback.</summary>
    public IPEndPoint? Server6 { get; private set; }

    public IPEndPoint? Peer6 { get; private set; }

    /// <summary>The server's self-signed certificate (CN=localhost, SAN IP 127.0.0.1).</summary>
    public X509Certificate2 Certificate { get; private set; } = null!;

    public string CertificatePath => Path.Combine(_directory, "cert.pem");

    public string LogPath => Path.Combine(_directory, "turnserver.log");

    public TlsClientOptions TrustingTls => new() { TrustedCertificates = [Certificate] };

    public TurnClientOptions Options(TransportProtocol transport) => new()
    {
        Server = (transport == TransportProtocol.Tls ? TlsServer : Server).ToString(),
        Transport = transport,
        Tls = TrustingTls,
        Username = Username,
        Password = Password,
        Realm = Realm,
    };

    public async Task InitializeAsync()
    {
        var turnserver = FindBinary("turnserver");
        var peerBinary = FindBinary("turnutils_peer");
        _directory = Directory.CreateTempSubdirectory("icespec-coturn-").FullName;
        try
        {
            Certificate = CreateCertificate(out var keyPem);
            await File.WriteAllTextAsync(CertificatePath, Certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(_directory, "key.pem"), keyPem);

            var ipv6 = FreePorts.HasIPv6Loopback();
            var addresses = ipv6 ? new[] { IPAddress.Loopback, IPAddress.IPv6Loopback } : [IPAddress.Loopback];
            var ports = FreePorts.Find(addresses, count: 4, rangeLength: 0);
            var relay = FreePorts.FindRange(addresses, 60);
            Server = new IPEndPoint(IPAddress.Loopback, ports[0]);
            TlsServer = new IPEndPoint(IPAddress.Loopback, ports[1]);
            Peer = new IPEndPoint(IPAddress.Loopback, ports[2]);
            if (ipv6)
            {
                Server6 = new IPEndPoint(IPAddress.IPv6Loopback, ports[0]);
                Peer6 = new IPEndPoint(IPAddress.IPv6Loopback, ports[3]);
            }

            var args = new List<string>
            {
                "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
                $"--listening-port={Server.Port}", $"--tls-listening-port={TlsServer.Port}",
                $"--min-port={relay}", $"--max-port={relay + 59}",
                "--lt-cred-mech", $"--user={Username}:{Password}", $"--realm={Realm}",
                "--allow-loopback-peers", "--no-dtls", "--no-cli",
                $"--cert={CertificatePath}", $"--pkey={Path.Combine(_directory, "key.pem")}",
                $"--stale-nonce={StaleNonceSeconds}",
                $"--userdb={Path.Combine(_directory, "turndb")}", $"--pidfile={Path.Combine(_directory, "turnserver.pid")}",
                $"--log-file={LogPath}", "--simple-log",
            };
            if (ipv6) args.InsertRange(2, ["--listening-ip=::1", "--relay-ip=::1"]);
            (_turnserver, _coturnArguments) = (turnserver, args);
            var coturn = _coturn = Start(turnserver, args);
            Start(peerBinary, ["-L", "127.0.0.1", "-p", Peer.Port.ToString()]);
            if (Peer6 is not null) Start(peerBinary, ["-L", "::1", "-p", Peer6.Port.ToString()]);

            _tcpPeer = new TcpListener(IPAddress.Loopback, 0);
            _tcpPeer.Start();
            _tcpPeerLoop = EchoTcpAsync(_tcpPeer, _stop.Token);

            await WaitReadyAsync(coturn);
            await WaitBoundAsync(Peer);
            if (Peer6 is not null) await WaitBoundAsync(Peer6);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Kills coturn (SIGKILL: a crash, every allocation lost) and starts it again on the same ports; returns once it
    /// answers a Binding request.
    /// </summary>
    public async Task RestartServerAsync()
    {
        var old = _coturn!;
        if (!old.HasExited)
        {
            old.Kill();
            await old.WaitForExitAsync();
        }
        _coturn = Start(_turnserver, _coturnArguments);
        await WaitReadyAsync(_coturn);
    }

    /// <summary>The last lines of coturn's log, for failure messages.</summary>
    public string LogTail(int lines = 40)
    {
        try
        {
            var all = File.ReadAllLines(LogPath);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException)
        {
            return "(no coturn log)";
        }
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        _tcpPeer?.Stop();
        if (_tcpPeerLoop is not null) await _tcpPeerLoop;
        foreach (var process in _processes) Terminate(process);
        foreach (var process in _processes)
        {
            try
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                // coturn takes 3–4 s to leave after SIGTERM: don't wait for it.
                try
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
                catch (InvalidOperationException)
                {
                }
            }
            process.Dispose();
        }
        _processes.Clear();
        Certificate?.Dispose();
        if (_directory.Length > 0 && Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Accepts TCP connections and echoes what each sends until it closes.</summary>
    private static async Task EchoTcpAsync(TcpListener listener, CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop);
                connections.Add(Task.Run(async () =>
                {
                    using (client)
                    {
                        var stream = client.GetStream();
                        var buffer = new byte[65536];
                        try
                        {
                            int n;
                            while ((n = await stream.ReadAsync(buffer, stop)) > 0) await stream.WriteAsync(buffer.AsMemory(0, n), stop);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                        {
                        }
                    }
                }));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        await Task.WhenAll(connections);
    }

    private static string FindBinary(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            $"'{name}' (coturn) is not installed, so the TURN/STUN client cannot be checked against a real server. " +
            "Install it with 'apt-get install coturn' (./test.sh does this via scripts/install-deps.sh).");
    }

    private Process Start(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        _output[process] = output;
        return process;
    }

    private async Task WaitReadyAsync(Process coturn)
    {
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (coturn.HasExited)
                throw new InvalidOperationException($"turnserver exited with {coturn.ExitCode} at start:\n{Output(coturn)}\n{LogTail()}");
            try
            {
                await StunClient.BindingAsync(new StunClientOptions
                {
                    Server = Server.ToString(),
                    Rto = TimeSpan.FromMilliseconds(100),
                    MaxTransmissions = 2,
                });
                await StunClient.BindingAsync(new StunClientOptions { Server = TlsServer.ToString(), Transport = TransportProtocol.Tls, Tls = TrustingTls });
                return;
            }
            catch (Exception e) when (e is StunClientException or SocketException or IOException or System.Security.Authentication.AuthenticationException)
            {
                last = e;
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"turnserver did not answer a Binding request within 15 s ({last?.Message}):\n{Output(coturn)}\n{LogTail()}");
    }

    private static async Task WaitBoundAsync(IPEndPoint endPoint)
    {
        for (var i = 0; i < 200; i++)
        {
            if (!FreePorts.IsUdpFree(endPoint)) return;
            await Task.Delay(25);
        }
        throw new InvalidOperationException($"turnutils_peer did not bind {endPoint} within 5 s");
    }

    private string Output(Process process)
    {
        var output = _output[process];
        lock (output) return output.ToString();
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    private static void Terminate(Process process)
    {
        try
        {
            if (!process.HasExited) SendSignal(process.Id, 15); // SIGTERM
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static X509Certificate2 CreateCertificate(out string keyPem)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        keyPem = key.ExportPkcs8PrivateKeyPem();
        return certificate;
    }
}
