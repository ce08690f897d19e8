/** Logging: pino behind the Logger interface; a debug line per request, nothing per request at info. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, isPrettyFormat, startServer, type LogLevel } from '../../src/server/index.js';
import { fakeService, signedHeaders } from './fake-service.js';

async function run(level: LogLevel, operations: string[]): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  const server = await startServer({ port: 0, durability: 'none' }, { modules: [fakeService()], logger });
  try {
    for (const op of operations) await server.inject({ headers: signedHeaders(op), body: '{}' });
  } finally {
    await server.close();
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('logging', () => {
  it('writes one debug line per request with operation, status, error type and duration', async () => {
    const lines = await run('debug', ['Echo', 'Reject']);
    const requests = lines.filter((l) => l['msg'] === 'request');
    assert.equal(requests.length, 2);
    assert.equal(requests[0]!['level'], 20);
    assert.equal(requests[0]!['operation'], 'Echo');
    assert.equal(requests[0]!['status'], 200);
    assert.equal(requests[0]!['errorType'], undefined);
    assert.equal(typeof requests[0]!['durationMs'], 'number');
    assert.equal(requests[1]!['operation'], 'Reject');
    assert.equal(requests[1]!['status'], 400);
    assert.equal(requests[1]!['errorType'], 'ResourceNotFoundException');
  });

  it('writes a start-up line at info with URL, data dir and durability, and nothing per request', async () => {
    const lines = await run('info', ['Echo', 'Echo']);
    assert.equal(lines.filter((l) => l['msg'] === 'request').length, 0);
    const start = lines.find((l) => typeof l['url'] === 'string' && String(l['msg']).startsWith('Tributary listening'));
    assert.ok(start);
    assert.equal(start['level'], 30);
    assert.match(String(start['url']), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(start['dataDir'], './data');
    assert.equal(start['durability'], 'none');
  });

  it('logs a failing handler at error level with the cause', async () => {
    const lines = await run('info', ['Fail']);
    const failure = lines.find((l) => l['level'] === 50);
    assert.ok(failure);
    assert.equal(failure['operation'], 'Fail');
    assert.match(JSON.stringify(failure['err']), /boom: internal detail/);
  });

  it('writes human-readable lines with --log-format pretty, JSON lines with json, and picks by terminal with auto', () => {
    const pretty: string[] = [];
    createLogger({ format: 'pretty', destination: { write: (l: string) => void pretty.push(l) } }).info(
      { stream: 'orders' },
      'hello there',
    );
    assert.equal(pretty.length, 1);
    assert.match(pretty[0]!, /INFO.*hello there/);
    assert.match(pretty[0]!, /stream: "orders"/);
    assert.throws(() => JSON.parse(pretty[0]!));

    const json: string[] = [];
    createLogger({ format: 'json', destination: { write: (l: string) => void json.push(l) } }).info({}, 'hello');
    assert.equal((JSON.parse(json[0]!) as { msg: string }).msg, 'hello');

    assert.equal(isPrettyFormat('auto', true), true);
    assert.equal(isPrettyFormat('auto', false), false);
    assert.equal(isPrettyFormat('json', true), false);
    assert.equal(isPrettyFormat('pretty', false), true);
  });
});
