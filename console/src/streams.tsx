import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  StartStreamEncryptionCommand,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { useCallback, useRef, useState } from 'preact/hooks';
import { describeError, kinesis } from './api.js';
import { ConfirmDialog } from './dialog.js';
import { useTransitionRefresh } from './parts.js';
import { VirtualTable } from './virtual-list.js';

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

async function describeRow(name: string): Promise<Row> {
  try {
    const out = await kinesis().send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return { name, ...(out.StreamDescriptionSummary ? { summary: out.StreamDescriptionSummary } : {}) };
  } catch (e) {
    return { name, error: describeError(e) };
  }
}

function isTransitional(row: Row | undefined): boolean {
  return row?.summary?.StreamStatus !== undefined && row.summary.StreamStatus !== 'ACTIVE';
}

/**
 * The streams list: every name (ListStreams), shown in a virtual table; each row's details
 * (DescribeStreamSummary) are loaded for the rows in view only, so 10,000 streams cost one describe per row seen.
 */
export function StreamsPage() {
  const [names, setNames] = useState<string[] | undefined>();
  const [listError, setListError] = useState('');
  const [deleting, setDeleting] = useState<string | undefined>();
  // Details by name; a ref (read by callbacks) plus a counter that re-renders when it changes.
  const details = useRef(new Map<string, Row>());
  const [detailsVersion, setDetailsVersion] = useState(0);
  const namesRef = useRef<string[]>([]);
  const range = useRef<readonly [number, number]>([0, 0]);

  const describe = useCallback(async (wanted: readonly string[]) => {
    if (wanted.length === 0) return;
    const rows = await Promise.all(wanted.map(describeRow));
    for (const row of rows) details.current.set(row.name, row);
    setDetailsVersion((v) => v + 1);
  }, []);
  const refresh = useCallback(async () => {
    try {
      const list = await listAllStreams();
      namesRef.current = list;
      const present = new Set(list);
      for (const name of details.current.keys()) if (!present.has(name)) details.current.delete(name);
      setNames(list);
      setListError('');
      await describe(list.slice(range.current[0], range.current[1]));
    } catch (e) {
      setListError(describeError(e));
    }
  }, [describe]);
  const onRange = useCallback(
    (start: number, end: number) => {
      range.current = [start, end];
      void describe(namesRef.current.slice(start, end).filter((n) => !details.current.has(n)));
    },
    [describe],
  );
  // While a stream in view is being created, deleted or updated, look again each second: its status will change.
  const [start, end] = range.current;
  const transitional = (names ?? []).slice(start, end).some((n) => isTransitional(details.current.get(n)));
  useTransitionRefresh(refresh, transitional, detailsVersion);

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
      {names !== undefined && <p class="muted">{names.length} streams</p>}
      <VirtualTable
        label="Data streams"
        items={names ?? []}
        columns={7}
        onRange={onRange}
        empty={names === undefined ? undefined : 'No streams yet.'}
        header={
          <>
            <th scope="col" class="wide">
              Name
            </th>
            <th scope="col">Status</th>
            <th scope="col">Capacity mode</th>
            <th scope="col" class="narrow">
              Open shards
            </th>
            <th scope="col" class="narrow">
              Retention (h)
            </th>
            <th scope="col">Encryption</th>
            <th scope="col" class="actions">
              <span class="sr-only">Actions</span>
            </th>
          </>
        }
        row={(name, index) => (
          <StreamRow
            key={name}
            index={index}
            row={details.current.get(name) ?? { name }}
            onDelete={() => setDeleting(name)}
          />
        )}
      />
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete data stream"
        confirmLabel="Delete"
        danger
        onClose={() => setDeleting(undefined)}
        onConfirm={async () => {
          await kinesis().send(new DeleteStreamCommand({ StreamName: deleting }));
          await refresh();
        }}
      >
        <p>
          Delete <strong class="name">{deleting}</strong> and every record in it? This cannot be undone.
        </p>
      </ConfirmDialog>
      <CreateStreamForm onCreated={refresh} />
    </section>
  );
}

