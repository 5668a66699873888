using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IceSpec.Ice.Tests.Session;

/// <summary>A real coturn (Debian coturn 4.6.1) on a free loopback port with one long-term user; stopped by PID.</summary>
internal sealed class CoturnProcess : IAsyncDisposable
{
    public const string Username = "ice";
    public const string Password = "relay-secret";
    private readonly Process _process;
    private readonly string _directory;

    private CoturnProcess(Process process, string directory, IPEndPoint server)
    {
        _process = process;
        _directory = directory;
        Server = server;
    }

    public IPEndPoint Server { get; }

    public static async Task<CoturnProcess> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("icespec-coturn-").FullName;
        var port = FreeUdpPort();
        var relay = FreeUdpPort();
        var start = new ProcessStartInfo("turnserver")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", $"--listening-port={port}",
            $"--min-port={relay}", $"--max-port={relay + 40}", "--lt-cred-mech", $"--user={Username}:{Password}", "--realm=icespec.test",
            "--allow-loopback-peers", "--no-dtls", "--no-tls", "--no-cli", $"--userdb={Path.Combine(directory, "turndb")}",
            $"--pidfile={Path.Combine(directory, "pid")}", $"--log-file={Path.Combine(directory, "log")}", "--simple-log",
        }) start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException("turnserver did not start (install coturn: scripts/install-deps.sh)");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var coturn = new CoturnProcess(process, directory, new IPEndPoint(IPAddress.Loopback, port));
        // Ready when it answers a Binding request.
        using var probe = new UdpClient(0, AddressFamily.InterNetwork);
        var request = Convert.FromHexString("000100002112A442" + "0102030405060708090A0B0C");
        for (var i = 0; i < 50; i++)
        {
            await probe.SendAsync(request, coturn.Server);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            try { await probe.ReceiveAsync(wait.Token); return coturn; }
            catch (OperationCanceledException) { }
            if (process.HasExited) break;
        }
        await coturn.DisposeAsync();
        throw new InvalidOperationException("coturn did not answer on " + coturn.Server);
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
