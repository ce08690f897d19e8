/**
 * The Firehose shapes, generated from the AWS API model by `scripts/generate-shapes.mjs`: the runtime model
 * (shapes and constraints the server validates input against) and the TypeScript types of every operation's
 * decoded input and output, with {@link FirehoseOperations} mapping operation names to both.
 */
export { firehoseModel } from './firehose.generated.js';
export type * from './firehose-types.generated.js';
