/** Configuration: defaults, flags, environment, precedence and validation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONFIG_OPTIONS,
  ConfigError,
  DEFAULT_CONFIG,
  loadConfig,
  parseDurability,
  resolveConfig,
} from '../../src/server/index.js';
import { toDurabilityPolicy } from '../../src/server/compose.js';
import { natsLocation } from '../../src/server/config.js';

describe('loadConfig', () => {
  it('returns the documented defaults without flags or environment', () => {
    const config = loadConfig([], {});
    assert.deepEqual(config, {
      host: '127.0.0.1',
      port: 4567,
      dataDir: './data',
      logLevel: 'info',
      logFormat: 'auto',
      region: 'us-east-1',
      accountId: '000000000000',
      createStreamMs: 500,
      deleteStreamMs: 500,
      updateStreamMs: 500,
      durability: 'always',
      storage: 'local',
      natsReplicas: 3,
      natsPrefix: 'TRIB',
      natsTlsCa: '',
      workerLeaseMs: 30_000,
      shardLimit: 1000,
      maxBodyBytes: 16 * 1024 * 1024,
      maxConnections: 10_000,
      maxOpenFiles: 512,
      authConfig: '',
      allowAnonymous: false,
      tls: 'off',
      tlsCert: '',
      tlsKey: '',
      audit: 'on',
      auditMaxBytes: 100 * 1024 * 1024,
      auditKeep: 5,
      metrics: 'on',
      enforceLimits: false,
      kmsKeyFile: '',
      firehoseCreateMs: 500,
      firehoseDeleteMs: 500,
      firehoseBufferCapBytes: 1024 * 1024 * 1024,
      firehoseSseMs: 500,
      firehoseSseCallsPerDay: 0,
      analyticsTransitionMs: 500,
      firehosePutLimits: '0,0,0',
      analyticsLambdaEndpoint: '',
      s3Endpoint: '',
      s3AccessKeyId: '',
      s3SecretAccessKey: '',
      videoCreateMs: 500,
      videoUpdateMs: 500,
      videoDeleteMs: 500,
      publicUrl: '',
    });
    assert.deepEqual(config, DEFAULT_CONFIG);
  });

  it('reads every flag', () => {
    const config = loadConfig(
      [
        '--host',
        '0.0.0.0',
        '--port',
        '4600',
        '--data-dir',
        '/tmp/x',
        '--log-level',
        'debug',
        '--log-format',
        'json',
        '--region',
        'eu-west-1',
        '--account-id',
        '123456789012',
        '--create-stream-ms',
        '0',
        '--delete-stream-ms',
        '1',
        '--update-stream-ms',
        '2',
        '--durability',
        'interval:50',
        '--storage',
        'tls://h1:4222,h2:4222',
        '--nats-replicas',
        '1',
        '--nats-prefix',
        'T2',
        '--nats-tls-ca',
        '/ca',
        '--worker-lease-ms',
        '5000',
        '--shard-limit',
        '20000',
        '--max-body-bytes',
        '2048',
        '--max-open-files',
        '64',
        '--max-connections',
        '10',
        '--auth-config',
        '/tmp/a.json',
        '--allow-anonymous',
        '--tls',
        'self-signed',
        '--tls-cert',
        'c.pem',
        '--tls-key',
        'k.pem',
        '--audit',
        'off',
        '--audit-max-bytes',
        '8192',
        '--audit-keep',
        '2',
        '--metrics',
        'off',
        '--enforce-limits',
        '--kms-key-file',
        '/tmp/k.json',
        '--firehose-create-ms',
        '3',
        '--firehose-delete-ms',
        '4',
        '--firehose-buffer-cap-bytes',
        '1000',
        '--firehose-sse-ms',
        '7',
        '--firehose-sse-calls-per-day',
        '25',
        '--analytics-transition-ms',
        '7',
        '--firehose-put-limits',
        '2000,500000,5242880',
        '--analytics-lambda-endpoint',
        'http://127.0.0.1:9001',
        '--s3-endpoint',
        'http://127.0.0.1:9000',
        '--s3-access-key-id',
        'AK',
        '--s3-secret-access-key',
        'SK',
        '--video-create-ms',
        '7',
        '--video-update-ms',
        '8',
        '--video-delete-ms',
        '9',
        '--public-url',
        'https://video.example:8443/',
      ],
      {},
    );
    assert.deepEqual(config, {
      host: '0.0.0.0',
      port: 4600,
      dataDir: '/tmp/x',
      logLevel: 'debug',
      logFormat: 'json',
      region: 'eu-west-1',
      accountId: '123456789012',
      createStreamMs: 0,
      deleteStreamMs: 1,
      updateStreamMs: 2,
      durability: 'interval:50',
      storage: 'tls://h1:4222,h2:4222',
      natsReplicas: 1,
      natsPrefix: 'T2',
      natsTlsCa: '/ca',
      workerLeaseMs: 5000,
      shardLimit: 20000,
      maxBodyBytes: 2048,
      maxConnections: 10,
      maxOpenFiles: 64,
      authConfig: '/tmp/a.json',
      allowAnonymous: true,
      tls: 'self-signed',
      tlsCert: 'c.pem',
      tlsKey: 'k.pem',
      audit: 'off',
      auditMaxBytes: 8192,
      auditKeep: 2,
      metrics: 'off',
      enforceLimits: true,
      kmsKeyFile: '/tmp/k.json',
      firehoseCreateMs: 3,
      firehoseDeleteMs: 4,
      firehoseBufferCapBytes: 1000,
      firehoseSseMs: 7,
      firehoseSseCallsPerDay: 25,
      analyticsTransitionMs: 7,
      firehosePutLimits: '2000,500000,5242880',
      analyticsLambdaEndpoint: 'http://127.0.0.1:9001',
      s3Endpoint: 'http://127.0.0.1:9000',
      s3AccessKeyId: 'AK',
      s3SecretAccessKey: 'SK',
      videoCreateMs: 7,
      videoUpdateMs: 8,
      videoDeleteMs: 9,
      publicUrl: 'https://video.example:8443',
    });
  });

  it('accepts --flag=value', () => {
    assert.equal(loadConfig(['--port=0'], {}).port, 0);
  });

  it('reads every TRIBUTARY_* variable', () => {
    const env: NodeJS.ProcessEnv = {
      TRIBUTARY_HOST: '::1',
      TRIBUTARY_PORT: '1234',
      TRIBUTARY_DATA_DIR: 'd',
      TRIBUTARY_LOG_LEVEL: 'warn',
      TRIBUTARY_LOG_FORMAT: 'pretty',
      TRIBUTARY_REGION: 'ap-southeast-2',
      TRIBUTARY_ACCOUNT_ID: '999999999999',
      TRIBUTARY_CREATE_STREAM_MS: '10',
      TRIBUTARY_DELETE_STREAM_MS: '11',
      TRIBUTARY_UPDATE_STREAM_MS: '12',
      TRIBUTARY_DURABILITY: 'none',
      TRIBUTARY_STORAGE: 'nats://u:p@10.0.0.1:4222,10.0.0.2:4222',
      TRIBUTARY_NATS_REPLICAS: '1',
      TRIBUTARY_NATS_PREFIX: 'PROD2',
      TRIBUTARY_NATS_TLS_CA: '/ca.pem',
      TRIBUTARY_WORKER_LEASE_MS: '7000',
      TRIBUTARY_SHARD_LIMIT: '5',
      TRIBUTARY_MAX_BODY_BYTES: '4096',
      TRIBUTARY_MAX_CONNECTIONS: '7',
      TRIBUTARY_MAX_OPEN_FILES: '32',
      TRIBUTARY_AUTH_CONFIG: '/a',
      TRIBUTARY_ALLOW_ANONYMOUS: 'true',
      TRIBUTARY_TLS: 'self-signed',
      TRIBUTARY_TLS_CERT: 'c',
      TRIBUTARY_TLS_KEY: 'k',
      TRIBUTARY_AUDIT: 'off',
      TRIBUTARY_AUDIT_MAX_BYTES: '8192',
      TRIBUTARY_AUDIT_KEEP: '3',
      TRIBUTARY_METRICS: 'off',
      TRIBUTARY_ENFORCE_LIMITS: 'true',
      TRIBUTARY_KMS_KEY_FILE: '/k',
      TRIBUTARY_FIREHOSE_CREATE_MS: '5',
      TRIBUTARY_FIREHOSE_DELETE_MS: '6',
      TRIBUTARY_FIREHOSE_BUFFER_CAP_BYTES: '2048',
      TRIBUTARY_FIREHOSE_SSE_MS: '8',
      TRIBUTARY_FIREHOSE_SSE_CALLS_PER_DAY: '26',
      TRIBUTARY_ANALYTICS_TRANSITION_MS: '8',
      TRIBUTARY_FIREHOSE_PUT_LIMITS: '1000,100000,1048576',
      TRIBUTARY_ANALYTICS_LAMBDA_ENDPOINT: 'http://127.0.0.1:9002',
      TRIBUTARY_S3_ENDPOINT: 'https://s3.example',
      TRIBUTARY_S3_ACCESS_KEY_ID: 'EK',
      TRIBUTARY_S3_SECRET_ACCESS_KEY: 'ES',
      TRIBUTARY_VIDEO_CREATE_MS: '13',
      TRIBUTARY_VIDEO_UPDATE_MS: '14',
      TRIBUTARY_VIDEO_DELETE_MS: '15',
      TRIBUTARY_PUBLIC_URL: 'http://10.0.0.1:4567',
    };
    assert.deepEqual(loadConfig([], env), {
      host: '::1',
      port: 1234,
      dataDir: 'd',
      logLevel: 'warn',
      logFormat: 'pretty',
      region: 'ap-southeast-2',
      accountId: '999999999999',
      createStreamMs: 10,
      deleteStreamMs: 11,
      updateStreamMs: 12,
      durability: 'none',
      storage: 'nats://u:p@10.0.0.1:4222,10.0.0.2:4222',
      natsReplicas: 1,
      natsPrefix: 'PROD2',
      natsTlsCa: '/ca.pem',
      workerLeaseMs: 7000,
      shardLimit: 5,
      maxBodyBytes: 4096,
      maxConnections: 7,
      maxOpenFiles: 32,
      authConfig: '/a',
      allowAnonymous: true,
      tls: 'self-signed',
      tlsCert: 'c',
      tlsKey: 'k',
      audit: 'off',
      auditMaxBytes: 8192,
      auditKeep: 3,
      metrics: 'off',
      enforceLimits: true,
      kmsKeyFile: '/k',
      firehoseCreateMs: 5,
      firehoseDeleteMs: 6,
      firehoseBufferCapBytes: 2048,
      firehoseSseMs: 8,
      firehoseSseCallsPerDay: 26,
      analyticsTransitionMs: 8,
      firehosePutLimits: '1000,100000,1048576',
      analyticsLambdaEndpoint: 'http://127.0.0.1:9002',
      s3Endpoint: 'https://s3.example',
      s3AccessKeyId: 'EK',
      s3SecretAccessKey: 'ES',
      videoCreateMs: 13,
      videoUpdateMs: 14,
      videoDeleteMs: 15,
      publicUrl: 'http://10.0.0.1:4567',
    });
    assert.equal(CONFIG_OPTIONS.length, Object.keys(env).length);
  });

  it('lets flags win over the environment, and the environment over defaults', () => {
    const config = loadConfig(['--port', '5000'], { TRIBUTARY_PORT: '6000', TRIBUTARY_REGION: 'us-west-2' });
    assert.equal(config.port, 5000);
    assert.equal(config.region, 'us-west-2');
    assert.equal(config.host, '127.0.0.1');
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig([], { TRIBUTARY_PORT: '' }).port, 4567);
  });

  const bad: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--port', '65536'], {}, /Invalid --port: expected an integer from 0 to 65535, got '65536'/],
    [['--port', '12a'], {}, /Invalid --port/],
    [['--storage', 'redis://h:1'], {}, /Invalid --storage: expected 'local' or nats:\/\/host:port/],
    [['--storage', 'nats://h:1,bad host'], {}, /Invalid --storage: expected host:port/],
    [['--nats-replicas', '2'], {}, /Invalid --nats-replicas: expected 1 or 3, got '2'/],
    [['--nats-prefix', 'a.b'], {}, /Invalid --nats-prefix/],
    [[], { TRIBUTARY_PORT: '-1' }, /Invalid TRIBUTARY_PORT/],
    [['--log-level', 'loud'], {}, /Invalid --log-level: expected one of trace, debug/],
    [['--log-format', 'xml'], {}, /Invalid --log-format: expected json or pretty or auto, got 'xml'/],
    [['--account-id', '12345'], {}, /Invalid --account-id: expected 12 digits/],
    [['--region', 'US East'], {}, /Invalid --region/],
    [['--durability', 'sometimes'], {}, /Invalid --durability: expected 'always', 'none' or 'interval:<ms>'/],
    [['--durability', 'interval:0'], {}, /Invalid --durability/],
    [['--create-stream-ms', '1.5'], {}, /Invalid --create-stream-ms/],
    [['--shard-limit', '0'], {}, /Invalid --shard-limit/],
    [['--max-body-bytes', '10'], {}, /Invalid --max-body-bytes/],
    [['--data-dir', ''], {}, /Invalid --data-dir: must not be empty/],
    [['--nope', '1'], {}, /Unknown option '--nope'/],
    [['extra'], {}, /Unexpected argument 'extra'/],
    [['--port'], {}, /--port/],
  ];
  for (const [argv, env, message] of bad) {
    it(`rejects ${JSON.stringify(argv)} ${JSON.stringify(env)} with a clear ConfigError`, () => {
      assert.throws(
        () => loadConfig(argv, env),
        (e: unknown) => e instanceof ConfigError && e.code === 'TRIB_ERR_CONFIG' && message.test(e.message),
      );
    });
  }
});

describe('resolveConfig', () => {
  it('merges a partial config over the defaults and validates it', () => {
    assert.equal(resolveConfig({ port: 0 }).port, 0);
    assert.equal(resolveConfig({}).region, 'us-east-1');
    assert.throws(() => resolveConfig({ accountId: 'abc' }), ConfigError);
  });
});

describe('--storage nats://', () => {
  it('lists every server with the scheme, and takes credentials once, before the first host', () => {
    assert.deepEqual(natsLocation('nats://h1:4222,h2:4222,10.0.0.3:4222'), {
      servers: ['nats://h1:4222', 'nats://h2:4222', 'nats://10.0.0.3:4222'],
      tls: false,
    });
    assert.deepEqual(natsLocation('tls://app:p%40ss@h1:4222'), {
      servers: ['tls://h1:4222'],
      tls: true,
      user: 'app',
      pass: 'p@ss',
    });
    assert.deepEqual(natsLocation('nats://s3cret@h1'), { servers: ['nats://h1'], tls: false, token: 's3cret' });
    assert.throws(() => natsLocation('nats://'), /expected 'local' or nats/);
  });
});

describe('durability', () => {
  it('parses the three forms into storage policies', () => {
    assert.deepEqual(toDurabilityPolicy(parseDurability('always')), { kind: 'always' });
    assert.deepEqual(toDurabilityPolicy(parseDurability('none')), { kind: 'none' });
    assert.deepEqual(toDurabilityPolicy(parseDurability('interval:250')), { kind: 'interval', intervalMs: 250 });
  });
});
