/**
 * The streaming engine: runs a compiled application record at a time (ADR 0019).
 * 1. Every in-application stream is an in-memory pub/sub point: a row appended to it goes to the sink (outputs,
 *    sampling) and to every pump reading it. Nothing is buffered between pumps.
 * 2. ROWTIME of an input row is max(previous ROWTIME of that stream, arrival time, time of the last window
 *    closed by a timer), so it never decreases and never falls into a window already emitted
 *    (Developer Guide, "Timestamps and the ROWTIME Column").
 * 3. Windows close when a row at or after their end arrives, and on a timer at their end through the injected
 *    clock, so results come out on time without new input (ADR 0019).
 * 4. A data error in one row (division by zero, bad cast, overflow) becomes an error_stream row carrying the
 *    pump's name; the row is dropped and the application keeps running (Developer Guide, "Error Handling").
 * 5. State is bounded by the windows: tumbling keeps the open window's groups, stagger the open windows,
 *    sliding windows and join buffers the rows inside their range or row count, per partition key.
 */
import {
  castValue,
  type CompiledApplication,
  compareValues,
  compositeKey,
  type EvalCtx,
  type Evaluator,
  type PlanNode,
  type PumpPlan,
  type SortKey,
  SqlRuntimeError,
  type SqlType,
  type SqlValue,
} from '../sql/index.js';
import { type Accumulator, newAccumulator } from './aggregates.js';
import { encodeDataRow } from './convert.js';

/** Time and one-shot timers at absolute times (epoch ms); tests inject a manual one. */
export interface EngineClock {
  now(): number;
  setTimer(atMs: number, fn: () => void): { cancel(): void };
}

/** A row of an in-application stream: ROWTIME (epoch ms) and the column values in declaration order. */
export interface Row {
  rowtime: number;
  values: SqlValue[];
}

/**
 * A row of the application's error_stream (Developer Guide, "Error Handling": ERROR_TIME, ERROR_LEVEL,
 * ERROR_NAME, MESSAGE, DATA_ROWTIME, DATA_ROW, PUMP_NAME). DATA_ROW is hex (see encodeDataRow).
 */
export interface ErrorRow {
  errorTime: number;
  errorLevel: 'ERROR';
  errorName: string;
  message: string;
  dataRowtime: number | null;
  dataRow: string | null;
  pumpName: string | null;
}

/** Where the engine's results go. Called synchronously from `push` and from timers. */
export interface EngineSink {
  /** Every row appended to any in-application stream (input streams included). */
  row(stream: string, row: Row): void;
  error(row: ErrorRow): void;
}

/** A started application. */
export interface RunningApplication {
  /** Appends a row to an input stream; ROWTIME = arrival time, made monotonic per stream. */
  push(inputStream: string, values: SqlValue[], arrivalMs: number): void;
  /** Replaces the rows of a reference table (UpdateApplication reloads it). */
  reloadReferenceData(name: string, rows: SqlValue[][]): void;
  /** Cancels timers; later pushes are refused. */
  stop(): void;
  /**
   * Entries held in window state: open groups (tumbling, stagger) plus rows held by sliding windows and join
   * buffers. For diagnostics and for the tests that check state stays bounded by the windows.
   */
  stateSize(): number;
}

/** Options of {@link startEngine}. */
export interface EngineOptions {
  clock: EngineClock;
  sink: EngineSink;
  /** Rows of each reference table at start. A table without rows here starts empty. */
  referenceData: Map<string, SqlValue[][]>;
}

type Emit = (values: SqlValue[], rowtime: number) => void;
type Report = (err: unknown, values: readonly SqlValue[] | null, rowtime: number | null) => void;

/** A simple FIFO on an array with a moving head (compacted when half consumed). */
class Fifo<T> {
  items: T[] = [];
  head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head]!;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

class StreamPoint {
  lastRowtime = Number.NEGATIVE_INFINITY;
  readonly readers: Emit[] = [];
  constructor(
    readonly name: string,
    private readonly sink: EngineSink,
    private readonly onSinkError: (err: unknown, values: SqlValue[], rowtime: number) => void,
  ) {}
  append(values: SqlValue[], rowtime: number): void {
    const rt = rowtime < this.lastRowtime ? this.lastRowtime : rowtime;
    this.lastRowtime = rt;
    // The sink (outputs, sampling) failing on a row must not keep it from the pumps that read this stream.
    try {
      this.sink.row(this.name, { rowtime: rt, values });
    } catch (err) {
      this.onSinkError(err, values, rt);
    }
    for (const r of this.readers) r(values, rt);
  }
}

