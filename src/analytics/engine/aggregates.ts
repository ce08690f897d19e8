/**
 * Accumulators of the aggregate functions (Amazon Kinesis Data Analytics SQL Reference, "Aggregate Functions"):
 * NULL arguments are ignored (COUNT(*) counts rows); an aggregate over no non-NULL value is NULL (COUNT: 0).
 * Tumbling and stagger windows only add; sliding windows also remove the rows leaving the window, so every
 * accumulator supports removal of the oldest value it holds (`seq` is the row's arrival order).
 * Result types follow ADR 0019: the argument's type (integer AVG truncates toward zero), COUNT is BIGINT.
 */
import { type AggregateSpec, compareValues, type SqlType, type SqlValue, valueKey } from '../sql/index.js';
import { fitNumber } from './convert.js';

export interface Accumulator {
  add(v: SqlValue, seq: number): void;
  /** Removes the value added with `seq`; always the oldest one still held. */
  remove(v: SqlValue, seq: number): void;
  result(): SqlValue;
}

class CountAcc implements Accumulator {
  private n = 0;
  add(v: SqlValue): void {
    if (v !== null) this.n++;
  }
  remove(v: SqlValue): void {
    if (v !== null) this.n--;
  }
  result(): SqlValue {
    return BigInt(this.n);
  }
}

class CountDistinctAcc implements Accumulator {
  private readonly counts = new Map<unknown, number>();
  add(v: SqlValue): void {
    if (v === null) return;
    const k = valueKey(v);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }
  remove(v: SqlValue): void {
    if (v === null) return;
    const k = valueKey(v);
    const n = (this.counts.get(k) ?? 0) - 1;
    if (n <= 0) this.counts.delete(k);
    else this.counts.set(k, n);
  }
  result(): SqlValue {
    return BigInt(this.counts.size);
  }
}

/** SUM and AVG over numbers (exact for integers up to 2^53), or over bigints for BIGINT. */
class SumAcc implements Accumulator {
  private sum = 0;
  private big = 0n;
  private n = 0;
  constructor(
    private readonly type: SqlType,
    private readonly average: boolean,
  ) {}
  add(v: SqlValue): void {
    if (v === null) return;
    this.n++;
    if (typeof v === 'bigint') this.big += v;
    else this.sum += v as number;
  }
  remove(v: SqlValue): void {
    if (v === null) return;
    this.n--;
    if (typeof v === 'bigint') this.big -= v;
    else this.sum -= v as number;
  }
  result(): SqlValue {
    if (this.n === 0) return null;
    if (this.type.kind === 'BIGINT') return fitBig(this.average ? this.big / BigInt(this.n) : this.big, this.type);
    return fitNumber(this.average ? this.sum / this.n : this.sum, this.type);
  }
}

function fitBig(v: bigint, t: SqlType): SqlValue {
  return fitNumber(v, t);
}

/** MIN / MAX: a monotonic deque of (seq, value) — the front is the answer, removal pops it when it leaves. */
class ExtremeAcc implements Accumulator {
  private seqs: number[] = [];
  private vals: SqlValue[] = [];
  private head = 0;
  constructor(private readonly sign: 1 | -1) {}
  add(v: SqlValue, seq: number): void {
    if (v === null) return;
    // Drop held values that can never be the answer again: worse than or equal to the new one.
    while (this.vals.length > this.head && this.sign * compareValues(this.vals[this.vals.length - 1]!, v) >= 0) {
      this.vals.pop();
      this.seqs.pop();
    }
    this.vals.push(v);
    this.seqs.push(seq);
  }
  remove(_v: SqlValue, seq: number): void {
    if (this.head < this.seqs.length && this.seqs[this.head] === seq) {
      this.head++;
      if (this.head > 64 && this.head * 2 > this.seqs.length) {
        this.seqs = this.seqs.slice(this.head);
        this.vals = this.vals.slice(this.head);
        this.head = 0;
      }
    }
  }
  result(): SqlValue {
    return this.head < this.vals.length ? this.vals[this.head]! : null;
  }
}

/** FIRST_VALUE / LAST_VALUE: the value of the first / last row held (NULL included). */
class EdgeAcc implements Accumulator {
  private vals: SqlValue[] = [];
  private head = 0;
  constructor(private readonly last: boolean) {}
  add(v: SqlValue): void {
    if (this.last) {
      this.vals[0] = v;
      this.head = 0;
      this.count++;
      return;
    }
    this.vals.push(v);
  }
  private count = 0;
  remove(): void {
    if (this.last) {
      this.count--;
      if (this.count === 0) this.vals = [];
      return;
    }
    this.head++;
    if (this.head > 64 && this.head * 2 > this.vals.length) {
      this.vals = this.vals.slice(this.head);
      this.head = 0;
    }
  }
  result(): SqlValue {
    return this.head < this.vals.length ? this.vals[this.head]! : null;
  }
}

/**
 * VAR_POP / VAR_SAMP / STDDEV_POP / STDDEV_SAMP from sums shifted by the first value seen (keeps precision
 * for values far from zero while allowing removal).
 */
class VarianceAcc implements Accumulator {
  private n = 0;
  private shift: number | null = null;
  private s1 = 0;
  private s2 = 0;
  constructor(
    private readonly type: SqlType,
    private readonly sample: boolean,
    private readonly sqrt: boolean,
  ) {}
  add(v: SqlValue): void {
    if (v === null) return;
    const x = Number(v);
    if (this.shift === null) this.shift = x;
    const d = x - this.shift;
    this.n++;
    this.s1 += d;
    this.s2 += d * d;
  }
  remove(v: SqlValue): void {
    if (v === null) return;
    const d = Number(v) - this.shift!;
    this.n--;
    this.s1 -= d;
    this.s2 -= d * d;
    if (this.n === 0) {
      this.shift = null;
      this.s1 = 0;
      this.s2 = 0;
    }
  }
  result(): SqlValue {
    const div = this.sample ? this.n - 1 : this.n;
    if (div <= 0) return null;
    const variance = Math.max(0, (this.s2 - (this.s1 * this.s1) / this.n) / div);
    return fitNumber(this.sqrt ? Math.sqrt(variance) : variance, this.type);
  }
}

/** A fresh accumulator for one aggregate call. */
export function newAccumulator(spec: AggregateSpec): Accumulator {
  switch (spec.fn) {
    case 'COUNT':
      return spec.distinct ? new CountDistinctAcc() : new CountAcc();
    case 'SUM':
      return new SumAcc(spec.type, false);
    case 'AVG':
      return new SumAcc(spec.type, true);
    case 'MIN':
      return new ExtremeAcc(1);
    case 'MAX':
      return new ExtremeAcc(-1);
    case 'FIRST_VALUE':
      return new EdgeAcc(false);
    case 'LAST_VALUE':
      return new EdgeAcc(true);
    case 'VAR_POP':
      return new VarianceAcc(spec.type, false, false);
    case 'VAR_SAMP':
      return new VarianceAcc(spec.type, true, false);
    case 'STDDEV_POP':
      return new VarianceAcc(spec.type, false, true);
    case 'STDDEV_SAMP':
      return new VarianceAcc(spec.type, true, true);
  }
}
