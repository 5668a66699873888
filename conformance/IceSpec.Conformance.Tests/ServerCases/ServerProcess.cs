using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Stun;

namespace IceSpec.Conformance.Tests.ServerCases;

/// <summary>
/// A server started by a test: one child process, its output kept for failure messages, stopped by PID (SIGTERM, then
/// SIGKILL after a short grace) and its temporary directory deleted, whatever happened.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _directory;

    private ServerProcess(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public int Pid => _process.Id;

    public string Directory => _directory;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts <paramref name="file"/>; <paramref name="directory"/> (made by the caller) is deleted on dispose.</summary>
    public static ServerProcess Start(string file, IEnumerable<string> arguments, string directory)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process, directory);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until a STUN Binding request to <paramref name="server"/> is answered (the server is up), at most 15 s.</summary>
    public async Task WaitAnswersBindingAsync(IPEndPoint server, string name)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        var request = StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId());
        var buffer = new byte[2048];
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (_process.HasExited) throw new InvalidOperationException($"{name} exited with {_process.ExitCode} at start:\n{Output}");
            try
            {
                await socket.SendAsync(request, SocketFlags.None);
                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token) >= 20) return;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"{name} did not answer a Binding request on {server} within 15 s:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                SendSignal(_process.Id, 15); // SIGTERM
                using var grace = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true); // coturn takes 3–4 s after SIGTERM
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        _process.Dispose();
        if (System.IO.Directory.Exists(_directory)) System.IO.Directory.Delete(_directory, recursive: true);
    }
}
