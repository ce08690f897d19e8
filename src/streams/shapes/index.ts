/**
 * The Data Streams shapes, generated from the AWS API model by `scripts/generate-shapes.mjs`: the runtime
 * model (shapes and constraints the server validates input against) and the TypeScript types of every
 * operation's decoded input and output, with {@link KinesisOperations} mapping operation names to both.
 */
export { kinesisModel } from './kinesis.generated.js';
export type * from './kinesis-types.generated.js';
