namespace IceSpec.Packaging.Tests.Snippets;

/// <summary>
/// What the READMEs' snippets leave to the application, compiled beside each snippet (a top-level program): a
/// signalling channel (<c>Signal</c>, <c>ReceiveSignal</c>), the application's own restart (<c>RestartAsync</c>), and
/// the values a snippet continues from an earlier one (<c>session</c>) or from the surrounding program
/// (<c>limitedServer</c>, <c>ct</c>). Its usings are its own: a snippet must write those it needs.
/// </summary>
internal static class ApplicationHarness
{
    public const string Source = """
        partial class Program
        {
            static void Signal(string line) => global::System.Console.WriteLine(line);
            static global::System.Threading.Tasks.Task<string> ReceiveSignal() => global::System.Threading.Tasks.Task.FromResult("");
            static global::System.Threading.Tasks.Task RestartAsync() => global::System.Threading.Tasks.Task.CompletedTask;
            static global::IceSpec.Ice.IceSession session => global::IceSpec.Ice.IceSession.Create();
            static global::IceSpec.Conformance.Cases.Server.ServerTarget limitedServer => new("icespec-limited", "127.0.0.1", 3478, 3478, "alice", "secret");
            static global::System.Threading.CancellationToken ct => default;
        }
        """;

    /// <summary>The global usings of a new console project (the SDK's ImplicitUsings for Microsoft.NET.Sdk).</summary>
    public const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;
}