interface Group {
  rep: SqlValue[];
  repRowtime: number;
  accs: Accumulator[];
}

class Engine implements RunningApplication {
  private readonly points = new Map<string, StreamPoint>();
  private readonly inputs = new Set<string>();
  private readonly tables = new Map<string, { rows: SqlValue[][]; indexes: Map<string, Map<unknown, SqlValue[][]>> }>();
  private readonly timers = new Set<{ cancel(): void }>();
  private readonly ctxNow: () => number;
  /** ROWTIME may not go below a window that a timer already closed (module comment, rule 2). */
  private timeFloor = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly stateCounters: (() => number)[] = [];

  constructor(
    private readonly app: CompiledApplication,
    private readonly opts: EngineOptions,
  ) {
    this.ctxNow = () => opts.clock.now();
    const onSinkError = (err: unknown, values: SqlValue[], rowtime: number): void =>
      this.reportError(err, values, rowtime, null);
    for (const i of app.inputs) {
      this.points.set(i.name, new StreamPoint(i.name, opts.sink, onSinkError));
      this.inputs.add(i.name);
    }
    for (const s of app.streams) this.points.set(s.name, new StreamPoint(s.name, opts.sink, onSinkError));
    for (const t of app.referenceTables)
      this.tables.set(t.name, { rows: opts.referenceData.get(t.name) ?? [], indexes: new Map() });
    for (const p of app.plans) this.startPump(p);
  }

  push(inputStream: string, values: SqlValue[], arrivalMs: number): void {
    if (this.stopped) throw new Error('The application is stopped');
    const point = this.inputs.has(inputStream) ? this.points.get(inputStream) : undefined;
    if (point === undefined) throw new RangeError(`Unknown input stream '${inputStream}'`);
    const width = this.app.schemas.get(inputStream)!.length;
    if (values.length !== width)
      throw new RangeError(`Input stream '${inputStream}' has ${width} columns, got ${values.length} values`);
    let rt = arrivalMs;
    if (rt < this.timeFloor) rt = this.timeFloor;
    point.append(values, rt);
  }

  reloadReferenceData(name: string, rows: SqlValue[][]): void {
    const t = this.tables.get(name);
    if (t === undefined) throw new RangeError(`Unknown reference table '${name}'`);
    t.rows = rows;
    t.indexes.clear();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }

  stateSize(): number {
    let n = 0;
    for (const c of this.stateCounters) n += c();
    return n;
  }

  private setTimer(at: number, fn: () => void): void {
    if (this.stopped) return;
    const handle = this.opts.clock.setTimer(at, () => {
      this.timers.delete(handle);
      if (this.stopped) return;
      if (at > this.timeFloor) this.timeFloor = at;
      // A timer runs outside any caller: nothing it raises may escape into the event loop (rule 4).
      try {
        fn();
      } catch (err) {
        this.reportError(err, null, null, null);
      }
    });
    this.timers.add(handle);
  }

  private startPump(p: PumpPlan): void {
    const target = this.points.get(p.target)!;
    const targetTypes = this.app.schemas.get(p.target)!.map((c) => c.type);
    const report: Report = (err, values, rowtime) => this.reportError(err, values, rowtime, p.name);
    const mapping = p.mapping;
    const sourceTypes = p.sourceTypes;
    const identity = mapping.every((m, i) => m === i) && sourceTypes.every((t, i) => sameType(t, targetTypes[i]!));
    const insert: Emit = identity
      ? (values, rowtime) => target.append(values, rowtime)
      : (values, rowtime) => {
          const out: SqlValue[] = new Array(mapping.length);
          for (let i = 0; i < mapping.length; i++) {
            const m = mapping[i]!;
            out[i] = m < 0 ? null : convertInto(values[m]!, sourceTypes[m]!, targetTypes[i]!);
          }
          target.append(out, rowtime);
        };
    this.build(p.plan, insert, report);
  }

