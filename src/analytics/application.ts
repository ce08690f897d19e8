/**
 * An application in domain form, one shape behind both APIs: v1 (`KinesisAnalytics_20150814`, SQL applications
 * only) and v2 (`KinesisAnalytics_20180523`, every runtime) read and change the same applications, as AWS's two
 * APIs do (Kinesis Data Analytics API Reference, "Kinesis Data Analytics API V2": an application created with one
 * API is visible to the other). describe.ts renders this state as either API's ApplicationDetail; the rules that
 * build and change it are here, so the v1 and v2 handlers of an operation share them (docs/adr/0021).
 *
 * Rules (Kinesis Data Analytics for SQL Developer Guide, "Configuring Application Input", "Configuring Application
 * Output", "Adding Reference Data"; the API reference of each operation):
 * 1. an SQL application has at most one streaming input, one reference data source and three outputs;
 * 2. an input reads exactly one Kinesis data stream or Firehose delivery stream, and is mapped to the in-app
 *    streams `<NamePrefix>_001 … _<InputParallelism.Count>` (count 1 by default);
 * 3. an output writes exactly one Kinesis data stream, Firehose delivery stream or Lambda function;
 * 4. ids of inputs, outputs, reference data sources and CloudWatch logging options are `<n>.1`, n counting the
 *    items of that kind ever added to the application, so a deleted id is never reused;
 * 5. every configuration change adds 1 to ApplicationVersionId.
 */
import { analyticsError } from './errors.js';
import type {
  ApplicationMode,
  ApplicationStatus,
  InputStartingPosition,
  OperationStatus,
  RecordFormatType,
  RuntimeEnvironment,
  SourceSchema,
} from './shapes/index.js';

/** The SQL runtime, the only one whose applications run here. */
export const SQL_RUNTIME: RuntimeEnvironment = 'SQL-1_0';

export interface InputState {
  /** `1.1`, … (rule 4). */
  readonly id: string;
  readonly namePrefix: string;
  readonly source: { readonly kind: 'kinesis' | 'firehose'; readonly arn: string; readonly roleArn?: string };
  /** InputParallelism.Count. */
  readonly parallelism: number;
  readonly schema: SourceSchema;
  readonly processing?: { readonly lambdaArn: string; readonly roleArn?: string };
  /** The starting position of the last StartApplication. */
  readonly startingPosition?: InputStartingPosition;
}

export interface OutputState {
  readonly id: string;
  /** The in-application stream the output reads (case-sensitive). */
  readonly name: string;
  readonly destination: {
    readonly kind: 'kinesis' | 'firehose' | 'lambda';
    readonly arn: string;
    readonly roleArn?: string;
  };
  readonly format: RecordFormatType;
}

export interface ReferenceState {
  readonly id: string;
  readonly tableName: string;
  readonly bucketArn: string;
  readonly fileKey: string;
  readonly roleArn?: string;
  readonly schema: SourceSchema;
}

export interface LoggingState {
  readonly id: string;
  readonly logStreamArn: string;
  readonly roleArn?: string;
}

/** One asynchronous operation of v2 (ListApplicationOperations). */
export interface OperationRecord {
  readonly id: string;
  readonly operation: string;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly status: OperationStatus;
  readonly fromVersion?: number;
  readonly toVersion?: number;
}

export interface SnapshotState {
  readonly name: string;
  readonly versionId: number;
  readonly createdAt: number;
}

