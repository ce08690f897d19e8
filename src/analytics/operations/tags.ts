/**
 * TagResource, UntagResource and ListTagsForResource, both versions (the same three operations in both models;
 * "Using Tagging" in the developer guide): tags of an application named by its ARN; at most 50 tags
 * (TooManyTagsException); keys starting with `aws:` are reserved (InvalidArgumentException).
 */
import type { RequestContext } from '../../protocol/index.js';
import type { ApplicationState } from '../application.js';
import { mergeTags } from '../application.js';
import { analyticsError, resourceNotFound } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  TagResourceRequest,
  TagResourceResponse,
  UntagResourceRequest,
  UntagResourceResponse,
} from '../shapes/index.js';

function resolve(rt: AnalyticsRuntime, arn: string, ctx: RequestContext): ApplicationState {
  const app = rt.catalog.getByArn(arn);
  if (!app || app.accountId !== ctx.accountId || app.region !== ctx.region) throw resourceNotFound(arn);
  return app;
}

function checkKeys(keys: readonly string[]): void {
  for (const k of keys)
    if (k.toLowerCase().startsWith('aws:'))
      // TODO(#10): AWS's wording.
      throw analyticsError('InvalidArgumentException', `Tag keys starting with aws: are reserved: ${k}.`);
}

export async function tagResource(
  rt: AnalyticsRuntime,
  input: TagResourceRequest,
  ctx: RequestContext,
): Promise<TagResourceResponse> {
  const app = resolve(rt, input.ResourceARN, ctx);
  checkKeys(input.Tags.map((t) => t.Key));
  mergeTags(app.tags, input.Tags);
  await rt.catalog.update(app.id, (d) => {
    d.tags = mergeTags(d.tags, input.Tags);
  });
  return {};
}

export async function untagResource(
  rt: AnalyticsRuntime,
  input: UntagResourceRequest,
  ctx: RequestContext,
): Promise<UntagResourceResponse> {
  const app = resolve(rt, input.ResourceARN, ctx);
  checkKeys(input.TagKeys);
  await rt.catalog.update(app.id, (d) => {
    for (const k of input.TagKeys) delete d.tags[k];
  });
  return {};
}

export async function listTagsForResource(
  rt: AnalyticsRuntime,
  input: ListTagsForResourceRequest,
  ctx: RequestContext,
): Promise<ListTagsForResourceResponse> {
  const app = resolve(rt, input.ResourceARN, ctx);
  return { Tags: Object.entries(app.tags).map(([Key, Value]) => ({ Key, Value })) };
}