  /** Writes one error_stream row; a sink that throws while taking it cannot stop the application. */
  private reportError(
    err: unknown,
    values: readonly SqlValue[] | null,
    rowtime: number | null,
    pumpName: string | null,
  ): void {
    const e = err instanceof SqlRuntimeError ? err : null;
    try {
      this.opts.sink.error({
        errorTime: this.opts.clock.now(),
        errorLevel: 'ERROR',
        errorName: e?.errorName ?? 'INTERNAL_ERROR',
        message: err instanceof Error ? err.message : String(err),
        dataRowtime: rowtime,
        dataRow: values === null ? null : encodeDataRow(values),
        pumpName,
      });
    } catch {
      // The sink's own failure is the sink's to report; the row is already dropped.
    }
  }

  private ctx(): EvalCtx {
    return { aggs: [], now: this.ctxNow };
  }

  /** Wires the operators of `node` so that its output rows reach `out`. */
  private build(node: PlanNode, out: Emit, report: Report): void {
    switch (node.k) {
      case 'scan': {
        this.points.get(node.stream)!.readers.push((values, rowtime) => {
          try {
            out(values, rowtime);
          } catch (err) {
            report(err, values, rowtime);
          }
        });
        return;
      }
      case 'filter': {
        const pred = node.predicate;
        const ctx = this.ctx();
        this.build(
          node.input,
          (values, rowtime) => {
            if (pred(values, rowtime, ctx) === true) out(values, rowtime);
          },
          report,
        );
        return;
      }
      case 'project': {
        const exprs = node.exprs;
        const n = exprs.length;
        const rtExpr = node.rowtime;
        const ctx = this.ctx();
        this.build(
          node.input,
          (values, rowtime) => {
            const row: SqlValue[] = new Array(n);
            for (let i = 0; i < n; i++) row[i] = exprs[i]!(values, rowtime, ctx);
            let rt = rowtime;
            if (rtExpr !== null) {
              const d = rtExpr(values, rowtime, ctx) as Date | null;
              if (d === null) throw new SqlRuntimeError('NULL_ROWTIME', 'ROWTIME cannot be NULL');
              rt = d.getTime();
            }
            out(row, rt);
          },
          report,
        );
        return;
      }
      case 'union':
        for (const i of node.inputs) this.build(i, out, report);
        return;
      case 'distinct': {
        const ctx = this.ctx();
        let seen = new Set<unknown>();
        let period = Number.NaN;
        this.stateCounters.push(() => seen.size);
        this.build(
          node.input,
          (values, rowtime) => {
            const p = node.windowStart(values, rowtime, ctx) as number;
            if (p !== period) {
              period = p;
              seen = new Set();
            }
            const key = compositeKey(values);
            if (seen.has(key)) return;
            seen.add(key);
            out(values, rowtime);
          },
          report,
        );
        return;
      }
      case 'tumble':
        this.buildTumble(node, out, report);
        return;
      case 'stagger':
        this.buildStagger(node, out, report);
        return;
      case 'slide':
        this.buildSlide(node, out, report);
        return;
      case 'join':
        this.buildJoin(node, out, report);
        return;
      case 'lookup':
        this.buildLookup(node, out, report);
        return;
    }
  }

  /** Emits the rows of closed groups at `rowtime`, HAVING applied, sorted by the ORDER BY keys. */
  private emitGroups(
    groups: Iterable<Group>,
    node: { outputs: Evaluator[]; having: Evaluator | null; order: SortKey[] },
    rowtime: number,
    out: Emit,
    report: Report,
  ): void {
    const ctx = this.ctx();
    const rows: { values: SqlValue[]; keys: SqlValue[] }[] = [];
    for (const g of groups) {
      try {
        const aggs: SqlValue[] = new Array(g.accs.length);
        for (let i = 0; i < g.accs.length; i++) aggs[i] = g.accs[i]!.result();
        ctx.aggs = aggs;
        if (node.having !== null && node.having(g.rep, g.repRowtime, ctx) !== true) continue;
        const values = node.outputs.map((f) => f(g.rep, g.repRowtime, ctx));
        const keys = node.order.map((o) => o.expr(g.rep, g.repRowtime, ctx));
        rows.push({ values, keys });
      } catch (err) {
        report(err, g.rep, g.repRowtime);
      }
    }
    if (node.order.length > 0) {
      const order = node.order;
      rows.sort((a, b) => {
        for (let i = 0; i < order.length; i++) {
          const x = a.keys[i]!;
          const y = b.keys[i]!;
          // NULLs sort last ascending, first descending.
          const c = x === null ? (y === null ? 0 : 1) : y === null ? -1 : compareValues(x, y);
          if (c !== 0) return order[i]!.desc ? -c : c;
        }
        return 0;
      });
    }
    for (const r of rows) {
      try {
        out(r.values, rowtime);
      } catch (err) {
        report(err, r.values, rowtime);
      }
    }
  }