export interface VpcState {
  readonly id: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/**
 * The configuration of a non-SQL application (Flink, Zeppelin), kept as v2 describes it: Tributary stores and
 * reports it but does not run such applications.
 */
export type OtherRuntimeConfiguration = Readonly<Record<string, unknown>>;

/** One application, persisted as JSON. */
export interface ApplicationState {
  /** Unique per incarnation (names checkpoints and workers). */
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly arn: string;
  readonly description?: string;
  readonly runtime: RuntimeEnvironment;
  readonly serviceExecutionRole?: string;
  readonly mode?: ApplicationMode;
  readonly status: ApplicationStatus;
  readonly versionId: number;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt?: number;
  /** A transitional status and what follows it, when (epoch ms). */
  readonly transition?: { readonly at: number; readonly to: ApplicationStatus | 'GONE'; readonly operationId?: string };
  /** The SQL code (SQL runtime). */
  readonly code?: string;
  /**
   * Set by each StartApplication: checkpoints of another run do not count for NOW and TRIM_HORIZON, while a
   * worker restarted within the same run (lease moved, server restarted while RUNNING) resumes from them.
   */
  readonly runId?: string;
  /** When the last StartApplication was accepted (epoch ms): NOW reads records that arrived from then on. */
  readonly runStartedAt?: number;
  readonly inputs: readonly InputState[];
  readonly outputs: readonly OutputState[];
  readonly references: readonly ReferenceState[];
  readonly logging: readonly LoggingState[];
  readonly tags: Readonly<Record<string, string>>;
  /** How many items of each kind were ever added (rule 4). */
  readonly counters: {
    readonly input: number;
    readonly output: number;
    readonly reference: number;
    readonly logging: number;
    readonly vpc: number;
  };
  readonly other?: OtherRuntimeConfiguration;
  readonly snapshots: readonly SnapshotState[];
  readonly vpcs: readonly VpcState[];
  /** Newest last; the last {@link MAX_OPERATIONS}. */
  readonly operations: readonly OperationRecord[];
  readonly maintenanceWindowStart?: string;
  /** Earlier versions of a Flink/Zeppelin application (ListApplicationVersions), oldest first, the last 50. */
  readonly history?: readonly VersionRecord[];
  /** Set when the current version came from RollbackApplication. */
  readonly rolledBack?: { readonly from: number; readonly to: number };
}

/** One earlier version of a Flink/Zeppelin application. */
export interface VersionRecord {
  readonly versionId: number;
  readonly status: ApplicationStatus;
  readonly runtime: RuntimeEnvironment;
  readonly other?: OtherRuntimeConfiguration;
  readonly createdAt: number;
}

/** A mutable copy of a state, what a mutator edits. */
export type Draft<T> =
  T extends ReadonlyArray<infer U> ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;
export type ApplicationDraft = Draft<ApplicationState>;

export const MAX_INPUTS = 1;
export const MAX_OUTPUTS = 3;
export const MAX_REFERENCES = 1;
export const MAX_TAGS = 50;
export const MAX_OPERATIONS = 50;

/** The in-application stream names of an input (rule 2). */
export function inAppStreamNames(input: Pick<InputState, 'namePrefix' | 'parallelism'>): string[] {
  const out: string[] = [];
  for (let i = 1; i <= input.parallelism; i++) out.push(`${input.namePrefix}_${String(i).padStart(3, '0')}`);
  return out;
}

export function isSql(app: Pick<ApplicationState, 'runtime'>): boolean {
  return app.runtime === SQL_RUNTIME;
}

/** The next id of a kind (rule 4); counts it. */
export function nextId(draft: ApplicationDraft, kind: keyof ApplicationState['counters']): string {
  draft.counters[kind] += 1;
  return `${draft.counters[kind]}.1`;
}

/** An input as either API gives it (v1 carries role ARNs, v2 uses the application's service execution role). */
export interface InputConfig {
  readonly NamePrefix: string;
  readonly KinesisStreamsInput?: { readonly ResourceARN: string; readonly RoleARN?: string };
  readonly KinesisFirehoseInput?: { readonly ResourceARN: string; readonly RoleARN?: string };
  readonly InputParallelism?: { readonly Count?: number };
  readonly InputSchema: SourceSchema;
  readonly InputProcessingConfiguration?: { readonly InputLambdaProcessor: LambdaProcessorConfig };
}

export interface LambdaProcessorConfig {
  readonly ResourceARN: string;
  readonly RoleARN?: string;
}

export interface OutputConfig {
  readonly Name: string;
  readonly KinesisStreamsOutput?: { readonly ResourceARN: string; readonly RoleARN?: string };
  readonly KinesisFirehoseOutput?: { readonly ResourceARN: string; readonly RoleARN?: string };
  readonly LambdaOutput?: { readonly ResourceARN: string; readonly RoleARN?: string };
  readonly DestinationSchema: { readonly RecordFormatType: RecordFormatType };
}

export interface ReferenceConfig {
  readonly TableName: string;
  readonly S3ReferenceDataSource?: {
    readonly BucketARN?: string;
    readonly FileKey?: string;
    readonly ReferenceRoleARN?: string;
  };
  readonly ReferenceSchema: SourceSchema;
}

function withRole<T extends object>(value: T, roleArn: string | undefined): T & { roleArn?: string } {
  return roleArn === undefined ? value : { ...value, roleArn };
}

/** Copies a schema into plain data (the decoded input is frozen by nobody, but is shared with the request). */
export function copySchema(schema: SourceSchema): SourceSchema {
  return structuredClone(schema) as SourceSchema;
}

/** Rule 2: exactly one source; the in-app stream name prefix and the count. */
export function newInput(draft: ApplicationDraft, config: InputConfig): InputState {
  const sources = [config.KinesisStreamsInput, config.KinesisFirehoseInput].filter((s) => s !== undefined);
  if (sources.length !== 1)
    throw analyticsError(
      'InvalidArgumentException',
      // TODO(#10): AWS's wording.
      'Exactly one of KinesisStreamsInput and KinesisFirehoseInput must be specified for an input.',
    );
  checkSchema(config.InputSchema, 'InputSchema');
  const source = config.KinesisStreamsInput
    ? withRole(
        { kind: 'kinesis' as const, arn: config.KinesisStreamsInput.ResourceARN },
        config.KinesisStreamsInput.RoleARN,
      )
    : withRole(
        { kind: 'firehose' as const, arn: config.KinesisFirehoseInput!.ResourceARN },
        config.KinesisFirehoseInput!.RoleARN,
      );
  const lambda = config.InputProcessingConfiguration?.InputLambdaProcessor;
  return {
    id: nextId(draft, 'input'),
    namePrefix: config.NamePrefix,
    source,
    parallelism: config.InputParallelism?.Count ?? 1,
    schema: copySchema(config.InputSchema),
    ...(lambda ? { processing: withRole({ lambdaArn: lambda.ResourceARN }, lambda.RoleARN) } : {}),
  };
}

/** Rule 3. */
export function newOutput(draft: ApplicationDraft, config: OutputConfig): OutputState {
  const given = [
    ['kinesis', config.KinesisStreamsOutput],
    ['firehose', config.KinesisFirehoseOutput],
    ['lambda', config.LambdaOutput],
  ] as const;
  const set = given.filter(([, d]) => d !== undefined);
  if (set.length !== 1)
    throw analyticsError(
      'InvalidArgumentException',
      // TODO(#10): AWS's wording.
      'Exactly one of KinesisStreamsOutput, KinesisFirehoseOutput and LambdaOutput must be specified for an output.',
    );
  const [kind, d] = set[0]!;
  return {
    id: nextId(draft, 'output'),
    name: config.Name,
    destination: withRole({ kind, arn: d!.ResourceARN }, d!.RoleARN),
    format: config.DestinationSchema.RecordFormatType,
  };
}

export function newReference(draft: ApplicationDraft, config: ReferenceConfig): ReferenceState {
  const s3 = config.S3ReferenceDataSource;
  if (!s3?.BucketARN || !s3.FileKey)
    throw analyticsError(
      'InvalidArgumentException',
      // TODO(#10): AWS's wording.
      'S3ReferenceDataSource with BucketARN and FileKey is required for a reference data source.',
    );
  checkSchema(config.ReferenceSchema, 'ReferenceSchema');
  return withRole(
    {
      id: nextId(draft, 'reference'),
      tableName: config.TableName,
      bucketArn: s3.BucketARN,
      fileKey: s3.FileKey,
      schema: copySchema(config.ReferenceSchema),
    },
    s3.ReferenceRoleARN,
  );
}

/**
 * A record format's mapping parameters match its type (SourceSchema, RecordFormat and MappingParameters API
 * references): JSON takes JSONMappingParameters, CSV takes CSVMappingParameters.
 */
export function checkSchema(schema: SourceSchema, member: string): void {
  const f = schema.RecordFormat;
  const p = f.MappingParameters;
  // TODO(#10): AWS's wording of both messages.
  if (f.RecordFormatType === 'JSON' && p?.CSVMappingParameters)
    throw analyticsError('InvalidArgumentException', `${member}: a JSON record format takes JSONMappingParameters.`);
  if (f.RecordFormatType === 'CSV' && p?.JSONMappingParameters)
    throw analyticsError('InvalidArgumentException', `${member}: a CSV record format takes CSVMappingParameters.`);
  const seen = new Set<string>();
  for (const c of schema.RecordColumns) {
    if (seen.has(c.Name))
      throw analyticsError('InvalidArgumentException', `${member}: column ${c.Name} is defined more than once.`);
    seen.add(c.Name);
  }
}

/** Rule 1. */
export function checkCounts(draft: ApplicationDraft): void {
  // TODO(#10): AWS's wording of these three messages.
  if (draft.inputs.length > MAX_INPUTS)
    throw analyticsError('InvalidArgumentException', `An application can have at most ${MAX_INPUTS} input.`);
  if (draft.outputs.length > MAX_OUTPUTS)
    throw analyticsError('LimitExceededException', `An application can have at most ${MAX_OUTPUTS} outputs.`);
  if (draft.references.length > MAX_REFERENCES)
    throw analyticsError(
      'InvalidArgumentException',
      `An application can have at most ${MAX_REFERENCES} reference data source.`,
    );
}

/** Tags given as a list; duplicates keep the last value. More than 50 → TooManyTagsException. */
export function mergeTags(
  current: Readonly<Record<string, string>>,
  tags: readonly { Key: string; Value?: string }[],
): Record<string, string> {
  const out: Record<string, string> = { ...current };
  for (const t of tags) out[t.Key] = t.Value ?? '';
  if (Object.keys(out).length > MAX_TAGS)
    // TODO(#10): AWS's wording.
    throw analyticsError('TooManyTagsException', `An application can have at most ${MAX_TAGS} tags.`);
  return out;
}

/** Records an operation (v2 OperationId) on the draft, bounded to the last {@link MAX_OPERATIONS}. */
export function recordOperation(draft: ApplicationDraft, record: OperationRecord): void {
  draft.operations.push({ ...record } as Draft<OperationRecord>);
  if (draft.operations.length > MAX_OPERATIONS) draft.operations.splice(0, draft.operations.length - MAX_OPERATIONS);
}
