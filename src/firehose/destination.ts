/**
 * The S3 destination's configuration: creation with AWS's defaults, the merge rules of UpdateDestination, and the
 * checks Firehose makes (CreateDeliveryStream and UpdateDestination API references; "Configure buffering hints"
 * and "Understand custom prefixes for Amazon S3 objects", Amazon Data Firehose Developer Guide).
 *
 * Rules:
 * 1. Defaults: BufferingHints 5 MiB / 300 s, CompressionFormat UNCOMPRESSED, EncryptionConfiguration
 *    NoEncryption, CloudWatchLoggingOptions disabled, S3BackupMode Disabled.
 * 2. The legacy S3DestinationConfiguration is an Extended S3 destination without the extended fields; Describe
 *    shows it in both S3DestinationDescription and ExtendedS3DestinationDescription.
 * 3. An update of the same destination type merges: members not given keep their values (BufferingHints member by
 *    member).
 * 4. Prefixes are validated together (src/firehose/prefix.ts); CustomTimeZone must be a known zone.
 * 5. Features of the Extended S3 configuration that later parts implement (processing, format conversion, dynamic
 *    partitioning) are refused when enabled rather than accepted and ignored.
 * 6. S3BackupMode Enabled ("source record backup") needs an S3BackupConfiguration, described as
 *    S3BackupDescription with the same defaults as rule 1; every object delivered is also written, with the same
 *    records, to the backup bucket under the backup's own prefix and compression (src/firehose/delivery.ts). An
 *    update may enable the backup (with S3BackupUpdate carrying RoleARN and BucketARN when there was none) but not
 *    disable it (ExtendedS3DestinationUpdate API reference: "If backup is enabled, you can't update the Firehose
 *    stream to disable it").
 */
import { firehoseError } from './errors.js';
import { isKnownTimeZone, keyLayout } from './prefix.js';
import type {
  CompressionFormat,
  ExtendedS3DestinationConfiguration,
  ExtendedS3DestinationDescription,
  ExtendedS3DestinationUpdate,
  S3DestinationConfiguration,
  S3DestinationDescription,
  S3DestinationUpdate,
} from './shapes/index.js';

export const DESTINATION_ID = 'destinationId-000000000001';
const DEFAULT_SIZE_MB = 5;
const DEFAULT_INTERVAL_S = 300;

/** Default object extension per compression format ("Amazon S3 object name format"). */
export function defaultExtension(format: CompressionFormat): string {
  switch (format) {
    case 'GZIP':
      return '.gz';
    case 'ZIP':
      return '.zip';
    case 'Snappy':
      return '.snappy';
    // HADOOP_SNAPPY: no extension is documented for it (docs/adr/0018-firehose-snappy-and-ingest.md).
    default:
      return '';
  }
}

type AnyS3Config = ExtendedS3DestinationConfiguration | S3DestinationConfiguration;

/** Rule 1: the description of a new destination. */
export function describeNewS3(config: AnyS3Config): ExtendedS3DestinationDescription {
  const ext = config as ExtendedS3DestinationConfiguration;
  const out: ExtendedS3DestinationDescription = {
    ...describeS3(config),
    ...(ext.ProcessingConfiguration !== undefined ? { ProcessingConfiguration: ext.ProcessingConfiguration } : {}),
    S3BackupMode: ext.S3BackupMode ?? 'Disabled',
    ...(ext.S3BackupConfiguration !== undefined ? { S3BackupDescription: describeS3(ext.S3BackupConfiguration) } : {}),
    ...(ext.DataFormatConversionConfiguration !== undefined
      ? { DataFormatConversionConfiguration: ext.DataFormatConversionConfiguration }
      : {}),
    ...(ext.DynamicPartitioningConfiguration !== undefined
      ? { DynamicPartitioningConfiguration: ext.DynamicPartitioningConfiguration }
      : {}),
    ...(ext.FileExtension !== undefined ? { FileExtension: ext.FileExtension } : {}),
    ...(ext.CustomTimeZone !== undefined ? { CustomTimeZone: ext.CustomTimeZone } : {}),
  };
  checkS3(out);
  return out;
}

/**
 * Rule 1's defaults for the members every S3 configuration has: the description of a plain S3 destination and of
 * a backup bucket (rule 6), and the first part of an extended one.
 */
