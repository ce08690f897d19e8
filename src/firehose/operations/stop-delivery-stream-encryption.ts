import type { RequestContext } from '../../protocol/index.js';
import type { DeliveryStreamState, EncryptionState } from '../catalog.js';
import { firehoseError } from '../errors.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { StopDeliveryStreamEncryptionInput, StopDeliveryStreamEncryptionOutput } from '../shapes/index.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * The stream SSE calls act on (StartDeliveryStreamEncryption and StopDeliveryStreamEncryption API references):
 * 1. SSE is for DirectPut streams only ("You can enable SSE for a delivery stream only if it's a delivery stream
 *    that uses DirectPut as its source"): InvalidArgumentException otherwise.
 * 2. The delivery stream must be ACTIVE, and its encryption not in transition (ENABLING / DISABLING):
 *    ResourceInUseException otherwise.
 * 3. Start and Stop share a limit of 25 calls per delivery stream per 24 hours (LimitExceededException); the
 *    limit is a server setting, off by default.
 */
export function sseTarget(rt: FirehoseRuntime, name: string, ctx: RequestContext): DeliveryStreamState {
  const state = rt.catalog.require(ctx.accountId, ctx.region, name);
  // TODO(#firehose-texts): AWS's wording of the refusals below.
  if (state.type !== 'DirectPut')
    throw firehoseError(
      'InvalidArgumentException',
      'Server-side encryption can be enabled only for DirectPut delivery streams.',
    );
  if (state.status !== 'ACTIVE')
    throw firehoseError(
      'ResourceInUseException',
      `Firehose ${state.name} under account ${state.accountId} is not ACTIVE, instead in state ${state.status}.`,
    );
  const sse = state.encryption.status;
  if (sse === 'ENABLING' || sse === 'DISABLING')
    throw firehoseError(
      'ResourceInUseException',
      `Firehose ${state.name} under account ${state.accountId} has server-side encryption in state ${sse}.`,
    );
  if (rt.settings.sseCallsPerDay > 0 && recentCalls(state.encryption, rt.now()).length >= rt.settings.sseCallsPerDay)
    throw firehoseError(
      'LimitExceededException',
      `StartDeliveryStreamEncryption and StopDeliveryStreamEncryption are limited to ${rt.settings.sseCallsPerDay} calls per delivery stream per 24 hours.`,
    );
  return state;
}

/** Rule 3: the calls of the last 24 hours, plus this one. */
export function recentCalls(e: EncryptionState, now: number): number[] {
  return (e.calls ?? []).filter((t) => t > now - DAY_MS);
}

/** True when records put now are reported `Encrypted` (ENABLED, and DISABLING until it ends). */
export function encryptsRecords(state: DeliveryStreamState): boolean {
  return state.encryption.status === 'ENABLED' || state.encryption.status === 'DISABLING';
}

/**
 * StopDeliveryStreamEncryption (StopDeliveryStreamEncryption API reference): asynchronous, the status goes to
 * DISABLING, then to DISABLED after the server's SSE delay (`--firehose-sse-ms`). On a stream whose encryption is
 * already DISABLED it changes nothing.
 */
export async function stopDeliveryStreamEncryption(
  rt: FirehoseRuntime,
  input: StopDeliveryStreamEncryptionInput,
  ctx: RequestContext,
): Promise<StopDeliveryStreamEncryptionOutput> {
  const state = sseTarget(rt, input.DeliveryStreamName, ctx);
  const now = rt.now();
  const delay = rt.settings.sseMs;
  const next = await rt.catalog.update(state.id, (d) => {
    if (d.encryption.status === 'DISABLED') return false;
    const calls = [...recentCalls(d.encryption, now), now];
    d.encryption =
      delay > 0
        ? {
            status: 'DISABLING',
            ...(d.encryption.keyType !== undefined ? { keyType: d.encryption.keyType } : {}),
            ...(d.encryption.keyArn !== undefined ? { keyArn: d.encryption.keyArn } : {}),
            transitionAt: now + delay,
            calls,
          }
        : { status: 'DISABLED', calls };
  });
  if (next.encryption.status === 'DISABLING') await rt.scheduleEncryption(next);
  return {};
}
