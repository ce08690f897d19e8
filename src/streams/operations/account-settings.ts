/**
 * DescribeAccountSettings / UpdateAccountSettings: the minimum throughput billing commitment, as state.
 * AWS rule (model docs): a commitment lasts at least 24 hours; disabling earlier schedules the end at the
 * earliest allowed time (status ENABLED_UNTIL_EARLIEST_ALLOWED_END); enabling again cancels that.
 */
import type { RequestContext } from '../../protocol/index.js';
import type { MetaStore } from '../../storage/index.js';
import type {
  DescribeAccountSettingsOutput,
  MinimumThroughputBillingCommitmentOutput,
  MinimumThroughputBillingCommitmentOutputStatus,
  UpdateAccountSettingsInput,
  UpdateAccountSettingsOutput,
} from '../shapes/index.js';

const MIN_COMMITMENT_MS = 24 * 3_600_000;

interface Commitment {
  status: MinimumThroughputBillingCommitmentOutputStatus;
  startedAt?: number;
  endedAt?: number;
  earliestAllowedEndAt?: number;
}

function key(ctx: RequestContext): string {
  return `accounts/${ctx.accountId}/${ctx.region}/commitment`;
}

function view(c: Commitment, now: number): MinimumThroughputBillingCommitmentOutput {
  let status = c.status;
  if (
    status === 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' &&
    c.earliestAllowedEndAt !== undefined &&
    now >= c.earliestAllowedEndAt
  ) {
    status = 'DISABLED';
  }
  return {
    Status: status,
    ...(c.startedAt !== undefined ? { StartedAt: new Date(c.startedAt) } : {}),
    ...(status === 'DISABLED' && c.endedAt !== undefined ? { EndedAt: new Date(c.endedAt) } : {}),
    ...(status !== 'DISABLED' && c.earliestAllowedEndAt !== undefined
      ? { EarliestAllowedEndAt: new Date(c.earliestAllowedEndAt) }
      : {}),
  };
}

export async function describeAccountSettings(
  meta: MetaStore,
  ctx: RequestContext,
  now: number,
): Promise<DescribeAccountSettingsOutput> {
  const c = (await meta.get<Commitment>(key(ctx))) ?? { status: 'DISABLED' };
  return { MinimumThroughputBillingCommitment: view(c, now) };
}

export async function updateAccountSettings(
  meta: MetaStore,
  input: UpdateAccountSettingsInput,
  ctx: RequestContext,
  now: number,
): Promise<UpdateAccountSettingsOutput> {
  const current = (await meta.get<Commitment>(key(ctx))) ?? { status: 'DISABLED' };
  let next: Commitment;
  const active = view(current, now).Status !== 'DISABLED';
  if (input.MinimumThroughputBillingCommitment.Status === 'ENABLED') {
    next = active
      ? { status: 'ENABLED', startedAt: current.startedAt!, earliestAllowedEndAt: current.earliestAllowedEndAt! }
      : { status: 'ENABLED', startedAt: now, earliestAllowedEndAt: now + MIN_COMMITMENT_MS };
  } else if (!active) {
    next =
      current.status === 'DISABLED'
        ? current
        : { ...current, status: 'DISABLED', endedAt: current.earliestAllowedEndAt! };
  } else if (now >= current.earliestAllowedEndAt!) {
    next = { ...current, status: 'DISABLED', endedAt: now };
  } else {
    next = { ...current, status: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END', endedAt: current.earliestAllowedEndAt! };
  }
  await meta.put(key(ctx), next);
  return { MinimumThroughputBillingCommitment: view(next, now) };
}
