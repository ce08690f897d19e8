/**
 * Component test of the console's virtual table (console/src/virtual-list.tsx) in Node on happy-dom: with 10,000
 * rows only a window of them is in the DOM, spacers stand for the rest at the fixed row height, and a scroll moves
 * the window. Rendering through Preact's test-utils `act`, which flushes renders and effects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';

const win = new Window({ url: 'http://localhost/console/' });
// Preact creates elements through the global document; the component reads ResizeObserver if there is one.
const globals = { window: win, document: win.document, HTMLElement: win.HTMLElement, Event: win.Event };
Object.assign(globalThis, globals);

const { render } = await import('preact');
const { act } = await import('preact/test-utils');
const { OVERSCAN, TABLE_ROW_PX, VirtualTable } = await import('../../../console/src/virtual-list.js');

const ROWS = 10_000;
const MAX_HEIGHT = 480;
const HEADER_PX = 36;
const items = Array.from({ length: ROWS }, (_, i) => `row ${i}`);

describe('console virtual table (happy-dom)', () => {
  let container: HTMLElement;
  const ranges: [number, number][] = [];
  before(() => {
    container = win.document.createElement('div') as unknown as HTMLElement;
    win.document.body.appendChild(container as never);
    act(() => {
      render(
        <VirtualTable
          label="Rows"
          items={items}
          columns={2}
          maxHeight={MAX_HEIGHT}
          header={
            <>
              <th>Item</th>
              <th>Index</th>
            </>
          }
          row={(item, index) => (
            <tr key={item} aria-rowindex={index + 2}>
              <td>{item}</td>
              <td>{index}</td>
            </tr>
          )}
          onRange={(start, end) => ranges.push([start, end])}
        />,
        container,
      );
    });
  });
  after(() => {
    act(() => render(null, container));
    void win.happyDOM.close();
  });

  const rendered = () =>
    [...container.querySelectorAll('tbody tr:not(.spacer)')].map((tr) => tr.firstChild?.textContent);
  const spacers = () =>
    [...container.querySelectorAll('tbody tr.spacer td')].map((td) => (td as HTMLElement).style.height);

  it('renders only the rows of the first screen plus the overscan, and one spacer for the rest', () => {
    const visible = Math.ceil(MAX_HEIGHT / TABLE_ROW_PX);
    const rows = rendered();
    assert.equal(rows.length, visible + OVERSCAN);
    assert.equal(rows[0], 'row 0');
    assert.equal(rows.at(-1), `row ${visible + OVERSCAN - 1}`);
    assert.deepEqual(spacers(), [`${(ROWS - rows.length) * TABLE_ROW_PX}px`]);
    assert.deepEqual(ranges.at(-1), [0, visible + OVERSCAN]);
    assert.equal(container.querySelector('table')?.getAttribute('aria-rowcount'), String(ROWS + 1));
  });

  it('moves the window when the box scrolls, keeping the total height of 10,000 rows', () => {
    const box = container.querySelector('.vtable') as HTMLElement;
    const first = 5_000;
    act(() => {
      box.scrollTop = HEADER_PX + first * TABLE_ROW_PX;
      box.dispatchEvent(new win.Event('scroll') as unknown as Event);
    });
    const rows = rendered();
    const visible = Math.ceil(MAX_HEIGHT / TABLE_ROW_PX);
    assert.equal(rows[0], `row ${first - OVERSCAN}`);
    assert.ok(rows.includes(`row ${first}`));
    assert.equal(rows.at(-1), `row ${first + visible + OVERSCAN - 1}`);
    assert.equal(rows.length, visible + 2 * OVERSCAN);
    const [before, afterPx] = spacers().map((h) => Number.parseInt(h, 10));
    assert.equal(before, (first - OVERSCAN) * TABLE_ROW_PX);
    assert.equal(before! + rows.length * TABLE_ROW_PX + afterPx!, ROWS * TABLE_ROW_PX);
    assert.equal(
      container.querySelector('tbody tr:not(.spacer)')?.getAttribute('aria-rowindex'),
      String(first - OVERSCAN + 2),
    );
    assert.deepEqual(ranges.at(-1), [first - OVERSCAN, first + visible + OVERSCAN]);
  });

  it('renders the last rows at the end of the list and no spacer after them', () => {
    const box = container.querySelector('.vtable') as HTMLElement;
    act(() => {
      box.scrollTop = HEADER_PX + ROWS * TABLE_ROW_PX - MAX_HEIGHT;
      box.dispatchEvent(new win.Event('scroll') as unknown as Event);
    });
    const rows = rendered();
    assert.equal(rows.at(-1), `row ${ROWS - 1}`);
    assert.equal(spacers().length, 1);
    assert.ok(rows.length <= Math.ceil(MAX_HEIGHT / TABLE_ROW_PX) + 2 * OVERSCAN);
  });
});
