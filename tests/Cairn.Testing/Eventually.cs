namespace Cairn.Testing;

/// <summary>Waits for a condition with a deadline, instead of sleeping and hoping.</summary>
public static class Eventually
{
    public static Task UntilAsync(Func<bool> condition, TimeSpan deadline, string what) =>
        UntilAsync(() => Task.FromResult(condition()), deadline, what);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var until = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"Timed out after {deadline.TotalSeconds:0.#} s waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }
}
