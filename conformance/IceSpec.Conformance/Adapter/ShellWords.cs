using System.Runtime.InteropServices;

namespace IceSpec.Conformance.Adapter;

/// <summary>
/// Splits a command line into words the way a POSIX shell does, with the C library's <c>wordexp(3)</c>: single and
/// double quotes, backslashes, <c>$VARIABLES</c> and <c>~</c> as in <c>sh</c>. Command substitution (<c>$(…)</c>,
/// backquotes) is refused, so nothing runs; so are the shell's operators (<c>| &amp; ; &lt; &gt; ( ) { }</c> unquoted):
/// the result is one program and its arguments.
/// </summary>
public static class ShellWords
{
    private const int NoCommandSubstitution = 1 << 2;        // WRDE_NOCMD
    private const int UndefinedVariableIsError = 1 << 5;     // WRDE_UNDEF

    [StructLayout(LayoutKind.Sequential)]
    private struct WordExpansion
    {
        public nuint Count;
        public IntPtr Words;
        public nuint Offset;
    }

    [DllImport("libc", EntryPoint = "wordexp")]
    private static extern int WordExp([MarshalAs(UnmanagedType.LPUTF8Str)] string words, ref WordExpansion result, int flags);

    [DllImport("libc", EntryPoint = "wordfree")]
    private static extern void WordFree(ref WordExpansion result);

    /// <summary>The words of <paramref name="commandLine"/>; a <see cref="FormatException"/> says why it cannot be split.</summary>
    public static IReadOnlyList<string> Split(string commandLine)
    {
        var expansion = new WordExpansion();
        var status = WordExp(commandLine, ref expansion, NoCommandSubstitution | UndefinedVariableIsError);
        if (status != 0)
        {
            if (status == 1) WordFree(ref expansion); // WRDE_NOSPACE may leave a partial result
            throw new FormatException(status switch
            {
                2 => "it holds one of | & ; < > ( ) { } or a newline outside quotes: give one program and its arguments (quote such characters, or wrap a pipeline in sh -c '…')",
                3 => "it uses a shell variable that is not set",
                4 => "command substitution ($(…) or `…`) is not allowed",
                5 => "unbalanced quotes or a syntax error",
                _ => $"wordexp failed with code {status}",
            });
        }
        try
        {
            var words = new string[(int)expansion.Count];
            for (var i = 0; i < words.Length; i++)
                words[i] = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(expansion.Words, i * IntPtr.Size))!;
            return words;
        }
        finally
        {
            WordFree(ref expansion);
        }
    }
}