  private buildTumble(node: Extract<PlanNode, { k: 'tumble' }>, out: Emit, report: Report): void {
    const ctx = this.ctx();
    const keys = node.keys;
    const specs = node.aggs;
    let groups = new Map<unknown, Group>();
    let windowStart = Number.NaN;
    let windowEnd = Number.NaN;
    let seq = 0;
    this.stateCounters.push(() => groups.size);
    const close = (upTo: number): void => {
      if (!(windowEnd <= upTo)) return;
      const closing = groups;
      const end = windowEnd;
      groups = new Map();
      windowStart = Number.NaN;
      windowEnd = Number.NaN;
      this.emitGroups(closing.values(), node, end, out, report);
    };
    const keyValues: SqlValue[] = new Array(keys.length);
    this.build(
      node.input,
      (values, rowtime) => {
        close(rowtime);
        const ws = node.windowStart(values, rowtime, ctx) as number;
        if (Number.isNaN(windowStart)) {
          windowStart = ws;
          windowEnd = node.windowEnd(ws);
          const end = windowEnd;
          this.setTimer(end, () => close(end));
        }
        for (let i = 0; i < keys.length; i++) keyValues[i] = keys[i]!(values, rowtime, ctx);
        const key = compositeKey(keyValues);
        let g = groups.get(key);
        if (g === undefined) {
          g = { rep: values, repRowtime: rowtime, accs: specs.map(newAccumulator) };
          groups.set(key, g);
        }
        const s = seq++;
        for (let i = 0; i < specs.length; i++) {
          const arg = specs[i]!.arg;
          g.accs[i]!.add(arg === null ? true : arg(values, rowtime, ctx), s);
        }
      },
      report,
    );
  }

  private buildStagger(node: Extract<PlanNode, { k: 'stagger' }>, out: Emit, report: Report): void {
    const ctx = this.ctx();
    const part = node.partitionBy;
    const specs = node.aggs;
    const range = node.rangeMs;
    const open = new Map<unknown, Group & { closeAt: number }>();
    // Windows open in ROWTIME order and all last `range`, so they also close in this order.
    const queue = new Fifo<{ key: unknown; g: Group & { closeAt: number } }>();
    this.stateCounters.push(() => open.size);
    let timerAt = Number.NaN;
    const arm = (): void => {
      const head = queue.peek();
      if (head === undefined || head.g.closeAt === timerAt) return;
      timerAt = head.g.closeAt;
      const at = timerAt;
      this.setTimer(at, () => {
        if (timerAt === at) timerAt = Number.NaN;
        close(at);
      });
    };
    const close = (upTo: number): void => {
      while (queue.size > 0 && queue.peek()!.g.closeAt <= upTo) {
        const at = queue.peek()!.g.closeAt;
        const batch: Group[] = [];
        while (queue.size > 0 && queue.peek()!.g.closeAt === at) {
          const { key, g } = queue.shift()!;
          open.delete(key);
          batch.push(g);
        }
        this.emitGroups(batch, node, at, out, report);
      }
      arm();
    };
    const keyValues: SqlValue[] = new Array(part.length);
    let seq = 0;
    this.build(
      node.input,
      (values, rowtime) => {
        close(rowtime);
        for (let i = 0; i < part.length; i++) keyValues[i] = part[i]!(values, rowtime, ctx);
        const key = compositeKey(keyValues);
        let g = open.get(key);
        if (g === undefined) {
          g = { rep: values, repRowtime: rowtime, accs: specs.map(newAccumulator), closeAt: rowtime + range };
          open.set(key, g);
          queue.push({ key, g });
          arm();
        }
        const s = seq++;
        for (let i = 0; i < specs.length; i++) {
          const arg = specs[i]!.arg;
          g.accs[i]!.add(arg === null ? true : arg(values, rowtime, ctx), s);
        }
      },
      report,
    );
  }

