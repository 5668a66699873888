using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// coturn on 127.0.0.1 for the relay tests (RFC 8656): UDP and TCP on one free port, a free relay port range, long-term
/// user alice:secret. Started once per test class, stopped by PID, its files deleted.
/// </summary>
public sealed class LoopbackCoturn : IAsyncLifetime
{
    public const string Username = "alice";
    public const string Password = "secret";
    private const int RelayPorts = 40;
    private readonly StringBuilder _output = new();
    private Process? _process;
    private string _directory = "";

    public string Server { get; private set; } = "";

    public string LogPath => Path.Combine(_directory, "turnserver.log");

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("icespec-driver-coturn-").FullName;
        var port = FreePort();
        var relay = FreeRelayRange();
        Server = $"127.0.0.1:{port}";
        var info = new ProcessStartInfo("turnserver")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", $"--listening-port={port}",
                     $"--min-port={relay}", $"--max-port={relay + RelayPorts - 1}", "--lt-cred-mech",
                     $"--user={Username}:{Password}", "--realm=example.org", "--allow-loopback-peers", "--no-tls",
                     "--no-dtls", "--no-cli", $"--userdb={Path.Combine(_directory, "turndb")}",
                     $"--pidfile={Path.Combine(_directory, "turnserver.pid")}", $"--log-file={LogPath}", "--simple-log",
                 })
            info.ArgumentList.Add(a);
        try
        {
            _process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("turnserver (coturn) not found: run scripts/install-deps.sh", e);
        }
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitListeningAsync(port);
    }

    /// <summary>coturn listens on TCP and UDP together: a TCP connect that succeeds means it is up.</summary>
    private async Task WaitListeningAsync(int port)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_process!.HasExited) break;
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        string output;
        lock (_output) output = _output.ToString();
        throw new InvalidOperationException($"coturn did not listen on 127.0.0.1:{port} within 10 s:\n{output}");
    }

    public string LogTail(int lines = 30)
    {
        try
        {
            return string.Join('\n', File.ReadAllLines(LogPath).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no coturn log)";
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            _process.Dispose();
        }
        if (_directory.Length > 0) Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1 right now.</summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            if (UdpFree(port)) return port;
        }
        throw new InvalidOperationException("no port free for both UDP and TCP on 127.0.0.1");
    }

    private static int FreeRelayRange()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var start = Random.Shared.Next(40000, 60000 - RelayPorts);
            if (Enumerable.Range(start, RelayPorts).All(UdpFree)) return start;
        }
        throw new InvalidOperationException($"no {RelayPorts} consecutive free UDP ports on 127.0.0.1");
    }

    private static bool UdpFree(int port)
    {
        try
        {
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
