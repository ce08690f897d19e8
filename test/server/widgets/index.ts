/**
 * "Widgets": a small fake service module, written only against the public service contract of
 * src/protocol. Mounting it needs no change anywhere else: the router, body caps, authorization, REST
 * streaming, workers and the error catalogue all come from what this module declares.
 */
import {
  defineErrors,
  op,
  ServiceError,
  type RequestContext,
  type RestRequest,
  type ServiceModel,
  type ServiceModule,
  type Worker,
} from '../../../src/protocol/index.js';

export const WidgetErrors = defineErrors({
  WidgetNotFoundException: { httpStatus: 400, retriable: false },
});

const model: ServiceModel = {
  metadata: {
    apiVersion: '2026-01-01',
    protocol: 'json',
    jsonVersion: '1.1',
    targetPrefix: 'Widgets_20260101',
    endpointPrefix: 'widgets',
    serviceId: 'Widgets',
  },
  operations: {
    GetWidget: { input: 'WidgetInput', output: 'WidgetOutput', errors: ['WidgetNotFoundException'] },
    PutBlob: { input: 'BlobInput', output: 'WidgetOutput', errors: [] },
  },
  shapes: {
    WidgetInput: { type: 'structure', required: ['Name'], members: { Name: { shape: 'Name' }, Pad: { shape: 'Pad' } } },
    BlobInput: { type: 'structure', required: ['Name'], members: { Name: { shape: 'Name' }, Data: { shape: 'Data' } } },
    WidgetOutput: { type: 'structure', members: { Name: { shape: 'Name' }, Bytes: { shape: 'Count' } } },
    Name: { type: 'string', min: 1, max: 64 },
    Pad: { type: 'string' },
    Data: { type: 'blob' },
    Count: { type: 'long' },
  },
};

interface WidgetInput {
  readonly Name: string;
}
interface BlobInput {
  readonly Name: string;
  readonly Data?: Uint8Array;
}

/** What the module's worker saw: how often it started and whether it was stopped. */
export interface WidgetWorkerLog {
  starts: number;
  stopped: boolean;
}

/** Builds the module; `log` records the worker's life. */
export function widgetsModule(log: WidgetWorkerLog = { starts: 0, stopped: false }): ServiceModule {
  const widgets = new Set(['a', 'b']);
  const worker: Worker = {
    name: 'widgets/polisher',
    async run(signal) {
      log.starts++;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      log.stopped = true;
    },
  };
  return {
    name: 'widgets',
    title: 'Widgets',
    definition: {
      name: 'widgets',
      targetPrefix: 'Widgets_20260101',
      model,
      errors: WidgetErrors,
      operations: {
        GetWidget: op(
          (input: WidgetInput) => {
            if (!widgets.has(input.Name)) {
              throw new ServiceError(WidgetErrors.WidgetNotFoundException, `Widget ${input.Name} not found.`);
            }
            return { Name: input.Name };
          },
          { resource: { kind: 'named', type: 'widget', member: 'Name' } },
        ),
        PutBlob: op((input: BlobInput) => ({ Name: input.Name, Bytes: input.Data?.length ?? 0 }), {
          resource: { kind: 'named', type: 'widget', member: 'Name' },
          largeBody: true,
        }),
      },
    },
    routes: [
      {
        method: 'PUT',
        path: '/upload',
        service: 'widgets',
        operation: 'Upload',
        traits: { streamingRequest: true, resource: { kind: 'named', type: 'widget', member: 'name' } },
        async handle(req: RestRequest, _ctx: RequestContext) {
          let bytes = 0;
          let chunks = 0;
          if (Buffer.isBuffer(req.body)) throw new Error('expected a streamed body');
          for await (const chunk of req.body) {
            bytes += chunk.length;
            chunks++;
          }
          async function* answer(): AsyncIterable<Uint8Array> {
            yield Buffer.from(`received ${bytes} bytes`);
            yield Buffer.from(` in ${chunks > 0 ? 'chunks' : 'nothing'}`);
          }
          return { status: 200, headers: { 'content-type': 'text/plain' }, body: answer() };
        },
      },
    ],
    workers: [worker],
    close: async () => {},
  };
}