  private buildSlide(node: Extract<PlanNode, { k: 'slide' }>, out: Emit, report: Report): void {
    const ctx = this.ctx();
    const aggs: SqlValue[] = new Array(node.aggCount).fill(null);
    ctx.aggs = aggs;
    interface Entry {
      rowtime: number;
      seq: number;
      args: SqlValue[];
    }
    interface Partition {
      rows: Fifo<Entry>;
      accs: Accumulator[];
    }
    const windows = node.windows.map((w) => ({ plan: w, parts: new Map<unknown, Partition>() }));
    this.stateCounters.push(() => {
      let n = 0;
      for (const w of windows) for (const p of w.parts.values()) n += p.rows.size;
      return n;
    });
    const outputs = node.outputs;
    let seq = 0;
    let sinceSweep = 0;
    const evict = (p: Partition, plan: (typeof windows)[number]['plan'], rowtime: number): void => {
      for (;;) {
        const head = p.rows.peek();
        if (head === undefined) return;
        const expired =
          plan.rangeMs !== null ? head.rowtime < rowtime - plan.rangeMs : p.rows.size > (plan.rows ?? 0) + 1;
        if (!expired) return;
        p.rows.shift();
        for (let i = 0; i < p.accs.length; i++) p.accs[i]!.remove(head.args[i]!, head.seq);
      }
    };
    const sweep = (rowtime: number): void => {
      for (const w of windows) {
        if (w.plan.rangeMs === null) continue;
        for (const [k, p] of w.parts) {
          evict(p, w.plan, rowtime);
          if (p.rows.size === 0) w.parts.delete(k);
        }
      }
    };
    this.build(
      node.input,
      (values, rowtime) => {
        const s = seq++;
        if (++sinceSweep >= 4096) {
          sinceSweep = 0;
          sweep(rowtime);
        }
        for (const w of windows) {
          const plan = w.plan;
          const kv = plan.partitionBy.map((f) => f(values, rowtime, ctx));
          const key = kv.length === 0 ? null : compositeKey(kv);
          let p = w.parts.get(key);
          if (p === undefined) {
            p = { rows: new Fifo(), accs: plan.aggs.map(newAccumulator) };
            w.parts.set(key, p);
          }
          const args = plan.aggs.map((a) => (a.arg === null ? true : a.arg(values, rowtime, ctx)));
          if (plan.rangeMs !== null) evict(p, plan, rowtime);
          p.rows.push({ rowtime, seq: s, args });
          for (let i = 0; i < args.length; i++) p.accs[i]!.add(args[i]!, s);
          if (plan.rows !== null) evict(p, plan, rowtime);
          for (let i = 0; i < plan.slots.length; i++) aggs[plan.slots[i]!] = p.accs[i]!.result();
        }
        const row: SqlValue[] = new Array(outputs.length);
        for (let i = 0; i < outputs.length; i++) row[i] = outputs[i]!(values, rowtime, ctx);
        out(row, rowtime);
      },
      report,
    );
  }

  private buildJoin(node: Extract<PlanNode, { k: 'join' }>, out: Emit, report: Report): void {
    const ctx = this.ctx();
    interface Entry {
      rowtime: number;
      values: SqlValue[];
      key: unknown;
    }
    const fifo = new Fifo<Entry>();
    const byKey = new Map<unknown, Fifo<Entry>>();
    this.stateCounters.push(() => fifo.size);
    const keyed = node.driverKeys.length > 0;
    const range = node.rangeMs;
    const maxRows = node.rows === null ? null : node.rows + 1;
    const driverIsLeft = node.driver === 'left';
    const lw = node.leftWidth;
    const rw = node.rightWidth;
    const width = lw + rw + 1;
    const evictOne = (): void => {
      const e = fifo.shift()!;
      if (keyed) {
        const list = byKey.get(e.key);
        if (list !== undefined) {
          list.shift();
          if (list.size === 0) byKey.delete(e.key);
        }
      }
    };
    const keyOf = (fs: Evaluator[], values: SqlValue[], rowtime: number): unknown => {
      const kv = fs.map((f) => f(values, rowtime, ctx));
      return kv.some((v) => v === null) ? undefined : compositeKey(kv);
    };
    const combine = (driver: SqlValue[], windowed: SqlValue[] | null, windowedRowtime: number | null): SqlValue[] => {
      const row: SqlValue[] = new Array(width);
      const left = driverIsLeft ? driver : windowed;
      const right = driverIsLeft ? windowed : driver;
      for (let i = 0; i < lw; i++) row[i] = left === null ? null : left[i]!;
      for (let i = 0; i < rw; i++) row[lw + i] = right === null ? null : right[i]!;
      row[lw + rw] = windowedRowtime === null ? null : new Date(windowedRowtime);
      return row;
    };
    const onWindowed: Emit = (values, rowtime) => {
      const key = keyed ? keyOf(node.windowedKeys, values, rowtime) : null;
      if (key === undefined) return; // a NULL key never matches
      const e = { rowtime, values, key };
      fifo.push(e);
      if (keyed) {
        let list = byKey.get(key);
        if (list === undefined) byKey.set(key, (list = new Fifo()));
        list.push(e);
      }
      if (maxRows !== null) while (fifo.size > maxRows) evictOne();
      // Memory bound when the driver side is idle: rows older than two window lengths can no longer match a
      // driver row unless that stream lags by more than a window (ADR 0019).
      else if (range !== null) while (fifo.size > 0 && fifo.peek()!.rowtime < rowtime - 2 * range) evictOne();
    };
    const onDriver: Emit = (values, rowtime) => {
      if (range !== null) while (fifo.size > 0 && fifo.peek()!.rowtime < rowtime - range) evictOne();
      let matched = false;
      const key = keyed ? keyOf(node.driverKeys, values, rowtime) : null;
      const candidates = key === undefined ? undefined : keyed ? byKey.get(key) : fifo;
      if (candidates !== undefined) {
        const items = candidates.items;
        for (let i = candidates.head; i < items.length; i++) {
          const e = items[i]!;
          if (range !== null && e.rowtime < rowtime - range) continue;
          const row = combine(values, e.values, e.rowtime);
          if (node.on !== null && node.on(row, rowtime, ctx) !== true) continue;
          matched = true;
          out(row, rowtime);
        }
      }
      if (!matched && node.outer) out(combine(values, null, null), rowtime);
    };
    this.build(driverIsLeft ? node.left : node.right, onDriver, report);
    this.build(driverIsLeft ? node.right : node.left, onWindowed, report);
  }

