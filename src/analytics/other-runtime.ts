/**
 * Applications of the Flink and Zeppelin runtimes: Tributary keeps and describes their configuration (create,
 * describe, list, update, tags, snapshots, VPC configurations, versions) but runs only SQL applications
 * (docs/adr/0021). The configuration is kept in v2's description form, with the defaults AWS reports for
 * omitted parts (CreateApplication API reference, version 2; FlinkApplicationConfiguration data types).
 */
import { createHash } from 'node:crypto';
import type { OtherRuntimeConfiguration } from './application.js';
import type {
  ApplicationCodeConfiguration,
  ApplicationConfiguration,
  ApplicationConfigurationDescription,
  ApplicationConfigurationUpdate,
  CheckpointConfiguration,
  MonitoringConfiguration,
  ParallelismConfiguration,
} from './shapes/index.js';

function checkpoint(c: CheckpointConfiguration | undefined) {
  if (c?.ConfigurationType === 'CUSTOM')
    return {
      ConfigurationType: 'CUSTOM' as const,
      CheckpointingEnabled: c.CheckpointingEnabled ?? true,
      CheckpointInterval: c.CheckpointInterval ?? 60_000,
      MinPauseBetweenCheckpoints: c.MinPauseBetweenCheckpoints ?? 5_000,
    };
  return {
    ConfigurationType: 'DEFAULT' as const,
    CheckpointingEnabled: true,
    CheckpointInterval: 60_000,
    MinPauseBetweenCheckpoints: 5_000,
  };
}

function monitoring(c: MonitoringConfiguration | undefined) {
  if (c?.ConfigurationType === 'CUSTOM')
    return {
      ConfigurationType: 'CUSTOM' as const,
      MetricsLevel: c.MetricsLevel ?? 'APPLICATION',
      LogLevel: c.LogLevel ?? 'INFO',
    };
  return { ConfigurationType: 'DEFAULT' as const, MetricsLevel: 'APPLICATION' as const, LogLevel: 'INFO' as const };
}

function parallelism(c: ParallelismConfiguration | undefined) {
  const p = c?.ConfigurationType === 'CUSTOM' ? (c.Parallelism ?? 1) : 1;
  return {
    ConfigurationType: c?.ConfigurationType ?? ('DEFAULT' as const),
    Parallelism: p,
    ParallelismPerKPU: c?.ConfigurationType === 'CUSTOM' ? (c.ParallelismPerKPU ?? 1) : 1,
    CurrentParallelism: p,
    AutoScalingEnabled: c?.ConfigurationType === 'CUSTOM' ? (c.AutoScalingEnabled ?? false) : true,
  };
}

function code(c: ApplicationCodeConfiguration) {
  const content = c.CodeContent;
  const text = content?.TextContent;
  const zip = content?.ZipFileContent;
  return {
    CodeContentType: c.CodeContentType,
    ...(content
      ? {
          CodeContentDescription: {
            ...(text !== undefined ? { TextContent: text } : {}),
            ...(text !== undefined || zip !== undefined
              ? {
                  CodeMD5: createHash('md5')
                    .update(zip ?? text ?? '')
                    .digest('hex'),
                  CodeSize: zip ? zip.length : Buffer.byteLength(text ?? ''),
                }
              : {}),
            ...(content.S3ContentLocation
              ? { S3ApplicationCodeLocationDescription: { ...content.S3ContentLocation } }
              : {}),
          },
        }
      : {}),
  };
}

/** The description of a new Flink/Zeppelin application's configuration. */
export function describeOtherConfiguration(config: ApplicationConfiguration | undefined): OtherRuntimeConfiguration {
  const out: ApplicationConfigurationDescription = {
    FlinkApplicationConfigurationDescription: {
      CheckpointConfigurationDescription: checkpoint(config?.FlinkApplicationConfiguration?.CheckpointConfiguration),
      MonitoringConfigurationDescription: monitoring(config?.FlinkApplicationConfiguration?.MonitoringConfiguration),
      ParallelismConfigurationDescription: parallelism(config?.FlinkApplicationConfiguration?.ParallelismConfiguration),
    },
    ApplicationSnapshotConfigurationDescription: {
      SnapshotsEnabled: config?.ApplicationSnapshotConfiguration?.SnapshotsEnabled ?? false,
    },
    ApplicationSystemRollbackConfigurationDescription: {
      RollbackEnabled: config?.ApplicationSystemRollbackConfiguration?.RollbackEnabled ?? false,
    },
    RunConfigurationDescription: {
      ApplicationRestoreConfigurationDescription: { ApplicationRestoreType: 'RESTORE_FROM_LATEST_SNAPSHOT' },
      FlinkRunConfigurationDescription: { AllowNonRestoredState: false },
    },
  };
  if (config?.ApplicationCodeConfiguration)
    out.ApplicationCodeConfigurationDescription = code(config.ApplicationCodeConfiguration);
  if (config?.EnvironmentProperties)
    out.EnvironmentPropertyDescriptions = {
      PropertyGroupDescriptions: structuredClone(config.EnvironmentProperties.PropertyGroups),
    };
  return out as OtherRuntimeConfiguration;
}

