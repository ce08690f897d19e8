/**
 * Differential test against kinesalite, whose validation and error texts were reverse-engineered from live AWS:
 * every step of the case table (test/streams/parity/cases.ts) goes to a Tributary server and to a kinesalite
 * process started with the same delays, and the answers must agree on status, `__type`, message and body. Cases
 * where AWS changed after kinesalite are marked with a row of AWS_DIFFERENCES (src/streams/aws-differences.ts);
 * for those the test checks that the answers still differ, so a stale mark fails too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { kinesisCall, type RawResponse } from '../helpers/raw.js';
import { freePort } from '../helpers/net.js';
import { AWS_DIFFERENCES } from '../../src/streams/aws-differences.js';
import { WORLDS, type RequestStep, type Step, type World } from './parity/cases.js';

/** Members whose values differ by nature (time, randomness, encryption): both sides must have them, or neither. */
const VOLATILE = new Set([
  'SequenceNumber',
  'ShardIterator',
  'NextShardIterator',
  'StartingSequenceNumber',
  'EndingSequenceNumber',
  'ApproximateArrivalTimestamp',
  'StreamCreationTimestamp',
  'MillisBehindLatest',
]);

/** Members Tributary answers and kinesalite does not know (AWS_DIFFERENCES 'new-response-fields'). */
const NEW_FIELDS = new Set([
  'StreamModeDetails',
  'StreamSummaries',
  'EncryptionType',
  'KeyId',
  'ConsumerCount',
  'MaxRecordSizeInKiB',
  'StreamId',
  'WarmThroughput',
  'NextToken',
  'RecordDistributionStrategy',
  'ChannelCount',
]);

/** Differences between two JSON values (ours, theirs), as paths; NEW_FIELDS only ours may have. */
function compareBodies(ours: unknown, theirs: unknown, path: string, out: string[], newFields: string[]): void {
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    if (ours.length !== theirs.length) out.push(`${path}: ${ours.length} items vs ${theirs.length}`);
    else for (const [i, v] of ours.entries()) compareBodies(v, theirs[i], `${path}[${i}]`, out, newFields);
    return;
  }
  if (ours && theirs && typeof ours === 'object' && typeof theirs === 'object') {
    const a = ours as Record<string, unknown>;
    const b = theirs as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const p = `${path}.${key}`;
      if (!(key in b) && NEW_FIELDS.has(key)) newFields.push(p);
      else if (!(key in a) || !(key in b)) out.push(`${p}: only ${key in a ? 'ours' : 'kinesalite'}`);
      else if (!VOLATILE.has(key)) compareBodies(a[key], b[key], p, out, newFields);
    }
    return;
  }
  if (JSON.stringify(ours) !== JSON.stringify(theirs))
    out.push(`${path}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`);
}

/** How two answers differ (empty when they agree); `newFields` collects members only the current model has. */
function diff(ours: RawResponse, theirs: RawResponse, newFields: string[], timeInMessage = false): string[] {
  const out: string[] = [];
  if (ours.status !== theirs.status) out.push(`status ${ours.status} vs ${theirs.status}`);
  if (ours.status !== 200 || theirs.status !== 200) {
    if (ours.body?.__type !== theirs.body?.__type) out.push(`__type ${ours.body?.__type} vs ${theirs.body?.__type}`);
    const m = (r: RawResponse) => {
      const text = r.body?.message ?? r.body?.Message;
      return timeInMessage && typeof text === 'string' ? text.replace(/\d+/g, '#') : text;
    };
    if (m(ours) !== m(theirs)) out.push(`message ${JSON.stringify(m(ours))} vs ${JSON.stringify(m(theirs))}`);
    return out;
  }
  // Success: an operation without output answers an empty body on both sides; others compare member by member.
  if ((ours.text === '') !== (theirs.text === ''))
    out.push(`body ${JSON.stringify(ours.text)} vs ${JSON.stringify(theirs.text)}`);
  else if (ours.text !== '') compareBodies(ours.body, theirs.body, '$', out, newFields);
  return out;
}

/** One side of a world: where it listens and the answers it saved. */
interface Side {
  readonly url: string;
  readonly saved: Map<string, Record<string, unknown>>;
}

