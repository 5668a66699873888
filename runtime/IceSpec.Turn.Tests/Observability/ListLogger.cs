using Microsoft.Extensions.Logging;

namespace IceSpec.Tests.Observability;

/// <summary>An <see cref="ILogger"/> keeping <c>Level event.name message</c> lines, every level enabled.</summary>
public sealed class ListLogger : ILogger
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return [.. _lines];
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines) _lines.Add($"{logLevel} {eventId.Name} {formatter(state, exception)}");
    }
}
