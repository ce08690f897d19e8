import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  type _Record,
  type Shard,
  type ShardIteratorType,
  SplitShardCommand,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describeError, kinesis } from './api.js';
import { DetailHeader, runApiAction, useTransitionRefresh } from './parts.js';
import { StreamCharts, streamLabelsFromArn } from './charts.js';
import { CapacityPanel, ConsumersPanel, TagsPanel } from './stream-settings.js';
import { type DataFormat, formatData, midpointHashKey } from './format.js';
import { isOpenShard, lineageRows } from './lineage.js';
import { LineageTree } from './lineage-tree.js';
import { type TailPosition, tailShard, timerWait } from './tail.js';
import { VirtualTable } from './virtual-list.js';

/** Every shard of the stream, closed ones included, following ListShards' pagination. */
async function listAllShards(streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const out = await kinesis().send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    shards.push(...(out.Shards ?? []));
    nextToken = out.NextToken;
  } while (nextToken);
  return shards;
}

export function StreamPage({ name }: { name: string }) {
  const [summary, setSummary] = useState<StreamDescriptionSummary | undefined>();
  const [shards, setShards] = useState<Shard[]>([]);
  const [error, setError] = useState('');
  const refresh = useCallback(async () => {
    try {
      const out = await kinesis().send(new DescribeStreamSummaryCommand({ StreamName: name }));
      setSummary(out.StreamDescriptionSummary);
      setShards(await listAllShards(name));
      setError('');
    } catch (e) {
      setError(describeError(e));
    }
  }, [name]);
  // After a reshard or while created/updated, follow the status until ACTIVE.
  const transitional = summary?.StreamStatus !== undefined && summary.StreamStatus !== 'ACTIVE';
  useTransitionRefresh(refresh, transitional, summary);
  const labels = streamLabelsFromArn(summary?.StreamARN, name);

  return (
    <section>
      <DetailHeader
        listHref="#/streams"
        listTitle="Data streams"
        name={name}
        error={error}
        onRefresh={() => void refresh()}
      />
      {summary && (
        <dl class="facts">
          <dt>Status</dt>
          <dd>{summary.StreamStatus}</dd>
          <dt>Capacity mode</dt>
          <dd>{summary.StreamModeDetails?.StreamMode}</dd>
          <dt>Open shards</dt>
          <dd>{summary.OpenShardCount}</dd>
          <dt>Retention</dt>
          <dd>{summary.RetentionPeriodHours} h</dd>
          <dt>Encryption</dt>
          <dd>{summary.EncryptionType ?? 'NONE'}</dd>
          <dt>ARN</dt>
          <dd class="name">{summary.StreamARN}</dd>
        </dl>
      )}
      {labels && <StreamCharts stream={labels} />}
      <ShardsPanel shards={shards} />
      <ReshardPanel streamName={name} shards={shards} onChanged={refresh} />
      <PutRecordPanel streamName={name} />
      <RecordBrowser streamName={name} shards={shards} />
      {summary && <CapacityPanel summary={summary} onChanged={refresh} />}
      {summary?.StreamARN && <ConsumersPanel streamArn={summary.StreamARN} />}
      <TagsPanel streamName={name} />
    </section>
  );
}

const isOpen = isOpenShard;

/** Shards as a virtual table plus their lineage drawn as a tree (./lineage.ts, an ARIA tree: ./lineage-tree.tsx). */
function ShardsPanel({ shards }: { shards: Shard[] }) {
  const rows = useMemo(() => lineageRows(shards), [shards]);
  return (
    <div class="panel">
      <h2>Shards</h2>
      <p class="muted">
        {shards.length} shards, {shards.filter(isOpen).length} open
      </p>
      <VirtualTable
        label="Shards"
        items={shards}
        columns={6}
        header={
          <>
            <th scope="col" class="shard-id">
              Shard
            </th>
            <th scope="col" class="narrow">
              State
            </th>
            <th scope="col" class="shard-id">
              Parent
            </th>
            <th scope="col" class="shard-id">
              Adjacent parent
            </th>
            <th scope="col">Starting hash key</th>
            <th scope="col">Ending hash key</th>
          </>
        }
        row={(s, index) => (
          <tr key={s.ShardId} aria-rowindex={index + 2}>
            <td class="mono" title={s.ShardId}>
              {s.ShardId}
            </td>
            <td>{isOpen(s) ? 'open' : 'closed'}</td>
            <td class="mono">{s.ParentShardId ?? '—'}</td>
            <td class="mono">{s.AdjacentParentShardId ?? '—'}</td>
            <td class="mono" title={s.HashKeyRange?.StartingHashKey}>
              {s.HashKeyRange?.StartingHashKey}
            </td>
            <td class="mono" title={s.HashKeyRange?.EndingHashKey}>
              {s.HashKeyRange?.EndingHashKey}
            </td>
          </tr>
        )}
      />
      <h3>Lineage</h3>
      <LineageTree rows={rows} />
    </div>
  );
}

