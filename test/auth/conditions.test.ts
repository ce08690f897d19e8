/**
 * IAM Condition blocks (src/auth/conditions.ts) and resource-based policies in the guard (src/auth/guard.ts):
 * every operator family, set prefixes, IfExists, Null, missing keys, load-time refusals, and the same-account /
 * cross-account combination of identity and resource policies.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  authorizationTable,
  compileConditions,
  conditionsHold,
  createAuthGuard,
  parseCredentials,
  parsePolicy,
  PolicyError,
  type ConditionContext,
} from '../../src/auth/index.js';
import type { ResourceFacts } from '../../src/protocol/index.js';

/** A context from `{ key: value }` (keys lower-cased as the guard stores them). */
function ctx(entries: Record<string, string | string[]>): ConditionContext {
  return new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Whether a one-block condition holds for the context. */
function holds(block: Record<string, Record<string, unknown>>, context: Record<string, string | string[]>): boolean {
  return conditionsHold(compileConditions(block, 'Condition'), ctx(context));
}

describe('condition operators', () => {
  it('strings: exact, negated, ignore-case, wildcards; several values OR, several keys AND', () => {
    const c = { 'aws:username': 'alice' };
    assert.equal(holds({ StringEquals: { 'aws:username': 'alice' } }, c), true);
    assert.equal(holds({ StringEquals: { 'aws:username': 'Alice' } }, c), false);
    assert.equal(holds({ StringEquals: { 'aws:username': ['bob', 'alice'] } }, c), true);
    assert.equal(holds({ StringNotEquals: { 'aws:username': ['bob', 'carol'] } }, c), true);
    assert.equal(holds({ StringNotEquals: { 'aws:username': ['bob', 'alice'] } }, c), false);
    assert.equal(holds({ StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } }, c), true);
    assert.equal(holds({ StringNotEqualsIgnoreCase: { 'aws:username': 'ALICE' } }, c), false);
    assert.equal(holds({ StringLike: { 'aws:username': 'a?i*' } }, c), true);
    assert.equal(holds({ StringLike: { 'aws:username': 'A*' } }, c), false);
    assert.equal(holds({ StringNotLike: { 'aws:username': 'b*' } }, c), true);
    // Keys are case-insensitive.
    assert.equal(holds({ StringEquals: { 'AWS:UserName': 'alice' } }, c), true);
    // Two keys in a block: both must hold.
    const two = { StringEquals: { 'aws:username': 'alice', 'aws:PrincipalAccount': '111111111111' } };
    assert.equal(holds(two, { ...c, 'aws:principalaccount': '111111111111' }), true);
    assert.equal(holds(two, { ...c, 'aws:principalaccount': '222222222222' }), false);
    // Two operators: both must hold.
    const ops = { StringEquals: { 'aws:username': 'alice' }, Bool: { 'aws:SecureTransport': 'true' } };
    assert.equal(holds(ops, { ...c, 'aws:securetransport': 'true' }), true);
    assert.equal(holds(ops, { ...c, 'aws:securetransport': 'false' }), false);
  });

  it('missing keys: false, except negated operators, IfExists and Null', () => {
    const none = {};
    assert.equal(holds({ StringEquals: { 'aws:username': 'alice' } }, none), false);
    assert.equal(holds({ StringNotEquals: { 'aws:username': 'alice' } }, none), true);
    assert.equal(holds({ StringNotLike: { 'aws:username': 'a*' } }, none), true);
    assert.equal(holds({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, none), true);
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, none), false);
    assert.equal(holds({ StringEqualsIfExists: { 'aws:username': 'alice' } }, none), true);
    assert.equal(holds({ StringEqualsIfExists: { 'aws:username': 'alice' } }, { 'aws:username': 'bob' }), false);
    assert.equal(holds({ StringEqualsIfExists: { 'aws:username': 'alice' } }, { 'aws:username': 'alice' }), true);
    assert.equal(holds({ Null: { 'aws:username': 'true' } }, none), true);
    assert.equal(holds({ Null: { 'aws:username': 'false' } }, none), false);
    assert.equal(holds({ Null: { 'aws:username': 'true' } }, { 'aws:username': 'alice' }), false);
    assert.equal(holds({ Null: { 'aws:username': false } }, { 'aws:username': 'alice' }), true);
  });

  it('set operators: ForAllValues (true on an empty or missing set), ForAnyValue (false on one)', () => {
    const keys = (...k: string[]) => ({ 'aws:tagkeys': k });
    const all = { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } };
    assert.equal(holds(all, keys('team')), true);
    assert.equal(holds(all, keys('team', 'env')), true);
    assert.equal(holds(all, keys('team', 'cost')), false);
    assert.equal(holds(all, keys()), true);
    assert.equal(holds(all, {}), true);
    const any = { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'env'] } };
    assert.equal(holds(any, keys('cost', 'env')), true);
    assert.equal(holds(any, keys('cost')), false);
    assert.equal(holds(any, keys()), false);
    assert.equal(holds(any, {}), false);
    assert.equal(holds({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'team' } }, {}), true);
    // Negated with a set prefix: per context value.
    const allNot = { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': 'secret' } };
    assert.equal(holds(allNot, keys('team', 'env')), true);
    assert.equal(holds(allNot, keys('team', 'secret')), false);
    const anyNot = { 'ForAnyValue:StringNotLike': { 'aws:TagKeys': 'sys-*' } };
    assert.equal(holds(anyNot, keys('sys-a', 'team')), true);
    assert.equal(holds(anyNot, keys('sys-a')), false);
    // A single-valued operator on a multivalued key: positive = any value matches, negated = none does.
    assert.equal(holds({ StringEquals: { 'aws:TagKeys': 'env' } }, keys('team', 'env')), true);
    assert.equal(holds({ StringNotEquals: { 'aws:TagKeys': 'env' } }, keys('team', 'env')), false);
  });

  it('numbers', () => {
    const c = { 'aws:epochtime': '1000' };
    assert.equal(holds({ NumericEquals: { 'aws:EpochTime': 1000 } }, c), true);
    assert.equal(holds({ NumericNotEquals: { 'aws:EpochTime': '1000' } }, c), false);
    assert.equal(holds({ NumericLessThan: { 'aws:EpochTime': '1001' } }, c), true);
    assert.equal(holds({ NumericLessThan: { 'aws:EpochTime': '1000' } }, c), false);
    assert.equal(holds({ NumericLessThanEquals: { 'aws:EpochTime': '1000' } }, c), true);
    assert.equal(holds({ NumericGreaterThan: { 'aws:EpochTime': '999.5' } }, c), true);
    assert.equal(holds({ NumericGreaterThanEquals: { 'aws:EpochTime': '1000.1' } }, c), false);
    assert.equal(holds({ NumericEquals: { 'aws:EpochTime': '1000' } }, { 'aws:epochtime': 'soon' }), false);
  });

  it('dates in ISO 8601 and epoch-seconds forms, on either side', () => {
    const iso = { 'aws:currenttime': '2026-03-01T12:00:00.000Z' };
    const epoch = { 'aws:epochtime': String(Date.parse('2026-03-01T12:00:00Z') / 1000) };
    assert.equal(holds({ DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, iso), true);
    assert.equal(holds({ DateLessThan: { 'aws:CurrentTime': '2026-01-01' } }, iso), false);
    assert.equal(holds({ DateLessThan: { 'aws:CurrentTime': 1798761600 } }, iso), true); // 2027-01-01 in seconds
    assert.equal(holds({ DateEquals: { 'aws:CurrentTime': '2026-03-01T12:00:00Z' } }, iso), true);
    assert.equal(holds({ DateNotEquals: { 'aws:CurrentTime': '2026-03-01T12:00:00Z' } }, iso), false);
    assert.equal(holds({ DateGreaterThanEquals: { 'aws:EpochTime': '2026-03-01T12:00:00Z' } }, epoch), true);
    assert.equal(holds({ DateLessThanEquals: { 'aws:EpochTime': '2026-03-01T11:59:59Z' } }, epoch), false);
  });

  it('Bool', () => {
    assert.equal(holds({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:securetransport': 'true' }), true);
    assert.equal(holds({ Bool: { 'aws:SecureTransport': false } }, { 'aws:securetransport': 'true' }), false);
    assert.equal(holds({ Bool: { 'aws:SecureTransport': 'FALSE' } }, { 'aws:securetransport': 'false' }), true);
    assert.equal(holds({ BoolIfExists: { 'aws:SecureTransport': 'false' } }, {}), true);
  });

  it('IP addresses: IPv4 and IPv6 CIDR blocks, bare addresses, IPv4-mapped IPv6', () => {
    const v4 = { 'aws:sourceip': '203.0.113.7' };
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, v4), true);
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': '203.0.114.0/24' } }, v4), false);
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '203.0.113.7'] } }, v4), true);
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, v4), true);
    assert.equal(holds({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, v4), false);
    assert.equal(
      holds({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:sourceip': '::ffff:203.0.113.9' }),
      true,
    );
    const v6 = { 'aws:sourceip': '2001:db8:1::5' };
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, v6), true);
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': '2001:db9::/32' } }, v6), false);
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, v6), false);
    assert.equal(holds({ NotIpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:sourceip': '::1' }), true);
  });

  it('ARNs: per component with wildcards, case-sensitive', () => {
    const c = { 'aws:principalarn': 'arn:aws:iam::111111111111:role/app/reader' };
    assert.equal(holds({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/app/*' } }, c), true);
    assert.equal(holds({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/app/reader' } }, c), true);
    assert.equal(holds({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/App/*' } }, c), false);
    assert.equal(holds({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:sts::*:*' } }, c), false);
    assert.equal(holds({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::222222222222:*' } }, c), true);
    assert.equal(
      holds({ ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/app/reader' } }, c),
      false,
    );
  });

  it('refuses unknown operators, keys and malformed values at load, naming them', () => {
    const refuse = (block: unknown, pattern: RegExp) =>
      assert.throws(
        () => compileConditions(block, 'Condition'),
        (e: Error) => e instanceof PolicyError && pattern.test(e.message),
      );
    refuse({ StringMatches: { 'aws:username': 'a' } }, /condition operator 'StringMatches' is not supported/);
    refuse({ StringEquals: { 'kinesis:StreamName': 'a' } }, /condition key 'kinesis:StreamName' is not supported/);
    refuse({ StringEquals: { 'aws:userid': 'a' } }, /Condition\.StringEquals\.aws:userid: condition key 'aws:userid'/);
    refuse({ StringEquals: { 'aws:RequestTag/': 'a' } }, /condition key 'aws:RequestTag\/' is not supported/);
    refuse({ NumericLessThan: { 'aws:EpochTime': 'ten' } }, /'ten' is not a number/);
    refuse({ DateLessThan: { 'aws:CurrentTime': 'tomorrow' } }, /'tomorrow' is not a date/);
    refuse({ IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } }, /is not an IPv4 or IPv6 address or CIDR block/);
    refuse({ IpAddress: { 'aws:SourceIp': 'example.com' } }, /is not an IPv4 or IPv6 address/);
    refuse({ Bool: { 'aws:SecureTransport': 'yes' } }, /'yes' is not 'true' or 'false'/);
    refuse({ NullIfExists: { 'aws:username': 'true' } }, /Null takes neither IfExists nor a set prefix/);
    refuse({ StringEquals: { 'aws:username': [] } }, /must hold at least one value/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
    refuse({ StringEquals: { 'aws:username': '${aws:userid}' } }, /policy variables are not supported/);
    // Tag keys of any name are known keys.
    assert.equal(compileConditions({ StringEquals: { 'aws:ResourceTag/team': 'a' } }, 'c').length, 1);
    // The credentials file refuses them too, naming the principal and policy.
    assert.throws(
      () =>
        parseCredentials({
          principals: [
            {
              name: 'a',
              accountId: '111111111111',
              accessKeys: [{ accessKeyId: 'AKIACONDITION001', secretAccessKey: 'secret-1' }],
              policies: [
                {
                  Statement: [
                    { Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:Nope': 'x' } } },
                  ],
                },
              ],
            },
          ],
        }),
      /principals\[0\]\.policies\[0\]\.Statement\[0\]\.Condition\.StringEquals\.aws:Nope: condition key 'aws:Nope'/,
    );
  });
});

describe('resource-based policies', () => {
  it('require a Principal in the AWS forms and refuse others', () => {
    const doc = (Principal: unknown) => ({
      Statement: [{ Effect: 'Allow', Principal, Action: 'kinesis:*', Resource: '*' }],
    });
    const principals = (p: unknown) => parsePolicy(doc(p), 'p', 'resource').statements[0]!.principals;
    assert.deepEqual(principals('*'), ['*']);
    assert.deepEqual(principals({ AWS: '222222222222' }), ['arn:aws:iam::222222222222:root']);
    assert.deepEqual(principals({ AWS: ['arn:aws:iam::222222222222:user/bob', '*'] }), [
      'arn:aws:iam::222222222222:user/bob',
      '*',
    ]);
    assert.throws(
      () => parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, 'p', 'resource'),
      /needs 'Principal'/,
    );
    assert.throws(() => principals({ Service: 'lambda.amazonaws.com' }), /principal type 'Service' is not supported/);
    assert.throws(() => principals({ AWS: 'bob' }), /'bob' is not a principal/);
    assert.throws(
      () =>
        parsePolicy(
          { Statement: [{ Effect: 'Allow', NotPrincipal: '*', Action: '*', Resource: '*' }] },
          'p',
          'resource',
        ),
      /'NotPrincipal' is not supported/,
    );
  });
});

describe('guard: identity and resource policies together', () => {
  const A = '111111111111';
  const B = '222222222222';
  const STREAM_A = `arn:aws:kinesis:us-east-1:${A}:stream/shared`;
  const key = (id: string) => ({ accessKeyId: id, secretAccessKey: 'secret-123' });
  const store = parseCredentials({
    principals: [
      { name: 'owner', accountId: A, accessKeys: [key('AKIAOWNER0000001')], policies: [] },
      {
        name: 'partner',
        accountId: B,
        accessKeys: [key('AKIAPARTNER00001')],
        policies: [{ Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: '*' }] }],
      },
      { name: 'nobody', accountId: B, accessKeys: [key('AKIANOBODY000001')], policies: [] },
      {
        name: 'tagged',
        accountId: A,
        accessKeys: [key('AKIATAGGED000001')],
        policies: [
          {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'kinesis:*',
                Resource: '*',
                Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } },
              },
            ],
          },
        ],
      },
    ],
  });
  const principal = (id: string) => store.lookup(id)!.principal;
  const facts = new Map<string, ResourceFacts>();
  const table = authorizationTable(
    'kinesis',
    { PutRecord: { traits: { resource: { kind: 'stream' } } } },
    undefined,
    (arn) => facts.get(arn),
  );
  const guard = createAuthGuard({ credentials: () => store, tables: { kinesis: table } });
  const put = (id: string) =>
    guard.authorize({
      identity: { mode: 'enforce', principal: principal(id) },
      service: 'kinesis',
      operation: 'PutRecord',
      input: { StreamARN: STREAM_A },
      region: 'us-east-1',
      accountId: principal(id).accountId,
    });
  const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
  const denied = (because: RegExp) => (e: Error & { code?: string }) =>
    e.code === 'AccessDeniedException' && because.test(e.message);

  it('same account: the resource policy alone can allow (union)', async () => {
    facts.delete(STREAM_A);
    await assert.rejects(put('AKIAOWNER0000001'), denied(/because no identity-based policy allows/));
    facts.set(STREAM_A, {
      policy: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:user/owner` },
        Action: 'kinesis:Put*',
        Resource: STREAM_A,
      }),
    });
    await put('AKIAOWNER0000001');
  });

  it('cross account: needs the resource policy and the identity policy', async () => {
    facts.delete(STREAM_A);
    await assert.rejects(
      put('AKIAPARTNER00001'),
      denied(/on resource: .*stream\/shared because no resource-based policy allows the kinesis:PutRecord action/),
    );
    facts.set(STREAM_A, {
      policy: policy({ Effect: 'Allow', Principal: { AWS: B }, Action: 'kinesis:PutRecord', Resource: STREAM_A }),
    });
    await put('AKIAPARTNER00001');
    // Granted to account B, but this principal of B has no identity policy.
    await assert.rejects(put('AKIANOBODY000001'), denied(/because no identity-based policy allows/));
    // A statement naming another principal does not apply.
    facts.set(STREAM_A, {
      policy: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${B}:user/someone-else` },
        Action: 'kinesis:PutRecord',
        Resource: STREAM_A,
      }),
    });
    await assert.rejects(put('AKIAPARTNER00001'), denied(/no resource-based policy allows/));
  });

  it('an explicit Deny in the resource policy wins', async () => {
    facts.set(STREAM_A, {
      policy: policy(
        { Effect: 'Allow', Principal: '*', Action: 'kinesis:*', Resource: STREAM_A },
        { Effect: 'Deny', Principal: { AWS: B }, Action: 'kinesis:PutRecord', Resource: STREAM_A },
      ),
    });
    await assert.rejects(put('AKIAPARTNER00001'), denied(/with an explicit deny in a resource-based policy/));
    await put('AKIAOWNER0000001');
  });

  it('aws:ResourceTag conditions see the resource tags', async () => {
    facts.set(STREAM_A, { tags: { team: 'red' } });
    await assert.rejects(put('AKIATAGGED000001'), denied(/no identity-based policy allows/));
    facts.set(STREAM_A, { tags: { Team: 'blue' } });
    await put('AKIATAGGED000001');
  });
});
