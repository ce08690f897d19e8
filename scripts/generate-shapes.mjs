#!/usr/bin/env node
/**
 * Generates the checked-in shape models (`src/<area>/shapes/*.generated.ts`) from the AWS API models
 * that botocore ships (`data/<service>/<version>/service-2.json.gz`). Only names, types, constraints,
 * operation bindings and error lists are kept, never documentation text, so the output is small and
 * stable. Output is deterministic: model order for operations, shapes and members.
 *
 * Usage:
 *   node scripts/generate-shapes.mjs           write every target in SERVICES
 *   node scripts/generate-shapes.mjs --check   regenerate in memory; exit 1 if any checked-in file differs
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
 * kinesisanalyticsv2 2018-05-23, ...) is one more row; `overrides` is optional.
 */
const SERVICES = [
  {
    service: 'kinesis',
    version: '2013-12-02',
    out: 'src/streams/shapes/kinesis.generated.ts',
    exportName: 'kinesisModel',
    overrides: 'scripts/shape-overrides/kinesis.json',
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
      for (const [m, ref] of Object.entries(s.members ?? {})) members[m] = { shape: ref.shape };
      out.members = members;
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

function main(argv) {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length) throw new UsageError(`unknown arguments: ${unknown.join(' ')}`);

  const dataDir = findBotocoreData();
  if (!dataDir || !existsSync(dataDir)) {
    process.stderr.write('generate-shapes: botocore not found (install it or set BOTOCORE_DATA to its data folder)\n');
    return EXIT_NO_BOTOCORE;
  }
  const version = botocoreVersion(dataDir);
  let differ = 0;
  for (const target of SERVICES) {
    const model = readModel(dataDir, target.service, target.version);
    if (!model) {
      process.stderr.write(`generate-shapes: ${target.service} ${target.version} not in ${dataDir}\n`);
      return EXIT_NO_BOTOCORE;
    }
    const overrides = target.overrides ? JSON.parse(readFileSync(join(ROOT, target.overrides), 'utf8')) : {};
    const text = render(target, convertModel(model, overrides), version);
    const outPath = join(ROOT, target.out);
    if (check) {
      const current = existsSync(outPath) ? readFileSync(outPath, 'utf8') : undefined;
      const madeFrom = current && /from botocore (\S+) data\//.exec(current)?.[1];
      if (madeFrom && madeFrom !== version) {
        process.stderr.write(
          `generate-shapes: ${target.out} was generated from botocore ${madeFrom}; this machine has ${version}: not comparable\n`,
        );
        return EXIT_OTHER_BOTOCORE;
      }
      if (current !== text) {
        differ++;
        process.stderr.write(`generate-shapes: ${target.out} is out of date (run npm run generate:shapes)\n`);
      }
    } else {
      mkdirSync(dirname(outPath), { recursive: true });
      writeFileSync(outPath, text);
      process.stdout.write(`generate-shapes: wrote ${target.out}\n`);
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
