/**
 * The Kinesis Data Analytics shapes, generated from the AWS API models by `scripts/generate-shapes.mjs`: the
 * runtime models of v1 (`KinesisAnalytics_20150814`) and v2 (`KinesisAnalytics_20180523`) and the TypeScript
 * types of every operation's decoded input and output. v2's types are exported by name (they are a superset of
 * the shapes both APIs share); v1's under the `V1` namespace.
 */
export { kinesisAnalyticsModel } from './kinesisanalytics.generated.js';
export { kinesisAnalyticsV2Model } from './kinesisanalyticsv2.generated.js';
export type * from './kinesisanalyticsv2-types.generated.js';
export type * as V1 from './kinesisanalytics-types.generated.js';
