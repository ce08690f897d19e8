/**
 * The stream page's settings panels (issue #14): enhanced fan-out consumers, tags, capacity (UpdateShardCount,
 * capacity mode) and retention. Every input goes to the API as typed, so the messages shown are the API's own
 * validation messages, verbatim.
 */
import {
  AddTagsToStreamCommand,
  type Consumer,
  DecreaseStreamRetentionPeriodCommand,
  DeregisterStreamConsumerCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListStreamConsumersCommand,
  ListTagsForStreamCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  type StreamDescriptionSummary,
  type Tag,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import { useCallback, useState } from 'preact/hooks';
import { describeError, kinesis } from './api.js';
import { DataTable, ErrorAlert, runApiAction, useTransitionRefresh } from './parts.js';
import { ConfirmDialog } from './dialog.js';

/** Every consumer of the stream, following ListStreamConsumers' pagination. */
async function listAllConsumers(streamArn: string): Promise<Consumer[]> {
  const consumers: Consumer[] = [];
  let nextToken: string | undefined;
  do {
    const out = await kinesis().send(
      new ListStreamConsumersCommand({ StreamARN: streamArn, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
    consumers.push(...(out.Consumers ?? []));
    nextToken = out.NextToken;
  } while (nextToken);
  return consumers;
}

/** Enhanced fan-out consumers: list, register, deregister (with a confirmation). */
export function ConsumersPanel({ streamArn }: { streamArn: string }) {
  const [consumers, setConsumers] = useState<Consumer[] | undefined>();
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [deregistering, setDeregistering] = useState<Consumer | undefined>();
  const refresh = useCallback(async () => {
    try {
      setConsumers(await listAllConsumers(streamArn));
    } catch (e) {
      setError(describeError(e));
    }
  }, [streamArn]);
  // A consumer is CREATING, then ACTIVE; DELETING, then gone: follow until every one is ACTIVE.
  const transitional = consumers?.some((c) => c.ConsumerStatus !== 'ACTIVE') ?? false;
  useTransitionRefresh(refresh, transitional, consumers);
  return (
    <div class="panel stack">
      <h2>Enhanced fan-out consumers</h2>
      <DataTable
        label="Consumers"
        columns={['Name', 'Status', 'Registered', 'ARN']}
        empty="No consumers."
        isEmpty={consumers?.length === 0}
      >
        {consumers?.map((c) => (
          <tr key={c.ConsumerARN}>
            <td class="name">{c.ConsumerName}</td>
            <td>{c.ConsumerStatus}</td>
            <td>{c.ConsumerCreationTimestamp?.toISOString()}</td>
            <td class="name mono">{c.ConsumerARN}</td>
            <td>
              <button
                type="button"
                aria-label={`Deregister ${c.ConsumerName ?? ''}`}
                onClick={() => setDeregistering(c)}
              >
                Deregister
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      <form
        class="row"
        aria-label="Register consumer"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await kinesis().send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
            setError('');
            setName('');
            await refresh();
          } catch (err) {
            setError(describeError(err));
          }
        }}
      >
        <label>
          Consumer name
          <input name="consumerName" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit">Register</button>
      </form>
      <ErrorAlert error={error} />
      <ConfirmDialog
        open={deregistering !== undefined}
        title="Deregister consumer"
        confirmLabel="Deregister"
        danger
        onClose={() => setDeregistering(undefined)}
        onConfirm={async () => {
          await kinesis().send(
            new DeregisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerARN: deregistering?.ConsumerARN }),
          );
          await refresh();
        }}
      >
        <p>
          Deregister <strong class="name">{deregistering?.ConsumerName}</strong>? Its subscriptions end.
        </p>
      </ConfirmDialog>
    </div>
  );
}

/** Every tag of the stream, following ListTagsForStream's pagination (ExclusiveStartTagKey, HasMoreTags). */
async function listAllTags(streamName: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let start: string | undefined;
  for (;;) {
    const out = await kinesis().send(
      new ListTagsForStreamCommand({ StreamName: streamName, ...(start ? { ExclusiveStartTagKey: start } : {}) }),
    );
    tags.push(...(out.Tags ?? []));
    start = out.Tags?.[out.Tags.length - 1]?.Key;
    if (!out.HasMoreTags || start === undefined) return tags;
  }
}

/** Tags: list, add (or overwrite a key's value), remove. */
export function TagsPanel({ streamName }: { streamName: string }) {
  const [tags, setTags] = useState<Tag[] | undefined>();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const refresh = useCallback(async () => {
    try {
      setTags(await listAllTags(streamName));
    } catch (e) {
      setError(describeError(e));
    }
  }, [streamName]);
  useTransitionRefresh(refresh, false, tags);
  const run = (action: () => Promise<unknown>) => runApiAction(action, { setError, done: refresh });
  return (
    <div class="panel stack">
      <h2>Tags</h2>
      <DataTable label="Tags" columns={['Key', 'Value']} empty="No tags." isEmpty={tags?.length === 0}>
        {tags?.map((t) => (
          <tr key={t.Key}>
            <td class="name">{t.Key}</td>
            <td class="name">{t.Value}</td>
            <td>
              <button
                type="button"
                aria-label={`Remove tag ${t.Key ?? ''}`}
                onClick={() =>
                  void run(() =>
                    kinesis().send(new RemoveTagsFromStreamCommand({ StreamName: streamName, TagKeys: [t.Key!] })),
                  )
                }
              >
                Remove
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      <form
        class="row"
        aria-label="Add tag"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await kinesis().send(new AddTagsToStreamCommand({ StreamName: streamName, Tags: { [key]: value } }));
            setKey('');
            setValue('');
          });
        }}
      >
        <label>
          Key
          <input name="tagKey" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <label>
          Value
          <input name="tagValue" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <button type="submit">Add tag</button>
      </form>
      <ErrorAlert error={error} />
    </div>
  );
}

/**
 * Capacity and retention: UpdateShardCount (uniform scaling) for a provisioned stream, a switch of capacity mode
 * (UpdateStreamMode, confirmed in a dialog), and the retention period (IncreaseStreamRetentionPeriod or
 * DecreaseStreamRetentionPeriod, whichever direction the new value goes; the same value goes to Increase, and the
 * API answers it).
 */
export function CapacityPanel({
  summary,
  onChanged,
}: {
  summary: StreamDescriptionSummary;
  onChanged: () => Promise<void>;
}) {
  const name = summary.StreamName ?? '';
  const mode = summary.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  const [switching, setSwitching] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const other = mode === 'PROVISIONED' ? 'ON_DEMAND' : 'PROVISIONED';
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
    <div class="panel stack">
      <h2>Capacity and retention</h2>
      {mode === 'PROVISIONED' && (
        <NumberForm
          label="Update shard count"
          field="Target shard count"
          name="targetShardCount"
          current={summary.OpenShardCount}
          submit="Update shard count"
          onSubmit={(count) =>
            void run(
              () =>
                kinesis().send(
                  new UpdateShardCountCommand({
                    StreamName: name,
                    TargetShardCount: count,
                    ScalingType: 'UNIFORM_SCALING',
                  }),
                ),
              `Scaling to ${count} shards requested.`,
            )
          }
        />
      )}
      <div class="row">
        <span>
          Capacity mode: <strong>{mode}</strong>
        </span>
        <button type="button" onClick={() => setSwitching(true)}>
          Switch to {other === 'ON_DEMAND' ? 'on-demand' : 'provisioned'}
        </button>
      </div>
      <NumberForm
        label="Retention period"
        field="Retention period (hours)"
        name="retentionHours"
        current={summary.RetentionPeriodHours}
        submit="Set retention"
        onSubmit={(hours) => {
          const current = summary.RetentionPeriodHours ?? 24;
          const input = { StreamName: name, RetentionPeriodHours: hours };
          void run(
            () =>
              kinesis().send(
                hours < current
                  ? new DecreaseStreamRetentionPeriodCommand(input)
                  : new IncreaseStreamRetentionPeriodCommand(input),
              ),
            `Retention set to ${hours} hours.`,
          );
        }}
      />
      <output>{message}</output>
      <ErrorAlert error={error} />
      <ConfirmDialog
        open={switching}
        title="Switch capacity mode"
        confirmLabel={`Switch to ${other}`}
        onClose={() => setSwitching(false)}
        onConfirm={async () => {
          await kinesis().send(
            new UpdateStreamModeCommand({ StreamARN: summary.StreamARN, StreamModeDetails: { StreamMode: other } }),
          );
          setMessage(`Switch to ${other} requested.`);
          setError('');
          await onChanged();
        }}
      >
        <p>
          Switch <strong class="name">{name}</strong> from {mode} to {other}?
        </p>
      </ConfirmDialog>
    </div>
  );
}

/**
 * A one-number form of the capacity panel (target shard count, retention hours): the field shows the current value
 * as its placeholder, and an empty field submits that current value (the API then answers for it).
 */
function NumberForm(props: {
  label: string;
  field: string;
  name: string;
  current: number | undefined;
  submit: string;
  onSubmit: (value: number) => void;
}) {
  const [text, setText] = useState('');
  return (
    <form
      class="row"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(Number(text === '' ? props.current : text));
      }}
    >
      <label>
        {props.field}
        <input
          name={props.name}
          inputMode="numeric"
          placeholder={String(props.current ?? '')}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <button type="submit">{props.submit}</button>
    </form>
  );
}
