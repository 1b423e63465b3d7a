using System.Text;

namespace Cairn.Cli;

/// <summary>Reads a password on the terminal without echoing it (the prompt goes to standard error, so that standard
/// output stays the command's answer).</summary>
internal static class TerminalSecret
{
    public static string Read(string prompt)
    {
        Console.Error.Write(prompt);
        Console.Error.Flush();
        var secret = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (secret.Length > 0)
                {
                    secret.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                secret.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return secret.ToString();
    }
}
