using System.Diagnostics;
using Fobnail.Modules;
using Fobnail.Netlink.Uevents;
using Serilog;

namespace Fobnail.Init.Boot;

/// <summary>
/// Uevent hotplug: for every kernel "add" uevent that carries a MODALIAS, ask the module loader for the
/// matching modules (this is how the token's USB NIC driver gets loaded when it is plugged in).
/// Called by the modules step before coldplug, so a device appearing during coldplug is not missed.
/// </summary>
public static class HotplugStep
{
    /// <summary>
    /// Opens the uevent socket now and runs the listener as a PID 1 service (in <see cref="BootContext.Services"/>).
    /// Returns the service task; it only ends when <paramref name="ct"/> fires, and never throws.
    /// </summary>
    public static Task Start(BootContext context, ModuleLoader loader, CancellationToken ct = default)
    {
        var log = context.Log;
        var listener = UeventListener.Open(log);
        var service = Task.Run(() => RunAsync(listener, loader, log, ct), CancellationToken.None);
        context.Services.Add(service);
        log.Information("hotplug: listening for kernel uevents");
        return service;
    }

    private static async Task RunAsync(UeventListener listener, ModuleLoader loader, ILogger log, CancellationToken ct)
    {
        using var _ = listener;
        try
        {
            await foreach (var e in listener.ListenAsync(ct).ConfigureAwait(false))
            {
                if (e.Action != "add" || e.Modalias is null) continue;
                await LoadForAsync(e, loader, log, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A socket failure ends hotplug, but must never take PID 1 down.
            log.Error(e, "hotplug: uevent listener stopped: {Error}", e.Message);
        }
    }

    private static async Task LoadForAsync(Uevent e, ModuleLoader loader, ILogger log, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            var results = await loader.LoadForModaliasAsync(e.Modalias!, ct).ConfigureAwait(false);
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (results.Count == 0)
                log.Debug("hotplug: no module for {DevPath} ({Modalias})", e.DevPath, e.Modalias);
            foreach (var r in results)
            {
                if (r.Succeeded) log.Information("hotplug: {Result} for {DevPath} ({Modalias}) in {Ms:0.0} ms", r.ToString(), e.DevPath, e.Modalias, ms);
                else log.Warning("hotplug: {Result} for {DevPath} ({Modalias})", r.ToString(), e.DevPath, e.Modalias);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            log.Error(ex, "hotplug: loading modules for {Modalias} failed: {Error}", e.Modalias, ex.Message);
        }
    }
}