/** Applies an UpdateApplication's configuration update to a Flink/Zeppelin application's description. */
export function updateOtherConfiguration(
  current: OtherRuntimeConfiguration | undefined,
  update: ApplicationConfigurationUpdate,
): OtherRuntimeConfiguration {
  const out = structuredClone(current ?? {}) as ApplicationConfigurationDescription;
  const flink = update.FlinkApplicationConfigurationUpdate;
  const desc = (out.FlinkApplicationConfigurationDescription ??= {});
  if (flink?.CheckpointConfigurationUpdate) {
    const u = flink.CheckpointConfigurationUpdate;
    desc.CheckpointConfigurationDescription = checkpoint({
      ConfigurationType:
        u.ConfigurationTypeUpdate ?? desc.CheckpointConfigurationDescription?.ConfigurationType ?? 'DEFAULT',
      ...(u.CheckpointingEnabledUpdate !== undefined ? { CheckpointingEnabled: u.CheckpointingEnabledUpdate } : {}),
      ...(u.CheckpointIntervalUpdate !== undefined ? { CheckpointInterval: u.CheckpointIntervalUpdate } : {}),
      ...(u.MinPauseBetweenCheckpointsUpdate !== undefined
        ? { MinPauseBetweenCheckpoints: u.MinPauseBetweenCheckpointsUpdate }
        : {}),
    });
  }
  if (flink?.MonitoringConfigurationUpdate) {
    const u = flink.MonitoringConfigurationUpdate;
    desc.MonitoringConfigurationDescription = monitoring({
      ConfigurationType:
        u.ConfigurationTypeUpdate ?? desc.MonitoringConfigurationDescription?.ConfigurationType ?? 'DEFAULT',
      ...(u.MetricsLevelUpdate !== undefined ? { MetricsLevel: u.MetricsLevelUpdate } : {}),
      ...(u.LogLevelUpdate !== undefined ? { LogLevel: u.LogLevelUpdate } : {}),
    });
  }
  if (flink?.ParallelismConfigurationUpdate) {
    const u = flink.ParallelismConfigurationUpdate;
    desc.ParallelismConfigurationDescription = parallelism({
      ConfigurationType:
        u.ConfigurationTypeUpdate ?? desc.ParallelismConfigurationDescription?.ConfigurationType ?? 'DEFAULT',
      ...(u.ParallelismUpdate !== undefined ? { Parallelism: u.ParallelismUpdate } : {}),
      ...(u.ParallelismPerKPUUpdate !== undefined ? { ParallelismPerKPU: u.ParallelismPerKPUUpdate } : {}),
      ...(u.AutoScalingEnabledUpdate !== undefined ? { AutoScalingEnabled: u.AutoScalingEnabledUpdate } : {}),
    });
  }
  if (update.EnvironmentPropertyUpdates)
    out.EnvironmentPropertyDescriptions = {
      PropertyGroupDescriptions: structuredClone(update.EnvironmentPropertyUpdates.PropertyGroups),
    };
  if (update.ApplicationSnapshotConfigurationUpdate)
    out.ApplicationSnapshotConfigurationDescription = {
      SnapshotsEnabled: update.ApplicationSnapshotConfigurationUpdate.SnapshotsEnabledUpdate,
    };
  if (update.ApplicationSystemRollbackConfigurationUpdate)
    out.ApplicationSystemRollbackConfigurationDescription = {
      RollbackEnabled: update.ApplicationSystemRollbackConfigurationUpdate.RollbackEnabledUpdate,
    };
  const codeUpdate = update.ApplicationCodeConfigurationUpdate;
  if (codeUpdate) {
    const type =
      codeUpdate.CodeContentTypeUpdate ?? out.ApplicationCodeConfigurationDescription?.CodeContentType ?? 'PLAINTEXT';
    const c = codeUpdate.CodeContentUpdate;
    out.ApplicationCodeConfigurationDescription = code({
      CodeContentType: type,
      ...(c
        ? {
            CodeContent: {
              ...(c.TextContentUpdate !== undefined ? { TextContent: c.TextContentUpdate } : {}),
              ...(c.ZipFileContentUpdate !== undefined ? { ZipFileContent: c.ZipFileContentUpdate } : {}),
              ...(c.S3ContentLocationUpdate?.BucketARNUpdate && c.S3ContentLocationUpdate.FileKeyUpdate
                ? {
                    S3ContentLocation: {
                      BucketARN: c.S3ContentLocationUpdate.BucketARNUpdate,
                      FileKey: c.S3ContentLocationUpdate.FileKeyUpdate,
                      ...(c.S3ContentLocationUpdate.ObjectVersionUpdate !== undefined
                        ? { ObjectVersion: c.S3ContentLocationUpdate.ObjectVersionUpdate }
                        : {}),
                    },
                  }
                : {}),
            },
          }
        : {}),
    });
  }
  return out as OtherRuntimeConfiguration;
}

/** Whether snapshots are enabled in a Flink application's configuration. */
export function snapshotsEnabled(config: OtherRuntimeConfiguration | undefined): boolean {
  return (
    (config as ApplicationConfigurationDescription | undefined)?.ApplicationSnapshotConfigurationDescription
      ?.SnapshotsEnabled === true
  );
}
