import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeError, kinesis } from './api.js';

/** How often a page showing a stream in a transitional status (CREATING, DELETING, UPDATING) is refreshed. */
const TRANSITION_POLL_MS = 1000;

/**
 * Loads a page's data when `refresh` changes, and loads it again every {@link TRANSITION_POLL_MS} while
 * `transitional` (a stream's status will change); `shown` is the data last loaded, so each load arms the next.
 */
export function useStreamRefresh(refresh: () => Promise<void>, transitional: boolean, shown: unknown): void {
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => {
    if (!transitional) return;
    const timer = setTimeout(() => void refresh(), TRANSITION_POLL_MS);
    return () => clearTimeout(timer);
  }, [shown, transitional, refresh]);
}

interface Row {
  readonly name: string;
  readonly summary?: StreamDescriptionSummary;
  readonly error?: string;
}

/** Every stream name, following ListStreams' pagination (NextToken). */
async function listAllStreams(): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const out = await kinesis().send(new ListStreamsCommand(nextToken ? { NextToken: nextToken } : {}));
    names.push(...(out.StreamNames ?? []));
    nextToken = out.HasMoreStreams ? out.NextToken : undefined;
  } while (nextToken);
  return names;
}

export function StreamsPage() {
  const [rows, setRows] = useState<Row[] | undefined>();
  const [listError, setListError] = useState('');
  const refresh = useCallback(async () => {
    try {
      const names = await listAllStreams();
      const described = await Promise.all(
        names.map(async (name): Promise<Row> => {
          try {
            const out = await kinesis().send(new DescribeStreamSummaryCommand({ StreamName: name }));
            return { name, ...(out.StreamDescriptionSummary ? { summary: out.StreamDescriptionSummary } : {}) };
          } catch (e) {
            return { name, error: describeError(e) };
          }
        }),
      );
      setRows(described);
      setListError('');
    } catch (e) {
      setListError(describeError(e));
    }
  }, []);
  // While a stream is being created, deleted or updated, look again each second, as its status will change.
  const transitional =
    rows?.some((r) => r.summary?.StreamStatus !== undefined && r.summary.StreamStatus !== 'ACTIVE') ?? false;
  useStreamRefresh(refresh, transitional, rows);

  return (
    <section>
      <div class="row spread">
        <h1>Data streams</h1>
        <button type="button" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      {listError !== '' && (
        <p class="error" role="alert">
          {listError}
        </p>
      )}
      <div class="table-wrap">
        <table aria-label="Data streams">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Capacity mode</th>
              <th scope="col">Open shards</th>
              <th scope="col">Retention (h)</th>
              <th scope="col">Encryption</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows?.length === 0 && (
              <tr>
                <td colSpan={7}>No streams yet.</td>
              </tr>
            )}
            {rows?.map((row) => (
              <StreamRow key={row.name} row={row} onChanged={refresh} />
            ))}
          </tbody>
        </table>
      </div>
      <CreateStreamForm onCreated={refresh} />
    </section>
  );
}

function StreamRow({ row, onChanged }: { row: Row; onChanged: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState('');
  const s = row.summary;
  return (
    <tr>
      <td class="name">
        <a href={`#/streams/${encodeURIComponent(row.name)}`}>{row.name}</a>
      </td>
      {row.error !== undefined ? (
        <td colSpan={5} class="error">
          {row.error}
        </td>
      ) : (
        <>
          <td>
            <span class={`status status-${s?.StreamStatus ?? ''}`}>{s?.StreamStatus}</span>
          </td>
          <td>{s?.StreamModeDetails?.StreamMode}</td>
          <td>{s?.OpenShardCount}</td>
          <td>{s?.RetentionPeriodHours}</td>
          <td>{s?.EncryptionType === 'KMS' ? `KMS (${s.KeyId ?? ''})` : (s?.EncryptionType ?? 'NONE')}</td>
        </>
      )}
      <td>
        {confirming ? (
          <span class="row">
            <button
              type="button"
              class="danger"
              onClick={async () => {
                try {
                  await kinesis().send(new DeleteStreamCommand({ StreamName: row.name }));
                  setConfirming(false);
                  await onChanged();
                } catch (e) {
                  setError(describeError(e));
                }
              }}
            >
              Confirm delete
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" aria-label={`Delete ${row.name}`} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
        {error !== '' && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}

function CreateStreamForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'PROVISIONED' | 'ON_DEMAND'>('PROVISIONED');
  const [shards, setShards] = useState('1');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="panel stack"
      aria-label="Create data stream"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          // The input goes to the API as typed: its validation messages are the ones shown.
          await kinesis().send(
            new CreateStreamCommand({
              StreamName: name,
              StreamModeDetails: { StreamMode: mode },
              ...(mode === 'PROVISIONED' ? { ShardCount: Number(shards) } : {}),
            }),
          );
          setError('');
          setName('');
          await onCreated();
        } catch (err) {
          setError(describeError(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>Create data stream</h2>
      <div class="row">
        <label>
          Stream name
          <input name="streamName" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Capacity mode
          <select value={mode} onChange={(e) => setMode(e.currentTarget.value as 'PROVISIONED' | 'ON_DEMAND')}>
            <option value="PROVISIONED">Provisioned</option>
            <option value="ON_DEMAND">On-demand</option>
          </select>
        </label>
        {mode === 'PROVISIONED' && (
          <label>
            Shards
            <input
              name="shardCount"
              inputMode="numeric"
              value={shards}
              onInput={(e) => setShards(e.currentTarget.value)}
            />
          </label>
        )}
        <button type="submit" disabled={busy}>
          Create
        </button>
      </div>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
