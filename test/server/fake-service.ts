/** A small fake JSON 1.1 service for server tests: no storage, predictable handlers. */
import {
  defineErrors,
  op,
  ServiceError,
  type RequestContext,
  type ServiceModel,
  type ServiceModule,
} from '../../src/protocol/index.js';

export const FakeErrors = defineErrors({
  ResourceNotFoundException: { httpStatus: 400, retriable: false },
});

export const fakeModel: ServiceModel = {
  metadata: {
    apiVersion: '2013-12-02',
    protocol: 'json',
    jsonVersion: '1.1',
    targetPrefix: 'Kinesis_20131202',
    endpointPrefix: 'kinesis',
    serviceId: 'Kinesis',
  },
  operations: {
    Echo: { input: 'EchoInput', output: 'EchoInput', errors: [] },
    Whoami: { errors: [] },
    Fail: { errors: [] },
    Reject: { errors: ['ResourceNotFoundException'] },
    Events: { errors: [] },
    ModelOnly: { errors: [] },
    ListStreams: { output: 'ListStreamsOutput', errors: [] },
  },
  shapes: {
    EchoInput: {
      type: 'structure',
      members: { Name: { shape: 'Name' }, Count: { shape: 'Count' }, Data: { shape: 'Data' } },
    },
    Name: { type: 'string', min: 1, max: 10 },
    Count: { type: 'integer' },
    Data: { type: 'blob' },
    ListStreamsOutput: {
      type: 'structure',
      members: { StreamNames: { shape: 'Names' }, HasMoreStreams: { shape: 'Bool' } },
    },
    Names: { type: 'list', member: { shape: 'Name' } },
    Bool: { type: 'boolean' },
  },
};

// The server tests predate per-operation body caps: every fake operation may use the whole cap.
const WHOLE_CAP = { largeBody: true } as const;

/** Builds the fake service; `events` are the chunks the Events operation streams. */
export function fakeService(events: string[] = ['one', 'two']): ServiceModule {
  return {
    name: 'kinesis',
    title: 'Fake Kinesis',
    definition: {
      name: 'kinesis',
      targetPrefix: 'Kinesis_20131202',
      model: fakeModel,
      errors: FakeErrors,
      operations: {
        Echo: op((input: Record<string, unknown>) => input, WHOLE_CAP),
        ListStreams: op(() => ({ StreamNames: ['fake'], HasMoreStreams: false }), WHOLE_CAP),
        Whoami: op(
          (_input: object, ctx: RequestContext) => ({
            region: ctx.region,
            accountId: ctx.accountId,
            requestId: ctx.requestId,
          }),
          WHOLE_CAP,
        ),
        Fail: op(() => {
          throw new Error('boom: internal detail');
        }, WHOLE_CAP),
        Reject: op(() => {
          throw new ServiceError(
            FakeErrors.ResourceNotFoundException,
            'Stream s under account 000000000000 not found.',
          );
        }, WHOLE_CAP),
        Events: op(
          async function* () {
            for (const e of events) yield Buffer.from(e);
          },
          { ...WHOLE_CAP, streamingResponse: true },
        ),
      },
    },
    close: async () => {},
  };
}

/** A second service, to show target-prefix routing. */
export function otherService(): ServiceModule {
  return {
    name: 'firehose',
    title: 'Fake Firehose',
    definition: {
      name: 'firehose',
      targetPrefix: 'Firehose_20150804',
      model: { ...fakeModel, operations: { Ping: { errors: [] } } },
      errors: {},
      operations: { Ping: op(() => ({ pong: true }), WHOLE_CAP) },
    },
    close: async () => {},
  };
}

/** Headers of a well-formed signed JSON 1.1 request for `operation`. */
export function signedHeaders(operation: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Content-Type': 'application/x-amz-json-1.1',
    'X-Amz-Target': `Kinesis_20131202.${operation}`,
    Authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef',
    'X-Amz-Date': '20261125T120000Z',
    ...extra,
  };
}
