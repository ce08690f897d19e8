/**
 * Kinesis Video streams: the list (ListStreams), create (CreateStream) and delete (DeleteStream by ARN) over the
 * public Kinesis Video Streams API.
 */
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  ListStreamsCommand,
  type StreamInfo,
} from '@aws-sdk/client-kinesis-video';
import { useCallback, useState } from 'preact/hooks';
import { describeError, video } from './api.js';
import { DeleteButton, ErrorAlert, ResourceTable, runApiAction, useTransitionRefresh } from './parts.js';

/** Every video stream, following ListStreams' pagination (NextToken). */
async function listAllVideoStreams(): Promise<StreamInfo[]> {
  const out: StreamInfo[] = [];
  let nextToken: string | undefined;
  do {
    const page = await video().send(new ListStreamsCommand(nextToken ? { NextToken: nextToken } : {}));
    out.push(...(page.StreamInfoList ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
}

export function VideoPage() {
  const [rows, setRows] = useState<StreamInfo[] | undefined>();
  const [listError, setListError] = useState('');
  const refresh = useCallback(async () => {
    try {
      setRows(await listAllVideoStreams());
      setListError('');
    } catch (e) {
      setListError(describeError(e));
    }
  }, []);
  useTransitionRefresh(refresh, rows?.some((r) => r.Status !== 'ACTIVE') ?? false, rows);

  return (
    <section>
      <ResourceTable
        title="Video streams"
        columns={['Name', 'Status', 'Media type', 'Retention (h)', 'Created']}
        empty="No video streams yet."
        isEmpty={rows?.length === 0}
        error={listError}
        onRefresh={() => void refresh()}
      >
        {rows?.map((row) => (
          <tr key={row.StreamARN}>
            <td class="name">
              <a href={`#/video/${encodeURIComponent(row.StreamName ?? '')}`}>{row.StreamName}</a>
            </td>
            <td>
              <span class={`status status-${row.Status ?? ''}`}>{row.Status}</span>
            </td>
            <td>{row.MediaType}</td>
            <td>{row.DataRetentionInHours}</td>
            <td>{row.CreationTime?.toLocaleString()}</td>
            <td>
              <DeleteButton
                what="video stream"
                name={row.StreamName ?? ''}
                onDelete={async () => {
                  await video().send(
                    new DeleteStreamCommand({ StreamARN: row.StreamARN, CurrentVersion: row.Version }),
                  );
                  await refresh();
                }}
              />
            </td>
          </tr>
        ))}
      </ResourceTable>
      <CreateVideoStreamForm onCreated={refresh} />
    </section>
  );
}

function CreateVideoStreamForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const [name, setName] = useState('');
  const [mediaType, setMediaType] = useState('video/h264');
  // 0 keeps no data (CreateStream API reference): fragments, and so the timeline, need a retention.
  const [retention, setRetention] = useState('24');
  const [deviceName, setDeviceName] = useState('');
  const [kmsKeyId, setKmsKeyId] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="panel stack"
      aria-label="Create video stream"
      onSubmit={(e) => {
        e.preventDefault();
        void runApiAction(
          () =>
            video().send(
              new CreateStreamCommand({
                StreamName: name,
                ...(mediaType !== '' ? { MediaType: mediaType } : {}),
                ...(retention.trim() !== '' ? { DataRetentionInHours: Number(retention) } : {}),
                ...(deviceName !== '' ? { DeviceName: deviceName } : {}),
                ...(kmsKeyId !== '' ? { KmsKeyId: kmsKeyId } : {}),
              }),
            ),
          {
            setError,
            setBusy,
            done: () => {
              setName('');
              return onCreated();
            },
          },
        );
      }}
    >
      <h2>Create video stream</h2>
      <div class="row">
        <label>
          Stream name
          <input name="streamName" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Media type (optional)
          <input name="mediaType" value={mediaType} onInput={(e) => setMediaType(e.currentTarget.value)} />
        </label>
        <label>
          Data retention (hours)
          <input
            name="retention"
            inputMode="numeric"
            value={retention}
            onInput={(e) => setRetention(e.currentTarget.value)}
          />
        </label>
        <label>
          Device name (optional)
          <input name="deviceName" value={deviceName} onInput={(e) => setDeviceName(e.currentTarget.value)} />
        </label>
        <label>
          KMS key (optional; default the Kinesis Video managed key)
          <input name="kmsKeyId" value={kmsKeyId} onInput={(e) => setKmsKeyId(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Create
        </button>
      </div>
      <ErrorAlert error={error} />
    </form>
  );
}
