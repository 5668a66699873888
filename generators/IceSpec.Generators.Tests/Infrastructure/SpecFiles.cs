namespace IceSpec.Generators.Tests.Infrastructure;

/// <summary>The real spec files (spec/*.spec), copied next to the test assembly.</summary>
public static class SpecFiles
{
    public static string Stun { get; } = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Specs", "stun.spec"));

    public static string Turn { get; } = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Specs", "turn.spec"));

    public static string Ice { get; } = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Specs", "ice.spec"));

    public static string Classic { get; } = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Specs", "classic.spec"));
}
