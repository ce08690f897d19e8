/** IAM-style policy parsing, wildcard matching and evaluation; the resource table; start-up modes. */
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createAuthGuard,
  CredentialsError,
  decideSecurityMode,
  evaluatePolicies,
  InsecureConfigError,
  isLoopback,
  authorizationTable,
  parseCredentials,
  parsePolicy,
  PolicyError,
  resolveAuthorization,
  wildcardMatch,
  type ServiceAuthorization,
} from '../../src/auth/index.js';
import { ManualClock, openInProcessService, type InProcessService } from '../helpers/service.js';

const STREAM = 'arn:aws:kinesis:us-east-1:111111111111:stream/orders';

// The Kinesis authorization table comes from the traits the Data Streams operations declare.
let KINESIS_AUTHORIZATION: ServiceAuthorization;
let dir: string;
let service: InProcessService;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-auth-table-'));
  service = await openInProcessService(dir, new ManualClock());
  const definition = service.svc.definition;
  KINESIS_AUTHORIZATION = authorizationTable('kinesis', definition.operations, (operation, input) =>
    definition.resourceArns?.(operation, input),
  );
});
after(async () => {
  await service.close();
  await rm(dir, { recursive: true, force: true });
});

describe('policies', () => {
  const readOnly = parsePolicy({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['kinesis:Get*', 'kinesis:Describe*', 'kinesis:List*'],
        Resource: 'arn:aws:kinesis:*:111111111111:stream/*',
      },
      { Effect: 'Deny', Action: 'kinesis:*', Resource: 'arn:aws:kinesis:*:*:stream/secret*' },
    ],
  });

  it('allows what a statement grants, with wildcards', () => {
    assert.equal(evaluatePolicies([readOnly], 'kinesis:GetRecords', [STREAM]), 'allow');
    assert.equal(
      evaluatePolicies([readOnly], 'KINESIS:describestream', [STREAM]),
      'allow',
      'actions are case-insensitive',
    );
  });

  it('denies by default', () => {
    assert.equal(evaluatePolicies([readOnly], 'kinesis:PutRecord', [STREAM]), 'implicit-deny');
    assert.equal(
      evaluatePolicies([readOnly], 'kinesis:GetRecords', ['arn:aws:kinesis:us-east-1:999999999999:stream/orders']),
      'implicit-deny',
    );
    assert.equal(evaluatePolicies([], 'kinesis:ListStreams', ['*']), 'implicit-deny');
  });

  it('an explicit Deny wins over any Allow', () => {
    const all = parsePolicy({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } });
    assert.equal(
      evaluatePolicies([all, readOnly], 'kinesis:GetRecords', [
        'arn:aws:kinesis:us-east-1:111111111111:stream/secret-1',
      ]),
      'explicit-deny',
    );
    assert.equal(evaluatePolicies([all, readOnly], 'kinesis:PutRecord', [STREAM]), 'allow');
  });

  it('NotAction and NotResource invert the match', () => {
    const p = parsePolicy({
      Statement: [
        { Effect: 'Allow', NotAction: 'kinesis:Delete*', Resource: '*' },
        { Effect: 'Deny', Action: '*', NotResource: 'arn:aws:kinesis:*:*:stream/*' },
      ],
    });
    assert.equal(evaluatePolicies([p], 'kinesis:PutRecord', [STREAM]), 'allow');
    assert.equal(evaluatePolicies([p], 'kinesis:DeleteStream', [STREAM]), 'implicit-deny');
    assert.equal(evaluatePolicies([p], 'kinesis:ListStreams', ['*']), 'explicit-deny');
  });

  it('refuses what it cannot enforce, naming the element', () => {
    assert.throws(
      () =>
        parsePolicy({
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:Foo': 'x' } } }],
        }),
      (e: Error) => {
        assert.ok(e instanceof PolicyError);
        assert.match(
          e.message,
          /policy\.Statement\[0\]\.Condition\.StringEquals\.aws:Foo: condition key 'aws:Foo' is not supported/,
        );
        return true;
      },
    );
    assert.throws(
      () => parsePolicy({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }),
      /'Principal' is not supported in an identity-based policy/,
    );
    assert.throws(() => parsePolicy({ Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] }), /Effect/);
    assert.throws(
      () => parsePolicy({ Statement: [{ Effect: 'Allow', Action: 'PutRecord', Resource: '*' }] }),
      /not an action/,
    );
    assert.throws(
      () =>
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
        parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:kinesis:*:${aws:username}' }] }),
      /policy variables/,
    );
    assert.throws(
      () => parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*' }] }),
      /exactly one of 'Resource' and 'NotResource'/,
    );
  });

  it('wildcardMatch agrees with an equivalent regular expression', () => {
    const alphabet = fc.constantFrom('a', 'b', ':', '/', '*', '?');
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 8 }),
        fc.string({ unit: fc.constantFrom('a', 'b', ':', '/'), maxLength: 10 }),
        (pattern, text) => {
          const re = new RegExp(
            `^${pattern
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '.*')
              .replace(/\?/g, '.')}$`,
            's',
          );
          return wildcardMatch(pattern, text) === re.test(text);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('Kinesis resource table', () => {
  const scope = { region: 'eu-west-1', accountId: '111111111111' };
  it('stream operations: StreamARN, else built from StreamName', () => {
    assert.deepEqual(resolveAuthorization(KINESIS_AUTHORIZATION, 'PutRecord', { StreamName: 'orders' }, scope), {
      action: 'kinesis:PutRecord',
      resources: ['arn:aws:kinesis:eu-west-1:111111111111:stream/orders'],
    });
    assert.deepEqual(
      resolveAuthorization(KINESIS_AUTHORIZATION, 'DescribeStreamSummary', { StreamARN: STREAM }, scope).resources,
      [STREAM],
    );
  });
  it('consumer, ResourceARN and account-level operations', () => {
    const consumer = `${STREAM}/consumer/app:1764000000`;
    assert.deepEqual(
      resolveAuthorization(KINESIS_AUTHORIZATION, 'SubscribeToShard', { ConsumerARN: consumer }, scope).resources,
      [consumer],
    );
    assert.deepEqual(
      resolveAuthorization(
        KINESIS_AUTHORIZATION,
        'DescribeStreamConsumer',
        { StreamARN: STREAM, ConsumerName: 'app' },
        scope,
      ).resources,
      [`${STREAM}/consumer/app:*`],
    );
    assert.deepEqual(
      resolveAuthorization(KINESIS_AUTHORIZATION, 'TagResource', { ResourceARN: STREAM }, scope).resources,
      [STREAM],
    );
    assert.deepEqual(resolveAuthorization(KINESIS_AUTHORIZATION, 'ListStreams', {}, scope).resources, ['*']);
    assert.deepEqual(
      resolveAuthorization(KINESIS_AUTHORIZATION, 'GetRecords', { ShardIterator: 'x' }, scope).resources,
      ['arn:aws:kinesis:eu-west-1:111111111111:stream/*'],
    );
    assert.equal(
      resolveAuthorization(KINESIS_AUTHORIZATION, 'ListStreams', {}, { region: 'cn-north-1', accountId: '1' }).action,
      'kinesis:ListStreams',
    );
  });
});

describe('guard and start-up modes', () => {
  it('AccessDeniedException names user, action and resource', async () => {
    const store = parseCredentials({
      principals: [
        {
          name: 'bob',
          accountId: '111111111111',
          accessKeys: [{ accessKeyId: 'AKIABOB000000001', secretAccessKey: 'bob-secret' }],
          policies: [],
        },
      ],
    });
    const guard = createAuthGuard({ credentials: () => store, tables: { kinesis: KINESIS_AUTHORIZATION } });
    const principal = store.lookup('AKIABOB000000001')!.principal;
    await assert.rejects(
      () =>
        guard.authorize({
          identity: { mode: 'enforce', principal },
          service: 'kinesis',
          operation: 'PutRecord',
          input: { StreamName: 'orders' },
          region: 'us-east-1',
          accountId: '111111111111',
        }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'AccessDeniedException');
        assert.equal(
          e.message,
          'User: arn:aws:iam::111111111111:user/bob is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:111111111111:stream/orders because no identity-based policy allows the kinesis:PutRecord action',
        );
        return true;
      },
    );
  });

  it('loopback without credentials is open; other addresses need credentials or --allow-anonymous', () => {
    assert.equal(
      decideSecurityMode({ host: '127.0.0.1', credentialsConfigured: false, allowAnonymous: false }),
      'open',
    );
    assert.equal(decideSecurityMode({ host: '::1', credentialsConfigured: false, allowAnonymous: false }), 'open');
    assert.throws(
      () => decideSecurityMode({ host: '0.0.0.0', credentialsConfigured: false, allowAnonymous: false }),
      InsecureConfigError,
    );
    assert.equal(decideSecurityMode({ host: '0.0.0.0', credentialsConfigured: false, allowAnonymous: true }), 'open');
    assert.equal(
      decideSecurityMode({ host: '0.0.0.0', credentialsConfigured: true, allowAnonymous: false }),
      'enforce',
    );
    assert.deepEqual(['localhost', '127.1.2.3', '::ffff:127.0.0.1', '10.0.0.1', '0.0.0.0', '::'].map(isLoopback), [
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('credentials file errors name the element', () => {
    assert.throws(() => parseCredentials('{'), CredentialsError);
    assert.throws(
      () => parseCredentials({ principals: [{ name: 'a', accountId: '1', accessKeys: [] }] }),
      /principals\[0\]\.accountId must be 12 digits/,
    );
    const key = { accessKeyId: 'AKIADUPLICATE001', secretAccessKey: 'secret-1' };
    assert.throws(
      () =>
        parseCredentials({
          principals: [
            { name: 'a', accountId: '111111111111', accessKeys: [key] },
            { name: 'b', accountId: '111111111111', accessKeys: [key] },
          ],
        }),
      /used twice/,
    );
    assert.throws(
      () =>
        parseCredentials({
          principals: [{ name: 'a', accountId: '111111111111', accessKeys: [key], policies: [{ Statement: [] }] }],
        }),
      /principals\[0\]\.policies\[0\]\.Statement: must hold at least one statement/,
    );
  });
});
