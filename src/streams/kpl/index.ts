/** Consumer-side helper for records aggregated by the Kinesis Producer Library. */
export {
  KPL_MAGIC,
  KplFormatError,
  deaggregate,
  isAggregated,
  type DeaggregateOptions,
  type KinesisRecordLike,
  type UserRecord,
} from './deaggregate.js';
