#!/usr/bin/env node
/**
 * Generates the checked-in shape files of each service (`src/<area>/shapes/*.generated.ts`) from the AWS
 * API models that botocore ships (`data/<service>/<version>/service-2.json.gz`). Per service:
 * - the runtime model (`out`): names, types, constraints, operation bindings and error lists, never
 *   documentation text, so the output is small and stable;
 * - the TypeScript types (`types.out`, optional): one interface per structure an operation uses (input,
 *   output, nested), enum unions, and the operation map (`types.operations`: operation → { input; output }),
 *   with each doc comment cut to the model documentation's first sentence.
 * Output is deterministic: model order for operations, shapes and members.
 *
 * Usage:
 *   node scripts/generate-shapes.mjs                     write every file of every service in SERVICES
 *   node scripts/generate-shapes.mjs --check             regenerate in memory; exit 1 if any checked-in file differs
 *   node scripts/generate-shapes.mjs --service <name>    only that service (repeatable; combines with --check)
 *
 * botocore is found with `python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))'`;
 * `BOTOCORE_DATA=<dir>` (the `data` folder itself) overrides that.
 *
 * Exit codes: 0 ok, 1 `--check` found a difference, 2 bad usage or bad model/override, 3 botocore not found.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One row per generated model. Adding a sibling service (firehose 2015-08-04, kinesisvideo 2017-09-30,
 * kinesisanalyticsv2 2018-05-23, ...) is one more row; `overrides` and `types` are optional.
 * `types.operations` names the generated operation map interface.
 */
const SERVICES = [
  {
    service: 'kinesis',
    version: '2013-12-02',
    out: 'src/streams/shapes/kinesis.generated.ts',
    exportName: 'kinesisModel',
    overrides: 'scripts/shape-overrides/kinesis.json',
    types: { out: 'src/streams/shapes/kinesis-types.generated.ts', operations: 'KinesisOperations' },
  },
  {
    service: 'firehose',
    version: '2015-08-04',
    out: 'src/firehose/shapes/firehose.generated.ts',
    exportName: 'firehoseModel',
    types: { out: 'src/firehose/shapes/firehose-types.generated.ts', operations: 'FirehoseOperations' },
  },
  {
    service: 'kinesisvideo',
    version: '2017-09-30',
    out: 'src/video/shapes/kinesisvideo.generated.ts',
    exportName: 'kinesisVideoModel',
    types: { out: 'src/video/shapes/kinesisvideo-types.generated.ts', operations: 'KinesisVideoOperations' },
  },
  {
    service: 'kinesis-video-media',
    version: '2017-09-30',
    out: 'src/video/shapes/kinesis-video-media.generated.ts',
    exportName: 'kinesisVideoMediaModel',
    types: {
      out: 'src/video/shapes/kinesis-video-media-types.generated.ts',
      operations: 'KinesisVideoMediaOperations',
    },
  },
  {
    service: 'kinesis-video-archived-media',
    version: '2017-09-30',
    out: 'src/video/shapes/kinesis-video-archived-media.generated.ts',
    exportName: 'kinesisVideoArchivedMediaModel',
    types: {
      out: 'src/video/shapes/kinesis-video-archived-media-types.generated.ts',
      operations: 'KinesisVideoArchivedMediaOperations',
    },
  },
  {
    service: 'kinesisanalytics',
    version: '2015-08-14',
    out: 'src/analytics/shapes/kinesisanalytics.generated.ts',
    exportName: 'kinesisAnalyticsModel',
    types: {
      out: 'src/analytics/shapes/kinesisanalytics-types.generated.ts',
      operations: 'KinesisAnalyticsOperations',
    },
  },
  {
    service: 'kinesisanalyticsv2',
    version: '2018-05-23',
    out: 'src/analytics/shapes/kinesisanalyticsv2.generated.ts',
    exportName: 'kinesisAnalyticsV2Model',
    types: {
      out: 'src/analytics/shapes/kinesisanalyticsv2-types.generated.ts',
      operations: 'KinesisAnalyticsV2Operations',
    },
  },
];

/** Exit code meaning "no botocore on this machine" (the --check test skips on it outside CI). */
const EXIT_NO_BOTOCORE = 3;
/**
 * Exit code of `--check` when this machine's botocore is another release than the one the checked-in
 * files were generated from: the models legitimately differ, so nothing can be compared.
 */