function resolve(value: unknown, side: Side): unknown {
  if (typeof value === 'string' && value.startsWith('$')) {
    const [name, member] = value.slice(1).split('.');
    const found = side.saved.get(name!)?.[member!];
    if (typeof found !== 'string') throw new Error(`placeholder ${value} has no value`);
    return found;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, side));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, side)]));
  }
  return value;
}

async function waitForStatus(side: Side, stream: string, status: string): Promise<void> {
  for (let i = 0; ; i++) {
    const r = await kinesisCall(side.url, 'DescribeStreamSummary', { StreamName: stream });
    if (r.body?.StreamDescriptionSummary?.StreamStatus === status) return;
    if (i > 200) throw new Error(`${side.url}: ${stream} never reached ${status}: ${r.text}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function startKinesalite(world: World): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const cli = createRequire(import.meta.url).resolve('kinesalite/cli.js');
  const args = [cli, '--port', String(port), '--shardLimit', '50'];
  args.push('--createStreamMs', String(world.createStreamMs), '--deleteStreamMs', String(world.deleteStreamMs));
  args.push('--updateStreamMs', String(world.updateStreamMs));
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await kinesisCall(url, 'ListStreams', {});
      return { url, process: child };
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const isRequest = (step: Step): step is RequestStep => 'op' in step;

describe('parity with kinesalite (AWS texts reverse-engineered from live AWS)', () => {
  it('every intended difference names a row of AWS_DIFFERENCES, and every row is exercised', () => {
    const ids = new Set(AWS_DIFFERENCES.map((d) => d.id));
    const used = new Set(WORLDS.flatMap((w) => w.steps.filter(isRequest).flatMap((s) => s.intended ?? [])));
    for (const id of used) assert.ok(ids.has(id), `unknown difference ${id}`);
    const unused = [...ids].filter((id) => !used.has(id) && id !== 'new-response-fields');
    assert.deepEqual(unused, [], 'rows no case exercises');
  });

  const newFields: string[] = [];
  for (const world of WORLDS) {
    describe(`world "${world.name}" (create ${world.createStreamMs} ms, update ${world.updateStreamMs} ms, delete ${world.deleteStreamMs} ms)`, () => {
      let t: TestServer;
      let kinesalite: { url: string; process: ChildProcess };
      before(async () => {
        t = await startTestServer({
          audit: 'off',
          shardLimit: 50,
          createStreamMs: world.createStreamMs,
          updateStreamMs: world.updateStreamMs,
          deleteStreamMs: world.deleteStreamMs,
        });
        kinesalite = await startKinesalite(world);
      });
      after(async () => {
        kinesalite.process.kill();
        await t.close();
      });

      it('answers every step as kinesalite does, except the intended differences', async () => {
        const ours: Side = { url: t.server.url, saved: new Map() };
        const theirs: Side = { url: kinesalite.url, saved: new Map() };
        const differences: string[] = [];
        const staleMarks: string[] = [];
        for (const step of world.steps) {
          if (!isRequest(step)) {
            await waitForStatus(ours, step.waitFor.stream, step.waitFor.status);
            await waitForStatus(theirs, step.waitFor.stream, step.waitFor.status);
            continue;
          }
          const a = await kinesisCall(ours.url, step.op, resolve(step.body, ours));
          const b = await kinesisCall(theirs.url, step.op, resolve(step.body, theirs));
          if (step.save) {
            ours.saved.set(step.save, a.body ?? {});
            theirs.saved.set(step.save, b.body ?? {});
          }
          const found = diff(a, b, newFields, step.timeInMessage);
          const label = `${step.op} ${JSON.stringify(step.body)}`;
          if (step.intended) {
            if (found.length === 0) staleMarks.push(`${label}: marked ${step.intended}, but the answers agree`);
          } else if (found.length > 0) {
            differences.push(
              `${label}\n  ${found.join('\n  ')}\n  ours:       ${a.status} ${a.text.slice(0, 300)}\n  kinesalite: ${b.status} ${b.text.slice(0, 300)}`,
            );
          }
        }
        assert.deepEqual(differences, []);
        assert.deepEqual(staleMarks, []);
      });
    });
  }
});