function ReshardPanel({
  streamName,
  shards,
  onChanged,
}: {
  streamName: string;
  shards: Shard[];
  onChanged: () => Promise<void>;
}) {
  const open = shards.filter(isOpen);
  const [shardId, setShardId] = useState('');
  const [hashKey, setHashKey] = useState('');
  const [mergeWith, setMergeWith] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const selected = open.find((s) => s.ShardId === shardId) ?? open[0];
  const defaultKey = selected?.HashKeyRange?.StartingHashKey
    ? midpointHashKey(selected.HashKeyRange.StartingHashKey, selected.HashKeyRange.EndingHashKey ?? '0')
    : '';
  const run = (action: () => Promise<unknown>, done: string) =>
    runApiAction(action, {
      setError,
      done: () => {
        setMessage(done);
        return onChanged();
      },
      failed: () => setMessage(''),
    });
  return (
    <form class="panel stack" aria-label="Reshard" onSubmit={(e) => e.preventDefault()}>
      <h2>Split or merge shards</h2>
      <div class="row">
        <label>
          Shard
          <select value={selected?.ShardId ?? ''} onChange={(e) => setShardId(e.currentTarget.value)}>
            {open.map((s) => (
              <option key={s.ShardId} value={s.ShardId}>
                {s.ShardId}
              </option>
            ))}
          </select>
        </label>
        <label>
          New starting hash key
          <input
            name="newStartingHashKey"
            class="mono"
            placeholder={defaultKey}
            value={hashKey}
            onInput={(e) => setHashKey(e.currentTarget.value)}
          />
        </label>
        <button
          type="button"
          onClick={() =>
            void run(
              () =>
                kinesis().send(
                  new SplitShardCommand({
                    StreamName: streamName,
                    ShardToSplit: selected?.ShardId ?? '',
                    NewStartingHashKey: hashKey === '' ? defaultKey : hashKey,
                  }),
                ),
              `Split ${selected?.ShardId ?? ''} requested.`,
            )
          }
        >
          Split
        </button>
      </div>
      <div class="row">
        <label>
          Merge with adjacent shard
          <select value={mergeWith} onChange={(e) => setMergeWith(e.currentTarget.value)}>
            <option value="">(choose)</option>
            {open
              .filter((s) => s.ShardId !== selected?.ShardId)
              .map((s) => (
                <option key={s.ShardId} value={s.ShardId}>
                  {s.ShardId}
                </option>
              ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() =>
            void run(
              () =>
                kinesis().send(
                  new MergeShardsCommand({
                    StreamName: streamName,
                    ShardToMerge: selected?.ShardId ?? '',
                    AdjacentShardToMerge: mergeWith,
                  }),
                ),
              `Merge of ${selected?.ShardId ?? ''} and ${mergeWith} requested.`,
            )
          }
        >
          Merge
        </button>
      </div>
      <output>{message}</output>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function PutRecordPanel({ streamName }: { streamName: string }) {
  const [partitionKey, setPartitionKey] = useState('');
  const [data, setData] = useState('');
  const [result, setResult] = useState('');
  const [error, setError] = useState('');
  return (
    <form
      class="panel stack"
      aria-label="Put a test record"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          const out = await kinesis().send(
            new PutRecordCommand({
              StreamName: streamName,
              PartitionKey: partitionKey,
              Data: new TextEncoder().encode(data),
            }),
          );
          setError('');
          setResult(`Stored in ${out.ShardId} at sequence number ${out.SequenceNumber}`);
        } catch (err) {
          setResult('');
          setError(describeError(err));
        }
      }}
    >
      <h2>Put a test record</h2>
      <div class="row">
        <label>
          Partition key
          <input name="partitionKey" value={partitionKey} onInput={(e) => setPartitionKey(e.currentTarget.value)} />
        </label>
        <label class="grow">
          Data (UTF-8 text)
          <textarea name="data" rows={3} value={data} onInput={(e) => setData(e.currentTarget.value)} />
        </label>
        <button type="submit">Put record</button>
      </div>
      <output class="mono">{result}</output>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

const ITERATOR_TYPES: readonly ShardIteratorType[] = [
  'TRIM_HORIZON',
  'LATEST',
  'AT_SEQUENCE_NUMBER',
  'AFTER_SEQUENCE_NUMBER',
  'AT_TIMESTAMP',
];

/** A record the browser shows, with the shard it came from (a tail reads several shards after a split). */
interface ShownRecord {
  readonly shardId: string;
  readonly record: _Record;
}

/** The most records a tail keeps on the page: the newest, so an hours-long tail does not grow the page. */
export const TAIL_KEEP = 1000;

/**
 * Reads a shard with GetShardIterator + GetRecords; "Read more" continues from NextShardIterator, "Tail" keeps
 * reading as records arrive and follows the shard's children after a reshard (./tail.ts) until "Stop" or until
 * the user leaves the page.
 */
function RecordBrowser({ streamName, shards }: { streamName: string; shards: Shard[] }) {
  const [shardId, setShardId] = useState('');
  const [type, setType] = useState<ShardIteratorType>('TRIM_HORIZON');
  const [sequence, setSequence] = useState('');
  const [timestamp, setTimestamp] = useState('');
  const [view, setView] = useState<DataFormat>('text');
  const [records, setRecords] = useState<ShownRecord[]>([]);
  const [iterator, setIterator] = useState<string | undefined>();
  const [behind, setBehind] = useState<number | undefined>();
  const [error, setError] = useState('');
  const [tailing, setTailing] = useState<readonly string[] | undefined>();
  const [tailNote, setTailNote] = useState('');
  const tail = useRef<AbortController | undefined>(undefined);
  const shard = shardId !== '' ? shardId : (shards[0]?.ShardId ?? '');

  const stopTail = () => {
    setTailNote('');
    tail.current?.abort();
    tail.current = undefined;
    setTailing(undefined);
  };
  // Rule 5 of ./tail.ts: leaving the page (or another stream's page) stops the tail.
  useEffect(() => stopTail, [streamName]);

  const position = (): TailPosition => ({
    type,
    ...(type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER' ? { sequenceNumber: sequence } : {}),
    ...(type === 'AT_TIMESTAMP' ? { timestamp: new Date(timestamp) } : {}),
  });
  const shardIterator = async (id: string, at: TailPosition, abortSignal?: AbortSignal) => {
    const out = await kinesis().send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: id,
        ShardIteratorType: at.type,
        ...(at.sequenceNumber !== undefined ? { StartingSequenceNumber: at.sequenceNumber } : {}),
        ...(at.timestamp !== undefined ? { Timestamp: at.timestamp } : {}),
      }),
      { abortSignal },
    );
    return out.ShardIterator;
  };

  const read = async (from: string | undefined, append: boolean) => {
    stopTail();
    try {
      const it = from ?? (await shardIterator(shard, position()));
      const out = await kinesis().send(new GetRecordsCommand({ ShardIterator: it, Limit: 100 }));
      const shown = (out.Records ?? []).map((record) => ({ shardId: shard, record }));
      setRecords((previous) => (append ? [...previous, ...shown] : shown));
      setIterator(out.NextShardIterator);
      setBehind(out.MillisBehindLatest);
      setError('');
    } catch (e) {
      setError(describeError(e));
    }
  };

  const startTail = () => {
    stopTail();
    const controller = new AbortController();
    tail.current = controller;
    setRecords([]);
    setIterator(undefined);
    setBehind(undefined);
    setError('');
    setTailing([shard]);
    let failed = false;
    void tailShard(
      shard,
      position(),
      {
        iterator: (id, at) => shardIterator(id, at, controller.signal),
        read: (it) =>
          kinesis().send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }), {
            abortSignal: controller.signal,
          }),
        wait: timerWait,
      },
      {
        records: (id, rs) =>
          setRecords((previous) => {
            const next = [...previous, ...rs.map((record) => ({ shardId: id, record }))];
            return next.length > TAIL_KEEP ? next.slice(next.length - TAIL_KEEP) : next;
          }),
        shards: (reading) => {
          if (tail.current === controller) setTailing(reading);
        },
        behind: (_id, millis) => setBehind(millis),
        error: (e) => {
          failed = true;
          setError(describeError(e));
        },
      },
      controller.signal,
    ).finally(() => {
      if (tail.current !== controller) return;
      tail.current = undefined;
      setTailing(undefined);
      // Not stopped by the user: every shard followed ended (closed, no children), or an error is shown.
      if (!controller.signal.aborted && !failed)
        setTailNote('Tail ended: the shards it followed are closed and have no children.');
    });
  };

  return (
    <div class="panel stack">
      <h2>Record browser</h2>
      <form
        class="row"
        aria-label="Read records"
        onSubmit={(e) => {
          e.preventDefault();
          void read(undefined, false);
        }}
      >
        <label>
          Shard
          <select value={shard} onChange={(e) => setShardId(e.currentTarget.value)}>
            {shards.map((s) => (
              <option key={s.ShardId} value={s.ShardId}>
                {s.ShardId}
              </option>
            ))}
          </select>
        </label>
        <label>
          Start
          <select
            name="iteratorType"
            value={type}
            onChange={(e) => setType(e.currentTarget.value as ShardIteratorType)}
          >
            {ITERATOR_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        {(type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER') && (
          <label>
            Sequence number
            <input class="mono" value={sequence} onInput={(e) => setSequence(e.currentTarget.value)} />
          </label>
        )}
        {type === 'AT_TIMESTAMP' && (
          <label>
            Timestamp
            <input
              type="datetime-local"
              step="1"
              value={timestamp}
              onInput={(e) => setTimestamp(e.currentTarget.value)}
            />
          </label>
        )}
        <label>
          Show data as
          <select name="view" value={view} onChange={(e) => setView(e.currentTarget.value as DataFormat)}>
            <option value="text">Text</option>
            <option value="json">Pretty JSON</option>
            <option value="hex">Hex</option>
          </select>
        </label>
        <button type="submit">Read</button>
        <button type="button" disabled={iterator === undefined} onClick={() => void read(iterator, true)}>
          Read more
        </button>
        {tailing === undefined ? (
          <button type="button" disabled={shard === ''} onClick={startTail}>
            Tail
          </button>
        ) : (
          <button type="button" onClick={stopTail}>
            Stop
          </button>
        )}
      </form>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p role="status" aria-label="Tail">
        {tailing === undefined
          ? tailNote
          : `Tailing ${tailing.join(', ')} (new records appear as they arrive; the newest ${TAIL_KEEP} are kept).`}
      </p>
      {behind !== undefined && <p>Milliseconds behind latest: {behind}</p>}
      <ol class="records" aria-label="Records">
        {records.map(({ shardId: from, record: r }) => (
          <li key={`${from}/${r.SequenceNumber}`}>
            <div class="record-meta mono">
              <span>#{r.SequenceNumber}</span>
              <span>key {r.PartitionKey}</span>
              <span>{r.ApproximateArrivalTimestamp?.toISOString()}</span>
              {from !== shard && <span>{from}</span>}
            </div>
            <pre class={view === 'hex' ? 'hex-dump' : undefined}>{r.Data ? formatData(r.Data, view) : ''}</pre>
          </li>
        ))}
      </ol>
      {records.length === 0 && iterator !== undefined && <p>No records in this read.</p>}
    </div>
  );
}