function StreamRow({ row, index, onDelete }: { row: Row; index: number; onDelete: () => void }) {
  const s = row.summary;
  return (
    <tr aria-rowindex={index + 2}>
      <td class="name" title={row.name}>
        <a href={`#/streams/${encodeURIComponent(row.name)}`}>{row.name}</a>
      </td>
      {row.error !== undefined ? (
        <td colSpan={5} class="error" title={row.error}>
          {row.error}
        </td>
      ) : (
        <>
          <td>
            <span class={`status status-${s?.StreamStatus ?? ''}`}>{s?.StreamStatus ?? '…'}</span>
          </td>
          <td>{s?.StreamModeDetails?.StreamMode}</td>
          <td>{s?.OpenShardCount}</td>
          <td>{s?.RetentionPeriodHours}</td>
          <td>
            {s === undefined
              ? ''
              : s.EncryptionType === 'KMS'
                ? `KMS (${s.KeyId ?? ''})`
                : (s.EncryptionType ?? 'NONE')}
          </td>
        </>
      )}
      <td>
        <button type="button" aria-label={`Delete ${row.name}`} onClick={onDelete}>
          Delete
        </button>
      </td>
    </tr>
  );
}

/** "key=value" lines (value may be empty) → CreateStream's Tags; blank lines are skipped. */
export function parseTagLines(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) tags[line.trim()] = '';
    else tags[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return tags;
}

/** Waits until the stream is ACTIVE (StartStreamEncryption needs it: "Start stream encryption" API reference). */
async function untilActive(streamName: string): Promise<void> {
  for (;;) {
    const out = await kinesis().send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * CreateStream with its options (capacity mode, shards, maximum record size, tags) as the API takes them, then, as
 * AWS's console does for "Enable server-side encryption", StartStreamEncryption once the stream is ACTIVE
 * (CreateStream has no encryption member). Each call's refusal is shown as the API returned it.
 */
function CreateStreamForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'PROVISIONED' | 'ON_DEMAND'>('PROVISIONED');
  const [shards, setShards] = useState('1');
  const [maxRecordKiB, setMaxRecordKiB] = useState('');
  const [tags, setTags] = useState('');
  const [encrypt, setEncrypt] = useState(false);
  const [keyId, setKeyId] = useState('alias/aws/kinesis');
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="panel stack"
      aria-label="Create data stream"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setNote('');
        let created = false;
        try {
          // The input goes to the API as typed: its validation messages are the ones shown.
          const tagMap = parseTagLines(tags);
          await kinesis().send(
            new CreateStreamCommand({
              StreamName: name,
              StreamModeDetails: { StreamMode: mode },
              ...(mode === 'PROVISIONED' ? { ShardCount: Number(shards) } : {}),
              ...(maxRecordKiB.trim() !== '' ? { MaxRecordSizeInKiB: Number(maxRecordKiB) } : {}),
              ...(Object.keys(tagMap).length > 0 ? { Tags: tagMap } : {}),
            }),
          );
          created = true;
          await onCreated();
          if (encrypt) {
            setNote(`Created ${name}; enabling encryption once it is ACTIVE…`);
            await untilActive(name);
            await kinesis().send(
              new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: keyId }),
            );
            setNote(`Created ${name} with KMS encryption (${keyId}).`);
            await onCreated();
          }
          setError('');
          setName('');
        } catch (err) {
          if (created) setNote(`Created ${name}, but encryption was not enabled:`);
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
        <label>
          Maximum record size (KiB, optional)
          <input
            name="maxRecordSize"
            inputMode="numeric"
            placeholder="1024"
            value={maxRecordKiB}
            onInput={(e) => setMaxRecordKiB(e.currentTarget.value)}
          />
        </label>
      </div>
      <div class="row">
        <label class="inline">
          <input type="checkbox" checked={encrypt} onChange={(e) => setEncrypt(e.currentTarget.checked)} />
          Server-side encryption (AWS KMS)
        </label>
        {encrypt && (
          <label class="grow">
            KMS key
            <input name="keyId" class="mono" value={keyId} onInput={(e) => setKeyId(e.currentTarget.value)} />
          </label>
        )}
        <label class="grow">
          Tags (key=value, one a line; optional)
          <textarea name="tags" rows={2} value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Create
        </button>
      </div>
      <output>{note}</output>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
