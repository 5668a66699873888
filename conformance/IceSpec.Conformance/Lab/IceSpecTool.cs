namespace IceSpec.Conformance.Lab;

/// <summary>
/// Finds the <c>icespec</c> CLI to start our own server: <c>ICESPEC_CLI</c> (a path to icespec.dll or an executable), else
/// <c>icespec.dll</c> beside this assembly (the CLI itself, or a test project that references it).
/// </summary>
public static class IceSpecTool
{
    /// <summary>The program to run and the arguments that come before the command.</summary>
    public static (string File, string[] Prefix) Command()
    {
        var configured = Environment.GetEnvironmentVariable("ICESPEC_CLI");
        var path = string.IsNullOrEmpty(configured) ? Path.Combine(AppContext.BaseDirectory, "icespec.dll") : configured;
        if (!File.Exists(path))
            throw new LabException($"cannot find the icespec CLI at {path}: build tools/IceSpec.Cli or set ICESPEC_CLI");
        return path.EndsWith(".dll", StringComparison.Ordinal) ? ("dotnet", [path]) : (path, []);
    }
}
