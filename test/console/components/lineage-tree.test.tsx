/**
 * Component test of the shard lineage as an ARIA tree (console/src/lineage-tree.tsx) in Node on happy-dom: the roles
 * and the depth, place and expansion each row tells a screen reader, and the keyboard (arrows, Home, End, Enter)
 * moving focus, collapsing and expanding, as the WAI-ARIA tree view pattern describes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';

const win = new Window({ url: 'http://localhost/console/' });
const globals = { window: win, document: win.document, HTMLElement: win.HTMLElement, Event: win.Event };
Object.assign(globalThis, globals);

const { render } = await import('preact');
const { act } = await import('preact/test-utils');
const { LineageTree } = await import('../../../console/src/lineage-tree.js');
const { lineageRows } = await import('../../../console/src/lineage.js');

const id = (n: number) => `shardId-${String(n).padStart(12, '0')}`;
const closed = { EndingSequenceNumber: '99' };
// 0 split into 1 and 2, which merged into 3; 4 another root.
const shards = [
  { ShardId: id(0), SequenceNumberRange: closed },
  { ShardId: id(1), ParentShardId: id(0), SequenceNumberRange: closed },
  { ShardId: id(2), ParentShardId: id(0), SequenceNumberRange: closed },
  { ShardId: id(3), ParentShardId: id(1), AdjacentParentShardId: id(2), SequenceNumberRange: {} },
  { ShardId: id(4), SequenceNumberRange: {} },
];

describe('console lineage tree (happy-dom)', () => {
  let container: HTMLElement;
  before(() => {
    container = win.document.createElement('div') as unknown as HTMLElement;
    win.document.body.appendChild(container as never);
    act(() => {
      render(<LineageTree rows={lineageRows(shards)} />, container);
    });
  });
  after(() => {
    act(() => render(null, container));
    void win.happyDOM.close();
  });

  const items = () => [...container.querySelectorAll('[role="treeitem"]')] as HTMLElement[];
  const attrs = (name: string) => items().map((el) => el.getAttribute(name));
  const shardOf = (el: Element | null) => /shardId-0+(\d+)/.exec(el?.textContent ?? '')?.[1];
  const focusedShard = () => shardOf(win.document.activeElement as unknown as Element);
  const press = (key: string) =>
    act(() => {
      (win.document.activeElement as unknown as HTMLElement).dispatchEvent(
        new win.KeyboardEvent('keydown', { key, bubbles: true }) as unknown as Event,
      );
    });

  it('is a tree whose rows tell their depth, place among siblings and whether they are expanded', () => {
    const tree = container.querySelector('[role="tree"]');
    assert.equal(tree?.getAttribute('aria-label'), 'Shard lineage');
    assert.deepEqual(items().map(shardOf), ['0', '1', '3', '2', '3', '4']);
    assert.deepEqual(attrs('aria-level'), ['1', '2', '3', '2', '3', '1']);
    assert.deepEqual(attrs('aria-posinset'), ['1', '1', '1', '2', '1', '2']);
    assert.deepEqual(attrs('aria-setsize'), ['2', '2', '1', '2', '1', '2']);
    // Rows with children are expandable; leaves and the repeated merged shard are not.
    assert.deepEqual(attrs('aria-expanded'), ['true', 'true', null, 'true', null, null]);
    // One row in the tab order (roving tabindex).
    assert.deepEqual(attrs('tabindex'), ['0', '-1', '-1', '-1', '-1', '-1']);
  });

  it('moves focus with Down, Up, End and Home, and to the parent with Left', () => {
    act(() => items()[0]!.focus());
    press('ArrowDown');
    assert.equal(focusedShard(), '1');
    press('ArrowDown');
    assert.equal(focusedShard(), '3');
    // A leaf: Left goes to its parent.
    press('ArrowLeft');
    assert.equal(focusedShard(), '1');
    press('End');
    assert.equal(focusedShard(), '4');
    press('ArrowUp');
    assert.equal(focusedShard(), '3');
    press('Home');
    assert.equal(focusedShard(), '0');
    assert.deepEqual(attrs('tabindex'), ['0', '-1', '-1', '-1', '-1', '-1']);
  });

  it('collapses with Left and expands with Right; Right on an expanded row goes to its first child', () => {
    press('ArrowLeft');
    assert.equal(items()[0]!.getAttribute('aria-expanded'), 'false');
    assert.deepEqual(items().map(shardOf), ['0', '4'], 'the descendants are hidden');
    assert.equal(focusedShard(), '0');
    press('ArrowRight');
    assert.equal(items()[0]!.getAttribute('aria-expanded'), 'true');
    assert.deepEqual(items().map(shardOf), ['0', '1', '3', '2', '3', '4']);
    press('ArrowRight');
    assert.equal(focusedShard(), '1');
    // Enter toggles too.
    press('Enter');
    assert.equal(items()[1]!.getAttribute('aria-expanded'), 'false');
    assert.deepEqual(items().map(shardOf), ['0', '1', '2', '3', '4']);
    press('Enter');
    assert.equal(items()[1]!.getAttribute('aria-expanded'), 'true');
  });
});
