/**
 * The Kinesis Video service in-process, on the real local backend with a manual clock (nothing sleeps through a
 * delay): CREATING / UPDATING / DELETING end exactly when their timers fall due, also after a restart, and a media
 * plane mounted through `planes` gets the streams API, serves its routes, sees a stream go at the end of DELETING
 * and is closed with the service.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type RequestContext, type RestRoute, silentLogger } from '../../src/protocol/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import {
  type StreamState,
  type VideoPlaneFactory,
  type VideoService,
  type VideoStreamsApi,
  createVideoService,
} from '../../src/video/index.js';
import { ManualTimerClock } from '../helpers/timers.js';

const ACCOUNT = '123456789012';
const SCOPE = { accountId: ACCOUNT, region: 'us-east-1' };

let dir: string;
let backend: StorageBackend;
let clock: ManualTimerClock;
let svc: VideoService;

async function open(planes: readonly VideoPlaneFactory[] = []): Promise<VideoService> {
  return createVideoService(backend, {
    ...SCOPE,
    logger: silentLogger,
    clock,
    createMs: 5_000,
    updateMs: 2_000,
    deleteMs: 3_000,
    planes,
  });
}

function ctx(): RequestContext {
  return { requestId: 'r', ...SCOPE, receivedAt: clock.t, signal: new AbortController().signal };
}

/** Calls an operation through its REST route (JSON in, JSON out); rejects with the ServiceError. */
async function call(service: VideoService, operation: string, input: object): Promise<any> {
  const route = service.routes.find((r: RestRoute) => r.operation === operation);
  assert.ok(route, operation);
  const out = await route.handle(
    {
      method: 'POST',
      path: route.path,
      query: new URLSearchParams(),
      headers: {},
      body: Buffer.from(JSON.stringify(input)),
    },
    ctx(),
  );
  return JSON.parse(String(out.body));
}

/** Resolves once the catalogue reports a change of stream `name` to `to` (undefined: gone). */
function changed(name: string, to: string | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = svc.api.onChange((next, previous) => {
      if ((next ?? previous)?.name === name && next?.status === to) {
        stop();
        resolve();
      }
    });
  });
}

async function status(name: string): Promise<string> {
  return (await call(svc, 'DescribeStream', { StreamName: name })).StreamInfo.Status;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-video-svc-'));
  backend = await openLocalBackend(join(dir, 'storage'));
  clock = new ManualTimerClock();
  svc = await open();
});
afterEach(async () => {
  await svc.close();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

describe('status transitions', () => {
  it('ends CREATING, UPDATING and DELETING exactly when their delays have passed', async () => {
    const { StreamARN } = await call(svc, 'CreateStream', { StreamName: 'cam' });
    assert.equal(await status('cam'), 'CREATING');
    await clock.advance(4_999);
    assert.equal(await status('cam'), 'CREATING');
    let active = changed('cam', 'ACTIVE');
    await clock.advance(1);
    await active;
    assert.equal(await status('cam'), 'ACTIVE');

    const { StreamInfo } = await call(svc, 'DescribeStream', { StreamARN });
    await call(svc, 'UpdateStream', { StreamARN, CurrentVersion: StreamInfo.Version, MediaType: 'video/h264' });
    assert.equal(await status('cam'), 'UPDATING');
    active = changed('cam', 'ACTIVE');
    await clock.advance(2_000);
    await active;
    assert.equal(await status('cam'), 'ACTIVE');

    await call(svc, 'DeleteStream', { StreamARN });
    assert.equal(await status('cam'), 'DELETING');
    await clock.advance(2_999);
    assert.equal(await status('cam'), 'DELETING');
    const gone = changed('cam', undefined);
    await clock.advance(1);
    await gone;
    await assert.rejects(status('cam'), { code: 'ResourceNotFoundException' });
  });

  it('resumes a pending transition after a restart', async () => {
    await call(svc, 'CreateStream', { StreamName: 'durable' });
    await svc.close();
    svc = await open();
    assert.equal(await status('durable'), 'CREATING');
    const active = changed('durable', 'ACTIVE');
    await clock.advance(5_000);
    await active;
    assert.equal(await status('durable'), 'ACTIVE');
  });
});

describe('media planes', () => {
  it('mounts a plane with the streams API, its routes and its close', async () => {
    const seen: Array<[string | undefined, string | undefined]> = [];
    let api: VideoStreamsApi | undefined;
    let closed = false;
    const plane: VideoPlaneFactory = async (planeCtx) => {
      api = planeCtx.streams;
      api.onChange((next, previous) => seen.push([next?.status, (next ?? previous)?.name]));
      return {
        routes: [
          {
            method: 'POST',
            path: '/putMedia',
            service: 'kinesisvideo',
            operation: 'PutMedia',
            traits: { streamingRequest: true },
            async handle(req) {
              const stream: StreamState = planeCtx.streams.require(
                { StreamName: req.headers['x-amzn-stream-name'] },
                SCOPE,
              );
              return { status: 200, headers: {}, body: Buffer.from(stream.id) };
            },
          },
        ],
        async close() {
          closed = true;
        },
      };
    };
    await svc.close();
    svc = await open([plane]);
    assert.ok(svc.routes.some((r) => r.path === '/putMedia'));
    assert.ok(svc.routes.some((r) => r.path === '/createStream'));

    const { StreamARN } = await call(svc, 'CreateStream', { StreamName: 'door', DataRetentionInHours: 2 });
    const stream = api!.get(StreamARN, SCOPE);
    assert.equal(stream?.name, 'door');
    assert.equal(api!.get('door', SCOPE)?.id, stream?.id);
    assert.equal(api!.byId(stream!.id)?.dataRetentionInHours, 2);
    assert.equal(api!.get('door', { ...SCOPE, region: 'eu-west-1' }), undefined);
    const put = svc.routes.find((r) => r.path === '/putMedia')!;
    const out = await put.handle(
      {
        method: 'POST',
        path: '/putMedia',
        query: new URLSearchParams(),
        headers: { 'x-amzn-stream-name': 'door' },
        body: Buffer.alloc(0),
      },
      ctx(),
    );
    assert.equal(String(out.body), stream!.id);

    await call(svc, 'DeleteStream', { StreamARN });
    const gone = changed('door', undefined);
    await clock.advance(3_000);
    await gone;
    assert.deepEqual(seen, [
      ['CREATING', 'door'],
      ['DELETING', 'door'],
      [undefined, 'door'],
    ]);
    assert.throws(() => api!.require({ StreamARN }, SCOPE), { code: 'ResourceNotFoundException' });
    await svc.close();
    assert.equal(closed, true);
    svc = await open();
  });
});
