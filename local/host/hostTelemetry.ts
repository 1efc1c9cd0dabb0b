import { otlpTarget, type Telemetry } from '../telemetry/index.js';
import type { HostLogger, LogEntry } from './core/logger.js';
import type { TelemetryMode } from './hostJson.js';

/** The host's log records also go to telemetry (under the running invocation's span), while it records. */
export function withTelemetry(logger: HostLogger, telemetry: Telemetry): HostLogger {
  return {
    log(entry) {
      logger.log(entry);
      if (telemetry.recording) telemetry.log(entry);
    },
  };
}

/**
 * What `telemetryMode` does in Azure: with `OpenTelemetry`, traces and logs go to the OTLP endpoint of
 * `OTEL_EXPORTER_OTLP_ENDPOINT` when it is set (Application Insights only with its connection string, which the
 * local host cannot reach); otherwise the host exports nothing. The inspector records either way.
 */
export function configureHostTelemetry(
  telemetry: Telemetry,
  mode: TelemetryMode,
  setting: (name: string) => string | undefined,
  log: (entry: LogEntry) => void,
): void {
  const target = otlpTarget(setting);
  const warn = (message: string) => log({ level: 'warning', category: 'Host.General', message });
  if (mode !== 'OpenTelemetry') {
    if (target) {
      warn(
        `OTEL_EXPORTER_OTLP_ENDPOINT is set but host.json has no "telemetryMode": "OpenTelemetry": as in Azure, ` +
          'the host exports nothing over OTLP (the inspector at /_local/ still shows every trace).',
      );
    }
    return;
  }
  if (setting('APPLICATIONINSIGHTS_CONNECTION_STRING')) {
    warn(
      'APPLICATIONINSIGHTS_CONNECTION_STRING is set: the local host does not send telemetry to Application Insights.',
    );
  }
  if (!target) return;
  telemetry.exportTo(target);
  log({
    level: 'information',
    category: 'Host.General',
    message: `Exporting traces and logs over OTLP/HTTP to ${target.endpoint} (telemetryMode OpenTelemetry).`,
  });
}