const EXIT_OTHER_BOTOCORE = 4;

/** botocore's release, read from its package next to the data folder (`__version__ = '1.43.11'`). */
function botocoreVersion(dataDir) {
  try {
    const init = readFileSync(join(dataDir, '..', '__init__.py'), 'utf8');
    return /__version__\s*=\s*['"]([^'"]+)['"]/.exec(init)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

class UsageError extends Error {}

function findBotocoreData() {
  if (process.env.BOTOCORE_DATA) return process.env.BOTOCORE_DATA;
  try {
    const dir = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dir ? join(dir, 'data') : undefined;
  } catch {
    return undefined;
  }
}

function readModel(dataDir, service, version) {
  const base = join(dataDir, service, version);
  const gz = join(base, 'service-2.json.gz');
  if (existsSync(gz)) return JSON.parse(gunzipSync(readFileSync(gz)).toString('utf8'));
  const plain = join(base, 'service-2.json');
  if (existsSync(plain)) return JSON.parse(readFileSync(plain, 'utf8'));
  return undefined;
}

const SCALAR_CONSTRAINTS = ['min', 'max'];

/** Reduces one botocore shape to the fields of `Shape` in src/protocol/shapes.ts, in a fixed key order. */
function convertShape(name, s, overrides) {
  const out = { type: s.type };
  switch (s.type) {
    case 'structure': {
      const members = {};
      for (const [m, ref] of Object.entries(s.members ?? {})) {
        // REST protocols bind some members to the HTTP message instead of the JSON body (header, URI, query).
        const member = { shape: ref.shape };
        if (ref.location) member.location = ref.location;
        if (ref.locationName) member.locationName = ref.locationName;
        members[m] = member;
      }
      out.members = members;
      if (s.payload) out.payload = s.payload;
      if (s.required?.length) out.required = [...s.required];
      if (s.union) out.union = true;
      if (s.exception) out.exception = true;
      if (s.eventstream) out.eventstream = true;
      if (s.event) out.event = true;
      const order = overrides.memberOrder?.[name];
      if (order) {
        const names = Object.keys(members);
        for (const m of order) {
          if (!names.includes(m)) throw new UsageError(`override memberOrder.${name}: ${m} is not a member`);
        }
        out.validationOrder = [...order, ...names.filter((m) => !order.includes(m))];
      }
      break;
    }
    case 'list':
      out.member = { shape: s.member.shape };
      break;
    case 'map':
      out.key = { shape: s.key.shape };
      out.value = { shape: s.value.shape };
      break;
    case 'string': {
      if (s.pattern !== undefined) out.pattern = s.pattern;
      if (s.enum) {
        const order = overrides.enumOrder?.[name];
        if (order) {
          const same = order.length === s.enum.length && s.enum.every((v) => order.includes(v));
          if (!same) throw new UsageError(`override enumOrder.${name} is not a permutation of the model's enum`);
          out.enum = [...order];
        } else {
          out.enum = [...s.enum];
        }
      }
      break;
    }
    case 'blob':
      if (s.streaming) out.streaming = true;
      break;
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
    case 'boolean':
    case 'timestamp':
      break;
    default:
      throw new UsageError(`shape ${name}: unsupported type ${s.type}`);
  }
  if (s.type !== 'structure' && s.type !== 'boolean' && s.type !== 'timestamp') {
    for (const k of SCALAR_CONSTRAINTS) if (typeof s[k] === 'number') out[k] = s[k];
  }
  return out;
}

function convertModel(model, overrides) {
  const md = model.metadata;
  const metadata = { apiVersion: md.apiVersion, protocol: md.protocol };
  if (md.jsonVersion) metadata.jsonVersion = md.jsonVersion;
  if (md.targetPrefix) metadata.targetPrefix = md.targetPrefix;
  if (md.signingName) metadata.signingName = md.signingName;
  metadata.endpointPrefix = md.endpointPrefix;
  metadata.serviceId = md.serviceId;

  const operations = {};
  for (const [name, op] of Object.entries(model.operations)) {
    const o = {};
    if (op.input) o.input = op.input.shape;
    if (op.output) o.output = op.output.shape;
    o.errors = (op.errors ?? []).map((e) => e.shape);
    if (op.http) o.http = { method: op.http.method, requestUri: op.http.requestUri };
    operations[name] = o;
  }
  const shapes = {};
  for (const [name, s] of Object.entries(model.shapes)) shapes[name] = convertShape(name, s, overrides);
  for (const name of Object.keys(overrides.memberOrder ?? {})) {
    if (!shapes[name]) throw new UsageError(`override memberOrder.${name}: no such shape`);
  }
  for (const name of Object.keys(overrides.enumOrder ?? {})) {
    if (!shapes[name]?.enum) throw new UsageError(`override enumOrder.${name}: no such enum shape`);
  }
  return { metadata, operations, shapes };
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function lit(v) {
  if (typeof v === 'string') {
    // Single-quoted TS string: escape what JSON escapes, then the quote itself.
    return `'${JSON.stringify(v).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(lit).join(', ')}]`;
  const entries = Object.entries(v).map(([k, x]) => `${IDENT.test(k) ? k : lit(k)}: ${lit(x)}`);
  return entries.length ? `{ ${entries.join(', ')} }` : '{}';
}

function block(obj, indent) {
  const pad = ' '.repeat(indent);
  const lines = Object.entries(obj).map(([k, v]) => `${pad}${IDENT.test(k) ? k : lit(k)}: ${lit(v)},`);
  return `{\n${lines.join('\n')}\n${' '.repeat(indent - 2)}}`;
}

function render(target, converted, version) {
  const src = `${version} data/${target.service}/${target.version}/service-2.json.gz`;
  const importPath = `${'../'.repeat(target.out.split('/').length - 2)}protocol/index.js`;
  return [
    `// Generated by scripts/generate-shapes.mjs from botocore ${src}${target.overrides ? ` and ${target.overrides}` : ''}.`,
    '// Do not edit: run `npm run generate:shapes` (CI checks with `node scripts/generate-shapes.mjs --check`).',
    `import type { ServiceModel } from '${importPath}';`,
    '',
    `/** The ${converted.metadata.serviceId} ${target.version} API model: operations and shapes with AWS's constraints. */`,
    `export const ${target.exportName}: ServiceModel = {`,
    `  metadata: ${lit(converted.metadata)},`,
    `  operations: ${block(converted.operations, 4)},`,
    `  shapes: ${block(converted.shapes, 4)},`,
    '};',
    '',
  ].join('\n');
}

// ---- TypeScript types (`types.out`) ----------------------------------------------------------------

/**
 * Global type names a shape may not shadow in the generated module (a shape named `Record` would break
 * `Record<string, V>`); such shapes get a leading underscore, as the AWS SDK for JavaScript v3 does.
 */
const RESERVED_TYPE_NAMES = new Set([
  'Array',
  'AsyncIterable',
  'Boolean',
  'Date',
  'Error',
  'Function',
  'Iterable',
  'Map',
  'Number',
  'Object',
  'Omit',
  'Partial',
  'Pick',
  'Promise',
  'Readonly',
  'Record',
  'Required',
  'Set',
  'String',
  'Symbol',
  'Uint8Array',
]);

function typeName(shape) {
  return RESERVED_TYPE_NAMES.has(shape) ? `_${shape}` : shape;
}

/** A shape's doc comment text; a renamed shape says which model shape it is. */
function shapeDoc(name, s) {
  const doc = firstSentence(s.documentation);
  if (typeName(name) === name) return doc;
  return `${doc ? `${doc} ` : ''}The model's \`${name}\` shape (renamed: it would hide the global \`${name}\`).`;
}

const SENTENCE_END = /[.!?](?=\s|$)/g;
/** Abbreviations whose period does not end a sentence (`e.g.`, `i.e.`, `etc.`, `vs.`). */
const ABBREVIATION = /(?:\be\.g|\bi\.e|\betc|\bvs)$/i;

/** The first sentence of a model documentation string, as plain text (HTML tags and entities removed). */
function firstSentence(html) {
  if (!html) return undefined;
  const text = html
    .replace(/<\/?(?:p|br|li|ul|ol|note|important|div)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&(?:#39|apos);/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return undefined;
  SENTENCE_END.lastIndex = 0;
  for (let m = SENTENCE_END.exec(text); m; m = SENTENCE_END.exec(text)) {
    if (!ABBREVIATION.test(text.slice(0, m.index))) return text.slice(0, m.index + 1);
  }
  return text;
}

const DOC_WIDTH = 110;

/** A JSDoc block (`/** … *\/`) for `text` at `indent`, wrapped to DOC_WIDTH columns; no lines without text. */
function docLines(text, indent) {
  if (!text) return [];
  const pad = ' '.repeat(indent);
  const safe = text.replace(/\*\//g, '*\\/');
  if (pad.length + safe.length + 7 <= DOC_WIDTH) return [`${pad}/** ${safe} */`];
  const lines = [`${pad}/**`];
  let line = '';
  for (const word of safe.split(' ')) {
    if (line && pad.length + 3 + line.length + 1 + word.length > DOC_WIDTH) {
      lines.push(`${pad} * ${line}`);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(`${pad} * ${line}`);
  lines.push(`${pad} */`);
  return lines;
}

/** Shape names reachable from `roots` through members, list members and map keys/values. */
function reachable(shapes, roots) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const s = shapes[name];
    if (!s) throw new UsageError(`shape ${name} is referenced but not defined`);
    seen.add(name);
    if (s.type === 'structure') for (const ref of Object.values(s.members ?? {})) visit(ref.shape);
    else if (s.type === 'list') visit(s.member.shape);
    else if (s.type === 'map') {
      visit(s.key.shape);
      visit(s.value.shape);
    }
  };
  for (const r of roots) visit(r);
  return seen;
}

/**
 * Renders the types module: structures used by operations as interfaces (unions and event streams as
 * tagged unions), string enums as unions of their values, and the operation map. Value forms are the
 * decoded ones handlers see and return (src/protocol/service.ts): blobs `Uint8Array`, timestamps `Date`
 * (the JSON and CBOR output encoders write only `Date` values as timestamps), numbers `number`. Lists of
 * shapes an input reaches are `readonly` (handlers must not change their input); output-only lists are not.
 */
function renderTypes(target, model, version) {
  const { shapes, operations } = model;
  const roots = [];
  const inputRoots = [];
  for (const op of Object.values(operations)) {
    if (op.input) {
      roots.push(op.input.shape);
      inputRoots.push(op.input.shape);
    }
    if (op.output) roots.push(op.output.shape);
  }
  const used = reachable(shapes, roots);
  const fromInput = reachable(shapes, inputRoots);

  const typeOf = (name) => {
    const s = shapes[name];
    switch (s.type) {
      case 'structure':
        return typeName(name);
      case 'list': {
        const element = typeOf(s.member.shape);
        const inner = element.startsWith('readonly ') ? `(${element})` : element;
        return `${fromInput.has(name) ? 'readonly ' : ''}${inner}[]`;
      }
      case 'map':
        return `Record<string, ${typeOf(s.value.shape)}>`;
      case 'string':
        return s.enum ? typeName(name) : 'string';
      case 'integer':
      case 'long':
      case 'double':
      case 'float':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'blob':
        return 'Uint8Array';
      case 'timestamp':
        return 'Date';
      default:
        throw new UsageError(`shape ${name}: unsupported type ${s.type}`);
    }
  };
  /** A member's type: event-stream members are async sequences of their events. */
  const memberType = (ref) => {
    const t = typeOf(ref.shape);
    return shapes[ref.shape].eventstream ? `AsyncIterable<${t}>` : t;
  };
  const key = (m) => (IDENT.test(m) ? m : lit(m));

  const out = [
    `// Generated by scripts/generate-shapes.mjs from botocore ${version} data/${target.service}/${target.version}/service-2.json.gz.`,
    '// Do not edit: run `npm run generate:shapes` (CI checks with `node scripts/generate-shapes.mjs --check`).',
    `// Types of the ${model.metadata.serviceId} ${target.version} operations as handlers see them: decoded input`,
    '// (blobs Uint8Array, timestamps Date) in, output out. Doc comments are the first sentence of the model docs.',
  ];
  for (const [name, s] of Object.entries(shapes)) {
    if (!used.has(name)) continue;
    if (s.type === 'string' && s.enum) {
      out.push('', ...docLines(shapeDoc(name, s), 0));
      const one = `export type ${typeName(name)} = ${s.enum.map((v) => lit(v)).join(' | ')};`;
      if (one.length <= DOC_WIDTH) out.push(one);
      else
        out.push(
          `export type ${typeName(name)} =`,
          ...s.enum.map((v, i) => `  | ${lit(v)}${i === s.enum.length - 1 ? ';' : ''}`),
        );
      continue;
    }
    if (s.type !== 'structure') continue;
    out.push('', ...docLines(shapeDoc(name, s), 0));
    const members = Object.entries(s.members ?? {});
    if (s.union || s.eventstream) {
      // One member set at a time: a union of one-member objects.
      const variants = members.map(([m, ref]) => `{ ${key(m)}: ${memberType(ref)} }`);
      out.push(
        `export type ${typeName(name)} =`,
        ...variants.map((v, i) => `  | ${v}${i === variants.length - 1 ? ';' : ''}`),
      );
      continue;
    }
    if (!members.length) {
      out.push(`export interface ${typeName(name)} {}`);
      continue;
    }
    const required = new Set(s.required ?? []);
    out.push(`export interface ${typeName(name)} {`);
    for (const [m, ref] of members) {
      out.push(...docLines(firstSentence(ref.documentation), 2));
      out.push(`  ${key(m)}${required.has(m) ? '' : '?'}: ${memberType(ref)};`);
    }
    out.push('}');
  }
  out.push(
    '',
    `/** Every ${model.metadata.serviceId} operation of the model: its decoded input and its output (\`void\` when it has none). */`,
    `export interface ${target.types.operations} {`,
  );
  for (const [name, op] of Object.entries(operations)) {
    out.push(...docLines(firstSentence(op.documentation), 2));
    const input = op.input ? typeName(op.input.shape) : 'Record<string, never>';
    const output = op.output ? typeName(op.output.shape) : 'void';
    out.push(`  ${key(name)}: { input: ${input}; output: ${output} };`);
  }
  out.push('}', '');
  return out.join('\n');
}

/** Parses the command line: `--check` and any number of `--service <name>`. */
function parseArgs(argv) {
  const args = { check: false, services: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') args.check = true;
    else if (a === '--service' && i + 1 < argv.length) args.services.push(argv[++i]);
    else throw new UsageError(`unknown arguments: ${argv.slice(i).join(' ')}`);
  }
  for (const name of args.services) {
    if (!SERVICES.some((t) => t.service === name)) throw new UsageError(`--service ${name}: not in SERVICES`);
  }
  return args;
}

function main(argv) {
  const { check, services } = parseArgs(argv);
  const targets = services.length ? SERVICES.filter((t) => services.includes(t.service)) : SERVICES;

  const dataDir = findBotocoreData();
  if (!dataDir || !existsSync(dataDir)) {
    process.stderr.write('generate-shapes: botocore not found (install it or set BOTOCORE_DATA to its data folder)\n');
    return EXIT_NO_BOTOCORE;
  }
  const version = botocoreVersion(dataDir);
  let differ = 0;
  for (const target of targets) {
    const model = readModel(dataDir, target.service, target.version);
    if (!model) {
      process.stderr.write(`generate-shapes: ${target.service} ${target.version} not in ${dataDir}\n`);
      return EXIT_NO_BOTOCORE;
    }
    const overrides = target.overrides ? JSON.parse(readFileSync(join(ROOT, target.overrides), 'utf8')) : {};
    const files = [[target.out, render(target, convertModel(model, overrides), version)]];
    if (target.types) files.push([target.types.out, renderTypes(target, model, version)]);
    for (const [out, text] of files) {
      const outPath = join(ROOT, out);
      if (check) {
        const current = existsSync(outPath) ? readFileSync(outPath, 'utf8') : undefined;
        const madeFrom = current && /from botocore (\S+) data\//.exec(current)?.[1];
        if (madeFrom && madeFrom !== version) {
          process.stderr.write(
            `generate-shapes: ${out} was generated from botocore ${madeFrom}; this machine has ${version}: not comparable\n`,
          );
          return EXIT_OTHER_BOTOCORE;
        }
        if (current !== text) {
          differ++;
          process.stderr.write(`generate-shapes: ${out} is out of date (run npm run generate:shapes)\n`);
        }
      } else {
        mkdirSync(dirname(outPath), { recursive: true });
        writeFileSync(outPath, text);
        process.stdout.write(`generate-shapes: wrote ${out}\n`);
      }
    }
  }
  return differ ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`generate-shapes: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
}
