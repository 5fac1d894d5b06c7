/**
 * The validator of `drvcheck.json`. Loading ajv and compiling the schema costs about 50 ms, a
 * large part of a one-driver run, so `npm run build` writes the validator ajv generates for the
 * schema to dist/src/config/config-validator.cjs (scripts/build-config-validator.mjs), and it is
 * loaded from there. The file records a hash of the schema it was generated from: when that is
 * not the current schema's, or the file is missing (a build by `tsc` alone), the schema is
 * compiled here instead, so a stale file is never used.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { CONFIG_SCHEMA } from './schema.js';

/** The options the validator is compiled with, here and by the build script. */
export const AJV_OPTIONS = { allErrors: true, strict: false } as const;

export const GENERATED_VALIDATOR_FILE = 'config-validator.cjs';

/** Identifies the schema and the options a validator was generated from. */
export function schemaHash(): string {
  return createHash('sha256').update(JSON.stringify([CONFIG_SCHEMA, AJV_OPTIONS])).digest('hex');
}

const require = createRequire(import.meta.url);
type AjvClass = typeof import('ajv').default;
let validator: ValidateFunction | undefined;

/** Loaded on first use: most runs read no configuration file. */
export function configValidator(): ValidateFunction {
  validator ??= generatedValidator() ?? (new (require('ajv') as AjvClass)(AJV_OPTIONS).compile(CONFIG_SCHEMA) as ValidateFunction);
  return validator;
}

function generatedValidator(): ValidateFunction | undefined {
  try {
    const generated = require(`./${GENERATED_VALIDATOR_FILE}`) as ValidateFunction & { schemaHash?: string };
    return generated.schemaHash === schemaHash() ? generated : undefined;
  } catch {
    return undefined;
  }
}