  private buildLookup(node: Extract<PlanNode, { k: 'lookup' }>, out: Emit, report: Report): void {
    const ctx = this.ctx();
    const table = this.tables.get(node.table)!;
    const tableKeys = node.tableKeys;
    const indexName = tableKeys.join(',');
    const sw = node.streamWidth;
    const tw = node.tableWidth;
    const index = (): Map<unknown, SqlValue[][]> => {
      let idx = table.indexes.get(indexName);
      if (idx === undefined) {
        idx = new Map();
        for (const r of table.rows) {
          const kv = tableKeys.map((i) => r[i] ?? null);
          if (kv.some((v) => v === null)) continue;
          const k = compositeKey(kv);
          const list = idx.get(k);
          if (list === undefined) idx.set(k, [r]);
          else list.push(r);
        }
        table.indexes.set(indexName, idx);
      }
      return idx;
    };
    this.build(
      node.input,
      (values, rowtime) => {
        let candidates: SqlValue[][] | undefined;
        if (tableKeys.length > 0) {
          const kv = node.streamKeys.map((f) => f(values, rowtime, ctx));
          candidates = kv.some((v) => v === null) ? undefined : index().get(compositeKey(kv));
        } else candidates = table.rows;
        let matched = false;
        if (candidates !== undefined)
          for (const r of candidates) {
            const row: SqlValue[] = new Array(sw + tw);
            for (let i = 0; i < sw; i++) row[i] = values[i]!;
            for (let i = 0; i < tw; i++) row[sw + i] = r[i] ?? null;
            if (node.on !== null && node.on(row, rowtime, ctx) !== true) continue;
            matched = true;
            out(row, rowtime);
          }
        if (!matched && node.outer) {
          const row: SqlValue[] = new Array(sw + tw).fill(null);
          for (let i = 0; i < sw; i++) row[i] = values[i]!;
          out(row, rowtime);
        }
      },
      report,
    );
  }
}

function sameType(a: SqlType, b: SqlType): boolean {
  return a.kind === b.kind && a.length === b.length && a.scale === b.scale;
}

/** A value converted into a target column's type (INSERT): numbers fitted, strings cut to the column length. */
function convertInto(v: SqlValue, from: SqlType, to: SqlType): SqlValue {
  if (v === null) return null;
  if (from.kind === to.kind && (to.kind === 'DOUBLE' || to.kind === 'BOOLEAN' || to.kind === 'TIMESTAMP')) return v;
  return castValue(v, from, to);
}

/** Starts a compiled application: wires its pumps and returns the handle that feeds it. */
export function startEngine(app: CompiledApplication, opts: EngineOptions): RunningApplication {
  return new Engine(app, opts);
}
