/**
 * Component test of the detail pages' shared shape (console/src/parts.tsx) in Node on happy-dom: `useDescribed`
 * describes on open, again while the resource is transitional and stops once it is not, keeps the API's refusal
 * verbatim beside the last description, and `DetailHeader` shows the way back, the name, Refresh and that error.
 * Waits on the describe calls themselves (promises the test resolves), never on durations.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';

const win = new Window({ url: 'http://localhost/console/' });
const globals = { window: win, document: win.document, HTMLElement: win.HTMLElement, Event: win.Event };
Object.assign(globalThis, globals);

const { render } = await import('preact');
const { act } = await import('preact/test-utils');
const { DetailHeader, useDescribed } = await import('../../../console/src/parts.js');

interface Thing {
  readonly status: 'CREATING' | 'ACTIVE';
}

/** Describe calls as they come; the test answers each one. */
const calls: { name: string; answer: (value: Thing | Error) => void }[] = [];
let called: () => void = () => {};
const nextCall = () =>
  new Promise<void>((resolve) => {
    called = resolve;
  });
const describeThing = (name: string) =>
  new Promise<Thing | undefined>((resolve, reject) => {
    calls.push({ name, answer: (v) => (v instanceof Error ? reject(v) : resolve(v)) });
    called();
  });

let refreshNow: () => Promise<void> = async () => {};
function Page({ name }: { name: string }) {
  const { value, error, refresh } = useDescribed(name, describeThing, (t) => t.status !== 'ACTIVE');
  refreshNow = refresh;
  return (
    <section>
      <DetailHeader listHref="#/things" listTitle="Things" name={name} error={error} onRefresh={() => void refresh()} />
      <p class="status">{value?.status ?? 'none'}</p>
    </section>
  );
}

/** Lets the answer's continuation and the render it causes run. */
const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)));

describe('console detail page shape (happy-dom)', () => {
  let container: HTMLElement;
  before(async () => {
    container = win.document.createElement('div') as unknown as HTMLElement;
    win.document.body.appendChild(container as never);
    const first = nextCall();
    act(() => {
      render(<Page name="thing-1" />, container);
    });
    await first;
  });
  after(() => {
    act(() => render(null, container));
    void win.happyDOM.close();
  });

  const text = (selector: string) => container.querySelector(selector)?.textContent ?? '';

  it('draws the way back, the name and Refresh, and describes the named resource on open', () => {
    assert.equal(container.querySelector('a')?.getAttribute('href'), '#/things');
    assert.equal(text('a'), 'Things');
    assert.equal(text('h1'), 'thing-1');
    assert.equal(text('button'), 'Refresh');
    assert.deepEqual(
      calls.map((c) => c.name),
      ['thing-1'],
    );
  });

  it('describes again while the resource is transitional, and not once it is ACTIVE', async () => {
    const again = nextCall();
    calls[0]!.answer({ status: 'CREATING' });
    await flush();
    assert.equal(text('.status'), 'CREATING');
    await again; // the transition poll asked once more
    calls[1]!.answer({ status: 'ACTIVE' });
    await flush();
    assert.equal(text('.status'), 'ACTIVE');
    assert.equal(calls.length, 2);
  });

  it("shows the API's refusal verbatim beside the last description, and clears it on success", async () => {
    const refused = nextCall();
    void act(() => {
      void refreshNow();
    });
    await refused;
    const e = new Error('Stream thing-1 under account 000000000000 not found.');
    e.name = 'ResourceNotFoundException';
    calls[2]!.answer(e);
    await flush();
    assert.equal(
      text('[role="alert"]'),
      'ResourceNotFoundException: Stream thing-1 under account 000000000000 not found.',
    );
    assert.equal(text('.status'), 'ACTIVE');
    const ok = nextCall();
    act(() => {
      (container.querySelector('button') as HTMLButtonElement).click();
    });
    await ok;
    calls[3]!.answer({ status: 'ACTIVE' });
    await flush();
    assert.equal(container.querySelector('[role="alert"]'), null);
  });
});