function describeS3(config: S3DestinationConfiguration): S3DestinationDescription {
  return {
    RoleARN: config.RoleARN,
    BucketARN: config.BucketARN,
    ...(config.Prefix !== undefined ? { Prefix: config.Prefix } : {}),
    ...(config.ErrorOutputPrefix !== undefined ? { ErrorOutputPrefix: config.ErrorOutputPrefix } : {}),
    BufferingHints: {
      SizeInMBs: config.BufferingHints?.SizeInMBs ?? DEFAULT_SIZE_MB,
      IntervalInSeconds: config.BufferingHints?.IntervalInSeconds ?? DEFAULT_INTERVAL_S,
    },
    CompressionFormat: config.CompressionFormat ?? 'UNCOMPRESSED',
    EncryptionConfiguration: config.EncryptionConfiguration ?? { NoEncryptionConfig: 'NoEncryption' },
    CloudWatchLoggingOptions: config.CloudWatchLoggingOptions ?? { Enabled: false },
  };
}

/** Rules 3 and 6: the description after an update of the same type. */
export function mergeS3(
  current: ExtendedS3DestinationDescription,
  update: ExtendedS3DestinationUpdate | S3DestinationUpdate,
): ExtendedS3DestinationDescription {
  const merged: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(update)) {
    if (v === undefined || k === 'S3BackupUpdate') continue;
    merged[k] = k === 'BufferingHints' ? { ...current.BufferingHints, ...(v as object) } : v;
  }
  const backupUpdate = (update as ExtendedS3DestinationUpdate).S3BackupUpdate;
  if (current.S3BackupMode === 'Enabled' && merged.S3BackupMode === 'Disabled')
    // AWS's text, as UpdateDestination answered an attempt to turn a backup down (quoted from a CloudFormation
    // stack in awsdocs/amazon-kinesis-data-firehose-developer-guide issue 11).
    throw firehoseError('InvalidArgumentException', 'Disabling S3 backup is not currently supported.');
  if (backupUpdate) {
    const base = current.S3BackupDescription;
    if (base) {
      const next: Record<string, unknown> = { ...base };
      for (const [k, v] of Object.entries(backupUpdate)) {
        if (v === undefined) continue;
        next[k] = k === 'BufferingHints' ? { ...base.BufferingHints, ...(v as object) } : v;
      }
      merged.S3BackupDescription = next;
    } else {
      if (!backupUpdate.RoleARN || !backupUpdate.BucketARN)
        // TODO(#firehose-texts): AWS's wording.
        throw firehoseError('InvalidArgumentException', 'S3BackupUpdate must specify RoleARN and BucketARN.');
      merged.S3BackupDescription = describeS3({
        ...backupUpdate,
        RoleARN: backupUpdate.RoleARN,
        BucketARN: backupUpdate.BucketARN,
      });
    }
  }
  const out = merged as unknown as ExtendedS3DestinationDescription;
  checkS3(out);
  return out;
}

// TODO(#firehose-texts): AWS's wording of the refusals below is not known; they name the rule.
function checkS3(d: ExtendedS3DestinationDescription): void {
  keyLayout(d.Prefix, d.ErrorOutputPrefix);
  if (d.CustomTimeZone && !isKnownTimeZone(d.CustomTimeZone))
    throw firehoseError('InvalidArgumentException', `CustomTimeZone ${d.CustomTimeZone} is not a valid time zone.`);
  const unsupported: string[] = [];
  if (d.ProcessingConfiguration?.Enabled) unsupported.push('ProcessingConfiguration');
  if (d.DataFormatConversionConfiguration && d.DataFormatConversionConfiguration.Enabled !== false)
    unsupported.push('DataFormatConversionConfiguration');
  if (d.DynamicPartitioningConfiguration?.Enabled) unsupported.push('DynamicPartitioningConfiguration');
  if (d.S3BackupMode === 'Enabled' && !d.S3BackupDescription)
    throw firehoseError('InvalidArgumentException', 'S3BackupConfiguration is required when S3BackupMode is Enabled.');
  if (d.S3BackupDescription) keyLayout(d.S3BackupDescription.Prefix, d.S3BackupDescription.ErrorOutputPrefix);
  if (unsupported.length > 0)
    throw firehoseError('InvalidArgumentException', `${unsupported.join(', ')} is not supported by this server yet.`);
}

/** The bucket name of `arn:<partition>:s3:::<bucket>`. */
export function bucketOf(bucketArn: string): string {
  return bucketArn.slice(bucketArn.indexOf(':::') + 3);
}
