import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** Validators for the published JSON Schemas in schemas/, as subscribers would use them. */
export function schemaValidators(): { fileEvent: ValidateFunction; deadLetter: ValidateFunction } {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const load = (file: string): object =>
    JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', file), 'utf8')) as object;
  return {
    fileEvent: ajv.compile(load('file-event.schema.json')),
    deadLetter: ajv.compile(load('dead-letter.schema.json')),
  };
}
