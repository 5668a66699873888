using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// coturn on 127.0.0.1 for the relay tests (RFC 8656), started the way the kit starts it for its server cases
/// (<see cref="LoopbackServers"/>: UDP and TCP on one free port, a free relay range, loopback peers allowed) with the
/// long-term user alice:secret. Started once per test class, stopped by PID, its files deleted.
/// </summary>
public sealed class LoopbackCoturn : IAsyncLifetime
{
    public const string Username = "alice";
    public const string Password = "secret";
    private LoopbackServer? _server;
    private string _directory = "";

    /// <summary>HOST:PORT of its UDP and TCP listener.</summary>
    public string Server => $"{_server!.Target.Host}:{_server.Target.UdpPort}";

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("icespec-driver-coturn-").FullName;
        _server = await LoopbackServers.StartAsync(LabServerKind.Coturn, new LoopbackUser(Username, Password, "example.org"), _directory, CancellationToken.None);
    }

    public string LogTail(int lines = 30)
    {
        if (_server is null) return "(coturn was not started)";
        try
        {
            return string.Join('\n', File.ReadAllLines(_server.LogPath).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no coturn log)";
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_directory.Length > 0) Directory.Delete(_directory, recursive: true);
    }
}
