/**
 * Java-style date patterns of CHAR_TO_TIMESTAMP and TIMESTAMP_TO_CHAR (Amazon Kinesis Data Analytics SQL
 * Reference, "CHAR_TO_TIMESTAMP(Sys)", "TIMESTAMP_TO_CHAR": the format follows java.text.SimpleDateFormat).
 * Letters supported: y (yy two-digit, yyyy), M (M/MM number, MMM short name, MMMM full name), d, H (0–23),
 * k (1–24), h (1–12), K (0–11), m, s, S (milliseconds), a (AM/PM), E (day name, parsed and ignored),
 * Z / X (zone offset: `Z`, `+hhmm`, `+hh:mm`). Text in single quotes is literal ('' is a quote); other
 * non-letters are literal. Times are UTC unless the text carries an offset.
 */
import { INVALID_CAST, SqlRuntimeError } from './values.js';

type Token = { letter: string; width: number } | { literal: string };

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        out.push({ literal: "'" });
        i += 2;
        continue;
      }
      let j = i + 1;
      let text = '';
      while (j < pattern.length) {
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      out.push({ literal: text });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      if (!'yMdHkhKmsSaEZX'.includes(c))
        throw new SqlRuntimeError('INVALID_DATE_FORMAT', `Unsupported pattern letter '${c}' in '${pattern}'`);
      out.push({ letter: c, width: j - i });
      i = j;
      continue;
    }
    out.push({ literal: c });
    i++;
  }
  return out;
}

const cache = new Map<string, Token[]>();
function compiled(pattern: string): Token[] {
  let t = cache.get(pattern);
  if (t === undefined) {
    t = tokenize(pattern);
    if (cache.size > 256) cache.clear();
    cache.set(pattern, t);
  }
  return t;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** TIMESTAMP_TO_CHAR(pattern, ts). */
export function formatWithPattern(pattern: string, d: Date): string {
  let out = '';
  for (const t of compiled(pattern)) {
    if ('literal' in t) {
      out += t.literal;
      continue;
    }
    const w = t.width;
    switch (t.letter) {
      case 'y':
        out += w === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), w);
        break;
      case 'M':
        out +=
          w >= 4
            ? MONTHS[d.getUTCMonth()]!
            : w === 3
              ? MONTHS[d.getUTCMonth()]!.slice(0, 3)
              : pad(d.getUTCMonth() + 1, w);
        break;
      case 'd':
        out += pad(d.getUTCDate(), w);
        break;
      case 'H':
        out += pad(d.getUTCHours(), w);
        break;
      case 'k':
        out += pad(d.getUTCHours() === 0 ? 24 : d.getUTCHours(), w);
        break;
      case 'h':
        out += pad(d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12, w);
        break;
      case 'K':
        out += pad(d.getUTCHours() % 12, w);
        break;
      case 'm':
        out += pad(d.getUTCMinutes(), w);
        break;
      case 's':
        out += pad(d.getUTCSeconds(), w);
        break;
      case 'S':
        out += pad(d.getUTCMilliseconds(), w);
        break;
      case 'a':
        out += d.getUTCHours() < 12 ? 'AM' : 'PM';
        break;
      case 'E':
        out += w >= 4 ? DAYS[d.getUTCDay()]! : DAYS[d.getUTCDay()]!.slice(0, 3);
        break;
      default:
        out += t.letter === 'X' ? 'Z' : '+0000';
    }
  }
  return out;
}

/** CHAR_TO_TIMESTAMP(pattern, text): the instant, or a cast error when the text does not match. */
export function parseWithPattern(pattern: string, text: string): Date {
  let year = 1970;
  let month = 0;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let pm: boolean | null = null;
  let twelve = false;
  let offsetMin = 0;
  let i = 0;
  const fail = (): never => {
    throw new SqlRuntimeError(INVALID_CAST, `Cannot parse '${text}' with format '${pattern}'`);
  };
  const digits = (min: number, max: number): number => {
    let j = i;
    while (j < text.length && j - i < max && text[j]! >= '0' && text[j]! <= '9') j++;
    if (j - i < min) fail();
    const n = Number(text.slice(i, j));
    i = j;
    return n;
  };
  const tokens = compiled(pattern);
  tokens.forEach((t, k) => {
    if ('literal' in t) {
      if (!text.startsWith(t.literal, i)) fail();
      i += t.literal.length;
      return;
    }
    // A numeric field followed directly by another numeric field takes exactly its width (yyyyMMdd).
    const next = tokens[k + 1];
    const fixed = next !== undefined && 'letter' in next && !'aEMZX'.includes(next.letter);
    const width = (w: number, dflt: number) => (fixed ? w : Math.max(w, dflt));
    switch (t.letter) {
      case 'y': {
        const n = digits(t.width === 2 ? 2 : 1, t.width === 2 ? 2 : width(t.width, 4));
        year = t.width === 2 ? 2000 + n : n;
        break;
      }
      case 'M':
        if (t.width >= 3) {
          const names = MONTHS.map((m) => (t.width === 3 ? m.slice(0, 3) : m).toLowerCase());
          const idx = names.findIndex((m) => text.slice(i, i + m.length).toLowerCase() === m);
          if (idx < 0) fail();
          month = idx;
          i += names[idx]!.length;
        } else month = digits(1, width(t.width, 2)) - 1;
        break;
      case 'd':
        day = digits(1, width(t.width, 2));
        break;
      case 'H':
        hour = digits(1, width(t.width, 2));
        break;
      case 'k':
        hour = digits(1, width(t.width, 2)) % 24;
        break;
      case 'h':
      case 'K':
        hour = digits(1, width(t.width, 2)) % 12;
        twelve = true;
        break;
      case 'm':
        minute = digits(1, width(t.width, 2));
        break;
      case 's':
        second = digits(1, width(t.width, 2));
        break;
      case 'S':
        ms = digits(1, width(t.width, 3));
        break;
      case 'a': {
        const s = text.slice(i, i + 2).toUpperCase();
        if (s !== 'AM' && s !== 'PM') fail();
        pm = s === 'PM';
        i += 2;
        break;
      }
      case 'E': {
        const m = /^[A-Za-z]+/.exec(text.slice(i));
        if (m === null) fail();
        i += m![0].length;
        break;
      }
      default: {
        const m = /^(Z|[+-]\d{2}:?\d{2})/.exec(text.slice(i));
        if (m === null) fail();
        const z = m![0];
        if (z !== 'Z') {
          const sign = z[0] === '-' ? -1 : 1;
          const hhmm = z.slice(1).replace(':', '');
          offsetMin = sign * (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2)));
        }
        i += z.length;
      }
    }
  });
  if (i !== text.length) fail();
  if (twelve && pm === true) hour += 12;
  if (month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) fail();
  const t = Date.UTC(year, month, day, hour, minute, second, ms);
  const d = new Date(t);
  if (d.getUTCDate() !== day) fail();
  return new Date(t - offsetMin * 60_000);
}
